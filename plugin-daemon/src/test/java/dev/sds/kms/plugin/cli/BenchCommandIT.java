package dev.sds.kms.plugin.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sds.kms.plugin.Daemon;
import dev.sds.kms.plugin.config.ConfigLoader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code bench} against a real daemon on its embedded KMaaS, and with bad options. */
class BenchCommandIT {
  @TempDir Path dir;

  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int bench(String... args) {
    CommandLine cli = KmsPluginCli.commandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    String[] withBench = new String[args.length + 1];
    withBench[0] = "bench";
    System.arraycopy(args, 0, withBench, 1, args.length);
    return cli.execute(withBench);
  }

  @Test
  void reportsEveryOperationAsJsonAgainstARunningDaemon() throws Exception {
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

      assertThat(exit).as(err.toString()).isZero();
      JsonNode result = new ObjectMapper().readTree(out.toString());
      assertThat(result.get("errors").asLong()).isZero();
      for (String op : new String[] {"status", "encrypt", "decrypt"}) {
        JsonNode o = result.get("operations").get(op);
        assertThat(o.get("calls").asLong()).as(op).isPositive();
        assertThat(o.get("latencyMillis").get("p99").asDouble()).as(op).isPositive();
        assertThat(o.get("errors").asLong()).as(op).isZero();
      }
      assertThat(err.toString()).as("progress line").contains("[run");
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
    assertThat(out.toString()).contains("UNAVAILABLE");
  }

  @Test
  void badOptionsAreUsageErrors() {
    assertThat(bench("--ops", "status,rotate")).isEqualTo(2);
    assertThat(err.toString()).contains("rotate");
    assertThat(bench("-o", "yaml")).isEqualTo(2);
    assertThat(bench("--endpoint", "tcp://localhost:1")).isEqualTo(2);
  }
}
