package dev.sds.kms.plugin.envelope;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sds.kms.plugin.kmaas.KmaasClient;
import dev.sds.kms.plugin.kmaas.KmaasDescription;
import dev.sds.kms.plugin.kmaas.KmaasException;
import dev.sds.kms.plugin.kmaas.WrapResult;
import dev.sds.kms.plugin.testing.FakeKmaas;
import io.grpc.Deadline;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Concurrent Decrypts of one uncached ciphertext make one KMaaS call, not one each. */
class EnvelopeSingleFlightTest {
  private static final int CALLERS = 8;

  @Test
  void concurrentDecryptsOfTheSameCiphertextShareOneUnwrap() throws Exception {
    SlowUnwrap kmaas = new SlowUnwrap(new FakeKmaas("kek-1"));
    DekCache cache = new DekCache(100, Duration.ofHours(1));
    EnvelopeService service =
        new EnvelopeService(kmaas, new KeyIdScheme("sds", "acme"), cache, new SecureRandom());
    byte[] seed = new byte[32];
    new SecureRandom().nextBytes(seed);
    SealedSeed sealed = service.seal(seed, Deadline.after(3, TimeUnit.SECONDS));
    cache.clear();

    ExecutorService pool = Executors.newFixedThreadPool(CALLERS);
    List<Thread> threads = new ArrayList<>();
    List<Future<byte[]>> results = new ArrayList<>();
    try {
      for (int i = 0; i < CALLERS; i++) {
        results.add(
            pool.submit(
                () -> {
                  synchronized (threads) {
                    threads.add(Thread.currentThread());
                  }
                  return service.open(
                      sealed.ciphertext(),
                      sealed.keyId(),
                      Map.of(),
                      Deadline.after(10, TimeUnit.SECONDS));
                }));
      }
      // every caller is parked: one inside KMaaS, the others waiting for it
      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () -> {
                synchronized (threads) {
                  return threads.size() == CALLERS
                      && threads.stream()
                          .allMatch(
                              t ->
                                  t.getState() == Thread.State.WAITING
                                      || t.getState() == Thread.State.TIMED_WAITING);
                }
              });
      kmaas.release.countDown();

      for (Future<byte[]> result : results) {
        assertThat(result.get(10, TimeUnit.SECONDS)).isEqualTo(seed);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(kmaas.unwraps).hasValue(1);
  }

  /** Holds every unwrap until released, and counts them. */
  private static final class SlowUnwrap implements KmaasClient {
    private final KmaasClient delegate;
    final CountDownLatch release = new CountDownLatch(1);
    final AtomicInteger unwraps = new AtomicInteger();

    SlowUnwrap(KmaasClient delegate) {
      this.delegate = delegate;
    }

    @Override
    public WrapResult wrap(byte[] plaintext, Deadline deadline) throws KmaasException {
      return delegate.wrap(plaintext, deadline);
    }

    @Override
    public byte[] unwrap(byte[] ciphertext, String kekId, Deadline deadline) throws KmaasException {
      unwraps.incrementAndGet();
      try {
        release.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return delegate.unwrap(ciphertext, kekId, deadline);
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
}
