package dev.sds.kms.operator.rollout;

import dev.sds.kms.operator.crd.v1alpha1.CaBundleRef;
import dev.sds.kms.operator.crd.v1alpha1.KmaasSpec;
import dev.sds.kms.operator.crd.v1alpha1.KmsPlugin;
import io.fabric8.kubernetes.api.model.KeyToPath;
import io.fabric8.kubernetes.api.model.KeyToPathBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.VolumeProjection;
import io.fabric8.kubernetes.api.model.VolumeProjectionBuilder;
import java.util.ArrayList;
import java.util.List;

/**
 * Decides the daemon pod's volumes and where they are mounted:
 *
 * <ul>
 *   <li>{@code socket}: the node's socket directory (hostPath, {@code DirectoryOrCreate}) at the
 *       same path in the container, so that the {@code bind} path and the path in kube-apiserver's
 *       EncryptionConfiguration are one and the same;
 *   <li>{@code config}: one read-only projected volume at {@value DaemonPaths#CONFIG_DIR} holding
 *       {@code config.yaml} from the ConfigMap and, under {@code credentials/}, {@code ca/} and
 *       {@code client/}, only the referenced keys of the referenced Secrets and ConfigMaps. Secret
 *       files are mode 0440 with the pod's {@code fsGroup}, the daemon's gid, as their group (the
 *       kubelet sets it): readable by the daemon's uid and nobody else but root; 0400 (root's) when
 *       the daemon runs as root. One projected volume instead of a volume per object mounted inside
 *       the ConfigMap's: no mount point has to be created inside a read-only volume, and every file
 *       still follows updates (no {@code subPath});
 *   <li>{@code tmp}: an emptyDir at {@code /tmp}, the only writable place on a read-only root file
 *       system.
 * </ul>
 */
public final class DaemonVolumes {

  public static final String SOCKET = "socket";
  public static final String CONFIG = "config";
  public static final String TMP = "tmp";

  static final int SECRET_FILE_MODE_ROOT = 0400;
  static final int SECRET_FILE_MODE_FS_GROUP = 0440;
  static final int PUBLIC_FILE_MODE = 0444;

  private DaemonVolumes() {}

  /** The pod's volumes: socket, config, tmp. */
  public static List<Volume> volumes(KmsPlugin plugin) {
    return List.of(
        new VolumeBuilder()
            .withName(SOCKET)
            .withNewHostPath()
            .withPath(SpecDefaults.socketHostDirectory(plugin))
            .withType("DirectoryOrCreate")
            .endHostPath()
            .build(),
        new VolumeBuilder()
            .withName(CONFIG)
            .withNewProjected()
            .withDefaultMode(PUBLIC_FILE_MODE)
            .withSources(projections(plugin))
            .endProjected()
            .build(),
        new VolumeBuilder().withName(TMP).withNewEmptyDir().endEmptyDir().build());
  }

  /** The container's mounts, config read-only. */
  public static List<VolumeMount> mounts(KmsPlugin plugin) {
    return List.of(
        socketMount(plugin),
        new VolumeMountBuilder()
            .withName(CONFIG)
            .withMountPath(DaemonPaths.CONFIG_DIR)
            .withReadOnly(true)
            .build(),
        new VolumeMountBuilder().withName(TMP).withMountPath(DaemonPaths.TMP_DIR).build());
  }

  /** The socket directory at the same path as on the node (the daemon and the init container). */
  static VolumeMount socketMount(KmsPlugin plugin) {
    return new VolumeMountBuilder()
        .withName(SOCKET)
        .withMountPath(SpecDefaults.socketHostDirectory(plugin))
        .build();
  }

  /**
   * The pod's {@code fsGroup}: the daemon's gid, so that the kubelet gives the projected files that
   * group; none when the daemon runs as root.
   */
  static Long fsGroup(KmsPlugin plugin) {
    long uid = SpecDefaults.runAsUser(plugin);
    return uid == 0 ? null : uid;
  }

  private static int secretFileMode(KmsPlugin plugin) {
    return fsGroup(plugin) == null ? SECRET_FILE_MODE_ROOT : SECRET_FILE_MODE_FS_GROUP;
  }

  private static List<VolumeProjection> projections(KmsPlugin plugin) {
    List<VolumeProjection> sources = new ArrayList<>();
    sources.add(
        new VolumeProjectionBuilder()
            .withNewConfigMap()
            .withName(Names.configMap(plugin))
            .withItems(item(DaemonPaths.CONFIG_KEY, DaemonPaths.CONFIG_KEY, null))
            .endConfigMap()
            .build());
    KmaasSpec kmaas = SpecDefaults.kmaas(plugin);
    if (kmaas.getCredentials() != null) {
      String key = SpecDefaults.credentialsKey(plugin);
      sources.add(
          new VolumeProjectionBuilder()
              .withNewSecret()
              .withName(kmaas.getCredentials().getSecretName())
              .withItems(
                  item(key, DaemonPaths.CREDENTIALS_SUBDIR + "/" + key, secretFileMode(plugin)))
              .endSecret()
              .build());
    }
    CaBundleRef ca = kmaas.getCaBundle();
    if (ca != null) {
      String key = SpecDefaults.caBundleKey(plugin);
      KeyToPath item = item(key, DaemonPaths.CA_SUBDIR + "/" + key, null);
      sources.add(
          ca.getConfigMapName() != null
              ? new VolumeProjectionBuilder()
                  .withNewConfigMap()
                  .withName(ca.getConfigMapName())
                  .withItems(item)
                  .endConfigMap()
                  .build()
              : new VolumeProjectionBuilder()
                  .withNewSecret()
                  .withName(ca.getSecretName())
                  .withItems(item)
                  .endSecret()
                  .build());
    }
    if (kmaas.getClientCertificate() != null) {
      String dir = DaemonPaths.CLIENT_SUBDIR + "/";
      sources.add(
          new VolumeProjectionBuilder()
              .withNewSecret()
              .withName(kmaas.getClientCertificate().getSecretName())
              .withItems(
                  item(DaemonPaths.TLS_CERT_KEY, dir + DaemonPaths.TLS_CERT_KEY, null),
                  item(
                      DaemonPaths.TLS_KEY_KEY,
                      dir + DaemonPaths.TLS_KEY_KEY,
                      secretFileMode(plugin)))
              .endSecret()
              .build());
    }
    return sources;
  }

  private static KeyToPath item(String key, String path, Integer mode) {
    return new KeyToPathBuilder().withKey(key).withPath(path).withMode(mode).build();
  }
}
