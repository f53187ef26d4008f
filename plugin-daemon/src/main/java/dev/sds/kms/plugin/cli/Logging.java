package dev.sds.kms.plugin.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.Encoder;
import org.slf4j.LoggerFactory;

/**
 * Sets the root log level and the format of the log lines on stderr: {@code json} (one JSON object
 * per line, for production) or {@code text} (for people).
 */
final class Logging {
  private Logging() {}

  static void configure(String level, String format) {
    apply((LoggerContext) LoggerFactory.getILoggerFactory(), level, format);
  }

  /**
   * Replaces the root logger's appenders with one on stderr in {@code format}, at {@code level}.
   */
  static void apply(LoggerContext context, String level, String format) {
    Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    root.detachAndStopAllAppenders();

    Encoder<ILoggingEvent> encoder = "json".equals(format) ? jsonEncoder() : textEncoder(context);
    encoder.setContext(context);
    encoder.start();

    ConsoleAppender<ILoggingEvent> appender = new ConsoleAppender<>();
    appender.setContext(context);
    appender.setName("STDERR");
    appender.setTarget("System.err");
    appender.setEncoder(encoder);
    appender.start();

    root.addAppender(appender);
    root.setLevel(Level.toLevel(level, Level.INFO));
  }

  private static Encoder<ILoggingEvent> jsonEncoder() {
    JsonEncoder json = new JsonEncoder();
    json.setWithSequenceNumber(false);
    json.setWithNanoseconds(false);
    json.setWithContext(false);
    json.setWithArguments(false);
    json.setWithMessage(false);
    json.setWithFormattedMessage(true);
    json.setWithMDC(false);
    return json;
  }

  private static Encoder<ILoggingEvent> textEncoder(LoggerContext context) {
    PatternLayoutEncoder text = new PatternLayoutEncoder();
    text.setPattern("%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX} %-5level %logger{0}: %msg%n%ex{short}");
    return text;
  }
}
