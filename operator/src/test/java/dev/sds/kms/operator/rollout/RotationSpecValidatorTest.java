package dev.sds.kms.operator.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sds.kms.operator.crd.v1alpha1.AdminCredentialsRef;
import dev.sds.kms.operator.crd.v1alpha1.KmsPlugin;
import dev.sds.kms.operator.crd.v1alpha1.RetirementSpec;
import dev.sds.kms.operator.crd.v1alpha1.RotationSpec;
import dev.sds.kms.operator.status.SpecProblem;
import dev.sds.kms.operator.testing.Fixtures;
import java.util.List;
import org.junit.jupiter.api.Test;

class RotationSpecValidatorTest {

  @Test
  void aGoodAutomatedRotationSpecPasses() {
    assertThat(
            messages(
                new RotationSpec()
                    .withSchedule("90d")
                    .withMinInterval("1h")
                    .withRotator("AdminApi")
                    .withKmaasAdmin(new AdminCredentialsRef().withSecretName("kmaas-admin"))
                    .withRetireOldKeys(true)
                    .withRetirement(new RetirementSpec().withGracePeriod("1d12h"))))
        .isEmpty();
    assertThat(messages(new RotationSpec().withSchedule(""))).isEmpty();
  }

  @Test
  void eachBadFieldIsNamed() {
    assertThat(messages(new RotationSpec().withSchedule("90 days")))
        .containsExactly(
            "spec.rotation.schedule must be empty or an interval (units d, h, m, s, largest"
                + " first, e.g. 90d or 1d12h)");
    assertThat(messages(new RotationSpec().withMinInterval("0s")))
        .singleElement()
        .asString()
        .startsWith("spec.rotation.minInterval must be an interval");
    assertThat(messages(new RotationSpec().withRotator("Magic")))
        .containsExactly("spec.rotation.rotator must be Auto, AdminApi or SeedOnly");
    assertThat(messages(new RotationSpec().withRotator("AdminApi")))
        .containsExactly(
            "spec.rotation.rotator AdminApi needs spec.rotation.kmaasAdmin (the admin key)");
    assertThat(messages(new RotationSpec().withRetireOldKeys(true)))
        .containsExactly(
            "spec.rotation.retireOldKeys needs spec.rotation.kmaasAdmin (the admin key that"
                + " disables KEKs)");
    assertThat(
            messages(
                new RotationSpec()
                    .withKmaasAdmin(new AdminCredentialsRef().withSecretName("Not_A_Name"))))
        .containsExactly("spec.rotation.kmaasAdmin.secretName must be a valid Secret name");
    assertThat(
            messages(new RotationSpec().withRetirement(new RetirementSpec().withGracePeriod("x"))))
        .singleElement()
        .asString()
        .startsWith("spec.rotation.retirement.gracePeriod must be an interval");
  }

  @Test
  void seedOnlyRotationsNeedRoomForTheSuffixInTheKeyId() {
    KmsPlugin plugin = Fixtures.plugin("kms", 8083);
    plugin.getSpec().setKeyId("k".repeat(50));
    plugin.getSpec().setRotation(new RotationSpec().withRotator("SeedOnly"));

    assertThat(SpecValidator.validate(plugin))
        .extracting(SpecProblem::message)
        .containsExactly(
            "spec.keyId must be at most 46 characters with SeedOnly rotations (the seed suffix"
                + " needs the rest)");
  }

  private static List<String> messages(RotationSpec rotation) {
    KmsPlugin plugin = Fixtures.plugin("kms", 8083);
    plugin.getSpec().setRotation(rotation);
    return SpecValidator.validate(plugin).stream().map(SpecProblem::message).toList();
  }
}
