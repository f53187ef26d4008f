package dev.sds.kms.plugin.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ConfiguratorRank;
import ch.qos.logback.core.spi.ContextAwareBase;

/**
 * Logback's configuration until a command sets its own ({@link Logging#configure}): text on stderr
 * at INFO, the chatty libraries at WARN. Found by logback through {@code
 * META-INF/services/ch.qos.logback.classic.spi.Configurator}; done in code rather than in a {@code
 * logback.xml} because parsing XML loads some 450 classes (a fifth of the daemon's start-up on a
 * loaded machine, docs/BENCHMARKS.md). A {@code logback-test.xml}, {@code logback.xml} or {@code
 * -Dlogback.configurationFile} on the class path still wins: then this does nothing and logback
 * reads the file as usual.
 */
@ConfiguratorRank(ConfiguratorRank.CUSTOM_NORMAL_PRIORITY)
public final class LogDefaults extends ContextAwareBase
    implements ch.qos.logback.classic.spi.Configurator {

  @Override
  public ExecutionStatus configure(LoggerContext context) {
    if (System.getProperty("logback.configurationFile") != null
        || resource("logback-test.xml")
        || resource("logback.xml")) {
      return ExecutionStatus.INVOKE_NEXT_IF_ANY;
    }
    Logging.apply(context, "info", "text");
    context.getLogger("io.grpc").setLevel(Level.WARN);
    context.getLogger("io.netty").setLevel(Level.WARN);
    // grpc-netty asks every channel for SO_KEEPALIVE, which Unix sockets do not have
    context.getLogger("io.netty.bootstrap").setLevel(Level.ERROR);
    context.getLogger("okhttp3").setLevel(Level.WARN);
    return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
  }

  private static boolean resource(String name) {
    ClassLoader loader = LogDefaults.class.getClassLoader();
    return loader != null && loader.getResource(name) != null;
  }
}
