package dev.sds.kms.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.sds.kms.plugin.kms.KmsV2Client;
import dev.sds.kms.plugin.kms.v2.StatusRequest;
import dev.sds.kms.plugin.kms.v2.StatusResponse;
import dev.sds.kms.plugin.storage.StorageException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Scenario 3: KMaaS goes away and comes back. The plugin reports it, cached reads go on, writes
 * stop after the write expiry, and everything recovers without restarting a daemon.
 */
class KmaasOutageE2E extends E2eBase {
  private static final Duration WRITE_EXPIRY = Duration.ofSeconds(3);

  @Test
  void kmaasOutageStopsWritesAfterTheExpiryKeepsCachedReadsAndRecoversWithoutDaemonRestart()
      throws Exception {
    List<SecretCorpus.Secret> secrets = SecretCorpus.generate("team-a", 100);
    ApiserverStorage api = system.apiserver(system.nodeA, WRITE_EXPIRY);
    String keyId = api.currentKeyId();
    writeAll(api, secrets);
    assertAllReadBack(api, secrets);
    int decryptsBefore = api.decryptCalls();
    long pidA = system.nodeA.pid();

    long outage = System.nanoTime();
    system.kmaas.stop();
    AtomicReference<String> healthz = new AtomicReference<>();
    try (KmsV2Client client = system.nodeA.client()) {
      // a failing check takes up to its 5 s deadline, plus the 1 s check interval
      await("node A Status healthz names KMaaS")
          .atMost(Duration.ofSeconds(20))
          .pollInterval(Duration.ofMillis(100))
          .until(
              () -> {
                StatusResponse s = client.stub().status(StatusRequest.getDefaultInstance());
                healthz.set(s.getHealthz());
                return !s.getHealthz().equals("ok");
              });
    }
    long unhealthyAfter = System.nanoTime() - outage;
    assertThat(healthz.get()).containsIgnoringCase("kmaas");
    assertThat(system.nodeA.readyz()).isEqualTo(503);

    assertAllReadBack(api, secrets);
    assertThat(api.decryptCalls()).as("cached seeds: no plugin call").isEqualTo(decryptsBefore);

    String refusedKey = "/registry/secrets/team-a/written-during-outage";
    byte[] value = "{\"kind\":\"Secret\"}".getBytes(StandardCharsets.UTF_8);
    await("writes refused after the write expiry")
        .atMost(WRITE_EXPIRY.plusSeconds(10))
        .pollInterval(Duration.ofMillis(200))
        .until(() -> refuses(api, refusedKey, value));
    long refusedAfter = System.nanoTime() - outage;
    assertThatThrownBy(() -> api.put(refusedKey + "-2", value))
        .isInstanceOf(StorageException.class)
        .hasMessageContaining("writes refused")
        .hasMessageContaining("KMaaS");
    assertThat(system.etcd.get(refusedKey + "-2")).as("a refused write reaches no etcd").isNull();

    long back = System.nanoTime();
    system.kmaas.start();
    await("writes work again")
        .atMost(Duration.ofSeconds(20))
        .pollInterval(Duration.ofMillis(200))
        .until(() -> !refuses(api, refusedKey, value));
    long recoveredAfter = System.nanoTime() - back;
    assertThat(api.get(refusedKey)).isEqualTo(value);
    assertThat(api.currentKeyId()).as("same KEK after the KMaaS restart").isEqualTo(keyId);
    system.nodeA.awaitReady();
    assertThat(system.nodeA.pid()).as("the daemon was not restarted").isEqualTo(pidA);
    assertThat(system.nodeA.isAlive()).isTrue();

    System.out.printf(
        "E2E KMaaS outage: Status healthz \"%s\" after %s; %d cached reads ok (0 Decrypt);"
            + " writes refused %s after the outage (expiry %ss); writes back %s after KMaaS"
            + " restarted, same daemon pid%n",
        healthz.get(),
        seconds(unhealthyAfter),
        secrets.size(),
        seconds(refusedAfter),
        WRITE_EXPIRY.toSeconds(),
        seconds(recoveredAfter));
  }

  /** Whether a write is refused by the write expiry (any other failure fails the test). */
  private static boolean refuses(ApiserverStorage api, String key, byte[] value) throws Exception {
    try {
      api.put(key, value);
      return false;
    } catch (StorageException e) {
      assertThat(e).hasMessageContaining("writes refused");
      return true;
    }
  }
}
