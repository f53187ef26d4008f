package dev.sds.kms.operator.rotation;

import static dev.sds.kms.operator.testing.RotationScenario.NEW;
import static dev.sds.kms.operator.testing.RotationScenario.OLD;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sds.kms.operator.crd.v1alpha1.KmsPlugin;
import dev.sds.kms.operator.crd.v1alpha1.ResourceProgress;
import dev.sds.kms.operator.testing.Fixtures;
import dev.sds.kms.operator.testing.PagingDispatcher;
import dev.sds.kms.operator.testing.PagingDispatcher.Kind;
import dev.sds.kms.operator.testing.RotationScenario;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A migration while the API server misbehaves: every n-th LIST page and Secret PUT answers 500,
 * others are answered only after the operator's client gave up on them (a late PUT has been carried
 * out all the same), and status patches fail or come late too. The operator's client is configured
 * as in production (fabric8's retries of 5xx and I/O errors on) but with a 2 s request timeout.
 *
 * <p>The migration must finish, rewrite every Secret, write no Secret more often than once plus the
 * faults that hit its PUT or its page, and leave a status whose counts add up.
 */
class ApiServerFaultsIT {
  private static final Duration CLIENT_TIMEOUT = Duration.ofSeconds(2);
  private static final Duration LATE = CLIENT_TIMEOUT.plusSeconds(2);

  private final RotationScenario scenario = new RotationScenario(600, 3);
  private final PagingDispatcher api = scenario.api;

  @AfterEach
  void close() {
    scenario.close();
  }

  @Test
  void aMigrationThrough500sAndTimeoutsRewritesEverySecretAndCountsRight() {
    int objects = scenario.secretKeys().size();
    scenario.startOperator(
        "operator",
        b -> b.editOrNewConfig().withRequestTimeout((int) CLIENT_TIMEOUT.toMillis()).endConfig());
    scenario.createPlugin("kms", r -> r.setPageSize(150));
    scenario.awaitKeyId("kms", OLD);

    api.failEvery(Kind.LIST, 3);
    api.delayEvery(Kind.LIST, 7, LATE);
    api.failEvery(Kind.PUT, 29);
    api.delayEvery(Kind.PUT, 151, LATE);
    api.failEvery(Kind.STATUS_PATCH, 4);
    api.delayEvery(Kind.STATUS_PATCH, 11, LATE);
    scenario.rotate();

    scenario.awaitPhase("kms", "Completed");

    Map<String, Integer> puts = scenario.secretPutRequests();
    Map<String, Integer> updates = scenario.secretUpdates();
    Map<String, Integer> faults = api.faultsByObject();
    assertThat(api.injectedFaults()).isGreaterThan(10);
    assertThat(faults.keySet()).as("Secrets hit by a fault").hasSizeGreaterThan(5);
    assertThat(updates.keySet()).as("every Secret rewritten").isEqualTo(scenario.secretKeys());
    assertThat(puts)
        .allSatisfy(
            (secret, count) ->
                assertThat(count)
                    .as("PUTs of %s (faults on its PUT or page: %s)", secret, faults.get(secret))
                    .isLessThanOrEqualTo(1 + faults.getOrDefault(secret, 0)));

    KmsPlugin plugin = scenario.plugin("kms");
    ResourceProgress progress = plugin.getStatus().getRotation().getResources().get(0);
    long late = api.lateUpdates().keySet().stream().filter(k -> k.startsWith("secrets/")).count();
    System.out.printf(
        "api-faults: %d Secrets, %d faults injected, %d Secrets hit, %d PUTs answered late,"
            + " at most %d PUTs of one Secret; status: %d rewritten, %d skipped, %d failed%n",
        objects,
        api.injectedFaults(),
        faults.keySet().stream().filter(k -> k.startsWith("secrets/")).count(),
        late,
        puts.values().stream().mapToInt(Integer::intValue).max().orElse(0),
        progress.getMigrated(),
        progress.getSkipped(),
        progress.getFailed());
    // a PUT carried out but answered late is retried, meets 409 with a newer resourceVersion and
    // is counted as skipped (written by someone else since the LIST): true, it was written
    assertThat(progress.getSkipped()).isEqualTo(late);
    assertThat(progress.getMigrated()).isEqualTo(objects - late);
    assertThat(progress.getFailed()).isZero();
    assertThat(progress.getDone()).isTrue();
    assertThat(plugin.getStatus().getRotation().getToKeyId()).isEqualTo(NEW);
    assertThat(plugin.getStatus().getRotation().getRetirableKeyIds()).containsExactly(OLD);
    assertThat(plugin.getStatus().getEncryption())
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.getRewritten()).isEqualTo(objects);
              assertThat(e.getRemaining()).isZero();
            });
    assertThat(plugin.getStatus().getHistory().get(0).getMigrated()).isEqualTo(objects - late);
    assertThat(Fixtures.condition(plugin, "Rotating").getStatus()).isEqualTo("False");
  }
}
