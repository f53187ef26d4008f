package dev.sds.kms.plugin.cli;

import dev.sds.kms.plugin.bench.BenchOp;
import dev.sds.kms.plugin.bench.BenchResult;
import dev.sds.kms.plugin.bench.BenchSettings;
import dev.sds.kms.plugin.bench.KmsBenchmark;
import dev.sds.kms.plugin.server.UnixEndpoint;
import io.grpc.StatusRuntimeException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Load on a KMS v2 socket: throughput, latency percentiles and errors per operation. */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = {
      "Drive a KMS v2 plugin socket with concurrent clients and report throughput, latency "
          + "percentiles (p50, p90, p99, max) and errors by gRPC code per operation. Progress "
          + "goes to stderr every second.",
      "Exit code 0 without failed calls, 1 with any, 2 for bad options."
    })
final class BenchCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(
      names = "--endpoint",
      paramLabel = "unix:///PATH",
      description = "socket of the plugin (default: ${DEFAULT-VALUE})",
      defaultValue = "unix:///tmp/sds-kms-plugin.sock")
  String endpoint;

  @Option(
      names = "--concurrency",
      paramLabel = "N",
      description = "calls in flight at any time (default: ${DEFAULT-VALUE})",
      defaultValue = "16")
  int concurrency;

  @Option(
      names = "--duration",
      paramLabel = "DURATION",
      description = "measured time (default: ${DEFAULT-VALUE})",
      defaultValue = "10s",
      converter = DurationConverter.class)
  Duration duration;

  @Option(
      names = "--warmup",
      paramLabel = "DURATION",
      description = "time driven before measuring, not counted (default: ${DEFAULT-VALUE})",
      defaultValue = "2s",
      converter = DurationConverter.class)
  Duration warmup;

  @Option(
      names = "--ops",
      paramLabel = "LIST",
      description =
          "operations, comma-separated; each client cycles through them (default:"
              + " ${DEFAULT-VALUE})",
      defaultValue = "status,encrypt,decrypt")
  String ops;

  @Option(
      names = {"-o", "--output"},
      paramLabel = "FORMAT",
      description = "table or json (default: ${DEFAULT-VALUE})",
      defaultValue = "table")
  String output;

  @Option(
      names = "--timeout",
      paramLabel = "DURATION",
      description = "deadline of each call (default: ${DEFAULT-VALUE})",
      defaultValue = "3s",
      converter = DurationConverter.class)
  Duration timeout;

  @Option(
      names = "--channels",
      paramLabel = "N",
      description = "gRPC connections the calls are spread over (default: ${DEFAULT-VALUE})",
      defaultValue = "1")
  int channels;

  @Option(
      names = "--driver",
      hidden = true,
      description = "async (default) or blocking: one thread per client",
      defaultValue = "async")
  String driver;

  @Override
  public Integer call() throws InterruptedException {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    BenchSettings settings;
    try {
      settings = settings();
    } catch (IllegalArgumentException e) {
      err.println("kms-plugin bench: " + e.getMessage());
      return 2;
    }
    BenchResult result;
    try {
      result = new KmsBenchmark(settings, err).run();
    } catch (StatusRuntimeException e) {
      err.println(
          "kms-plugin bench: cannot prepare Decrypt (Encrypt failed): " + e.getStatus().getCode());
      return 1;
    }
    out.print(output.equals("json") ? result.toJson() + System.lineSeparator() : result.toTable());
    out.flush();
    return result.errors() == 0 ? 0 : 1;
  }

  private BenchSettings settings() {
    if (!output.equals("table") && !output.equals("json")) {
      throw new IllegalArgumentException("-o must be table or json, not '" + output + "'");
    }
    UnixEndpoint target;
    try {
      target = UnixEndpoint.parse(endpoint);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--endpoint " + e.getMessage());
    }
    BenchSettings.Driver d;
    try {
      d = BenchSettings.Driver.valueOf(driver.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--driver must be async or blocking");
    }
    List<BenchOp> operations = BenchOp.parseList(ops);
    return new BenchSettings(
        target, concurrency, duration, warmup, operations, timeout, channels, d);
  }
}
