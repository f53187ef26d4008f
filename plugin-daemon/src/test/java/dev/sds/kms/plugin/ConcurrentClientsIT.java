package dev.sds.kms.plugin;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.sds.kms.plugin.kms.KmsV2Client;
import dev.sds.kms.plugin.kms.v2.DecryptRequest;
import dev.sds.kms.plugin.kms.v2.EncryptRequest;
import dev.sds.kms.plugin.kms.v2.EncryptResponse;
import dev.sds.kms.plugin.server.UnixEndpoint;
import dev.sds.kms.plugin.testing.StandaloneDaemon;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * 64 kube-apiserver-like clients, each on its own connection, each doing 500 Encrypt/Decrypt round
 * trips at once against one daemon backed by the standalone KMaaS over HTTPS: every call must
 * succeed and return the right seed. Prints the figures; asserts correctness, not speed.
 */
class ConcurrentClientsIT {
  private static final int CLIENTS = 64;
  private static final int ROUND_TRIPS = 500;

  @TempDir Path dir;

  @Test
  void sixtyFourClientsTimesFiveHundredRoundTripsWithoutAnError() throws Exception {
    try (StandaloneDaemon setup = StandaloneDaemon.start(dir, Map.of("--http-address", "off"))) {
      run(setup.endpoint());
    }
  }

  private void run(UnixEndpoint endpoint) throws Exception {
    ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();
    AtomicInteger done = new AtomicInteger();
    CountDownLatch go = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
    List<Future<?>> clients = new ArrayList<>();
    for (int c = 0; c < CLIENTS; c++) {
      clients.add(
          pool.submit(
              () -> {
                try (KmsV2Client client = new KmsV2Client(endpoint, Duration.ofSeconds(10))) {
                  SecureRandom random = new SecureRandom();
                  go.await();
                  for (int i = 0; i < ROUND_TRIPS; i++) {
                    byte[] seed = new byte[32];
                    random.nextBytes(seed);
                    try {
                      EncryptResponse e =
                          client
                              .stub()
                              .encrypt(
                                  EncryptRequest.newBuilder()
                                      .setPlaintext(ByteString.copyFrom(seed))
                                      .build());
                      ByteString back =
                          client
                              .stub()
                              .decrypt(
                                  DecryptRequest.newBuilder()
                                      .setCiphertext(e.getCiphertext())
                                      .setKeyId(e.getKeyId())
                                      .build())
                              .getPlaintext();
                      if (!back.equals(ByteString.copyFrom(seed))) {
                        errors.add("wrong plaintext");
                      }
                      done.incrementAndGet();
                    } catch (RuntimeException ex) {
                      errors.add(ex.getMessage());
                    }
                  }
                }
                return null;
              }));
    }
    long start = System.nanoTime();
    go.countDown();
    for (Future<?> client : clients) {
      client.get(5, TimeUnit.MINUTES);
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    pool.shutdown();

    System.out.printf(
        "ConcurrentClientsIT: %d clients x %d round trips = %d Encrypt+Decrypt in %.1f s"
            + " (%.0f round trips/s), %d errors%n",
        CLIENTS, ROUND_TRIPS, done.get(), seconds, done.get() / seconds, errors.size());
    assertThat(errors).as("errors").isEmpty();
    assertThat(done).hasValue(CLIENTS * ROUND_TRIPS);
  }
}
