package dev.sds.kms.operator.migration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import dev.sds.kms.operator.crd.v1alpha1.ResourceProgress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The background runner of one KmsPlugin's migration, with a scripted migrator. */
class MigrationRunnerTest {
  private final AtomicInteger changes = new AtomicInteger();
  private final Map<String, String> startedFrom = new ConcurrentHashMap<>();

  private static MigrationTarget target(String resource) {
    if (resource.startsWith("gizmos")) {
      throw new UnknownResourceException(resource, "is not served by the cluster");
    }
    return new MigrationTarget(resource, "", "v1", "Thing", resource, true);
  }

  /** Two pages of 10 objects per resource; {@code failed} objects fail on the last page. */
  private ResourceMigrator twoPages(long failed, CountDownLatch release) {
    return (target, from, settings, listener, cancelled) -> {
      startedFrom.put(target.resource(), String.valueOf(from));
      listener.pageDone(target.resource(), "t1", 10, 0, 0);
      awaitLatch(release);
      listener.pageDone(target.resource(), null, 20 - failed, 0, failed);
      MigrationResult result =
          new MigrationResult(
              target.resource(),
              20 - failed,
              0,
              failed,
              failed > 0 ? List.of("ns/bad") : List.of(),
              true,
              null,
              null);
      listener.resourceDone(result);
      return result;
    };
  }

  private MigrationRunner runner(ResourceMigrator migrator, List<MigrationCheckpoint> checkpoints) {
    return runner(migrator, checkpoints, Duration.ZERO);
  }

  private MigrationRunner runner(
      ResourceMigrator migrator, List<MigrationCheckpoint> checkpoints, Duration checkpointWait) {
    return new MigrationRunner(
        "ns/kms",
        migrator,
        MigrationRunnerTest::target,
        checkpoints,
        MigrationSettings.DEFAULTS,
        changes::incrementAndGet,
        checkpointWait);
  }

  @Test
  void goesFromNotStartedThroughRunningToSucceededAndReportsEveryPage() {
    CountDownLatch release = new CountDownLatch(1);
    MigrationRunner runner =
        runner(
            twoPages(0, release),
            List.of(MigrationCheckpoint.start("secrets"), MigrationCheckpoint.start("configmaps")));
    assertThat(runner.state()).isInstanceOf(MigrationRunner.State.NotStarted.class);

    runner.start();

    await().atMost(Duration.ofSeconds(5)).until(() -> changes.get() == 1);
    assertThat(runner.state()).isInstanceOf(MigrationRunner.State.Running.class);
    assertThat(((MigrationRunner.State.Running) runner.state()).progress().get(0))
        .isEqualTo(new MigrationCheckpoint("secrets", "t1", 10, 0, 0, false));
    release.countDown();
    await().atMost(Duration.ofSeconds(5)).until(runner::finished);
    assertThat(runner.state()).isInstanceOf(MigrationRunner.State.Succeeded.class);
    assertThat(((MigrationRunner.State.Succeeded) runner.state()).results()).hasSize(2);
    // 2 pages × 2 resources + the end
    assertThat(changes.get()).isEqualTo(5);
    assertThat(runner.checkpoints())
        .containsExactly(
            new MigrationCheckpoint("secrets", null, 20, 0, 0, true),
            new MigrationCheckpoint("configmaps", null, 20, 0, 0, true));
  }

  @Test
  void resumesFromCheckpointsAndAddsToTheirCounts() {
    ResourceProgress inStatus =
        new ResourceProgress()
            .withResource("configmaps")
            .withContinueToken("abc")
            .withMigrated(100L)
            .withSkipped(1L)
            .withFailed(0L)
            .withDone(false);
    MigrationRunner runner =
        runner(
            twoPages(0, new CountDownLatch(0)),
            List.of(
                new MigrationCheckpoint("secrets", null, 3000, 0, 0, true),
                MigrationCheckpoint.fromStatus(inStatus)));

    runner.start();

    await().atMost(Duration.ofSeconds(5)).until(runner::finished);
    assertThat(startedFrom).containsOnly(Map.entry("configmaps", "abc"));
    assertThat(runner.checkpoints().get(1).toStatus())
        .isEqualTo(
            new ResourceProgress()
                .withResource("configmaps")
                .withMigrated(120L)
                .withSkipped(1L)
                .withFailed(0L)
                .withDone(true));
  }

  @Test
  void theFinalCountsAreOverEveryRunAndIncludeTheResourcesAnEarlierRunFinished() {
    MigrationRunner runner =
        runner(
            twoPages(0, new CountDownLatch(0)),
            List.of(
                new MigrationCheckpoint("secrets", null, 3000, 2, 0, true),
                new MigrationCheckpoint("configmaps", "abc", 100, 1, 0, false)));

    runner.start();

    await().atMost(Duration.ofSeconds(5)).until(runner::finished);
    assertThat(((MigrationRunner.State.Succeeded) runner.state()).results())
        .extracting(
            MigrationResult::resource,
            MigrationResult::migrated,
            MigrationResult::skipped,
            MigrationResult::done)
        .containsExactly(tuple("secrets", 3000L, 2L, true), tuple("configmaps", 120L, 1L, true));
  }

  @Test
  void withACheckpointWaitTheNextPageWaitsUntilThePreviousCheckpointIsStored() {
    MigrationRunner runner =
        runner(
            twoPages(0, new CountDownLatch(0)),
            List.of(MigrationCheckpoint.start("secrets")),
            Duration.ofSeconds(30));

    runner.start();

    await().atMost(Duration.ofSeconds(5)).until(runner::awaitingCheckpoint);
    assertThat(runner.checkpoints())
        .containsExactly(new MigrationCheckpoint("secrets", "t1", 10, 0, 0, false));
    // an older status (or another resource's) lets nothing go on
    runner.persisted(List.of(MigrationCheckpoint.start("secrets")));
    assertThat(runner.awaitingCheckpoint()).isTrue();
    assertThat(changes.get()).isEqualTo(1);

    // the status now holds page 1's checkpoint (counts as a resume would read them)
    runner.persisted(List.of(new MigrationCheckpoint("secrets", "t1", 10, 0, 0, false)));

    await().atMost(Duration.ofSeconds(5)).until(() -> changes.get() == 2);
    await().atMost(Duration.ofSeconds(5)).until(runner::awaitingCheckpoint);
    runner.persisted(List.of(new MigrationCheckpoint("secrets", null, 20, 0, 0, true)));
    await().atMost(Duration.ofSeconds(5)).until(runner::finished);
    assertThat(runner.state()).isInstanceOf(MigrationRunner.State.Succeeded.class);
  }

  @Test
  void aCheckpointThatIsNeverStoredHoldsThePageOnlyForTheWaitOrUntilCancelled() {
    MigrationRunner patient =
        runner(
            twoPages(0, new CountDownLatch(0)),
            List.of(MigrationCheckpoint.start("secrets")),
            Duration.ofMillis(300));
    patient.start();
    await().atMost(Duration.ofSeconds(10)).until(patient::finished);
    assertThat(patient.state()).isInstanceOf(MigrationRunner.State.Succeeded.class);

    MigrationRunner cancelled =
        runner(
            twoPages(0, new CountDownLatch(0)),
            List.of(MigrationCheckpoint.start("configmaps")),
            Duration.ofMinutes(10));
    cancelled.start();
    await().atMost(Duration.ofSeconds(5)).until(cancelled::awaitingCheckpoint);
    cancelled.cancel();
    await().atMost(Duration.ofSeconds(5)).until(cancelled::finished);
    assertThat(cancelled.awaitingCheckpoint()).isFalse();
  }

  @Test
  void failsNamingFailedObjectsAndUnknownResourcesButRunsTheOthers() {
    MigrationRunner runner =
        runner(
            twoPages(2, new CountDownLatch(0)),
            List.of(
                MigrationCheckpoint.start("gizmos.example.com"),
                MigrationCheckpoint.start("secrets")));

    runner.start();

    await().atMost(Duration.ofSeconds(5)).until(runner::finished);
    var failed = (MigrationRunner.State.Failed) runner.state();
    assertThat(failed.reason())
        .contains("gizmos.example.com: resource 'gizmos.example.com' is not served")
        .contains("secrets: 18 rewritten, 0 skipped, 2 failed (ns/bad, ...)");
    assertThat(failed.results()).hasSize(2);
    assertThat(changes.get()).isPositive();
  }

  @Test
  void cancelStopsTheRunWithItsLastCheckpoint() {
    CountDownLatch running = new CountDownLatch(1);
    ResourceMigrator untilCancelled =
        (target, from, settings, listener, cancelled) -> {
          listener.pageDone(target.resource(), "t1", 5, 0, 0);
          running.countDown();
          await().atMost(Duration.ofSeconds(5)).until(cancelled::getAsBoolean);
          return new MigrationResult(
              target.resource(), 5, 0, 0, List.of(), false, "t1", "cancelled");
        };
    MigrationRunners runners = new MigrationRunners();
    MigrationRunner runner =
        runners.start(
            "ns/kms", () -> runner(untilCancelled, List.of(MigrationCheckpoint.start("secrets"))));
    awaitLatch(running);

    assertThat(runners.start("ns/kms", () -> null)).isSameAs(runner);
    runners.cancel("ns/kms");

    await().atMost(Duration.ofSeconds(5)).until(runner::finished);
    assertThat(((MigrationRunner.State.Failed) runner.state()).reason()).isEqualTo("cancelled");
    assertThat(runner.checkpoints())
        .containsExactly(new MigrationCheckpoint("secrets", "t1", 5, 0, 0, false));
    assertThat(runners.get("ns/kms")).contains(runner);
    runners.forget("ns/kms");
    assertThat(runners.get("ns/kms")).isEmpty();
  }

  private static void awaitLatch(CountDownLatch latch) {
    try {
      assertThat(latch.await(5, TimeUnit.SECONDS)).isTrue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
