package dev.sds.kms.operator.rollout;

import dev.sds.kms.operator.crd.v1alpha1.KmsPlugin;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;

/**
 * Decides the ServiceAccount of the daemon pods: their own identity with no token mounted and no
 * RBAC bound, because the daemon never calls the Kubernetes API.
 */
public final class DesiredServiceAccount {

  private DesiredServiceAccount() {}

  public static ServiceAccount of(KmsPlugin plugin) {
    return new ServiceAccountBuilder()
        .withNewMetadata()
        .withName(Names.serviceAccount(plugin))
        .withNamespace(plugin.getMetadata().getNamespace())
        .withLabels(Labels.common(plugin))
        .endMetadata()
        .withAutomountServiceAccountToken(false)
        .build();
  }
}
