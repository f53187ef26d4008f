package dev.sds.kms.plugin.bench;

import java.util.Map;

/**
 * The figures of one operation over the measured time.
 *
 * @param calls successful calls
 * @param perSecond successful calls per second
 * @param p50Nanos median latency of successful calls
 * @param errorsByCode failed calls by gRPC code name
 * @param errorSamples the first description seen for each failing code
 */
public record OpResult(
    BenchOp op,
    long calls,
    double perSecond,
    long p50Nanos,
    long p90Nanos,
    long p99Nanos,
    long maxNanos,
    Map<String, Long> errorsByCode,
    Map<String, String> errorSamples) {

  public OpResult {
    errorsByCode = Map.copyOf(errorsByCode);
    errorSamples = Map.copyOf(errorSamples);
  }

  public long errors() {
    return errorsByCode.values().stream().mapToLong(Long::longValue).sum();
  }
}
