package dev.sds.kms.operator.rotation.start;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sds.kms.operator.crd.v1alpha1.KmsPlugin;
import dev.sds.kms.operator.crd.v1alpha1.KmsPluginStatus;
import dev.sds.kms.operator.crd.v1alpha1.RotationStatus;
import dev.sds.kms.operator.rollout.DaemonConfigRenderer;
import dev.sds.kms.operator.rotation.start.KmaasAdminApi.KmaasAdminException;
import dev.sds.kms.operator.testing.Fixtures;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class SeedGenerationRotatorTest {
  private final SeedGenerationRotator rotator = new SeedGenerationRotator();

  @Test
  void aStartGivesANewSuffixFromTheTimeAndRollsTheDaemons() throws Exception {
    KmsPlugin plugin = Fixtures.plugin("kms", 8083);

    KekRotator.Started started =
        rotator.start(plugin, null, Instant.parse("2026-11-25T12:34:56.789Z"));

    assertThat(started.seedSuffix()).isEqualTo("r20261125T123456Z");
    assertThat(started.kekId()).isNull();
    assertThat(started.message()).contains("KEY_ID sds-r20261125T123456Z");
    assertThat(rotator.rollsDaemons()).isTrue();
  }

  @Test
  void theDaemonsRunWithTheSuffixOnceItIsInTheStatus() {
    KmsPlugin plugin = Fixtures.plugin("kms", 8083);
    assertThat(DaemonConfigRenderer.settings(plugin)).containsEntry("key-id", "sds");

    plugin.setStatus(
        new KmsPluginStatus()
            .withRotation(new RotationStatus().withSeedSuffix("r20261125T123456Z")));

    assertThat(DaemonConfigRenderer.settings(plugin))
        .containsEntry("key-id", "sds-r20261125T123456Z");
  }

  @Test
  void aKeyIdWithoutRoomForTheSuffixIsRefusedNamingTheField() {
    KmsPlugin plugin = Fixtures.plugin("kms", 8083);
    plugin.getSpec().setKeyId("k".repeat(47));

    assertThatThrownBy(() -> rotator.start(plugin, null, Instant.now()))
        .isInstanceOf(KmaasAdminException.class)
        .hasMessage(
            "spec.keyId is longer than 46 characters: no room for the seed suffix of a SeedOnly"
                + " rotation");
  }
}
