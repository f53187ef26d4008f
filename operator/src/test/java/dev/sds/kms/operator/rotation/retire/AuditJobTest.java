package dev.sds.kms.operator.rotation.retire;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sds.kms.operator.crd.v1alpha1.AuditSpec;
import dev.sds.kms.operator.crd.v1alpha1.KmsPlugin;
import dev.sds.kms.operator.crd.v1alpha1.RetirementSpec;
import dev.sds.kms.operator.crd.v1alpha1.RotationSpec;
import dev.sds.kms.operator.testing.Fixtures;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.util.List;
import org.junit.jupiter.api.Test;

class AuditJobTest {

  @Test
  void theJobRunsTheDaemonImagesAuditOnAControlPlaneNodeWithTheEtcdCertificates() {
    KmsPlugin plugin = Fixtures.plugin("kms", 8083);
    plugin.getMetadata().setUid("uid-1");

    Job job = AuditJob.desired(plugin, "kms-kms-audit-abc", List.of("secrets", "configmaps"));

    assertThat(job.getMetadata().getOwnerReferences())
        .singleElement()
        .satisfies(
            o -> {
              assertThat(o.getKind()).isEqualTo("KmsPlugin");
              assertThat(o.getUid()).isEqualTo("uid-1");
            });
    assertThat(job.getSpec().getBackoffLimit()).isZero();
    PodSpec pod = job.getSpec().getTemplate().getSpec();
    assertThat(pod.getHostNetwork()).isTrue();
    assertThat(pod.getRestartPolicy()).isEqualTo("Never");
    assertThat(pod.getAutomountServiceAccountToken()).isFalse();
    assertThat(pod.getNodeSelector()).containsKey("node-role.kubernetes.io/control-plane");
    Container c = pod.getContainers().get(0);
    assertThat(c.getImage()).isEqualTo("registry.example/sds/kms-plugin:0.1.0");
    assertThat(c.getArgs())
        .containsExactly(
            "audit",
            "-o",
            "json",
            "--max-names",
            "0",
            "--result-file",
            "/dev/termination-log",
            "--etcd-endpoints",
            "https://127.0.0.1:2379",
            "--etcd-cacert",
            "/etc/sds-kms-audit/pki/ca.crt",
            "--etcd-cert",
            "/etc/sds-kms-audit/pki/healthcheck-client.crt",
            "--etcd-key",
            "/etc/sds-kms-audit/pki/healthcheck-client.key",
            "--prefix",
            "/registry",
            "--resources",
            "secrets,configmaps");
    assertThat(c.getTerminationMessagePolicy()).isEqualTo("FallbackToLogsOnError");
    assertThat(c.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
    assertThat(c.getVolumeMounts())
        .anySatisfy(
            m -> {
              assertThat(m.getMountPath()).isEqualTo("/etc/sds-kms-audit/pki");
              assertThat(m.getReadOnly()).isTrue();
            });
    assertThat(pod.getVolumes())
        .anySatisfy(
            v -> assertThat(v.getHostPath().getPath()).isEqualTo("/etc/kubernetes/pki/etcd"));
  }

  @Test
  void endpointsCertificatesAndPrefixComeFromTheSpec() {
    KmsPlugin plugin = Fixtures.plugin("kms", 8083);
    AuditSpec audit =
        new AuditSpec()
            .withEnabled(true)
            .withEtcdEndpoints(List.of("https://10.0.0.1:2379", "https://10.0.0.2:2379"));
    audit.setPkiHostPath("/srv/etcd-pki");
    audit.setCertFile("client.crt");
    audit.setEtcdPrefix("/k8s");
    plugin
        .getSpec()
        .setRotation(new RotationSpec().withRetirement(new RetirementSpec().withAudit(audit)));

    List<String> args =
        AuditJob.desired(plugin, "j", List.of("secrets"))
            .getSpec()
            .getTemplate()
            .getSpec()
            .getContainers()
            .get(0)
            .getArgs();

    assertThat(args)
        .containsSequence("--etcd-endpoints", "https://10.0.0.1:2379,https://10.0.0.2:2379");
    assertThat(args).containsSequence("--etcd-cert", "/etc/sds-kms-audit/pki/client.crt");
    assertThat(args).containsSequence("--prefix", "/k8s");
  }

  @Test
  void namesAreShortStableAndDifferPerCycle() {
    KmsPlugin plugin = Fixtures.plugin("a-very-long-kms-plugin-name-that-goes-on-and-on-and-on", 1);

    String name = AuditJob.name(plugin, "2026-11-25T12:00:00Z/1");

    assertThat(name).hasSizeLessThanOrEqualTo(63).contains("-kms-audit-");
    assertThat(AuditJob.name(plugin, "2026-11-25T12:00:00Z/1")).isEqualTo(name);
    assertThat(AuditJob.name(plugin, "2026-11-25T12:00:00Z/2")).isNotEqualTo(name);
  }
}
