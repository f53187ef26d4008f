package dev.sds.kms.operator.rotation.start;

import dev.sds.kms.operator.crd.v1alpha1.KmsPlugin;
import dev.sds.kms.operator.rollout.SpecDefaults;
import dev.sds.kms.operator.rotation.start.KmaasAdminApi.KmaasAdminException;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * For key services that cannot be asked for a new KEK: a new seed generation. The operator gives
 * the daemons' {@code KEY_ID} a new suffix ({@code status.rotation.seedSuffix}, rendered by {@code
 * DaemonConfigRenderer} as {@code <spec.keyId>-<suffix>}), which changes the config hash of the
 * DaemonSet, so its pods roll one node at a time ({@code maxUnavailable: 1}). Each restarted daemon
 * reports a new key id; kube-apiserver generates and wraps a new seed for it. The KEK stays the
 * same, so no KEK becomes retirable by such a rotation.
 *
 * <p>The suffix is {@code r} and the start time ({@code r20261125T120000Z}): it never repeats, so a
 * key id never comes back.
 */
public final class SeedGenerationRotator implements KekRotator {
  public static final String KIND = "SeedOnly";

  /** The longest {@code spec.keyId} that leaves room for {@code -r20261125T120000Z}. */
  public static final int MAX_PREFIX = 64 - 18;

  private static final DateTimeFormatter SUFFIX =
      DateTimeFormatter.ofPattern("'r'yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

  @Override
  public String kind() {
    return KIND;
  }

  @Override
  public String describe(KmsPlugin plugin) {
    return "restart the daemons one node at a time with KEY_ID "
        + SpecDefaults.keyId(plugin)
        + "-<new suffix>, so that kube-apiserver makes a new seed; the KEK stays";
  }

  @Override
  public boolean rollsDaemons() {
    return true;
  }

  @Override
  public Started start(KmsPlugin plugin, KubernetesClient client, Instant now)
      throws KmaasAdminException {
    String prefix = SpecDefaults.keyId(plugin);
    if (prefix.length() > MAX_PREFIX) {
      throw new KmaasAdminException(
          "spec.keyId is longer than "
              + MAX_PREFIX
              + " characters: no room for the seed suffix of a SeedOnly rotation");
    }
    String suffix = SUFFIX.format(now);
    return new Started(
        null,
        suffix,
        "rolling the daemons one node at a time to KEY_ID "
            + prefix
            + "-"
            + suffix
            + " (new seed, same KEK)");
  }

  /**
   * The {@code KEY_ID} the daemons run with: {@code spec.keyId}, and the suffix when there is one.
   */
  public static String effectiveKeyIdPrefix(KmsPlugin plugin) {
    String prefix = SpecDefaults.keyId(plugin);
    String suffix =
        plugin.getStatus() == null || plugin.getStatus().getRotation() == null
            ? null
            : plugin.getStatus().getRotation().getSeedSuffix();
    return suffix == null || suffix.isEmpty() ? prefix : prefix + "-" + suffix;
  }
}
