package dev.sds.kms.plugin.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sds.kms.plugin.Daemon;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code bench} against a real daemon on its embedded KMaaS, and with bad options. */
class BenchCommandIT {
  @TempDir Path dir;

  private final Cli cli = new Cli();

  private int bench(String... args) {
    return cli.command("bench", args);
  }

  @Test
  void reportsEveryOperationAsJsonAgainstARunningDaemon() throws Exception {
    String endpoint = Cli.endpoint(dir);
    try (Daemon daemon = Cli.embeddedDaemon(dir)) {
      int exit =
          bench(
              "--endpoint",
              endpoint,
              "--duration",
              "1s",
              "--warmup",
              "0s",
              "--concurrency",
              "4",
              "-o",
              "json");

      assertThat(exit).as(cli.err.toString()).isZero();
      JsonNode result = new ObjectMapper().readTree(cli.out.toString());
      assertThat(result.get("errors").asLong()).isZero();
      for (String op : new String[] {"status", "encrypt", "decrypt"}) {
        JsonNode o = result.get("operations").get(op);
        assertThat(o.get("calls").asLong()).as(op).isPositive();
        assertThat(o.get("latencyMillis").get("p99").asDouble()).as(op).isPositive();
        assertThat(o.get("errors").asLong()).as(op).isZero();
      }
      assertThat(cli.err.toString()).as("progress line").contains("[run");
    }
  }

  @Test
  void callsThatFailAreCountedByCodeAndExitWith1() {
    int exit =
        bench(
            "--endpoint",
            "unix://" + dir.resolve("nothing.sock"),
            "--ops",
            "status",
            "--duration",
            "1s",
            "--warmup",
            "0s");

    assertThat(exit).isEqualTo(1);
    assertThat(cli.out.toString()).contains("UNAVAILABLE");
  }

  @Test
  void badOptionsAreUsageErrors() {
    assertThat(bench("--ops", "status,rotate")).isEqualTo(2);
    assertThat(cli.err.toString()).contains("rotate");
    assertThat(bench("-o", "yaml")).isEqualTo(2);
    assertThat(bench("--endpoint", "tcp://localhost:1")).isEqualTo(2);
  }
}
