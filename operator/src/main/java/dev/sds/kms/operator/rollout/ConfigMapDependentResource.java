package dev.sds.kms.operator.rollout;

import dev.sds.kms.operator.crd.v1alpha1.KmsPlugin;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.javaoperatorsdk.operator.api.reconciler.Context;

/** The daemon's ConfigMap, as {@link DesiredConfigMap} decides it. */
public class ConfigMapDependentResource extends PauseAwareDependentResource<ConfigMap> {

  public ConfigMapDependentResource() {
    super(ConfigMap.class);
  }

  @Override
  protected ConfigMap desired(KmsPlugin primary, Context<KmsPlugin> context) {
    return DesiredConfigMap.of(primary);
  }
}
