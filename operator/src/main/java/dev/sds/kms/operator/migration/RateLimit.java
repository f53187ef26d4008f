package dev.sds.kms.operator.migration;

import dev.failsafe.RateLimiter;
import java.time.Duration;

/** Client-side limit on requests per second. */
@FunctionalInterface
public interface RateLimit {

  /** Blocks until the next request may go. */
  void acquire() throws InterruptedException;

  /** Evenly spaced permits: at most {@code qps} a second, no bursts. */
  static RateLimit perSecond(int qps) {
    RateLimiter<Object> limiter = RateLimiter.smoothBuilder(qps, Duration.ofSeconds(1)).build();
    return limiter::acquirePermit;
  }
}
