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
import dev.sds.kms.operator.crd.v1alpha1.KmsPlugin;
import dev.sds.kms.operator.crd.v1alpha1.RotationRecord;
import dev.sds.kms.operator.crd.v1alpha1.RotationSpec;
import dev.sds.kms.operator.crd.v1alpha1.RotationStatus;
import dev.sds.kms.operator.metrics.OperatorMetrics;
import dev.sds.kms.operator.migration.MigrationRunners;
import dev.sds.kms.operator.rotation.schedule.OnDemandRequest;
import dev.sds.kms.operator.testing.DaemonSetController;
import dev.sds.kms.operator.testing.FakeDaemons;
import dev.sds.kms.operator.testing.MockCluster;
import dev.sds.kms.operator.testing.PagingDispatcher;
import dev.sds.kms.operator.testing.PluginEdits;
import io.fabric8.kubernetes.api.model.FieldsV1;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntryBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext;
import io.javaoperatorsdk.operator.Operator;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The operator starts rotations by itself (schedule, on demand), against the CRUD mock with fake
 * daemons and a fake KMaaS admin API ({@link FakeKmaasAdmin}); each rotation then runs through the
 * state machine to a completed migration of every Secret.
 */
class AutomatedRotationIT {
  private static final String FIRST = FakeKmaasAdmin.keyId(1);
  private static final int SECRETS = 40;
  private static final Duration WAIT = Duration.ofSeconds(60);

  private PagingDispatcher api;
  private MockCluster cluster;
  private KubernetesClient client;
  private FakeDaemons daemons;
  private FakeKmaasAdmin kmaas;
  private Operator operator;
  private MigrationRunners migrations;
  private DaemonSetController controller;

  @BeforeEach
  void start() throws Exception {
    api = new PagingDispatcher();
    api.expectCustomResource(
        CustomResourceDefinitionContext.fromCustomResourceType(KmsPlugin.class));
    cluster = new MockCluster(api);
    client = cluster.client();
    daemons = new FakeDaemons(FIRST);
    kmaas = new FakeKmaasAdmin(daemons);
    api.seedSecrets(SECRETS, 3);
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
  void aScheduleOfSecondsStartsRotationsThatCompleteAndEachWaitsForTheInterval() {
    createPlugin(r -> r.withSchedule("4s").withMinInterval("1s"));
    awaitKeyId(FIRST);
    api.resetCounts();

    await().atMost(WAIT).until(() -> completedRotations().size() >= 2);

    List<RotationRecord> done = completedRotations();
    RotationRecord first = done.get(done.size() - 1);
    RotationRecord second = done.get(done.size() - 2);
    assertThat(first.getFromKeyId()).isEqualTo(FIRST);
    assertThat(first.getToKeyId()).isEqualTo(FakeKmaasAdmin.keyId(2));
    assertThat(first.getMigrated()).isEqualTo(SECRETS + 1L);
    assertThat(second.getToKeyId()).isEqualTo(FakeKmaasAdmin.keyId(3));
    // every Secret rewritten once per rotation
    assertThat(secretUpdates().values()).allMatch(n -> n >= 2);
    assertThat(secretUpdates()).hasSize(SECRETS + 1);
    // the second rotation started no sooner than 4 s after the first completed
    Instant firstCompleted = Instant.parse(first.getCompletedAt());
    Instant secondStarted = Instant.parse(second.getStartedAt());
    assertThat(secondStarted).isAfterOrEqualTo(firstCompleted.plusSeconds(4));
    RotationStatus rotation = rotation();
    assertThat(rotation.getLastStart().getReason()).isEqualTo("Schedule");
    assertThat(rotation.getLastStart().getRotator()).isEqualTo("AdminApi");
    assertThat(rotation.getNextRotationAt()).isNotNull();
  }

  @Test
  void anOnDemandRequestStartsARotationAtOnceAndSaysWhoAskedForIt() {
    createPlugin(r -> r.withMinInterval("1s"));
    awaitKeyId(FIRST);
    assertThat(rotation().getNextRotationAt()).isNull();

    requestRotation("ticket-1", "kubectl-annotate");

    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              assertThat(rotation().getPhase()).isEqualTo("Completed");
              assertThat(rotation().getToKeyId()).isEqualTo(FakeKmaasAdmin.keyId(2));
            });
    RotationStatus rotation = rotation();
    assertThat(rotation.getHandledRotateToken()).isEqualTo("ticket-1");
    assertThat(rotation.getLastStart().getReason()).isEqualTo("OnDemand");
    assertThat(rotation.getLastStart().getRequestedBy()).isEqualTo("kubectl-annotate");
    assertThat(rotation.getLastStart().getKekId()).isEqualTo("kek-2");
    assertThat(kmaas.rotations).containsExactly("kek-2");
    assertThat(secretUpdates()).hasSize(SECRETS + 1);
    assertThat(client.v1().events().inNamespace(NS).list().getItems())
        .anyMatch(e -> AutomatedRotation.ROTATION_STARTED.equals(e.getReason()));
  }

  @Test
  void aRequestDuringAMigrationIsHeldAndThenHonoured() {
    createPlugin(r -> r.withMinInterval("1s").withQps(8).withWorkers(1).withPageSize(5));
    awaitKeyId(FIRST);
    requestRotation("first", "alice");
    await().atMost(WAIT).until(() -> "Migrating".equals(rotation().getPhase()));

    requestRotation("second", "bob");

    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              RotationStatus r = rotation();
              assertThat(r.getPendingRequest()).isNotNull();
              assertThat(r.getPendingRequest().getToken()).isEqualTo("second");
              assertThat(r.getPendingRequest().getRequestedBy()).isEqualTo("bob");
              assertThat(r.getPendingRequest().getHeldBecause()).contains("phase Migrating");
            });
    assertThat(kmaas.rotations).containsExactly("kek-2");

    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              RotationStatus r = rotation();
              assertThat(r.getPhase()).isEqualTo("Completed");
              assertThat(r.getToKeyId()).isEqualTo(FakeKmaasAdmin.keyId(3));
              assertThat(r.getHandledRotateToken()).isEqualTo("second");
              assertThat(r.getPendingRequest()).isNull();
            });
    assertThat(kmaas.rotations).containsExactly("kek-2", "kek-3");
    // the second rotation started only after the first one's migration completed
    List<RotationRecord> done = completedRotations();
    assertThat(Instant.parse(rotation().getLastStart().getStartedAt()))
        .isAfterOrEqualTo(Instant.parse(done.get(done.size() - 1).getCompletedAt()));
  }

  @Test
  void dryRunChangesNothingAndReportsThePlan() {
    createPlugin(r -> r.withSchedule("1s").withMinInterval("1s").withDryRun(true));
    awaitKeyId(FIRST);
    api.resetCounts();
    requestRotation("try-it", "carol");

    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              RotationStatus r = rotation();
              assertThat(r.getPlan()).isNotNull();
              assertThat(r.getPlan().getToken()).isEqualTo("try-it");
              assertThat(r.getHandledRotateToken()).isEqualTo("try-it");
            });
    var plan = rotation().getPlan();
    assertThat(plan.getRotator()).isEqualTo("AdminApi");
    assertThat(plan.getTrigger()).isEqualTo("OnDemand");
    assertThat(plan.getRequestedBy()).isEqualTo("carol");
    assertThat(plan.getFromKeyId()).isEqualTo(FIRST);
    assertThat(plan.getKmaasAction()).contains("admin API").contains("tenant acme");
    assertThat(plan.getRollingNodes()).isNull();
    assertThat(plan.getObjects())
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.getResource()).isEqualTo("secrets");
              assertThat(p.getObjects()).isEqualTo(SECRETS + 1L);
            });
    assertThat(rotation().getScheduleMessage()).contains("dryRun");
    // nothing happened: no KEK, no rewrite, the same key id
    assertThat(kmaas.rotations).isEmpty();
    assertThat(secretUpdates()).isEmpty();
    assertThat(get(client, "kms").getStatus().getCurrentKeyId()).isEqualTo(FIRST);
    assertThat(rotation().getLastStart()).isNull();
  }

  @Test
  void aFailedStartIsReportedAndTheRequestKept() {
    kmaas.failWith = "cannot create a new KEK for tenant acme: KMaaS admin API answered HTTP 503";
    createPlugin(r -> r.withMinInterval("1s"));
    awaitKeyId(FIRST);

    requestRotation("t", "dave");

    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              RotationStatus r = rotation();
              assertThat(r.getLastStart()).isNotNull();
              assertThat(r.getLastStart().getOutcome()).isEqualTo("Failed");
              assertThat(r.getLastStart().getMessage()).contains("HTTP 503");
              assertThat(r.getPendingRequest().getToken()).isEqualTo("t");
              assertThat(r.getHandledRotateToken()).isNull();
            });
    assertThat(client.v1().events().inNamespace(NS).list().getItems())
        .anyMatch(e -> AutomatedRotation.ROTATION_START_FAILED.equals(e.getReason()));
  }

  // --- helpers

  private void createPlugin(Consumer<RotationSpec> rotation) {
    KmsPlugin plugin = plugin("kms", daemons.port());
    RotationSpec spec =
        new RotationSpec()
            .withConvergenceDelay("1s")
            .withPageSize(20)
            .withQps(500)
            .withKmaasAdmin(new AdminCredentialsRef().withSecretName("kmaas-admin"));
    rotation.accept(spec);
    plugin.getSpec().setRotation(spec);
    client.resource(plugin).create();
    // the migration rewrites the credentials Secret too, whose new resourceVersion rolls the pods
    controller =
        new DaemonSetController(
                client,
                NS,
                awaitDaemonSet(client, "kms").getMetadata().getName(),
                List.of("cp-1", "cp-2"),
                List.of("127.0.0.1", "127.0.0.1"),
                (node, config) -> {})
            .start();
  }

  /**
   * {@code kubectl annotate --overwrite kmsp/kms kms.sds.dev/rotate-now=<token>} by {@code who}.
   */
  private void requestRotation(String token, String who) {
    PluginEdits.edit(
        client,
        "kms",
        p -> {
          Map<String, String> annotations =
              p.getMetadata().getAnnotations() == null
                  ? new HashMap<>()
                  : new HashMap<>(p.getMetadata().getAnnotations());
          annotations.put(OnDemandRequest.ANNOTATION, token);
          p.getMetadata().setAnnotations(annotations);
          FieldsV1 fields = new FieldsV1();
          fields.setAdditionalProperty(
              "f:metadata",
              Map.of("f:annotations", Map.of("f:" + OnDemandRequest.ANNOTATION, Map.of())));
          p.getMetadata()
              .setManagedFields(
                  List.of(
                      new ManagedFieldsEntryBuilder()
                          .withManager(who)
                          .withOperation("Update")
                          .withTime(Instant.now().toString().replaceAll("\\.\\d+Z$", "Z"))
                          .withFieldsType("FieldsV1")
                          .withFieldsV1(fields)
                          .build()));
          return p;
        });
  }

  private void awaitKeyId(String keyId) {
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              KmsPlugin p = get(client, "kms");
              assertThat(p.getStatus()).isNotNull();
              assertThat(p.getStatus().getCurrentKeyId()).isEqualTo(keyId);
              assertThat(p.getStatus().getRotation()).isNotNull();
              assertThat(p.getStatus().getRotation().getToKeyId()).isEqualTo(keyId);
            });
  }

  private RotationStatus rotation() {
    KmsPlugin p = get(client, "kms");
    return p.getStatus() == null || p.getStatus().getRotation() == null
        ? new RotationStatus()
        : p.getStatus().getRotation();
  }

  /** Completed rotations that changed the key id, newest first. */
  private List<RotationRecord> completedRotations() {
    KmsPlugin p = get(client, "kms");
    if (p.getStatus() == null || p.getStatus().getHistory() == null) {
      return List.of();
    }
    return p.getStatus().getHistory().stream()
        .filter(r -> "Completed".equals(r.getPhase()))
        .filter(r -> !r.getFromKeyId().equals(r.getToKeyId()))
        .toList();
  }

  private Map<String, Integer> secretUpdates() {
    Map<String, Integer> secrets = new java.util.TreeMap<>();
    api.updates()
        .forEach(
            (k, v) -> {
              if (k.startsWith("secrets/")) {
                secrets.put(k, v);
              }
            });
    return secrets;
  }
}
