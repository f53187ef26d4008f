package dev.sds.kms.plugin.health;

import dev.sds.kms.plugin.config.Durations;
import dev.sds.kms.plugin.envelope.KeyIdScheme;
import dev.sds.kms.plugin.kmaas.KmaasClient;
import dev.sds.kms.plugin.kmaas.KmaasException;
import dev.sds.kms.plugin.kmaas.WrapResult;
import io.grpc.Deadline;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The background check that keeps {@link PluginState} fresh: every interval it wraps and unwraps a
 * random probe value with KMaaS, learns the active KEK from the wrap, and records success or the
 * reason of the failure. After a failure it checks again sooner. Status never calls KMaaS itself.
 */
public final class KmaasHealthCheck implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(KmaasHealthCheck.class);
  private static final Duration CHECK_DEADLINE = Duration.ofSeconds(5);

  private final KmaasClient kmaas;
  private final KeyIdScheme scheme;
  private final PluginState state;
  private final Duration interval;
  private final Duration failingInterval;
  private final SecureRandom random = new SecureRandom();
  private final ScheduledExecutorService scheduler =
      Executors.newSingleThreadScheduledExecutor(
          runnable -> {
            Thread thread = new Thread(runnable, "kmaas-health-check");
            thread.setDaemon(true);
            return thread;
          });

  public KmaasHealthCheck(
      KmaasClient kmaas,
      KeyIdScheme scheme,
      PluginState state,
      Duration interval,
      Duration failingInterval) {
    this.kmaas = kmaas;
    this.scheme = scheme;
    this.state = state;
    this.interval = interval;
    this.failingInterval = failingInterval;
  }

  /** Schedules the checks, the first after {@code initialDelay}. */
  public void start(Duration initialDelay) {
    scheduler.schedule(this::checkAndReschedule, initialDelay.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Runs one check now, on the caller's thread, and returns whether it succeeded. */
  public boolean checkNow() {
    byte[] probe = new byte[32];
    random.nextBytes(probe);
    byte[] unwrapped = null;
    try {
      Deadline deadline = Deadline.after(CHECK_DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
      WrapResult wrapped = kmaas.wrap(probe, deadline);
      unwrapped = kmaas.unwrap(wrapped.ciphertext(), wrapped.kekId(), deadline);
      if (!MessageDigest.isEqual(probe, unwrapped)) {
        return fail("KMaaS returned a different value on unwrap than was wrapped");
      }
      if (!KeyIdScheme.isValidKekId(wrapped.kekId())) {
        return fail("KMaaS reported an invalid KEK id");
      }
      boolean wasHealthy = state.current().healthy();
      state.recordCheckSuccess(wrapped.kekId(), scheme.keyIdFor(wrapped.kekId()));
      if (!wasHealthy && state.current().healthy()) {
        LOG.info("KMaaS check succeeded; active KEK {}", wrapped.kekId());
      }
      return state.current().healthy();
    } catch (KmaasException e) {
      return fail(e.getMessage());
    } catch (RuntimeException e) {
      LOG.error("KMaaS check failed unexpectedly", e);
      return fail("KMaaS check failed unexpectedly: " + e.getClass().getSimpleName());
    } finally {
      Arrays.fill(probe, (byte) 0);
      if (unwrapped != null) {
        Arrays.fill(unwrapped, (byte) 0);
      }
    }
  }

  private boolean fail(String reason) {
    if (scheduler.isShutdown()) {
      return false; // stopping: a check cut short is not KMaaS's failure
    }
    String previous = state.current().healthz();
    state.recordCheckFailure(reason);
    if (!reason.equals(previous)) {
      LOG.warn(
          "KMaaS check failed: {}; next check in {}", reason, Durations.format(failingInterval));
    }
    return false;
  }

  private void checkAndReschedule() {
    boolean ok = checkNow();
    Duration next = ok ? interval : failingInterval;
    try {
      scheduler.schedule(this::checkAndReschedule, next.toMillis(), TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      LOG.debug("health check stopped");
    }
  }

  @Override
  public void close() {
    scheduler.shutdownNow();
  }
}
