package dev.sds.kms.operator.rollout;

import dev.sds.kms.operator.crd.v1alpha1.KmsPlugin;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.javaoperatorsdk.operator.api.reconciler.Context;

/** The daemon pods' ServiceAccount, as {@link DesiredServiceAccount} decides it. */
public class ServiceAccountDependentResource extends PauseAwareDependentResource<ServiceAccount> {

  public ServiceAccountDependentResource() {
    super(ServiceAccount.class);
  }

  @Override
  protected ServiceAccount desired(KmsPlugin primary, Context<KmsPlugin> context) {
    return DesiredServiceAccount.of(primary);
  }
}
