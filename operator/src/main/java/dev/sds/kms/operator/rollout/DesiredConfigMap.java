package dev.sds.kms.operator.rollout;

import dev.sds.kms.operator.crd.v1alpha1.KmsPlugin;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import java.util.Map;

/** Decides the ConfigMap holding the daemon's {@code config.yaml}. */
public final class DesiredConfigMap {

  private DesiredConfigMap() {}

  public static ConfigMap of(KmsPlugin plugin) {
    return new ConfigMapBuilder()
        .withNewMetadata()
        .withName(Names.configMap(plugin))
        .withNamespace(plugin.getMetadata().getNamespace())
        .withLabels(Labels.common(plugin))
        .endMetadata()
        .withData(Map.of(DaemonPaths.CONFIG_KEY, DaemonConfigRenderer.render(plugin)))
        .build();
  }
}
