package dev.sds.kms.operator.rotation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sds.kms.operator.crd.v1alpha1.KmsPlugin;
import dev.sds.kms.operator.crd.v1alpha1.KmsPluginStatus;
import dev.sds.kms.operator.crd.v1alpha1.NodeStatus;
import dev.sds.kms.operator.crd.v1alpha1.RotationSpec;
import dev.sds.kms.operator.crd.v1alpha1.RotationStatus;
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
