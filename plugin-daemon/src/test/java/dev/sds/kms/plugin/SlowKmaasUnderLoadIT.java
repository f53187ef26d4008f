package dev.sds.kms.plugin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sds.kms.plugin.testing.KmsLoad;
import dev.sds.kms.plugin.testing.StandaloneDaemon;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * 16 concurrent kube-apiserver-like clients (Encrypt, Decrypt of the answer, Decrypt of an earlier
 * ciphertext from a shared pool, so that concurrent Decrypts of one uncached ciphertext share one
 * unwrap) against the daemon and the standalone KMaaS over HTTPS, while KMaaS turns slow (every
 * crypto answer 4 s late, longer than the 3 s deadline; the daemon's attempt timeout is its default
 * 1 s) and then recovers.
 *
 * <p>While KMaaS is slow every failed call is {@code DEADLINE_EXCEEDED}, answered by the daemon
 * itself before the client's deadline (its description names KMaaS) for most calls; the daemon's
 * live thread count does not grow (a call the daemon kept running past its deadline would hold a
 * gRPC thread while its client sent the next). Once KMaaS is fast again healthz is {@code ok},
 * every client gets ten successes in a row and from then on every call succeeds; no Decrypt ever
 * returns a wrong plaintext.
 */
class SlowKmaasUnderLoadIT {
  private static final int CLIENTS = 16;

  /** kube-apiserver's default KMS timeout. */
  private static final Duration DEADLINE = Duration.ofSeconds(3);

  private static final Duration SLOW = Duration.ofSeconds(4);

  /** Extra live threads allowed: pools may add a few; a leak per timed-out call adds dozens. */
  private static final int THREAD_TOLERANCE = 8;

  @TempDir Path dir;

  @Test
  void slowKmaasGivesDeadlineExceededWithinTheDeadlineAndEveryCallSucceedsAfterRecovery()
      throws Exception {
    try (StandaloneDaemon setup =
        StandaloneDaemon.start(
            dir,
            Map.of(
                "--check-interval", "1s",
                "--check-interval-failing", "1s",
                "--dek-cache-size", "8"))) {
      KmsLoad load = new KmsLoad(setup.endpoint(), CLIENTS, DEADLINE, 64).start();
      try {
        await()
            .atMost(Duration.ofSeconds(60))
            .until(() -> load.tally().successes() >= 20L * CLIENTS);
        int baselineThreads = liveThreads();
        KmsLoad.Tally warm = load.tally();

        setup.kmaas().setAddedLatency(SLOW);
        await()
            .atMost(Duration.ofSeconds(60))
            .until(
                () ->
                    setup.healthz().contains("timed out")
                        && load.tally().since(warm).failed() >= 3L * CLIENTS);
        int slowThreads = liveThreads();
        KmsLoad.Tally slowStart = load.tally();
        KmsLoad.Tally slow = slowStart.since(warm);

        setup.kmaas().setAddedLatency(Duration.ZERO);
        await()
            .atMost(Duration.ofSeconds(60))
            .until(() -> setup.healthz().equals("ok") && load.minConsecutiveSuccesses() >= 10);
        KmsLoad.Tally recoveredStart = load.tally();
        await()
            .atMost(Duration.ofSeconds(60))
            .until(() -> load.tally().since(recoveredStart).calls() >= 20L * CLIENTS);
        int recoveredThreads = liveThreads();
        KmsLoad.Tally recovered = load.tally().since(recoveredStart);
        KmsLoad.Tally all = load.tally();

        System.out.printf(
            "SlowKmaasUnderLoadIT: %d clients, deadline %d ms, KMaaS %d ms late while slow%n"
                + "  warm-up:   %s%n  slow:      %s%n  recovered: %s%n"
                + "  live threads: %d warm, %d slow, %d recovered%n  failure examples: %s%n",
            CLIENTS,
            DEADLINE.toMillis(),
            SLOW.toMillis(),
            warm,
            slow,
            recovered,
            baselineThreads,
            slowThreads,
            recoveredThreads,
            load.failureExamples());

        assertThat(slow.failures().keySet())
            .as("failures while KMaaS is slow")
            .isSubsetOf("DEADLINE_EXCEEDED", KmsLoad.CLIENT_DEADLINE);
        assertThat(slow.failures().getOrDefault("DEADLINE_EXCEEDED", 0L))
            .as("answered by the daemon before the client's deadline")
            .isGreaterThan(slow.failures().getOrDefault(KmsLoad.CLIENT_DEADLINE, 0L));
        assertThat(recovered.failed()).as("failures after recovery").isZero();
        assertThat(all.wrongAnswers()).as("wrong plaintexts").isZero();
        assertThat(slowThreads)
            .as("live threads while slow")
            .isLessThanOrEqualTo(baselineThreads + THREAD_TOLERANCE);
        assertThat(recoveredThreads)
            .as("live threads after recovery")
            .isLessThanOrEqualTo(baselineThreads + THREAD_TOLERANCE);
      } finally {
        load.close();
      }
    }
  }

  private static int liveThreads() {
    return ManagementFactory.getThreadMXBean().getThreadCount();
  }
}
