package dev.sds.kms.operator.migration;

import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.StatusDetails;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Duration;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * When the API server asks us to slow down (429, or 503 with Retry-After) and how long to wait.
 * kube-apiserver states the wait both in the Retry-After header and in the Status body's {@code
 * details.retryAfterSeconds}; fabric8 hands us the Status, so that is what is read here.
 */
final class Throttling {
  static final Duration MIN_BACKOFF = Duration.ofSeconds(1);
  static final Duration MAX_BACKOFF = Duration.ofSeconds(30);

  /** Consecutive throttled answers after which a request is given up. */
  static final int MAX_THROTTLED = 20;

  private static final long POLL_MILLIS = 100;

  private Throttling() {}

  static boolean isThrottled(KubernetesClientException e) {
    return e.getCode() == 429 || (e.getCode() == 503 && retryAfter(e).isPresent());
  }

  /** How long to wait before the {@code attempt}-th retry (1-based). */
  static Duration backoff(KubernetesClientException e, int attempt) {
    return retryAfter(e)
        .orElseGet(
            () -> {
              long seconds = MIN_BACKOFF.getSeconds() << Math.min(attempt - 1, 5);
              return Duration.ofSeconds(Math.min(seconds, MAX_BACKOFF.getSeconds()));
            });
  }

  static Optional<Duration> retryAfter(KubernetesClientException e) {
    return Optional.ofNullable(e.getStatus())
        .map(Status::getDetails)
        .map(StatusDetails::getRetryAfterSeconds)
        .filter(seconds -> seconds > 0)
        .map(seconds -> Duration.ofSeconds(Math.min(seconds, MAX_BACKOFF.getSeconds())));
  }

  /**
   * Waits, looking at {@code cancelled} every 100 ms.
   *
   * @return false when cancelled or interrupted before the wait ended
   */
  static boolean pause(Duration wait, BooleanSupplier cancelled) {
    long end = System.nanoTime() + wait.toNanos();
    try {
      for (long left = wait.toMillis(); left > 0; left = (end - System.nanoTime()) / 1_000_000) {
        if (cancelled.getAsBoolean()) {
          return false;
        }
        Thread.sleep(Math.min(left, POLL_MILLIS));
      }
      return !cancelled.getAsBoolean();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
