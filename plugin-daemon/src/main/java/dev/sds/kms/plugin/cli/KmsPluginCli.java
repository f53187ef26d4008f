package dev.sds.kms.plugin.cli;

import dev.sds.kms.plugin.Daemon;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code java -jar kms-plugin.jar [serve|probe|kmaas-server|kek|audit|recover|bench] …}. Without a
 * subcommand it serves, as the SDS product's daemon always did.
 */
@Command(
    name = "kms-plugin",
    mixinStandardHelpOptions = true,
    versionProvider = KmsPluginCli.Version.class,
    description = "SDS KMS plugin for Kubernetes: a KMS v2 plugin backed by SDS KMaaS.",
    subcommands = {
      ServeCommand.class,
      ProbeCommand.class,
      KmaasServerCommand.class,
      KekCommand.class,
      AuditCommand.class,
      RecoverCommand.class,
      BenchCommand.class,
      BenchReportCommand.class
    })
public final class KmsPluginCli {

  public static void main(String[] args) {
    System.exit(commandLine().execute(withDefaultSubcommand(args)));
  }

  /** The command tree with the serve options added from the settings table. */
  public static CommandLine commandLine() {
    CommandLine cli = new CommandLine(new KmsPluginCli());
    ServeCommand.addSettingOptions(cli.getSubcommands().get("serve").getCommandSpec());
    RecoverCommand.addSettingOptions(cli.getSubcommands().get("recover").getCommandSpec());
    return cli;
  }

  /**
   * {@code kms-plugin} and {@code kms-plugin --bind …} mean {@code kms-plugin serve …}, as the SDS
   * product's daemon always started without a subcommand.
   */
  static String[] withDefaultSubcommand(String[] args) {
    if (args.length > 0
        && (args[0].equals("-h")
            || args[0].equals("--help")
            || args[0].equals("-V")
            || args[0].equals("--version")
            || !args[0].startsWith("-"))) {
      return args;
    }
    String[] withServe = new String[args.length + 1];
    withServe[0] = "serve";
    System.arraycopy(args, 0, withServe, 1, args.length);
    return withServe;
  }

  /** Reports the jar's version. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"kms-plugin " + Daemon.version()};
    }
  }
}
