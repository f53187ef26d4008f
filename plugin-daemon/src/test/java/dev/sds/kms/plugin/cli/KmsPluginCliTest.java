package dev.sds.kms.plugin.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The command line as a user meets it: default subcommand, help, and one-line errors. */
class KmsPluginCliTest {
  private final Cli cli = new Cli();

  private int run(String... args) {
    return cli.run(args);
  }

  @Test
  void servesWhenNoSubcommandIsGiven() {
    assertThat(KmsPluginCli.withDefaultSubcommand(new String[0])).containsExactly("serve");
    assertThat(KmsPluginCli.withDefaultSubcommand(new String[] {"--bind", "unix:///x"}))
        .containsExactly("serve", "--bind", "unix:///x");
    assertThat(KmsPluginCli.withDefaultSubcommand(new String[] {"probe"})).containsExactly("probe");
    assertThat(KmsPluginCli.withDefaultSubcommand(new String[] {"--help"}))
        .containsExactly("--help");
  }

  @ParameterizedTest(name = "{0} {1} names the setting")
  @CsvSource({
    "--check-interval, 5x, --check-interval",
    "--bind, tcp://localhost:1, --bind",
    "--kmaas-url, http://kmaas:3000, --kmaas-url",
    "--http-address, nowhere, --http-address",
    "--log-level, loud, --log-level",
    "--dek-cache-size, -1, --dek-cache-size",
  })
  void aBadSettingStopsWithOneLineNamingItAndExitCode2(String flag, String value, String named) {
    int exit = run("serve", flag, value);

    assertThat(exit).isEqualTo(2);
    assertThat(cli.err.toString().strip())
        .doesNotContain("\n")
        .startsWith("kms-plugin: ")
        .contains(named);
  }

  @Test
  void anUnknownFlagIsAUsageError() {
    assertThat(run("serve", "--no-such-flag")).isEqualTo(2);
    assertThat(cli.err.toString()).contains("--no-such-flag");
  }

  @Test
  void serveHelpListsEverySettingWithItsEnvironmentVariable() {
    assertThat(run("serve", "--help")).isZero();
    assertThat(cli.out.toString())
        .contains("--kmaas-url", "KMAAS_URL", "--bind", "BIND_STRING", "KEY_ID", "KMAAS_TENANT_ID");
  }

  @Test
  void everySubcommandHasHelp() {
    for (String sub : new String[] {"serve", "probe", "kmaas-server", "kek", "audit", "bench"}) {
      cli.out.getBuffer().setLength(0);
      assertThat(run(sub, "--help")).as(sub).isZero();
      assertThat(cli.out.toString()).as(sub).contains("Usage:");
    }
  }
}
