package dev.sds.kms.operator.rotation.start;

import static dev.sds.kms.operator.testing.Fixtures.NS;
import static dev.sds.kms.operator.testing.Fixtures.awaitDaemonSet;
import static dev.sds.kms.operator.testing.Fixtures.createReferencedObjects;
import static dev.sds.kms.operator.testing.Fixtures.get;
import static dev.sds.kms.operator.testing.Fixtures.plugin;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sds.kms.operator.KmsOperatorAccess;
import dev.sds.kms.operator.crd.v1alpha1.AdminCredentialsRef;
import dev.sds.kms.operator.crd.v1alpha1.AuditSpec;
import dev.sds.kms.operator.crd.v1alpha1.KmsPlugin;
import dev.sds.kms.operator.crd.v1alpha1.RetirementSpec;
import dev.sds.kms.operator.crd.v1alpha1.RotationRecord;
import dev.sds.kms.operator.crd.v1alpha1.RotationSpec;
import dev.sds.kms.operator.crd.v1alpha1.RotationStatus;
import dev.sds.kms.operator.metrics.OperatorMetrics;
import dev.sds.kms.operator.migration.MigrationRunners;
import dev.sds.kms.operator.rotation.retire.AuditJob;
import dev.sds.kms.operator.rotation.schedule.OnDemandRequest;
import dev.sds.kms.operator.testing.DaemonSetController;
import dev.sds.kms.operator.testing.FakeDaemons;
import dev.sds.kms.operator.testing.MockCluster;
import dev.sds.kms.operator.testing.PagingDispatcher;
import dev.sds.kms.operator.testing.PluginEdits;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext;
import io.javaoperatorsdk.operator.Operator;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Retiring the old KEK after a rotation: only after the grace period and an audit Job whose report
 * (the container's termination message, written here as a kubelet would) finds no object under the
 * old key id; never when it finds one.
 */
class RetirementIT {
  private static final String OLD = FakeKmaasAdmin.keyId(1);
  private static final String NEW = FakeKmaasAdmin.keyId(2);
  private static final Duration WAIT = Duration.ofSeconds(60);

  private MockCluster cluster;
  private KubernetesClient client;
  private FakeDaemons daemons;
  private FakeKmaasAdmin kmaas;
  private Operator operator;
  private MigrationRunners migrations;
  private DaemonSetController controller;

  @BeforeEach
  void start() throws Exception {
    PagingDispatcher api = new PagingDispatcher(); // serves discovery, which the migration needs
    api.expectCustomResource(
        CustomResourceDefinitionContext.fromCustomResourceType(KmsPlugin.class));
    cluster = new MockCluster(api);
    client = cluster.client();
    daemons = new FakeDaemons(OLD);
    kmaas = new FakeKmaasAdmin(daemons);
    createReferencedObjects(client);
    migrations = new MigrationRunners();
    operator =
        KmsOperatorAccess.create(
            cluster.newClient(), Duration.ofSeconds(1), migrations, new OperatorMetrics(), kmaas);
    operator.start();
  }

  @AfterEach
  void stop() {
    if (controller != null) {
      controller.close();
    }
    migrations.cancelAll();
    operator.stop();
    daemons.close();
    cluster.close();
  }

  @Test
  void aCleanAuditAfterTheGracePeriodRetiresTheOldKek() {
    rotateOnce(true);

    Job job = awaitAuditJob();
    assertThat(kmaas.disabled).as("nothing before the audit reports").isEmpty();
    assertThat(job.getSpec().getTemplate().getSpec().getContainers().get(0).getArgs())
        .contains("audit", "--result-file", "secrets");
    finish(job, report(0));

    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> assertThat(rotation().getRetirement().getPhase()).isEqualTo("Retired"));
    assertThat(kmaas.disabled).containsExactly("kek-1");
    RotationRecord retired = get(client, "kms").getStatus().getHistory().get(0);
    assertThat(retired.getPhase()).isEqualTo("KekRetired");
    assertThat(retired.getKekId()).isEqualTo("kek-1");
    assertThat(retired.getFromKeyId()).isEqualTo(OLD);
    assertThat(retired.getMessage()).contains(job.getMetadata().getName());
    assertThat(rotation().getRetirement().getRetiredKekIds()).containsExactly("kek-1");
    await()
        .atMost(WAIT)
        .until(
            () ->
                client
                        .batch()
                        .v1()
                        .jobs()
                        .inNamespace(NS)
                        .withName(job.getMetadata().getName())
                        .get()
                    == null);
    assertThat(client.v1().events().inNamespace(NS).list().getItems())
        .anyMatch(e -> "KekRetired".equals(e.getReason()));
  }

  @Test
  void anAuditThatStillFindsAnObjectUnderTheOldKeyIdRetiresNothing() {
    rotateOnce(true);

    finish(awaitAuditJob(), report(1));

    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              assertThat(rotation().getRetirement().getPhase()).isEqualTo("Blocked");
              assertThat(rotation().getRetirement().getMessage())
                  .contains("1 under KEK kek-1")
                  .contains("no KEK is disabled");
            });
    assertThat(kmaas.disabled).isEmpty();
    assertThat(get(client, "kms").getStatus().getHistory())
        .noneMatch(r -> "KekRetired".equals(r.getPhase()));
  }

  @Test
  void withoutTheAuditTheOldKeyIdIsOnlyListed() {
    rotateOnce(false);

    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              assertThat(rotation().getRetirement()).isNotNull();
              assertThat(rotation().getRetirement().getPhase()).isEqualTo("AuditDisabled");
              assertThat(rotation().getRetirement().getKeyIds()).containsExactly(OLD);
            });
    assertThat(rotation().getRetirableKeyIds()).containsExactly(OLD);
    assertThat(client.batch().v1().jobs().inNamespace(NS).list().getItems()).isEmpty();
    assertThat(kmaas.disabled).isEmpty();
  }

  // --- helpers

  /** One rotation on demand to kek-2, completed, with retirement on (and the audit if asked). */
  private void rotateOnce(boolean audit) {
    KmsPlugin plugin = plugin("kms", daemons.port());
    plugin
        .getSpec()
        .setRotation(
            new RotationSpec()
                .withConvergenceDelay("1s")
                .withMinInterval("1s")
                .withKmaasAdmin(new AdminCredentialsRef().withSecretName("kmaas-admin"))
                .withRetireOldKeys(true)
                .withRetirement(
                    new RetirementSpec()
                        .withGracePeriod("1s")
                        .withAudit(new AuditSpec().withEnabled(audit))));
    client.resource(plugin).create();
    controller =
        new DaemonSetController(
                client,
                NS,
                awaitDaemonSet(client, "kms").getMetadata().getName(),
                List.of("cp-1", "cp-2"),
                List.of("127.0.0.1", "127.0.0.1"),
                (node, config) -> {})
            .start();
    await().atMost(WAIT).until(() -> OLD.equals(rotation().getToKeyId()));
    PluginEdits.annotate(client, "kms", OnDemandRequest.ANNOTATION, "rotate");
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              assertThat(rotation().getPhase()).isEqualTo("Completed");
              assertThat(rotation().getToKeyId()).isEqualTo(NEW);
            });
  }

  private Job awaitAuditJob() {
    return await()
        .atMost(WAIT)
        .until(
            () -> client.batch().v1().jobs().inNamespace(NS).list().getItems().stream().findFirst(),
            Optional::isPresent)
        .orElseThrow();
  }

  /** What the Job controller and the kubelet do when the audit exits 0 with {@code report}. */
  private void finish(Job job, String report) {
    String name = job.getMetadata().getName();
    client
        .resource(
            new PodBuilder()
                .withNewMetadata()
                .withName(name + "-x1")
                .withNamespace(NS)
                .addToLabels(AuditJob.JOB_NAME_LABEL, name)
                .endMetadata()
                .withNewStatus()
                .withPhase("Succeeded")
                .addNewContainerStatus()
                .withName("audit")
                .withNewState()
                .withNewTerminated()
                .withExitCode(0)
                .withMessage(report)
                .endTerminated()
                .endState()
                .endContainerStatus()
                .endStatus()
                .build())
        .create();
    client
        .batch()
        .v1()
        .jobs()
        .inNamespace(NS)
        .withName(name)
        .editStatus(
            j -> {
              j.setStatus(new JobStatusBuilder().withSucceeded(1).build());
              return j;
            });
  }

  /** The audit's JSON report with {@code underOld} Secrets still under the old key id. */
  private static String report(int underOld) {
    String counts =
        "{\"kind\":\"kms-v2\",\"provider\":\"sds-kms\",\"keyId\":\"" + NEW + "\",\"count\":7}";
    if (underOld > 0) {
      counts +=
          ",{\"kind\":\"kms-v2\",\"provider\":\"sds-kms\",\"keyId\":\""
              + OLD
              + "\",\"count\":"
              + underOld
              + "}";
    }
    return "{\"resources\":[{\"resource\":\"secrets\",\"total\":"
        + (7 + underOld)
        + ",\"counts\":["
        + counts
        + "]}],\"plaintext\":[]}";
  }

  private RotationStatus rotation() {
    KmsPlugin p = get(client, "kms");
    return p == null || p.getStatus() == null || p.getStatus().getRotation() == null
        ? new RotationStatus()
        : p.getStatus().getRotation();
  }
}
