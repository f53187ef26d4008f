package dev.sds.kms.operator.rotation;

import static dev.sds.kms.operator.testing.RotationScenario.NEW;
import static dev.sds.kms.operator.testing.RotationScenario.OLD;
import static dev.sds.kms.operator.testing.RotationScenario.WAIT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sds.kms.operator.crd.v1alpha1.KmsPlugin;
import dev.sds.kms.operator.crd.v1alpha1.RotationStatus;
import dev.sds.kms.operator.testing.Fixtures;
import dev.sds.kms.operator.testing.RotationScenario;
import dev.sds.kms.operator.testing.RotationScenario.RunningOperator;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The operator killed at three points of one KEK rotation, a fresh one started on the same cluster
 * each time (nothing handed over but what the API server stores): while the nodes converge, in the
 * middle of the migration after k pages, and right after the last Secret was rewritten but before
 * the status could say so. A kill is simulated by shutting the operator out of the API server at
 * that instant (its later requests change nothing, as if the process were gone) and then dropping
 * it. The rotation must still complete with every Secret rewritten, at most one page rewritten
 * again per kill (the checkpoint in status is used), and a final status with the right counts.
 *
 * <p>Where exactly it is killed comes from a seeded random: {@code -Dkill.seed=<seed>} replays (or
 * varies) a run; the seed is in every failure message.
 */
class OperatorKillIT {
  private static final long SEED = Long.getLong("kill.seed", 20261125L);
  private static final int SECRETS = 600;
  private static final int PAGE = 100;

  private final Random random = new Random(SEED);
  private final RotationScenario scenario = new RotationScenario(SECRETS, 4);

  @AfterEach
  void close() {
    scenario.close();
  }

  @Test
  void aRotationSurvivesKillsWhileConvergingMidMigrationAndBeforeTheFinalStatus() {
    int objects = scenario.secretKeys().size(); // the seeded Secrets and the KMaaS credentials
    RunningOperator first = scenario.startOperator("operator-1");
    scenario.createPlugin(
        "kms",
        r -> {
          r.setConvergenceDelay("2s");
          r.setPageSize(PAGE);
          r.setQps(1000);
        });
    scenario.awaitKeyId("kms", OLD);

    // 1. killed while the nodes converge on the new key id
    scenario.rotate();
    scenario.awaitPhase("kms", "Converging");
    await().pollDelay(Duration.ofMillis(random.nextInt(1000))).until(() -> true);
    assertThat(scenario.phase("kms")).as(seed()).isEqualTo("Converging");
    scenario.kill(first);
    assertThat(scenario.secretUpdates()).as(seed()).isEmpty();

    // 2. killed in the middle of the migration, somewhere in page k + 1
    int pages = (objects + PAGE - 1) / PAGE;
    int k = 1 + random.nextInt(pages - 3);
    int killAt = k * PAGE + random.nextInt(PAGE);
    scenario.api.fenceWhen("operator-2", () -> total(scenario.secretUpdates()) >= killAt);
    RunningOperator second = scenario.startOperator("operator-2");
    await().atMost(WAIT).until(() -> scenario.api.fenced("operator-2"));
    scenario.kill(second);
    Map<String, Integer> afterSecond = scenario.secretUpdates();
    assertThat(total(afterSecond)).as(seed()).isGreaterThanOrEqualTo(killAt);
    assertThat(scenario.phase("kms")).as(seed()).isEqualTo("Migrating");

    // 3. killed right after the last Secret was rewritten, before the status could say so
    scenario.api.fenceWhen(
        "operator-3", () -> scenario.secretUpdates().size() == scenario.secretKeys().size());
    RunningOperator third = scenario.startOperator("operator-3");
    await().atMost(WAIT).until(() -> scenario.api.fenced("operator-3"));
    scenario.kill(third);
    Map<String, Integer> afterThird = scenario.secretUpdates();
    assertThat(afterThird.keySet()).as(seed()).isEqualTo(scenario.secretKeys());
    assertThat(scenario.phase("kms")).as(seed()).isEqualTo("Migrating");

    // 4. a fourth operator finishes
    scenario.startOperator("operator-4");
    scenario.awaitPhase("kms", "Completed");

    Map<String, Integer> end = scenario.secretUpdates();
    System.out.printf(
        "operator-kill: %s, %d Secrets, pages of %d; operator-2 killed after %d rewrites (page %d);"
            + " rewritten again: %d after that kill, %d after the last one; %d PUTs in all%n",
        seed(),
        objects,
        PAGE,
        killAt,
        k + 1,
        rewrittenAgain(afterSecond, afterThird),
        rewrittenAgain(afterThird, end),
        total(end));
    assertThat(end.keySet()).as(seed()).isEqualTo(scenario.secretKeys());
    assertThat(rewrittenAgain(afterSecond, afterThird))
        .as("%s: Secrets operator-3 rewrote again after operator-2 was killed", seed())
        .isLessThanOrEqualTo(PAGE);
    assertThat(rewrittenAgain(afterThird, end))
        .as("%s: Secrets operator-4 rewrote again after operator-3 was killed", seed())
        .isLessThanOrEqualTo(PAGE);
    assertThat(total(end) - objects).as(seed()).isLessThanOrEqualTo(2 * PAGE);

    KmsPlugin plugin = scenario.plugin("kms");
    RotationStatus rotation = plugin.getStatus().getRotation();
    assertThat(rotation.getFromKeyId()).isEqualTo(OLD);
    assertThat(rotation.getToKeyId()).isEqualTo(NEW);
    assertThat(rotation.getRetirableKeyIds()).containsExactly(OLD);
    assertThat(rotation.getResources())
        .as(seed())
        .singleElement()
        .satisfies(
            p -> {
              // every object once: the counts resume from the checkpoint like the listing
              assertThat(p.getMigrated()).isEqualTo(objects);
              assertThat(p.getSkipped()).isZero();
              assertThat(p.getFailed()).isZero();
              assertThat(p.getDone()).isTrue();
              assertThat(p.getContinueToken()).isNull();
            });
    assertThat(plugin.getStatus().getEncryption())
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.getKeyId()).isEqualTo(NEW);
              assertThat(e.getRewritten()).isEqualTo(objects);
              assertThat(e.getRemaining()).isZero();
            });
    assertThat(plugin.getStatus().getHistory())
        .first()
        .satisfies(
            h -> {
              assertThat(h.getPhase()).isEqualTo("Completed");
              assertThat(h.getMigrated()).isEqualTo(objects);
              assertThat(h.getFailed()).isZero();
            });
    assertThat(rotation.getMessage()).contains("completed: " + objects + " objects rewritten");
    assertThat(Fixtures.condition(plugin, "Rotating").getStatus()).isEqualTo("False");
  }

  /** Secrets rewritten between two snapshots that had been rewritten before the first. */
  private static long rewrittenAgain(Map<String, Integer> before, Map<String, Integer> after) {
    return before.entrySet().stream()
        .filter(e -> after.getOrDefault(e.getKey(), 0) > e.getValue())
        .count();
  }

  private static int total(Map<String, Integer> updates) {
    return updates.values().stream().mapToInt(Integer::intValue).sum();
  }

  private static String seed() {
    return "kill.seed=" + SEED;
  }
}
