package dev.sds.kms.plugin.cli;

import dev.sds.kms.plugin.Daemon;
import dev.sds.kms.plugin.config.ConfigLoader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Map;
import picocli.CommandLine;

/**
 * The command line as the CLI tests drive it: {@code kms-plugin …} with stdout and stderr captured,
 * and a real daemon on its embedded KMaaS to point commands at.
 */
final class Cli {
  final StringWriter out = new StringWriter();
  final StringWriter err = new StringWriter();

  /** Runs {@code kms-plugin <args>} as {@code main} would and returns the exit code. */
  int run(String... args) {
    CommandLine cli = KmsPluginCli.commandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    return cli.execute(KmsPluginCli.withDefaultSubcommand(args));
  }

  /** Runs {@code kms-plugin <subcommand> <args>}. */
  int command(String subcommand, String... args) {
    String[] all = new String[args.length + 1];
    all[0] = subcommand;
    System.arraycopy(args, 0, all, 1, args.length);
    return run(all);
  }

  /** The socket {@link #embeddedDaemon} serves on. */
  static String endpoint(Path dir) {
    return "unix://" + dir.resolve("kms.sock");
  }

  /** A daemon on the embedded KMaaS in {@code dir}, serving on {@link #endpoint}, no HTTP. */
  static Daemon embeddedDaemon(Path dir) throws Exception {
    Map<String, String> flags =
        Map.of(
            "--bind", endpoint(dir),
            "--state-file", dir.resolve("kmaas.json").toString(),
            "--http-address", "off");
    return Daemon.start(ConfigLoader.load(flags, Map.of()));
  }
}
