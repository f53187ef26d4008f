package dev.sds.kms.plugin.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sds.kms.plugin.Daemon;
import dev.sds.kms.plugin.config.ConfigLoader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code probe} against a real daemon on its embedded KMaaS, and against nothing. */
class ProbeCommandIT {
  @TempDir Path dir;

  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int probe(String... args) {
    CommandLine cli = KmsPluginCli.commandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    String[] withProbe = new String[args.length + 1];
    withProbe[0] = "probe";
    System.arraycopy(args, 0, withProbe, 1, args.length);
    return cli.execute(withProbe);
  }

  @Test
  void passesAgainstARunningDaemon() throws Exception {
    String endpoint = "unix://" + dir.resolve("kms.sock");
    Map<String, String> flags =
        Map.of(
            "--bind",
            endpoint,
            "--state-file",
            dir.resolve("kmaas.json").toString(),
            "--http-address",
            "off");
    try (Daemon daemon = Daemon.start(ConfigLoader.load(flags, Map.of()))) {
      int exit = probe("--endpoint", endpoint);

      assertThat(exit).as(out.toString()).isZero();
      assertThat(out.toString())
          .contains("ok    Status", "ok    Encrypt", "ok    Decrypt", "ok    Refusal")
          .contains("PASS");
    }
  }

  @Test
  void failsWithExitCode1WhenNothingServesTheSocket() {
    int exit = probe("--endpoint", "unix://" + dir.resolve("nothing.sock"), "--timeout", "1s");

    assertThat(exit).isEqualTo(1);
    assertThat(out.toString()).contains("FAIL").contains("UNAVAILABLE");
  }

  @Test
  void aBadEndpointIsAUsageError() {
    assertThat(probe("--endpoint", "tcp://localhost:1")).isEqualTo(2);
    assertThat(err.toString()).contains("--endpoint");
  }
}
