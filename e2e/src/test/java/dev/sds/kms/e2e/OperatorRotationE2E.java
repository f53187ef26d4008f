package dev.sds.kms.e2e;

import static dev.sds.kms.e2e.E2eBase.assertAllReadBack;
import static dev.sds.kms.e2e.E2eBase.parse;
import static dev.sds.kms.e2e.E2eBase.seconds;
import static dev.sds.kms.e2e.E2eBase.writeAll;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sds.kms.operator.KmsOperatorAccess;
import dev.sds.kms.operator.crd.v1alpha1.KmsPlugin;
import dev.sds.kms.operator.crd.v1alpha1.KmsPluginStatus;
import dev.sds.kms.operator.crd.v1alpha1.NodeStatus;
import dev.sds.kms.operator.crd.v1alpha1.ResourceEncryption;
import dev.sds.kms.operator.crd.v1alpha1.RotationSpec;
import dev.sds.kms.operator.metrics.OperatorMetrics;
import dev.sds.kms.operator.migration.MigrationRunners;
import dev.sds.kms.operator.testing.Fixtures;
import dev.sds.kms.operator.testing.PagingDispatcher;
import dev.sds.kms.plugin.audit.AuditReport;
import dev.sds.kms.plugin.audit.Classification;
import dev.sds.kms.plugin.audit.EtcdAuditor;
import dev.sds.kms.plugin.etcd.EtcdGateway;
import dev.sds.kms.plugin.kmaas.KmaasCredentials;
import dev.sds.kms.plugin.kmaas.engine.KekInfo;
import dev.sds.kms.plugin.kmaas.server.KmaasAdminClient;
import dev.sds.kms.plugin.storage.StorageException;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.javaoperatorsdk.operator.Operator;
import java.net.URI;
import java.nio.file.Files;
import java.time.Duration;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Scenario 5: a KEK rotated in KMaaS is carried through by the operator. Both daemons report the
 * new key id; the operator (in-process, against a mock API server whose Secrets live encrypted in
 * the real etcd through {@link ApiserverStorage}, see {@link EtcdSecretsApi}) converges and
 * rewrites every Secret; etcd then holds every Secret under the new key id and none under the old;
 * the old KEK is retired in KMaaS (dropped from its state file while it is stopped) and, with the
 * daemons restarted and a fresh apiserver cache, every Secret still reads back identical.
 */
class OperatorRotationE2E {
  private static final int SECRETS = 300;
  private static final String NODE_A_IP = "127.0.0.2";
  private static final String NODE_B_IP = "127.0.0.3";
  private static final Duration WAIT = Duration.ofSeconds(120);

  private static E2eSystem system;

  @BeforeAll
  static void startSystem() throws Exception {
    system = E2eSystem.start("OperatorRotationE2E", List.of(NODE_A_IP, NODE_B_IP));
  }

  @AfterAll
  static void stopSystem() {
    if (system != null) {
      system.close();
      system = null;
    }
  }

  @Test
  void aKekRotatedInKmaasEndsWithEverySecretUnderTheNewKeyAndTheOldKekRetired() throws Exception {
    long scenarioStart = System.nanoTime();
    List<SecretCorpus.Secret> secrets = SecretCorpus.generate("team-a", SECRETS);
    ApiserverStorage apiA = system.apiserver(system.nodeA);
    writeAll(apiA, secrets);
    String oldKeyId = apiA.currentKeyId();
    SecretCorpus.Secret probe = secrets.get(0);
    byte[] probeUnderOldKey = system.etcd.get(probe.key());

    // the cluster: Secrets in etcd through node A's apiserver, everything else in the CRUD mock
    PagingDispatcher crud = new PagingDispatcher();
    crud.expectCustomResource(
        CustomResourceDefinitionContext.fromCustomResourceType(KmsPlugin.class));
    EtcdSecretsApi secretsApi = new EtcdSecretsApi(apiA, system.etcd, crud);
    KubernetesMockServer server =
        new KubernetesMockServer(
            new Context(), new MockWebServer(), new HashMap<>(), secretsApi, false);
    server.init();
    system.processes.track(server::destroy);
    KubernetesClient client = system.processes.track(server.createClient());
    Fixtures.createReferencedObjects(client); // the credentials Secret goes to etcd too
    int storedSecrets = SECRETS + 1;

    MigrationRunners migrations = new MigrationRunners();
    OperatorMetrics metrics = new OperatorMetrics();
    Operator operator =
        KmsOperatorAccess.create(server.createClient(), Duration.ofSeconds(1), migrations, metrics);
    operator.start();
    system.processes.track(
        () -> {
          operator.stop();
          migrations.cancelAll();
        });

    KmsPlugin plugin = Fixtures.plugin("kms", system.podHttpPort);
    plugin.getSpec().getKmaas().setUrl(system.kmaas.url());
    RotationSpec rotation = new RotationSpec();
    rotation.setConvergenceDelay("2s");
    rotation.setPageSize(100);
    plugin.getSpec().setRotation(rotation);
    client.resource(plugin).create();
    playDaemonSetController(client, Fixtures.awaitDaemonSet(client, "kms"));
    await()
        .atMost(WAIT)
        .untilAsserted(() -> assertThat(status(client).getCurrentKeyId()).isEqualTo(oldKeyId));

    // bad input at the operator's boundary: a malformed KmsPlugin next to the good one
    KmsPlugin broken = Fixtures.plugin("broken", system.podHttpPort);
    broken.getSpec().getKmaas().setUrl("http://kmaas.example:3000");
    client.resource(broken).create();
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              var degraded = Fixtures.condition(Fixtures.get(client, "broken"), "Degraded");
              assertThat(degraded.getReason()).isEqualTo("InvalidSpec");
              assertThat(degraded.getMessage()).contains("spec.kmaas.url");
            });
    assertThat(client.apps().daemonSets().inNamespace(Fixtures.NS).list().getItems())
        .extracting(ds -> ds.getMetadata().getName())
        .containsExactly(Fixtures.awaitDaemonSet(client, "kms").getMetadata().getName());
    assertThat(Fixtures.condition(Fixtures.get(client, "kms"), "Degraded").getStatus())
        .isEqualTo("False");

    // rotate the KEK in KMaaS
    long rotated = System.nanoTime();
    KekInfo newKek;
    try (KmaasAdminClient admin = adminClient()) {
      newKek = admin.rotate(KmaasProcess.TENANT);
    }
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              assertThat(system.nodeA.status().path("keyId").asText()).endsWith(newKek.id());
              assertThat(system.nodeB.status().path("keyId").asText()).endsWith(newKek.id());
            });
    String newKeyId = system.nodeA.status().path("keyId").asText();
    assertThat(newKeyId).isNotEqualTo(oldKeyId);
    await().atMost(WAIT).until(() -> newKeyId.equals(apiA.currentKeyId()));
    long daemonsSeeNew = System.nanoTime();

    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              KmsPlugin p = Fixtures.get(client, "kms");
              assertThat(p.getStatus().getRotation()).isNotNull();
              assertThat(p.getStatus().getRotation().getPhase()).isEqualTo("Completed");
            });
    long completed = System.nanoTime();
    System.out.println(
        "E2E rotation: status.rotation.phase Completed "
            + seconds(completed - rotated)
            + " after the KEK rotation");
    assertThat(secretsApi.errors()).isEmpty();

    KmsPluginStatus status = status(client);
    assertThat(status.getRotation().getFromKeyId()).isEqualTo(oldKeyId);
    assertThat(status.getRotation().getToKeyId()).isEqualTo(newKeyId);
    // the operator read both real daemons, each on its pod IP
    assertThat(status.getNodes())
        .extracting(NodeStatus::getNodeName, NodeStatus::getKeyId)
        .containsExactlyInAnyOrder(tuple("cp-1", newKeyId), tuple("cp-2", newKeyId));
    ResourceEncryption encryption =
        status.getEncryption().stream()
            .filter(e -> e.getResource().equals("secrets"))
            .findFirst()
            .orElseThrow();
    assertThat(encryption.getKeyId()).isEqualTo(newKeyId);
    assertThat(encryption.getRemaining()).isZero();
    long rewritten = encryption.getRewritten();
    assertThat(rewritten).isEqualTo(storedSecrets);
    assertThat(secretsApi.updates()).hasSize(storedSecrets);
    assertThat(secretsApi.updates().values()).containsOnly(1);

    // etcd's bytes: every Secret a KMS v2 value under the new key id
    Map<String, byte[]> stored = system.etcd.scan("/registry/secrets/");
    assertThat(stored).hasSize(storedSecrets);
    for (Map.Entry<String, byte[]> e : stored.entrySet()) {
      assertThat(parse(e.getValue()).getKeyID()).as(e.getKey()).isEqualTo(newKeyId);
    }
    // and the plugin's own audit says the same
    AuditReport audit =
        new EtcdAuditor(
                new EtcdGateway(List.of(system.etcd.url()), new OkHttpClient()),
                "/registry",
                500,
                10)
            .audit(List.of("secrets"));
    AuditReport.ResourceCounts counts = audit.resources().get(0);
    assertThat(counts.total()).isEqualTo(storedSecrets);
    long underNew = count(counts, newKeyId);
    long underOld = count(counts, oldKeyId);
    assertThat(underNew).isEqualTo(storedSecrets);
    assertThat(underOld).isZero();
    assertThat(counts.counts()).hasSize(1);
    assertThat(audit.plaintextTotal()).isZero();

    // retire the old KEK: KMaaS stopped, the KEK dropped from its state file, KMaaS started again
    String oldKek = oldKeyId.substring(oldKeyId.lastIndexOf('/') + 1);
    system.kmaas.stop();
    dropKek(oldKek);
    system.kmaas.start();
    try (KmaasAdminClient admin = adminClient()) {
      assertThat(admin.list(KmaasProcess.TENANT))
          .extracting(KekInfo::id)
          .containsExactly(newKek.id());
    }
    // daemons with empty DEK caches, an apiserver with an empty seed cache, on node B
    system.nodeA.stop();
    system.nodeB.stop();
    system.startDaemons();
    ApiserverStorage viaB = system.apiserver(system.nodeB);
    assertAllReadBack(viaB, secrets);
    // the old KEK is really gone: the Secret's value from before the rotation no longer decrypts
    assertThatThrownBy(() -> viaB.decode(probe.key(), probeUnderOldKey))
        .isInstanceOf(StorageException.class)
        .hasMessageContaining("plugin Decrypt refused");

    System.out.printf(
        "E2E operator rotation: %d secrets (+1 credentials Secret); daemons on the new key id"
            + " %s after the KEK rotation, phase Completed after %s; %d rewritten by the operator"
            + " (status.encryption), %d PUTs; audit: %d under %s, %d under the old key id; old KEK"
            + " retired, %d secrets read back identical through node B after restarts; scenario"
            + " %s%n",
        SECRETS,
        seconds(daemonsSeeNew - rotated),
        seconds(completed - rotated),
        rewritten,
        secretsApi.updates().values().stream().mapToInt(Integer::intValue).sum(),
        underNew,
        newKeyId,
        underOld,
        secrets.size(),
        seconds(System.nanoTime() - scenarioStart));
  }

  private static long count(AuditReport.ResourceCounts counts, String keyId) {
    return counts.counts().entrySet().stream()
        .filter(e -> e.getKey().kind().equals(Classification.KMS_V2))
        .filter(e -> keyId.equals(e.getKey().keyId()))
        .mapToLong(Map.Entry::getValue)
        .sum();
  }

  private static KmsPluginStatus status(KubernetesClient client) {
    KmsPlugin p = Fixtures.get(client, "kms");
    assertThat(p.getStatus()).as("KmsPlugin status").isNotNull();
    return p.getStatus();
  }

  private static KmaasAdminClient adminClient() throws Exception {
    return new KmaasAdminClient(
        URI.create(system.kmaas.url()),
        KmaasCredentials.ApiKey.parse(Files.readString(system.kmaas.adminKeyFile()).strip()),
        system.kmaas.caFile());
  }

  /** Removes {@code kekId} from the KMaaS state file (KMaaS must be stopped). */
  private static void dropKek(String kekId) throws Exception {
    ObjectMapper json = new ObjectMapper();
    ObjectNode state = (ObjectNode) json.readTree(system.kmaas.stateFile().toFile());
    ArrayNode keks = (ArrayNode) state.path("tenants").path(KmaasProcess.TENANT).path("keks");
    boolean removed = false;
    for (Iterator<com.fasterxml.jackson.databind.JsonNode> it = keks.elements(); it.hasNext(); ) {
      if (it.next().path("id").asText().equals(kekId)) {
        it.remove();
        removed = true;
      }
    }
    assertThat(removed).as("KEK " + kekId + " in the state file").isTrue();
    Files.writeString(system.kmaas.stateFile(), json.writeValueAsString(state));
  }

  /**
   * The DaemonSet controller and the kubelet: the DaemonSet's status says two ready pods, and the
   * pods on cp-1 and cp-2 have the pod IPs where node A's and node B's daemons serve /status.
   */
  private static void playDaemonSetController(KubernetesClient client, DaemonSet ds) {
    client
        .apps()
        .daemonSets()
        .resource(ds)
        .editStatus(
            d -> {
              d.setStatus(
                  new DaemonSetStatusBuilder()
                      .withDesiredNumberScheduled(2)
                      .withCurrentNumberScheduled(2)
                      .withUpdatedNumberScheduled(2)
                      .withNumberReady(2)
                      .withNumberAvailable(2)
                      .withObservedGeneration(d.getMetadata().getGeneration())
                      .build());
              return d;
            });
    List<String> ips = List.of(NODE_A_IP, NODE_B_IP);
    for (int i = 0; i < ips.size(); i++) {
      Pod pod =
          new PodBuilder()
              .withNewMetadata()
              .withName(ds.getMetadata().getName() + "-" + (i + 1))
              .withNamespace(Fixtures.NS)
              .withLabels(ds.getSpec().getTemplate().getMetadata().getLabels())
              .endMetadata()
              .withNewSpec()
              .withNodeName("cp-" + (i + 1))
              .endSpec()
              .withNewStatus()
              .withPodIP(ips.get(i))
              .addNewCondition()
              .withType("Ready")
              .withStatus("True")
              .endCondition()
              .endStatus()
              .build();
      client.resource(pod).create();
    }
  }
}
