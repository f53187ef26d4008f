package dev.sds.kms.operator.rollout;

import dev.sds.kms.operator.crd.v1alpha1.KmsPlugin;

/**
 * Decides the names of the objects the operator owns for a {@code KmsPlugin}: all of them live in
 * the KmsPlugin's namespace and are called {@code <name>-kms-plugin}, so that two KmsPlugins in one
 * namespace never collide and {@code kubectl get ds,cm,sa} shows which KmsPlugin each belongs to.
 */
public final class Names {

  static final String SUFFIX = "-kms-plugin";

  /** The name of the daemon container. */
  public static final String CONTAINER = "kms-plugin";

  private Names() {}

  /** The DaemonSet running the daemon. */
  public static String daemonSet(KmsPlugin plugin) {
    return base(plugin);
  }

  /** The ConfigMap holding the daemon's {@code config.yaml}. */
  public static String configMap(KmsPlugin plugin) {
    return base(plugin);
  }

  /** The ServiceAccount the daemon pods run as. */
  public static String serviceAccount(KmsPlugin plugin) {
    return base(plugin);
  }

  private static String base(KmsPlugin plugin) {
    return plugin.getMetadata().getName() + SUFFIX;
  }
}
