package dev.sds.kms.plugin.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sds.kms.plugin.Daemon;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code probe} against a real daemon on its embedded KMaaS, and against nothing. */
class ProbeCommandIT {
  @TempDir Path dir;

  private final Cli cli = new Cli();

  private int probe(String... args) {
    return cli.command("probe", args);
  }

  @Test
  void passesAgainstARunningDaemon() throws Exception {
    String endpoint = Cli.endpoint(dir);
    try (Daemon daemon = Cli.embeddedDaemon(dir)) {
      int exit = probe("--endpoint", endpoint);

      assertThat(exit).as(cli.out.toString()).isZero();
      assertThat(cli.out.toString())
          .contains("ok    Status", "ok    Encrypt", "ok    Decrypt", "ok    Refusal")
          .contains("PASS");
    }
  }

  @Test
  void failsWithExitCode1WhenNothingServesTheSocket() {
    int exit = probe("--endpoint", "unix://" + dir.resolve("nothing.sock"), "--timeout", "1s");

    assertThat(exit).isEqualTo(1);
    assertThat(cli.out.toString())
        .contains("FAIL")
        .contains("UNAVAILABLE")
        .as("the root cause tells a missing socket from a permission problem")
        .contains("(no such socket file)");
  }

  @Test
  void aBadEndpointIsAUsageError() {
    assertThat(probe("--endpoint", "tcp://localhost:1")).isEqualTo(2);
    assertThat(cli.err.toString()).contains("--endpoint");
  }
}
