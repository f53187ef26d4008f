package dev.sds.kms.plugin.bench;

import dev.sds.kms.plugin.server.UnixEndpoint;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How to drive a KMS v2 socket.
 *
 * @param endpoint the socket
 * @param concurrency calls in flight at any time (closed loop: each finished call starts the next)
 * @param duration measured time
 * @param warmup time driven before measuring, not counted
 * @param ops operations; each client cycles through them in order
 * @param callTimeout deadline of each call
 * @param channels gRPC channels (connections) the calls are spread over
 * @param driver how the calls are issued
 */
public record BenchSettings(
    UnixEndpoint endpoint,
    int concurrency,
    Duration duration,
    Duration warmup,
    List<BenchOp> ops,
    Duration callTimeout,
    int channels,
    Driver driver) {

  /** How calls are issued. */
  public enum Driver {
    /** Async stubs: {@code concurrency} call chains, no thread per client. */
    ASYNC,
    /** One thread per client, each making blocking calls. */
    BLOCKING
  }

  public BenchSettings {
    Objects.requireNonNull(endpoint, "endpoint");
    Objects.requireNonNull(driver, "driver");
    if (concurrency < 1) {
      throw new IllegalArgumentException("concurrency must be at least 1");
    }
    if (channels < 1) {
      throw new IllegalArgumentException("channels must be at least 1");
    }
    if (duration.isNegative() || duration.isZero()) {
      throw new IllegalArgumentException("duration must be positive");
    }
    if (warmup.isNegative()) {
      throw new IllegalArgumentException("warmup must not be negative");
    }
    ops = List.copyOf(ops);
    if (ops.isEmpty()) {
      throw new IllegalArgumentException("at least one operation is required");
    }
  }

  /** The same settings for other operations. */
  public BenchSettings withOps(List<BenchOp> ops) {
    return new BenchSettings(
        endpoint, concurrency, duration, warmup, ops, callTimeout, channels, driver);
  }

  /** The same settings against another socket. */
  public BenchSettings withEndpoint(UnixEndpoint endpoint) {
    return new BenchSettings(
        endpoint, concurrency, duration, warmup, ops, callTimeout, channels, driver);
  }
}
