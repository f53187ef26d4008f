package dev.sds.kms.operator.rollout;

import dev.sds.kms.operator.crd.v1alpha1.KmsPlugin;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSecurityContextBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Decides the daemon's DaemonSet ({@code apps/v1}): one pod per selected node (by default every
 * control-plane node), rolled one node at a time ({@code maxUnavailable: 1}, {@code maxSurge: 0}:
 * two daemons on one node would fight over the same socket), at {@code system-node-critical}
 * priority.
 *
 * <p>The container runs {@code serve --config /etc/sds-kms-plugin/config.yaml} as arguments only:
 * the image's entrypoint ({@code java @/app/jvm.options -XX:SharedArchiveFile=/app/kms-plugin.jsa
 * -jar /app/kms-plugin.jar}) keeps the daemon's JVM settings in one file and its AppCDS archive, so
 * no command is set here. It runs as {@code spec.runAsUser} (default 65532, the image's user; uid
 * and gid), non-root, with no capabilities, no privilege escalation, a read-only root file system
 * and the runtime's default seccomp profile; kube-apiserver, root with the default capabilities,
 * still opens its 0600 socket. The init container of {@link SocketDirectoryInit} makes the socket
 * directory that uid's first, and the pod's {@code fsGroup} makes the projected Secret files
 * readable by it ({@link DaemonVolumes}). It serves {@code /livez}, {@code /readyz} and {@code
 * /status} on the pod IP, port {@code http}; no host networking. It needs no API access, so no
 * service account token is mounted.
 *
 * <p>Named "Desired…" rather than "…Builder" so as not to clash with fabric8's generated builders.
 */
public final class DesiredDaemonSet {

  public static final List<String> ARGS = List.of("serve", "--config", DaemonPaths.CONFIG_FILE);
  public static final String HTTP_PORT_NAME = "http";
  public static final String READYZ = "/readyz";
  public static final String LIVEZ = "/livez";

  private DesiredDaemonSet() {}

  /** The DaemonSet, with the config hash but without the referenced-objects hash. */
  public static DaemonSet of(KmsPlugin plugin) {
    return of(plugin, Optional.empty());
  }

  /**
   * The DaemonSet, with the config hash and, when the references can be looked up, the hash of the
   * resourceVersions of the referenced objects the daemon reads only at start.
   */
  public static DaemonSet of(KmsPlugin plugin, ReferenceLookup lookup) {
    return of(plugin, ConfigHash.ofStartupReferences(plugin, lookup));
  }

  private static DaemonSet of(KmsPlugin plugin, Optional<String> referenceVersions) {
    PodTemplateSpec template = podTemplate(plugin);
    Map<String, String> annotations = new TreeMap<>();
    annotations.put(
        ConfigHash.CONFIG_HASH, ConfigHash.of(DaemonConfigRenderer.render(plugin), template));
    referenceVersions.ifPresent(hash -> annotations.put(ConfigHash.REFERENCE_VERSIONS, hash));
    template.getMetadata().setAnnotations(annotations);

    return new io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder()
        .withNewMetadata()
        .withName(Names.daemonSet(plugin))
        .withNamespace(plugin.getMetadata().getNamespace())
        .withLabels(Labels.common(plugin))
        .endMetadata()
        .withNewSpec()
        .withNewSelector()
        .withMatchLabels(Labels.selector(plugin))
        .endSelector()
        .withNewUpdateStrategy()
        .withType("RollingUpdate")
        .withNewRollingUpdate()
        .withMaxUnavailable(new IntOrString(1))
        .withMaxSurge(new IntOrString(0))
        .endRollingUpdate()
        .endUpdateStrategy()
        .withTemplate(template)
        .endSpec()
        .build();
  }

  /** The pod template, without the hash annotations. */
  static PodTemplateSpec podTemplate(KmsPlugin plugin) {
    return new PodTemplateSpecBuilder()
        .withNewMetadata()
        .withLabels(Labels.common(plugin))
        .endMetadata()
        .withNewSpec()
        .withServiceAccountName(Names.serviceAccount(plugin))
        .withAutomountServiceAccountToken(false)
        .withPriorityClassName(SpecDefaults.priorityClassName(plugin))
        .withNodeSelector(SpecDefaults.nodeSelector(plugin))
        .withTolerations(SpecDefaults.tolerations(plugin))
        .withSecurityContext(podSecurityContext(plugin))
        .withInitContainers(SocketDirectoryInit.containers(plugin))
        .withContainers(container(plugin))
        .withVolumes(DaemonVolumes.volumes(plugin))
        .endSpec()
        .build();
  }

  /** Only {@code fsGroup} (a pod-level field); the rest is per container. */
  private static PodSecurityContext podSecurityContext(KmsPlugin plugin) {
    Long fsGroup = DaemonVolumes.fsGroup(plugin);
    return fsGroup == null ? null : new PodSecurityContextBuilder().withFsGroup(fsGroup).build();
  }

  private static Container container(KmsPlugin plugin) {
    long uid = SpecDefaults.runAsUser(plugin);
    return new ContainerBuilder()
        .withName(Names.CONTAINER)
        .withImage(SpecDefaults.spec(plugin).getImage())
        .withArgs(ARGS)
        .addNewPort()
        .withName(HTTP_PORT_NAME)
        .withContainerPort(SpecDefaults.httpPort(plugin))
        .withProtocol("TCP")
        .endPort()
        .withReadinessProbe(probe(READYZ, 5))
        .withLivenessProbe(probe(LIVEZ, 10))
        .withResources(SpecDefaults.resources(plugin))
        .withNewSecurityContext()
        .withRunAsUser(uid)
        .withRunAsGroup(uid)
        .withRunAsNonRoot(uid == 0 ? null : true)
        .withAllowPrivilegeEscalation(false)
        .withReadOnlyRootFilesystem(true)
        .withNewCapabilities()
        .withDrop("ALL")
        .endCapabilities()
        .withNewSeccompProfile()
        .withType("RuntimeDefault")
        .endSeccompProfile()
        .endSecurityContext()
        .withVolumeMounts(DaemonVolumes.mounts(plugin))
        .build();
  }

  private static Probe probe(String path, int periodSeconds) {
    return new ProbeBuilder()
        .withNewHttpGet()
        .withPath(path)
        .withPort(new IntOrString(HTTP_PORT_NAME))
        .endHttpGet()
        .withPeriodSeconds(periodSeconds)
        .withFailureThreshold(3)
        .build();
  }
}
