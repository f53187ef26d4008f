package dev.sds.kms.operator.rotation.start;

import dev.sds.kms.operator.crd.v1alpha1.KmsPlugin;
import dev.sds.kms.operator.rotation.start.KmaasAdminApi.KmaasAdminException;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Instant;

/**
 * Asks the key service to create a new active KEK through its admin API. The daemons see it on
 * their next KMaaS check ({@code spec.healthCheckInterval}) and report the new key id; nothing in
 * the cluster changes.
 */
public final class AdminApiKekRotator implements KekRotator {
  public static final String KIND = "AdminApi";

  private final KmaasAdminApis apis;

  public AdminApiKekRotator(KmaasAdminApis apis) {
    this.apis = apis;
  }

  @Override
  public String kind() {
    return KIND;
  }

  @Override
  public String describe(KmsPlugin plugin) {
    return "ask KMaaS ("
        + plugin.getSpec().getKmaas().getUrl()
        + ") through its admin API for a new active KEK of tenant "
        + plugin.getSpec().getKmaas().getTenantId()
        + "; the daemons pick it up on their next check, no pod restarts";
  }

  @Override
  public boolean rollsDaemons() {
    return false;
  }

  @Override
  public Started start(KmsPlugin plugin, KubernetesClient client, Instant now)
      throws KmaasAdminException {
    String kekId = apis.open(plugin, client).rotate();
    return new Started(
        kekId,
        null,
        "KMaaS created KEK "
            + kekId
            + " for tenant "
            + plugin.getSpec().getKmaas().getTenantId()
            + "; waiting for every daemon to report it");
  }
}
