package dev.sds.kms.operator.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sds.kms.operator.crd.v1alpha1.KmsPlugin;
import dev.sds.kms.operator.crd.v1alpha1.KmsPluginStatus;
import dev.sds.kms.operator.crd.v1alpha1.ResourceProgress;
import dev.sds.kms.operator.crd.v1alpha1.RotationSpec;
import dev.sds.kms.operator.crd.v1alpha1.RotationStatus;
import dev.sds.kms.operator.testing.Fixtures;
import java.util.List;
import org.junit.jupiter.api.Test;

class OperatorMetricsTest {
  private static final String LABELS = "name=\"kms\",namespace=\"sds-kms-system\"";

  private final OperatorMetrics metrics = new OperatorMetrics();

  @Test
  void everySeriesExistsAfterTheFirstRecordBeforeAnyRotation() {
    metrics.record(Fixtures.plugin("kms", 8083), new KmsPluginStatus().withReadyNodes("2/3"));

    String text = metrics.registry().scrape();
    assertThat(text)
        .contains("kms_operator_rotation_phase{" + LABELS + ",phase=\"Idle\"} 1.0")
        .contains("kms_operator_rotation_phase{" + LABELS + ",phase=\"Migrating\"} 0.0")
        .contains("kms_operator_ready_nodes{" + LABELS + "} 2.0")
        .contains("kms_operator_migration_duration_seconds{" + LABELS + "} NaN");
    for (String outcome : List.of("migrated", "skipped", "failed")) {
      assertThat(text)
          .contains(
              "kms_operator_migration_objects{"
                  + LABELS
                  + ",outcome=\""
                  + outcome
                  + "\",resource=\"secrets\"} 0.0");
    }
  }

  @Test
  void theConfiguredResourcesAndThoseInTheStatusGetMigrationCounts() {
    KmsPlugin plugin = Fixtures.plugin("kms", 8083);
    RotationSpec rotation = new RotationSpec();
    rotation.setResources(List.of("configmaps"));
    plugin.getSpec().setRotation(rotation);
    ResourceProgress secrets = new ResourceProgress();
    secrets.setResource("secrets");
    secrets.setMigrated(7L);
    secrets.setFailed(2L);
    KmsPluginStatus status =
        new KmsPluginStatus()
            .withRotation(
                new RotationStatus()
                    .withPhase("Migrating")
                    .withStartedAt("2025-01-01T00:00:00Z")
                    .withResources(List.of(secrets)));

    metrics.record(plugin, status);

    assertThat(metrics.registry().scrape())
        .contains("kms_operator_rotation_phase{" + LABELS + ",phase=\"Migrating\"} 1.0")
        .contains(
            "kms_operator_migration_objects{"
                + LABELS
                + ",outcome=\"migrated\",resource=\"secrets\"} 7.0")
        .contains(
            "kms_operator_migration_objects{"
                + LABELS
                + ",outcome=\"failed\",resource=\"secrets\"} 2.0")
        .contains(
            "kms_operator_migration_objects{"
                + LABELS
                + ",outcome=\"migrated\",resource=\"configmaps\"} 0.0");
  }

  @Test
  void aForgottenKmsPluginReadsNaN() {
    KmsPlugin plugin = Fixtures.plugin("kms", 8083);
    metrics.record(plugin, new KmsPluginStatus());
    metrics.forget(plugin);

    assertThat(metrics.registry().scrape())
        .contains("kms_operator_rotation_phase{" + LABELS + ",phase=\"Idle\"} NaN")
        .contains(
            "kms_operator_migration_objects{"
                + LABELS
                + ",outcome=\"migrated\",resource=\"secrets\"} NaN");
  }
}
