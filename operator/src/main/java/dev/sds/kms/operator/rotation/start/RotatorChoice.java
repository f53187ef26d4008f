package dev.sds.kms.operator.rotation.start;

import dev.sds.kms.operator.crd.v1alpha1.KmsPlugin;
import dev.sds.kms.operator.crd.v1alpha1.RotationSpec;

/**
 * Which {@link KekRotator} starts a KmsPlugin's rotations, from {@code spec.rotation.rotator}:
 * {@code AdminApi}, {@code SeedOnly}, or {@code Auto} (the default): the admin API when {@code
 * spec.rotation.kmaasAdmin} names the admin key, else a new seed generation.
 */
public final class RotatorChoice {
  public static final String AUTO = "Auto";

  private final KekRotator adminApi;
  private final KekRotator seedOnly;

  public RotatorChoice(KekRotator adminApi, KekRotator seedOnly) {
    this.adminApi = adminApi;
    this.seedOnly = seedOnly;
  }

  public KekRotator choose(KmsPlugin plugin) {
    RotationSpec spec = plugin.getSpec() == null ? null : plugin.getSpec().getRotation();
    String rotator = spec == null || spec.getRotator() == null ? AUTO : spec.getRotator();
    return switch (rotator) {
      case AdminApiKekRotator.KIND -> adminApi;
      case SeedGenerationRotator.KIND -> seedOnly;
      default -> spec != null && spec.getKmaasAdmin() != null ? adminApi : seedOnly;
    };
  }
}
