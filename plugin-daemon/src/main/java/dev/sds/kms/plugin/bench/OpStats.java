package dev.sds.kms.plugin.bench;

import io.grpc.Status;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * What one operation did: latencies of successful calls (HdrHistogram, nanoseconds) and failures by
 * gRPC code. Calls record from any thread; the benchmark's pacing thread alone reads intervals.
 */
final class OpStats {
  private static final long MAX_TRACKED_NANOS = TimeUnit.MINUTES.toNanos(1);

  private final BenchOp op;
  private final Recorder recorder = new Recorder(MAX_TRACKED_NANOS, 3);
  private final Histogram total = new Histogram(MAX_TRACKED_NANOS, 3);
  private final ConcurrentMap<Status.Code, LongAdder> errors = new ConcurrentHashMap<>();
  private final ConcurrentMap<Status.Code, String> firstErrors = new ConcurrentHashMap<>();
  private Histogram interval;

  OpStats(BenchOp op) {
    this.op = op;
  }

  BenchOp op() {
    return op;
  }

  void success(long nanos) {
    recorder.recordValue(Math.min(nanos, MAX_TRACKED_NANOS));
  }

  void failure(Status status) {
    errors.computeIfAbsent(status.getCode(), c -> new LongAdder()).increment();
    firstErrors.putIfAbsent(
        status.getCode(), status.getDescription() == null ? "" : status.getDescription());
  }

  /** Drops what was recorded so far (end of warm-up). */
  void reset() {
    interval = recorder.getIntervalHistogram(interval);
    total.reset();
    errors.clear();
    firstErrors.clear();
  }

  /** Moves what was recorded since the last call into the total and returns it. */
  Histogram takeInterval() {
    interval = recorder.getIntervalHistogram(interval);
    total.add(interval);
    return interval;
  }

  long errorCount() {
    return errors.values().stream().mapToLong(LongAdder::sum).sum();
  }

  OpResult result(double seconds) {
    Map<String, Long> byCode = new TreeMap<>();
    errors.forEach((code, n) -> byCode.put(code.name(), n.sum()));
    Map<String, String> samples = new TreeMap<>();
    firstErrors.forEach((code, d) -> samples.put(code.name(), d));
    long calls = total.getTotalCount();
    return new OpResult(
        op,
        calls,
        seconds > 0 ? calls / seconds : 0,
        total.getValueAtPercentile(50),
        total.getValueAtPercentile(90),
        total.getValueAtPercentile(99),
        total.getMaxValue(),
        byCode,
        samples);
  }
}
