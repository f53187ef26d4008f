package dev.sds.kms.plugin.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator.ExecutionStatus;
import ch.qos.logback.core.ConsoleAppender;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class LogDefaultsTest {

  @Test
  void logbackFindsTheDefaultsWithoutAnXmlFile() {
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();

    assertThat(context.getLogger("io.netty.bootstrap").getEffectiveLevel()).isEqualTo(Level.ERROR);
    assertThat(context.getLogger("io.grpc.netty").getEffectiveLevel()).isEqualTo(Level.WARN);
    assertThat(context.getLogger("okhttp3").getEffectiveLevel()).isEqualTo(Level.WARN);
    assertThat(context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).getAppender("STDERR"))
        .isInstanceOf(ConsoleAppender.class);
  }

  @Test
  void setsTextOnStderrAtInfoAndQuietsTheLibraries() {
    LoggerContext context = new LoggerContext();
    LogDefaults defaults = new LogDefaults();
    defaults.setContext(context);

    assertThat(defaults.configure(context)).isEqualTo(ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY);

    Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    assertThat(root.getLevel()).isEqualTo(Level.INFO);
    ConsoleAppender<?> appender = (ConsoleAppender<?>) root.getAppender("STDERR");
    assertThat(appender.getTarget()).isEqualTo("System.err");
    assertThat(appender.isStarted()).isTrue();
    assertThat(context.getLogger("io.grpc").getLevel()).isEqualTo(Level.WARN);
    assertThat(context.getLogger("io.netty").getLevel()).isEqualTo(Level.WARN);
    assertThat(context.getLogger("io.netty.bootstrap").getLevel()).isEqualTo(Level.ERROR);
    assertThat(context.getLogger("okhttp3").getLevel()).isEqualTo(Level.WARN);
    assertThat(context.getLogger("dev.sds").getEffectiveLevel()).isEqualTo(Level.INFO);
  }

  @Test
  void leavesAnExplicitConfigurationFileToLogback() {
    LoggerContext context = new LoggerContext();
    LogDefaults defaults = new LogDefaults();
    defaults.setContext(context);
    String previous = System.setProperty("logback.configurationFile", "some-logback.xml");
    try {
      assertThat(defaults.configure(context)).isEqualTo(ExecutionStatus.INVOKE_NEXT_IF_ANY);
    } finally {
      if (previous == null) {
        System.clearProperty("logback.configurationFile");
      } else {
        System.setProperty("logback.configurationFile", previous);
      }
    }
    assertThat(context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).iteratorForAppenders())
        .isExhausted();
  }
}
