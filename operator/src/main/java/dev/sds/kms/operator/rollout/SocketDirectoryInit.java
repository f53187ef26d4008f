package dev.sds.kms.operator.rollout;

import dev.sds.kms.operator.crd.v1alpha1.KmsPlugin;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import java.util.List;

/**
 * Decides the init container that makes the node's socket directory the daemon's before it starts:
 * the kubelet creates a {@code DirectoryOrCreate} hostPath owned by root (mode 0755), where a
 * non-root daemon cannot create its socket. The init container changes the owner to the daemon's
 * uid and gid and the mode to 0700 — nothing else, and not recursively — and is the only part of
 * the DaemonSet that runs as root: with {@code CAP_CHOWN} and {@code CAP_FOWNER} only (the second
 * for chmod once the directory is no longer root's), no privilege escalation, a read-only root file
 * system. It uses the daemon image, whose base (eclipse-temurin, Ubuntu) has {@code sh}, {@code
 * chown} and {@code chmod}. A daemon that runs as root (spec.runAsUser 0) needs none.
 */
public final class SocketDirectoryInit {

  public static final String NAME = "socket-dir";

  /** {@code sh -c SCRIPT socket-dir <uid>:<gid> <directory>}. */
  static final String SCRIPT = "chown \"$1\" \"$2\" && chmod 0700 \"$2\"";

  static final List<String> CAPABILITIES = List.of("CHOWN", "FOWNER");

  private SocketDirectoryInit() {}

  /** The init containers of the daemon pod: this one, or none when the daemon runs as root. */
  public static List<Container> containers(KmsPlugin plugin) {
    long uid = SpecDefaults.runAsUser(plugin);
    if (uid == 0) {
      return List.of();
    }
    String directory = SpecDefaults.socketHostDirectory(plugin);
    return List.of(
        new ContainerBuilder()
            .withName(NAME)
            .withImage(SpecDefaults.spec(plugin).getImage())
            .withCommand("/bin/sh", "-c", SCRIPT, NAME)
            .withArgs(uid + ":" + uid, directory)
            .withNewResources()
            .addToRequests("cpu", new Quantity("10m"))
            .addToRequests("memory", new Quantity("16Mi"))
            .addToLimits("memory", new Quantity("32Mi"))
            .endResources()
            .withNewSecurityContext()
            .withRunAsUser(0L)
            .withRunAsGroup(0L)
            .withRunAsNonRoot(false)
            .withAllowPrivilegeEscalation(false)
            .withReadOnlyRootFilesystem(true)
            .withNewCapabilities()
            .withDrop("ALL")
            .withAdd(CAPABILITIES)
            .endCapabilities()
            .withNewSeccompProfile()
            .withType("RuntimeDefault")
            .endSeccompProfile()
            .endSecurityContext()
            .withVolumeMounts(DaemonVolumes.socketMount(plugin))
            .build());
  }
}
