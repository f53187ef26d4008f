package dev.sds.kms.operator.rotation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sds.kms.operator.crd.v1alpha1.KmsPlugin;
import dev.sds.kms.operator.crd.v1alpha1.KmsPluginStatus;
import dev.sds.kms.operator.crd.v1alpha1.NodeStatus;
import dev.sds.kms.operator.crd.v1alpha1.ResourceProgress;
import dev.sds.kms.operator.crd.v1alpha1.RotationSpec;
import dev.sds.kms.operator.crd.v1alpha1.RotationStatus;
import dev.sds.kms.operator.migration.MigrationCheckpoint;
import dev.sds.kms.operator.migration.MigrationRunner;
import dev.sds.kms.operator.migration.MigrationRunners;
import dev.sds.kms.operator.testing.Fixtures;
import dev.sds.kms.operator.testing.MockCluster;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** How the coordinator acts on the state machine's steps when the status it sees is stale. */
class RotationCoordinatorTest {
  private static final String OLD = "sds:acme/kek-1";
  private static final String NEW = "sds:acme/kek-2";

  private final MockCluster cluster = new MockCluster();
  private final MigrationRunners runners = new MigrationRunners();
  private final RotationCoordinator coordinator =
      new RotationCoordinator(runners, new EventRecorder(), client -> Optional.empty());

  @AfterEach
  void stop() {
    runners.cancelAll();
    cluster.close();
  }

  @Test
  void aStaleStatusAskingAgainForTheRunningMigrationDoesNotRestartIt() {
    KmsPlugin stale = convergedLongAgo();
    Instant now = Instant.parse("2026-11-25T12:00:00Z");

    coordinator.coordinate(stale, freshReport(), cluster.client(), now);
    MigrationRunner first = runners.get(MigrationRunners.key(stale)).orElseThrow();

    // the informer has not delivered the patched status yet: the same Converging status again
    coordinator.coordinate(stale, freshReport(), cluster.client(), now.plusSeconds(2));

    assertThat(runners.get(MigrationRunners.key(stale))).containsSame(first);
  }

  @Test
  void aRotationSpecThatCannotBeFollowedHoldsTheRotationUntilFixed() {
    KmsPlugin plugin = convergedLongAgo();
    plugin.getSpec().getRotation().setWorkers(1_000_000);
    Instant now = Instant.parse("2026-11-25T12:00:00Z");
    KmsPluginStatus next = freshReport();

    coordinator.coordinate(plugin, next, cluster.client(), now);

    assertThat(next.getRotation().getPhase()).isEqualTo("Converging");
    assertThat(runners.get(MigrationRunners.key(plugin))).isEmpty();

    plugin.getSpec().getRotation().setWorkers(4);
    KmsPluginStatus fixed = freshReport();
    coordinator.coordinate(plugin, fixed, cluster.client(), now.plusSeconds(2));
    assertThat(fixed.getRotation().getPhase()).isEqualTo("Migrating");
  }

  @Test
  void aMigrationCancelledByAPauseIsResumedAfterwardsNotCountedAsAFailedAttempt() {
    KmsPlugin plugin = convergedLongAgo();
    Instant now = Instant.parse("2026-11-25T12:00:00Z");
    KmsPluginStatus written = freshReport();
    coordinator.coordinate(plugin, written, cluster.client(), now);
    assertThat(written.getRotation().getPhase()).isEqualTo("Migrating");
    MigrationRunner first = runners.get(MigrationRunners.key(plugin)).orElseThrow();

    runners.cancel(MigrationRunners.key(plugin)); // what spec.paused does
    plugin.setStatus(written);
    KmsPluginStatus next = freshReport();
    coordinator.coordinate(plugin, next, cluster.client(), now.plusSeconds(2));

    assertThat(next.getRotation().getPhase()).isEqualTo("Migrating");
    assertThat(next.getRotation().getAttempts()).isNull();
    assertThat(runners.get(MigrationRunners.key(plugin)).orElseThrow()).isNotSameAs(first);
  }

  @Test
  void aResourceWhoseListingEndedWithObjectsNotRewrittenIsMigratedAgainFromTheStart() {
    KmsPlugin plugin = Fixtures.plugin("kms", 8083);
    plugin
        .getSpec()
        .setRotation(new RotationSpec().withResources(List.of("secrets", "configmaps")));
    RotationStatus status =
        new RotationStatus()
            .withResources(
                List.of(
                    // which 2 Secrets failed is not known: they may still be on the old key
                    new ResourceProgress()
                        .withResource("secrets")
                        .withMigrated(98L)
                        .withSkipped(0L)
                        .withFailed(2L)
                        .withDone(true),
                    new ResourceProgress()
                        .withResource("configmaps")
                        .withContinueToken("abc")
                        .withMigrated(10L)
                        .withFailed(1L)
                        .withDone(false)));

    assertThat(RotationCoordinator.checkpoints(plugin, status))
        .containsExactly(
            MigrationCheckpoint.start("secrets"),
            new MigrationCheckpoint("configmaps", "abc", 10, 0, 1, false));
  }

  private static KmsPlugin convergedLongAgo() {
    KmsPlugin plugin = Fixtures.plugin("kms", 8083);
    plugin.getMetadata().setGeneration(1L);
    RotationSpec rotation = new RotationSpec();
    rotation.setConvergenceDelay("1s");
    plugin.getSpec().setRotation(rotation);
    KmsPluginStatus status = freshReport();
    status.setRotation(
        new RotationStatus()
            .withPhase("Converging")
            .withFromKeyId(OLD)
            .withToKeyId(NEW)
            .withDetectedAt("2026-11-25T11:00:00Z")
            .withConvergedAt("2026-11-25T11:00:01Z"));
    plugin.setStatus(status);
    return plugin;
  }

  private static KmsPluginStatus freshReport() {
    KmsPluginStatus status = new KmsPluginStatus();
    status.setCurrentKeyId(NEW);
    status.setNodes(
        List.of(
            new NodeStatus().withNodeName("cp-1").withReady(true).withKeyId(NEW),
            new NodeStatus().withNodeName("cp-2").withReady(true).withKeyId(NEW)));
    return status;
  }
}
