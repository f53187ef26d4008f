package dev.sds.kms.plugin.cli;

import dev.sds.kms.plugin.bench.BenchOp;
import dev.sds.kms.plugin.bench.BenchReport;
import dev.sds.kms.plugin.bench.BenchSettings;
import dev.sds.kms.plugin.server.UnixEndpoint;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code bench-report}: the plugin's overhead against a do-nothing KMS v2 server, for
 * docs/BENCHMARKS.md (run by scripts/bench.sh). Hidden: a tool for maintainers, not for users.
 */
@Command(
    name = "bench-report",
    hidden = true,
    mixinStandardHelpOptions = true,
    description = {
      "Benchmark a baseline KMS v2 server, the daemon on the embedded KMaaS and the daemon against"
          + " a standalone KMaaS over HTTPS, in this process, and print the ratios to the baseline.",
      "Exit code 0 without failed calls, 1 with any, 2 for bad options."
    })
final class BenchReportCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(names = "--concurrency", defaultValue = "16", description = "default: ${DEFAULT-VALUE}")
  int concurrency;

  @Option(
      names = "--duration",
      defaultValue = "5s",
      converter = DurationConverter.class,
      description = "measured time per target and operation (default: ${DEFAULT-VALUE})")
  Duration duration;

  @Option(
      names = "--warmup",
      defaultValue = "2s",
      converter = DurationConverter.class,
      description = "default: ${DEFAULT-VALUE}")
  Duration warmup;

  @Option(
      names = "--added-latency",
      defaultValue = "2ms",
      converter = DurationConverter.class,
      description = "KMaaS latency of the last target; 0s skips it (default: ${DEFAULT-VALUE})")
  Duration addedLatency;

  @Option(
      names = "--rounds",
      defaultValue = "2",
      description = "times every target is measured; the best counts (default: ${DEFAULT-VALUE})")
  int rounds;

  @Option(names = "--channels", defaultValue = "1", description = "default: ${DEFAULT-VALUE}")
  int channels;

  @Override
  public Integer call() throws Exception {
    Logging.configure("warn", "text");
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Path dir = Files.createTempDirectory("kms-bench-");
    BenchSettings client;
    try {
      client =
          new BenchSettings(
              UnixEndpoint.parse("unix://" + dir.resolve("unused.sock")),
              concurrency,
              duration,
              warmup,
              List.of(BenchOp.STATUS),
              Duration.ofSeconds(3),
              channels,
              BenchSettings.Driver.ASYNC);
    } catch (IllegalArgumentException e) {
      err.println("kms-plugin bench-report: " + e.getMessage());
      return 2;
    }
    if (rounds < 1) {
      err.println("kms-plugin bench-report: --rounds must be at least 1");
      return 2;
    }
    BenchReport report = new BenchReport(client, addedLatency, rounds, dir, err);
    out.print(report.run());
    out.flush();
    return report.errors() == 0 ? 0 : 1;
  }
}
