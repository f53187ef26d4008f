package dev.sds.kms.operator.rotation.retire;

import dev.sds.kms.operator.crd.v1alpha1.AuditSpec;
import dev.sds.kms.operator.crd.v1alpha1.KmsPlugin;
import dev.sds.kms.operator.rollout.Labels;
import dev.sds.kms.operator.rollout.SpecDefaults;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The etcd audit as a Kubernetes Job on a control-plane node (docs/audit.md): the daemon image runs
 * {@code audit -o json --max-names 0 --result-file /dev/termination-log} with host networking (etcd
 * listens on the node's loopback) and the node's etcd client certificate from a read-only hostPath,
 * so the report becomes the container's termination message, which the operator reads from the
 * Job's pod. One attempt ({@code backoffLimit: 0}); the operator decides about retries.
 */
public final class AuditJob {
  public static final String COMPONENT = "kms-audit";
  public static final String JOB_NAME_LABEL = "job-name";
  static final String CONTAINER = "audit";
  static final String PKI_MOUNT = "/etc/sds-kms-audit/pki";
  static final long ACTIVE_DEADLINE_SECONDS = 600;
  static final int TTL_SECONDS_AFTER_FINISHED = 3600;

  static final String DEFAULT_ENDPOINT = "https://127.0.0.1:2379";
  static final String DEFAULT_PKI = "/etc/kubernetes/pki/etcd";
  static final String DEFAULT_CA = "ca.crt";
  static final String DEFAULT_CERT = "healthcheck-client.crt";
  static final String DEFAULT_KEY = "healthcheck-client.key";
  static final String DEFAULT_PREFIX = "/registry";

  /** What a Job's run came to. */
  public sealed interface State {
    /** The Job does not exist. */
    record Missing() implements State {}

    /** It runs (or waits to be scheduled). */
    record Running() implements State {}

    /** The audit ran; {@code report} is its termination message (the JSON report). */
    record Succeeded(String report) implements State {}

    /** The audit failed; {@code reason} is one line (its termination message when it left one). */
    record Failed(String reason) implements State {}
  }

  private AuditJob() {}

  /**
   * The Job's name for one retirement cycle: the KmsPlugin's name and a short hash of {@code
   * cycle}, at most 63 characters.
   */
  public static String name(KmsPlugin plugin, String cycle) {
    String base = plugin.getMetadata().getName();
    if (base.length() > 40) {
      base = base.substring(0, 40);
    }
    return base + "-kms-audit-" + hash(cycle);
  }

  /** The Job that audits {@code resources} in etcd for {@code plugin}. */
  public static Job desired(KmsPlugin plugin, String name, List<String> resources) {
    AuditSpec audit = audit(plugin);
    List<String> args = new ArrayList<>();
    args.addAll(
        List.of(
            "audit", "-o", "json", "--max-names", "0", "--result-file", "/dev/termination-log"));
    args.add("--etcd-endpoints");
    args.add(
        String.join(
            ",",
            audit.getEtcdEndpoints() == null || audit.getEtcdEndpoints().isEmpty()
                ? List.of(DEFAULT_ENDPOINT)
                : audit.getEtcdEndpoints()));
    args.addAll(
        List.of(
            "--etcd-cacert",
            PKI_MOUNT + "/" + or(audit.getCaFile(), DEFAULT_CA),
            "--etcd-cert",
            PKI_MOUNT + "/" + or(audit.getCertFile(), DEFAULT_CERT),
            "--etcd-key",
            PKI_MOUNT + "/" + or(audit.getKeyFile(), DEFAULT_KEY),
            "--prefix",
            or(audit.getEtcdPrefix(), DEFAULT_PREFIX),
            "--resources",
            String.join(",", resources)));
    Map<String, String> labels = new LinkedHashMap<>(Labels.common(plugin));
    labels.put(Labels.COMPONENT, COMPONENT);
    return new JobBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(plugin.getMetadata().getNamespace())
        .withLabels(labels)
        .withOwnerReferences(
            new OwnerReferenceBuilder()
                .withApiVersion(plugin.getApiVersion())
                .withKind(plugin.getKind())
                .withName(plugin.getMetadata().getName())
                .withUid(plugin.getMetadata().getUid())
                .withController(true)
                .build())
        .endMetadata()
        .withNewSpec()
        .withBackoffLimit(0)
        .withActiveDeadlineSeconds(ACTIVE_DEADLINE_SECONDS)
        .withTtlSecondsAfterFinished(TTL_SECONDS_AFTER_FINISHED)
        .withNewTemplate()
        .withNewMetadata()
        .withLabels(labels)
        .endMetadata()
        .withNewSpec()
        .withRestartPolicy("Never")
        .withHostNetwork(true)
        .withDnsPolicy("ClusterFirstWithHostNet")
        .withAutomountServiceAccountToken(false)
        .withNodeSelector(SpecDefaults.nodeSelector(plugin))
        .withTolerations(SpecDefaults.tolerations(plugin))
        .addNewContainer()
        .withName(CONTAINER)
        .withImage(plugin.getSpec().getImage())
        .withArgs(args)
        .withTerminationMessagePath("/dev/termination-log")
        .withTerminationMessagePolicy("FallbackToLogsOnError")
        .withNewSecurityContext()
        .withRunAsUser(0L)
        .withAllowPrivilegeEscalation(false)
        .withReadOnlyRootFilesystem(true)
        .withNewCapabilities()
        .withDrop("ALL")
        .endCapabilities()
        .withNewSeccompProfile()
        .withType("RuntimeDefault")
        .endSeccompProfile()
        .endSecurityContext()
        .withNewResources()
        .addToRequests("cpu", new Quantity("100m"))
        .addToRequests("memory", new Quantity("128Mi"))
        .addToLimits("memory", new Quantity("512Mi"))
        .endResources()
        .addNewVolumeMount()
        .withName("etcd-pki")
        .withMountPath(PKI_MOUNT)
        .withReadOnly(true)
        .endVolumeMount()
        .addNewVolumeMount()
        .withName("tmp")
        .withMountPath("/tmp")
        .endVolumeMount()
        .endContainer()
        .addNewVolume()
        .withName("etcd-pki")
        .withNewHostPath()
        .withPath(or(audit.getPkiHostPath(), DEFAULT_PKI))
        .withType("Directory")
        .endHostPath()
        .endVolume()
        .addNewVolume()
        .withName("tmp")
        .withNewEmptyDir()
        .endEmptyDir()
        .endVolume()
        .endSpec()
        .endTemplate()
        .endSpec()
        .build();
  }

  /** The state of Job {@code name}, with the report or failure read from its pod. */
  public static State state(KubernetesClient client, String namespace, String name) {
    Job job = client.batch().v1().jobs().inNamespace(namespace).withName(name).get();
    if (job == null) {
      return new State.Missing();
    }
    var status = job.getStatus();
    boolean succeeded = status != null && orZero(status.getSucceeded()) > 0;
    boolean failed = status != null && orZero(status.getFailed()) > 0;
    if (!succeeded && !failed) {
      return new State.Running();
    }
    Optional<String> message = terminationMessage(client, namespace, name);
    if (succeeded) {
      return message
          .<State>map(State.Succeeded::new)
          .orElse(new State.Failed("the audit Job " + name + " succeeded but left no report"));
    }
    return new State.Failed(
        "the audit Job "
            + name
            + " failed"
            + message.map(m -> ": " + lastLine(m)).orElse(" (no message; see its pod's log)"));
  }

  public static void delete(KubernetesClient client, String namespace, String name) {
    client
        .batch()
        .v1()
        .jobs()
        .inNamespace(namespace)
        .withName(name)
        .withPropagationPolicy(io.fabric8.kubernetes.api.model.DeletionPropagation.BACKGROUND)
        .delete();
  }

  private static Optional<String> terminationMessage(
      KubernetesClient client, String namespace, String name) {
    List<Pod> pods =
        client.pods().inNamespace(namespace).withLabel(JOB_NAME_LABEL, name).list().getItems();
    for (Pod pod : pods) {
      if (pod.getStatus() == null || pod.getStatus().getContainerStatuses() == null) {
        continue;
      }
      for (ContainerStatus c : pod.getStatus().getContainerStatuses()) {
        if (CONTAINER.equals(c.getName())
            && c.getState() != null
            && c.getState().getTerminated() != null
            && c.getState().getTerminated().getMessage() != null) {
          return Optional.of(c.getState().getTerminated().getMessage());
        }
      }
    }
    return Optional.empty();
  }

  private static String lastLine(String text) {
    String line = text.strip().lines().reduce((a, b) -> b).orElse("");
    return line.length() > 300 ? line.substring(0, 300) + "…" : line;
  }

  static AuditSpec audit(KmsPlugin plugin) {
    return audit(plugin.getSpec().getRotation());
  }

  static AuditSpec audit(dev.sds.kms.operator.crd.v1alpha1.RotationSpec rotation) {
    if (rotation == null
        || rotation.getRetirement() == null
        || rotation.getRetirement().getAudit() == null) {
      return new AuditSpec();
    }
    return rotation.getRetirement().getAudit();
  }

  private static String or(String value, String fallback) {
    return value == null || value.isEmpty() ? fallback : value;
  }

  private static int orZero(Integer n) {
    return Objects.requireNonNullElse(n, 0);
  }

  private static String hash(String text) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(d).substring(0, 10);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
  }
}
