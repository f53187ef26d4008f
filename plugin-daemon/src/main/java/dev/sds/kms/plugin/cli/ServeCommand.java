package dev.sds.kms.plugin.cli;

import dev.sds.kms.plugin.Daemon;
import dev.sds.kms.plugin.config.ConfigException;
import dev.sds.kms.plugin.config.ConfigLoader;
import dev.sds.kms.plugin.config.DaemonConfig;
import dev.sds.kms.plugin.config.Durations;
import dev.sds.kms.plugin.server.SocketInUseException;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * Runs the KMS v2 plugin until SIGTERM/SIGINT. Its options come from the settings table ({@link
 * ConfigLoader}); each can also be given as an environment variable or in the YAML file.
 */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Serve the KMS v2 API on a Unix socket (the default command).",
      "Precedence: flags, then environment, then the YAML file (--config), then defaults.",
      "Without --kmaas-url / KMAAS_URL an embedded KMaaS keeps KEKs in a local file "
          + "(development only).",
      "Exit code 2: a bad setting (one line on stderr names it); 1: could not start."
    })
final class ServeCommand implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(ServeCommand.class);

  @Spec CommandSpec spec;

  private final Map<String, String> env;

  ServeCommand() {
    this(System.getenv());
  }

  ServeCommand(Map<String, String> env) {
    this.env = env;
  }

  static void addSettingOptions(CommandSpec spec) {
    ConfigLoader.addOptions(spec);
  }

  @Override
  public Integer call() throws InterruptedException {
    DaemonConfig config;
    try {
      config = ConfigLoader.load(ConfigLoader.flagsFrom(spec.commandLine().getParseResult()), env);
    } catch (ConfigException e) {
      spec.commandLine().getErr().println("kms-plugin: " + e.getMessage());
      return 2;
    }
    Logging.configure(config.logLevel(), config.logFormat());
    Daemon daemon;
    try {
      daemon = Daemon.start(config);
    } catch (SocketInUseException e) {
      LOG.error("cannot start: {}", e.getMessage());
      return 1;
    } catch (IOException | RuntimeException e) {
      LOG.error("cannot start: {}", e.getMessage());
      return 1;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  LOG.info(
                      "stopping: draining in-flight calls for up to {}",
                      Durations.format(config.shutdownGrace()));
                  daemon.close();
                  stopped.countDown();
                },
                "shutdown"));
    stopped.await();
    return 0;
  }
}
