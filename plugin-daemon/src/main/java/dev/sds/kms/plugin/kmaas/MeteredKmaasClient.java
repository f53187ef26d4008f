package dev.sds.kms.plugin.kmaas;

import io.grpc.Deadline;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * Decorates any {@link KmaasClient} with latency and outcome metrics ({@code
 * kms_kmaas_requests_seconds{operation,outcome}}, outcome = {@code success} or a {@link
 * KmaasFailure} label). Logging is the caller's: the gRPC service logs the failed call it answers,
 * the health check logs changes of KMaaS health.
 */
public final class MeteredKmaasClient implements KmaasClient {
  private final KmaasClient delegate;
  private final MeterRegistry registry;

  public MeteredKmaasClient(KmaasClient delegate, MeterRegistry registry) {
    this.delegate = delegate;
    this.registry = registry;
  }

  @Override
  public WrapResult wrap(byte[] plaintext, Deadline deadline) throws KmaasException {
    Timer.Sample sample = Timer.start(registry);
    try {
      WrapResult result = delegate.wrap(plaintext, deadline);
      record(sample, "wrap", "success");
      return result;
    } catch (KmaasException e) {
      record(sample, "wrap", e);
      throw e;
    }
  }

  @Override
  public byte[] unwrap(byte[] ciphertext, String kekId, Deadline deadline) throws KmaasException {
    Timer.Sample sample = Timer.start(registry);
    try {
      byte[] result = delegate.unwrap(ciphertext, kekId, deadline);
      record(sample, "unwrap", "success");
      return result;
    } catch (KmaasException e) {
      record(sample, "unwrap", e);
      throw e;
    }
  }

  private void record(Timer.Sample sample, String operation, KmaasException e) {
    record(sample, operation, e.failure().label());
  }

  private void record(Timer.Sample sample, String operation, String outcome) {
    sample.stop(
        Timer.builder("kms.kmaas.requests")
            .description("calls to KMaaS by operation and outcome")
            .tag("operation", operation)
            .tag("outcome", outcome)
            .publishPercentileHistogram()
            .register(registry));
  }

  @Override
  public KmaasDescription describe() {
    return delegate.describe();
  }

  @Override
  public void close() {
    delegate.close();
  }
}
