package dev.sds.kms.e2e;

import static dev.sds.kms.e2e.E2eBase.assertAllReadBack;
import static dev.sds.kms.e2e.E2eBase.parse;
import static dev.sds.kms.e2e.E2eBase.seconds;
import static dev.sds.kms.e2e.E2eBase.writeAll;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.sds.kms.operator.KmsOperatorAccess;
import dev.sds.kms.operator.crd.v1alpha1.AdminCredentialsRef;
import dev.sds.kms.operator.crd.v1alpha1.AuditSpec;
import dev.sds.kms.operator.crd.v1alpha1.KmsPlugin;
import dev.sds.kms.operator.crd.v1alpha1.RetirementSpec;
import dev.sds.kms.operator.crd.v1alpha1.RotationPlan;
import dev.sds.kms.operator.crd.v1alpha1.RotationRecord;
import dev.sds.kms.operator.crd.v1alpha1.RotationSpec;
import dev.sds.kms.operator.crd.v1alpha1.RotationStatus;
import dev.sds.kms.operator.metrics.OperatorMetrics;
import dev.sds.kms.operator.migration.MigrationRunners;
import dev.sds.kms.operator.rotation.schedule.OnDemandRequest;
import dev.sds.kms.operator.rotation.start.KmaasAdminApis;
import dev.sds.kms.operator.testing.DaemonSetController;
import dev.sds.kms.operator.testing.Fixtures;
import dev.sds.kms.operator.testing.PagingDispatcher;
import dev.sds.kms.operator.testing.PluginEdits;
import dev.sds.kms.plugin.kmaas.KmaasCredentials;
import dev.sds.kms.plugin.kmaas.engine.KekInfo;
import dev.sds.kms.plugin.kmaas.server.KmaasAdminClient;
import dev.sds.kms.plugin.storage.StorageException;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.javaoperatorsdk.operator.Operator;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Scenario 6: the operator starts KEK rotations by itself, against the real daemons and the
 * standalone KMaaS (its admin API over HTTPS), with Secrets stored encrypted in the real etcd
 * ({@link EtcdSecretsApi}): on a schedule of seconds (the next one waits for the interval), on
 * demand, a request during a migration held and then honoured, a dry run that changes nothing, a
 * SeedOnly rotation that restarts the daemons one node at a time with a new KEY_ID, and the
 * retirement of the old KEKs — refused while the real {@code kms-plugin audit} (run as the audit
 * Job's command against the real etcd) finds an object under an old key id, done once it finds
 * none, after which what the old KEK protected no longer decrypts.
 */
class AutomatedRotationE2E {
  private static final int SECRETS = 60;
  private static final String NODE_A_IP = "127.0.0.2";
  private static final String NODE_B_IP = "127.0.0.3";
  private static final Duration WAIT = Duration.ofSeconds(120);
  private static final YAMLMapper YAML = new YAMLMapper();

  private static E2eSystem system;

  @BeforeAll
  static void startSystem() throws Exception {
    system = E2eSystem.start("AutomatedRotationE2E", List.of(NODE_A_IP, NODE_B_IP));
  }

  @AfterAll
  static void stopSystem() {
    if (system != null) {
      system.close();
      system = null;
    }
  }

  private KubernetesClient client;
  private ApiserverStorage apiA;
  private EtcdSecretsApi secretsApi;
  private DaemonSetController controller;
  private final Map<String, String> keyIdPrefix = new HashMap<>();

  @Test
  void theOperatorStartsRotationsAndRetiresOldKeksOnlyAfterACleanAudit() throws Exception {
    long start = System.nanoTime();
    List<SecretCorpus.Secret> secrets = SecretCorpus.generate("team-a", SECRETS);
    apiA = system.apiserver(system.nodeA);
    writeAll(apiA, secrets);
    String firstKeyId = apiA.currentKeyId();
    SecretCorpus.Secret probe = secrets.get(0);
    byte[] probeUnderFirstKey = system.etcd.get(probe.key());
    startCluster(apiA);
    int stored = SECRETS + 2; // and the KMaaS credentials and admin key Secrets

    // --- a schedule of seconds: rotations through the admin API, each after the interval
    createPlugin(r -> r.withSchedule("4s"));
    awaitCurrentKeyId(firstKeyId);
    await().atMost(WAIT).until(() -> keyChanges().size() >= 2);
    edit(r -> r.withSchedule(null));
    awaitResting();
    List<RotationRecord> scheduled = keyChanges();
    RotationRecord first = scheduled.get(scheduled.size() - 1);
    RotationRecord second = scheduled.get(scheduled.size() - 2);
    assertThat(first.getFromKeyId()).isEqualTo(firstKeyId);
    assertThat(Instant.parse(second.getStartedAt()))
        .as("the second scheduled rotation waits 4 s after the first completed")
        .isAfterOrEqualTo(Instant.parse(first.getCompletedAt()).plusSeconds(4));
    assertThat(rotation().getLastStart().getReason()).isEqualTo("Schedule");
    assertThat(rotation().getLastStart().getRotator()).isEqualTo("AdminApi");
    assertEverywhere(rotation().getToKeyId(), stored);
    assertThat(kekIds()).hasSizeGreaterThanOrEqualTo(3);

    // --- on demand
    int keks = kekIds().size();
    String before = rotation().getToKeyId();
    request("on-demand-1");
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              assertThat(rotation().getHandledRotateToken()).isEqualTo("on-demand-1");
              assertThat(rotation().getPhase()).isEqualTo("Completed");
              assertThat(rotation().getToKeyId()).isNotEqualTo(before);
            });
    assertThat(rotation().getLastStart().getReason()).isEqualTo("OnDemand");
    assertThat(rotation().getLastStart().getRequestedBy()).isEqualTo(OnDemandRequest.UNKNOWN);
    assertThat(kekIds()).hasSize(keks + 1).endsWith(rotation().getLastStart().getKekId());
    assertEverywhere(rotation().getToKeyId(), stored);

    // --- a request during a migration is held, then honoured
    edit(r -> r.withQps(10));
    request("during-1");
    await().atMost(WAIT).until(() -> "Migrating".equals(rotation().getPhase()));
    int keksMigrating = kekIds().size();
    request("during-2");
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              assertThat(rotation().getPendingRequest()).isNotNull();
              assertThat(rotation().getPendingRequest().getToken()).isEqualTo("during-2");
              assertThat(rotation().getPendingRequest().getHeldBecause()).contains("Migrating");
            });
    assertThat(kekIds()).as("no KEK while the migration runs").hasSize(keksMigrating);
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              assertThat(rotation().getHandledRotateToken()).isEqualTo("during-2");
              assertThat(rotation().getPhase()).isEqualTo("Completed");
              assertThat(rotation().getLastStart().getToken()).isEqualTo("during-2");
              assertThat(rotation().getFromKeyId())
                  .isEqualTo(rotation().getLastStart().getFromKeyId());
            });
    assertThat(kekIds()).hasSize(keksMigrating + 1);
    edit(r -> r.withQps(500));
    assertEverywhere(rotation().getToKeyId(), stored);

    // --- dry run: a plan, nothing else
    edit(r -> r.withDryRun(true));
    int keksBefore = kekIds().size();
    Map<String, Integer> updatesBefore = Map.copyOf(secretsApi.updates());
    String keyIdBefore = rotation().getToKeyId();
    request("dry-1");
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              assertThat(rotation().getPlan()).isNotNull();
              assertThat(rotation().getPlan().getToken()).isEqualTo("dry-1");
            });
    RotationPlan plan = rotation().getPlan();
    assertThat(plan.getRotator()).isEqualTo("AdminApi");
    assertThat(plan.getFromKeyId()).isEqualTo(keyIdBefore);
    assertThat(plan.getObjects())
        .singleElement()
        .satisfies(p -> assertThat(p.getObjects()).isEqualTo((long) stored));
    assertThat(kekIds()).hasSize(keksBefore);
    assertThat(secretsApi.updates()).isEqualTo(updatesBefore);
    assertThat(rotation().getToKeyId()).isEqualTo(keyIdBefore);
    assertThat(system.nodeA.status().path("keyId").asText()).isEqualTo(keyIdBefore);
    edit(r -> r.withDryRun(false));

    // --- SeedOnly: a new KEY_ID, the daemons restarted one node at a time, the same KEK
    edit(r -> r.withRotator("SeedOnly"));
    int rollouts = controller.rollouts.get();
    int steps = controller.steps.size();
    String kekBefore = kekOf(keyIdBefore);
    request("seed-1");
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              assertThat(rotation().getHandledRotateToken()).isEqualTo("seed-1");
              assertThat(rotation().getPhase()).isEqualTo("Completed");
              assertThat(rotation().getToKeyId()).startsWith("sds-r");
            });
    String seedKeyId = rotation().getToKeyId();
    assertThat(seedKeyId).isEqualTo("sds-" + rotation().getSeedSuffix() + ":acme/" + kekBefore);
    assertThat(rotation().getLastStart().getRotator()).isEqualTo("SeedOnly");
    assertThat(kekIds()).as("no new KEK").hasSize(keksBefore);
    assertThat(controller.rollouts.get()).isGreaterThan(rollouts);
    assertThat(controller.steps.subList(steps, steps + 4))
        .extracting(DaemonSetController.Step::node, DaemonSetController.Step::ready)
        .containsExactly(
            org.assertj.core.api.Assertions.tuple("cp-1", false),
            org.assertj.core.api.Assertions.tuple("cp-1", true),
            org.assertj.core.api.Assertions.tuple("cp-2", false),
            org.assertj.core.api.Assertions.tuple("cp-2", true));
    assertThat(controller.steps).allMatch(s -> s.unavailable() <= 1);
    assertEverywhere(seedKeyId, stored);

    // --- retirement: never while the audit finds an object under an old key id
    system.etcd.put(probe.key(), probeUnderFirstKey); // an object the migrations never saw
    edit(
        r ->
            r.withRetireOldKeys(true)
                .withRetirement(
                    new RetirementSpec()
                        .withGracePeriod("1s")
                        .withAudit(new AuditSpec().withEnabled(true))));
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              assertThat(rotation().getRetirement()).isNotNull();
              assertThat(rotation().getRetirement().getPhase()).isEqualTo("Blocked");
              assertThat(rotation().getRetirement().getMessage())
                  .contains("1 under KEK " + kekOf(firstKeyId));
            });
    assertThat(keks()).noneMatch(KekInfo::disabled);

    // ... and done once the object is rewritten and a new audit finds none
    edit(r -> r.withRemigrateToken("rewrite-the-stray-one"));
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> assertThat(rotation().getRetirement().getPhase()).isEqualTo("Retired"));
    assertThat(parse(system.etcd.get(probe.key())).getKeyID()).isEqualTo(seedKeyId);
    List<KekInfo> after = keks();
    assertThat(after)
        .filteredOn(k -> !k.id().equals(kekBefore))
        .isNotEmpty()
        .allMatch(KekInfo::disabled);
    assertThat(after).filteredOn(k -> k.id().equals(kekBefore)).noneMatch(KekInfo::disabled);
    assertThat(rotation().getRetirement().getRetiredKekIds()).contains(kekOf(firstKeyId));
    assertThat(history())
        .filteredOn(h -> "KekRetired".equals(h.getPhase()))
        .extracting(RotationRecord::getKekId)
        .contains(kekOf(firstKeyId));
    // what the first KEK protected no longer decrypts; everything current still reads back
    ApiserverStorage viaB = system.apiserver(system.nodeB);
    assertThatThrownBy(() -> viaB.decode(probe.key(), probeUnderFirstKey))
        .isInstanceOf(StorageException.class)
        .hasMessageContaining("plugin Decrypt refused");
    assertAllReadBack(viaB, secrets);
    assertThat(secretsApi.errors()).isEmpty();

    System.out.printf(
        "E2E automated rotation: %d secrets; %d KEKs created by the operator, %d retired after a"
            + " clean audit (%d audits run, the first blocked); SeedOnly key id %s; scenario %s%n",
        SECRETS,
        after.size() - 1,
        after.stream().filter(KekInfo::disabled).count(),
        auditRunner.reports.size(),
        seedKeyId,
        seconds(System.nanoTime() - start));
  }

  // --- the cluster around the real daemons

  private AuditJobRunner auditRunner;

  private void startCluster(ApiserverStorage apiA) throws Exception {
    PagingDispatcher crud = new PagingDispatcher();
    crud.expectCustomResource(
        CustomResourceDefinitionContext.fromCustomResourceType(KmsPlugin.class));
    secretsApi = new EtcdSecretsApi(apiA, system.etcd, crud);
    KubernetesMockServer server =
        new KubernetesMockServer(
            new Context(), new MockWebServer(), new HashMap<>(), secretsApi, false);
    server.init();
    system.processes.track(server::destroy);
    client = system.processes.track(server.createClient());
    Fixtures.createReferencedObjects(client);
    client
        .configMaps()
        .inNamespace(Fixtures.NS)
        .withName("kmaas-ca")
        .edit(
            c -> {
              try {
                c.setData(Map.of("ca.crt", Files.readString(system.kmaas.caFile())));
              } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
              }
              return c;
            });
    client
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName("kmaas-admin")
                .withNamespace(Fixtures.NS)
                .endMetadata()
                .addToData(
                    "admin-key",
                    Base64.getEncoder()
                        .encodeToString(Files.readAllBytes(system.kmaas.adminKeyFile())))
                .build())
        .create();
    MigrationRunners migrations = new MigrationRunners();
    Operator operator =
        KmsOperatorAccess.create(
            server.createClient(),
            Duration.ofSeconds(1),
            migrations,
            new OperatorMetrics(),
            KmaasAdminApis.overHttps());
    operator.start();
    system.processes.track(
        () -> {
          migrations.cancelAll();
          operator.stop();
        });
    auditRunner =
        system.processes.track(
            new AuditJobRunner(
                    client,
                    Fixtures.NS,
                    system.etcd.url().toString(),
                    system.processes,
                    system.processes.logDir())
                .start());
  }

  private void createPlugin(UnaryOperator<RotationSpec> rotation) {
    KmsPlugin plugin = Fixtures.plugin("kms", system.podHttpPort);
    plugin.getSpec().getKmaas().setUrl(system.kmaas.url());
    plugin
        .getSpec()
        .setRotation(
            rotation.apply(
                new RotationSpec()
                    .withConvergenceDelay("1s")
                    .withMinInterval("1s")
                    .withPageSize(50)
                    .withQps(500)
                    .withKmaasAdmin(new AdminCredentialsRef().withSecretName("kmaas-admin"))));
    client.resource(plugin).create();
    keyIdPrefix.put("cp-1", "sds");
    keyIdPrefix.put("cp-2", "sds");
    controller =
        system.processes.track(
            new DaemonSetController(
                    client,
                    Fixtures.NS,
                    Fixtures.awaitDaemonSet(client, "kms").getMetadata().getName(),
                    List.of("cp-1", "cp-2"),
                    List.of(NODE_A_IP, NODE_B_IP),
                    this::restart)
                .start());
  }

  /**
   * A rolled pod: its daemon restarts when the new config.yaml gives it another KEY_ID. On node A
   * the pod counts as back once that node's kube-apiserver (which writes every Secret here) polls
   * the new key id from it, as the real one does within its Status interval; the operator's
   * convergence check cannot see that here (no apiserver metrics), so the roll waits for it.
   */
  private void restart(String node, ConfigMap config) throws Exception {
    String keyId = YAML.readTree(config.getData().get("config.yaml")).path("key-id").asText();
    if (!keyId.equals(keyIdPrefix.get(node))) {
      (node.equals("cp-1") ? system.nodeA : system.nodeB).restartWithKeyId(keyId);
      keyIdPrefix.put(node, keyId);
      if (node.equals("cp-1")) {
        await()
            .atMost(WAIT)
            .until(
                () -> apiA.currentKeyId() != null && apiA.currentKeyId().startsWith(keyId + ":"));
      }
    }
  }

  private void edit(UnaryOperator<RotationSpec> change) {
    PluginEdits.edit(
        client,
        "kms",
        p -> {
          p.getSpec().setRotation(change.apply(p.getSpec().getRotation()));
          return p;
        });
  }

  /** {@code kubectl annotate --overwrite kmsp/kms kms.sds.dev/rotate-now=<token>}. */
  private void request(String token) {
    PluginEdits.annotate(client, "kms", OnDemandRequest.ANNOTATION, token);
  }

  // --- checks

  /**
   * Both daemons report {@code keyId}, the status says so, and etcd stores every Secret under it.
   */
  private void assertEverywhere(String keyId, int stored) throws Exception {
    assertThat(system.nodeA.status().path("keyId").asText()).isEqualTo(keyId);
    assertThat(system.nodeB.status().path("keyId").asText()).isEqualTo(keyId);
    assertThat(Fixtures.get(client, "kms").getStatus().getCurrentKeyId()).isEqualTo(keyId);
    Map<String, byte[]> etcd = system.etcd.scan("/registry/secrets/");
    assertThat(etcd).hasSize(stored);
    for (Map.Entry<String, byte[]> e : etcd.entrySet()) {
      assertThat(parse(e.getValue()).getKeyID()).as(e.getKey()).isEqualTo(keyId);
    }
  }

  private void awaitCurrentKeyId(String keyId) {
    await().atMost(WAIT).untilAsserted(() -> assertThat(rotation().getToKeyId()).isEqualTo(keyId));
  }

  /** No rotation runs and none the operator started is still unreported. */
  private void awaitResting() {
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              RotationStatus r = rotation();
              assertThat(r.getPhase()).isEqualTo("Completed");
              assertThat(r.getLastStart().getFromKeyId()).isNotEqualTo(r.getToKeyId());
            });
  }

  private RotationStatus rotation() {
    KmsPlugin p = Fixtures.get(client, "kms");
    return p == null || p.getStatus() == null || p.getStatus().getRotation() == null
        ? new RotationStatus()
        : p.getStatus().getRotation();
  }

  private List<RotationRecord> history() {
    KmsPlugin p = Fixtures.get(client, "kms");
    return p.getStatus() == null || p.getStatus().getHistory() == null
        ? List.of()
        : p.getStatus().getHistory();
  }

  /** Completed rotations that changed the key id, newest first. */
  private List<RotationRecord> keyChanges() {
    return history().stream()
        .filter(r -> "Completed".equals(r.getPhase()))
        .filter(r -> !r.getFromKeyId().equals(r.getToKeyId()))
        .toList();
  }

  private static String kekOf(String keyId) {
    return keyId.substring(keyId.lastIndexOf('/') + 1);
  }

  private List<String> kekIds() throws Exception {
    return keks().stream().map(KekInfo::id).toList();
  }

  /** The tenant's KEKs as KMaaS lists them, oldest first. */
  private static List<KekInfo> keks() throws Exception {
    try (KmaasAdminClient admin =
        new KmaasAdminClient(
            URI.create(system.kmaas.url()),
            KmaasCredentials.ApiKey.parse(
                Files.readString(system.kmaas.adminKeyFile(), StandardCharsets.UTF_8).strip()),
            system.kmaas.caFile())) {
      return admin.list(KmaasProcess.TENANT);
    }
  }
}
