package dev.sds.kms.operator.rollout;

import dev.sds.kms.operator.crd.v1alpha1.KmsPlugin;
import java.util.Map;
import java.util.TreeMap;

/**
 * Decides the labels of the objects the operator owns (the {@code app.kubernetes.io} recommended
 * labels) and the pod selector of the DaemonSet. The selector uses only {@code name} and {@code
 * instance}: a DaemonSet's selector cannot change after creation, so it must not carry anything
 * that might change in a later version.
 */
public final class Labels {

  public static final String NAME = "app.kubernetes.io/name";
  public static final String INSTANCE = "app.kubernetes.io/instance";
  public static final String MANAGED_BY = "app.kubernetes.io/managed-by";
  public static final String COMPONENT = "app.kubernetes.io/component";

  public static final String APP_NAME = "sds-kms-plugin";
  public static final String OPERATOR_NAME = "sds-kms-operator";
  public static final String COMPONENT_NAME = "kms-plugin";

  private Labels() {}

  /** All four labels, on the DaemonSet, its pods, the ConfigMap and the ServiceAccount. */
  public static Map<String, String> common(KmsPlugin plugin) {
    Map<String, String> labels = selector(plugin);
    labels.put(MANAGED_BY, OPERATOR_NAME);
    labels.put(COMPONENT, COMPONENT_NAME);
    return labels;
  }

  /** The DaemonSet's pod selector: name and instance. A new, sorted, mutable map. */
  public static Map<String, String> selector(KmsPlugin plugin) {
    Map<String, String> labels = new TreeMap<>();
    labels.put(NAME, APP_NAME);
    labels.put(INSTANCE, plugin.getMetadata().getName());
    return labels;
  }
}
