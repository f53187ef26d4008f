package dev.sds.kms.plugin.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Locale;
import java.util.TreeMap;

/**
 * The outcome of one benchmark run, printable as a table or as one JSON object.
 *
 * @param seconds measured time actually elapsed
 */
public record BenchResult(BenchSettings settings, double seconds, List<OpResult> ops) {
  private static final ObjectMapper MAPPER =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  public BenchResult {
    ops = List.copyOf(ops);
  }

  public long errors() {
    return ops.stream().mapToLong(OpResult::errors).sum();
  }

  public OpResult op(BenchOp op) {
    return ops.stream()
        .filter(r -> r.op() == op)
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException(op.label() + " was not run"));
  }

  /** A human-readable table, one line per operation, then the errors by code. */
  public String toTable() {
    StringBuilder out = new StringBuilder();
    out.append(
        String.format(
            Locale.ROOT,
            "%s  concurrency %d  channels %d  driver %s  measured %.1fs%n",
            settings.endpoint(),
            settings.concurrency(),
            settings.channels(),
            settings.driver().name().toLowerCase(Locale.ROOT),
            seconds));
    out.append(
        String.format(
            Locale.ROOT,
            "%-8s %10s %10s %9s %9s %9s %9s %8s%n",
            "op",
            "calls",
            "calls/s",
            "p50 ms",
            "p90 ms",
            "p99 ms",
            "max ms",
            "errors"));
    for (OpResult r : ops) {
      out.append(
          String.format(
              Locale.ROOT,
              "%-8s %10d %10.0f %9.3f %9.3f %9.3f %9.3f %8d%n",
              r.op().label(),
              r.calls(),
              r.perSecond(),
              millis(r.p50Nanos()),
              millis(r.p90Nanos()),
              millis(r.p99Nanos()),
              millis(r.maxNanos()),
              r.errors()));
    }
    if (errors() == 0) {
      out.append("errors by code: none").append(System.lineSeparator());
    } else {
      out.append("errors by code:").append(System.lineSeparator());
      for (OpResult r : ops) {
        r.errorsByCode()
            .forEach(
                (code, n) ->
                    out.append(
                        String.format(
                            Locale.ROOT,
                            "  %-8s %-20s %8d  %s%n",
                            r.op().label(),
                            code,
                            n,
                            r.errorSamples().getOrDefault(code, ""))));
      }
    }
    return out.toString();
  }

  /** One JSON object: settings, then per operation calls, rate, latencies in ms and errors. */
  public String toJson() {
    ObjectNode root = MAPPER.createObjectNode();
    root.put("endpoint", settings.endpoint().toString());
    root.put("concurrency", settings.concurrency());
    root.put("channels", settings.channels());
    root.put("driver", settings.driver().name().toLowerCase(Locale.ROOT));
    root.put("warmupSeconds", settings.warmup().toMillis() / 1000.0);
    root.put("seconds", seconds);
    root.put("errors", errors());
    ObjectNode operations = root.putObject("operations");
    for (OpResult r : ops) {
      ObjectNode o = operations.putObject(r.op().label());
      o.put("calls", r.calls());
      o.put("callsPerSecond", r.perSecond());
      ObjectNode latency = o.putObject("latencyMillis");
      latency.put("p50", millis(r.p50Nanos()));
      latency.put("p90", millis(r.p90Nanos()));
      latency.put("p99", millis(r.p99Nanos()));
      latency.put("max", millis(r.maxNanos()));
      o.put("errors", r.errors());
      o.set("errorsByCode", MAPPER.valueToTree(new TreeMap<>(r.errorsByCode())));
      o.set("errorSamples", MAPPER.valueToTree(new TreeMap<>(r.errorSamples())));
    }
    try {
      return MAPPER.writeValueAsString(root);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write the result as JSON", e);
    }
  }

  static double millis(long nanos) {
    return nanos / 1_000_000.0;
  }
}
