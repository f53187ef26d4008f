package dev.sds.kms.operator.rotation;

import static dev.sds.kms.operator.testing.Fixtures.NS;
import static dev.sds.kms.operator.testing.Fixtures.awaitDaemonSet;
import static dev.sds.kms.operator.testing.Fixtures.condition;
import static dev.sds.kms.operator.testing.Fixtures.createReferencedObjects;
import static dev.sds.kms.operator.testing.Fixtures.get;
import static dev.sds.kms.operator.testing.Fixtures.playDaemonSetController;
import static dev.sds.kms.operator.testing.Fixtures.plugin;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sds.kms.operator.KmsOperatorAccess;
import dev.sds.kms.operator.crd.v1alpha1.KmsPlugin;
import dev.sds.kms.operator.crd.v1alpha1.ResourceProgress;
import dev.sds.kms.operator.crd.v1alpha1.RotationSpec;
import dev.sds.kms.operator.metrics.OperatorMetrics;
import dev.sds.kms.operator.migration.MigrationRunners;
import dev.sds.kms.operator.testing.FakeDaemons;
import dev.sds.kms.operator.testing.MockCluster;
import dev.sds.kms.operator.testing.PagingDispatcher;
import dev.sds.kms.operator.testing.PluginEdits;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext;
import io.javaoperatorsdk.operator.Operator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A KEK rotation end to end through the operator, against a mock API server that really pages
 * ({@link PagingDispatcher}) and counts every rewrite: the daemons' /status switch key id, the
 * nodes converge, and every Secret is rewritten exactly once — also across an operator restart in
 * the middle of the migration — with the status saying so.
 */
class RotationIT {
  private static final String OLD = "sds:acme/kek-20261125T000000Z-00000001";
  private static final String NEW = "sds:acme/kek-20261125T010000Z-00000002";
  private static final int SECRETS = 2000;
  private static final Duration ROTATION_WAIT = Duration.ofSeconds(90);

  private PagingDispatcher api;
  private MockCluster cluster;
  private KubernetesClient client;
  private FakeDaemons daemons;
  private final List<Running> operators = new ArrayList<>();

  private record Running(Operator operator, MigrationRunners migrations, OperatorMetrics metrics) {}

  @BeforeEach
  void start() throws Exception {
    api = new PagingDispatcher();
    api.expectCustomResource(
        CustomResourceDefinitionContext.fromCustomResourceType(KmsPlugin.class));
    cluster = new MockCluster(api);
    client = cluster.client();
    daemons = new FakeDaemons(OLD);
    seedSecrets(SECRETS, 5);
    createReferencedObjects(client);
  }

  @AfterEach
  void stop() {
    operators.forEach(this::stop);
    daemons.close();
    cluster.close();
  }

  @Test
  void aRotationEndsWithEverySecretRewrittenOnceAndTheStatusSayingSo() {
    Running operator = startOperator();
    createPlugin(rotation -> {});
    awaitKeyId(OLD);
    api.resetCounts();

    daemons.keyId = NEW;

    await().atMost(ROTATION_WAIT).untilAsserted(() -> assertThat(phase()).isEqualTo("Completed"));
    Map<String, Integer> updates = secretUpdates();
    assertThat(updates).hasSize(SECRETS + 1); // and the KMaaS credentials Secret
    assertThat(updates.values()).containsOnly(1);

    KmsPlugin plugin = get(client, "kms");
    assertThat(plugin.getStatus().getRotation().getFromKeyId()).isEqualTo(OLD);
    assertThat(plugin.getStatus().getRotation().getToKeyId()).isEqualTo(NEW);
    assertThat(plugin.getStatus().getRotation().getRetirableKeyIds()).containsExactly(OLD);
    assertThat(plugin.getStatus().getEncryption())
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.getResource()).isEqualTo("secrets");
              assertThat(e.getKeyId()).isEqualTo(NEW);
              assertThat(e.getRewritten()).isEqualTo(SECRETS + 1L);
              assertThat(e.getRemaining()).isZero();
            });
    assertThat(plugin.getStatus().getHistory())
        .first()
        .satisfies(
            h -> {
              assertThat(h.getPhase()).isEqualTo("Completed");
              assertThat(h.getMigrated()).isEqualTo(SECRETS + 1L);
            });
    assertThat(condition(plugin, "Rotating").getStatus()).isEqualTo("False");
    assertThat(client.v1().events().inNamespace(NS).list().getItems())
        .extracting(e -> e.getReason())
        .isNotEmpty();
    assertThat(operator.metrics().registry().scrape())
        .contains(
            "kms_operator_rotation_phase{name=\"kms\",namespace=\"sds-kms-system\",phase=\"Completed\"} 1.0")
        .contains(
            "kms_operator_migration_objects{name=\"kms\",namespace=\"sds-kms-system\",outcome=\"migrated\",resource=\"secrets\"} "
                + (SECRETS + 1)
                + ".0");
  }

  @Test
  void anOperatorRestartedMidMigrationResumesFromTheCheckpoint() {
    Running first = startOperator();
    createPlugin(rotation -> rotation.setQps(400));
    awaitKeyId(OLD);
    api.resetCounts();

    daemons.keyId = NEW;
    await().atMost(ROTATION_WAIT).until(() -> migratedInStatus() >= 600);
    stop(first);
    operators.remove(first);
    int beforeRestart = total(secretUpdates());

    startOperator();

    await().atMost(ROTATION_WAIT).untilAsserted(() -> assertThat(phase()).isEqualTo("Completed"));
    Map<String, Integer> updates = secretUpdates();
    assertThat(updates).hasSize(SECRETS + 1);
    int rewrittenTwice = total(updates) - updates.size();
    assertThat(beforeRestart).isGreaterThanOrEqualTo(600);
    // a page waits for its checkpoint to be in status: at most the page after it is redone
    assertThat(rewrittenTwice).isLessThanOrEqualTo(200);
    assertThat(migratedInStatus()).isEqualTo(SECRETS + 1L);
  }

  @Test
  void withTheManualPolicyTheMigrationWaitsForApproval() {
    startOperator();
    createPlugin(rotation -> rotation.setPolicy("Manual"));
    awaitKeyId(OLD);
    api.resetCounts();

    daemons.keyId = NEW;

    await()
        .atMost(ROTATION_WAIT)
        .untilAsserted(
            () -> {
              KmsPlugin plugin = get(client, "kms");
              assertThat(plugin.getStatus().getRotation().getPhase()).isEqualTo("Converging");
              assertThat(plugin.getStatus().getRotation().getMessage()).contains("approvedKeyId");
            });
    assertThat(secretUpdates()).isEmpty();

    PluginEdits.edit(
        client,
        "kms",
        p -> {
          p.getSpec().getRotation().setApprovedKeyId(NEW);
          return p;
        });

    await().atMost(ROTATION_WAIT).untilAsserted(() -> assertThat(phase()).isEqualTo("Completed"));
    assertThat(secretUpdates().values()).containsOnly(1);
  }

  private Running startOperator() {
    MigrationRunners migrations = new MigrationRunners();
    OperatorMetrics metrics = new OperatorMetrics();
    Operator operator =
        KmsOperatorAccess.create(cluster.newClient(), Duration.ofSeconds(1), migrations, metrics);
    operator.start();
    Running running = new Running(operator, migrations, metrics);
    operators.add(running);
    return running;
  }

  private void stop(Running running) {
    running.operator().stop();
    running.migrations().cancelAll();
  }

  private void createPlugin(Consumer<RotationSpec> rotation) {
    KmsPlugin plugin = plugin("kms", daemons.port());
    RotationSpec spec = new RotationSpec();
    spec.setConvergenceDelay("1s");
    spec.setPageSize(200);
    spec.setQps(2000);
    spec.setWorkers(8);
    rotation.accept(spec);
    plugin.getSpec().setRotation(spec);
    client.resource(plugin).create();
    playDaemonSetController(client, awaitDaemonSet(client, "kms"), 2);
  }

  private void awaitKeyId(String keyId) {
    await()
        .atMost(ROTATION_WAIT)
        .untilAsserted(
            () -> assertThat(get(client, "kms").getStatus().getCurrentKeyId()).isEqualTo(keyId));
  }

  private String phase() {
    KmsPlugin plugin = get(client, "kms");
    return plugin.getStatus() == null || plugin.getStatus().getRotation() == null
        ? null
        : plugin.getStatus().getRotation().getPhase();
  }

  private long migratedInStatus() {
    KmsPlugin plugin = get(client, "kms");
    if (plugin.getStatus() == null
        || plugin.getStatus().getRotation() == null
        || plugin.getStatus().getRotation().getResources() == null) {
      return 0;
    }
    return plugin.getStatus().getRotation().getResources().stream()
        .map(ResourceProgress::getMigrated)
        .filter(m -> m != null)
        .mapToLong(Long::longValue)
        .sum();
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

  private static int total(Map<String, Integer> updates) {
    return updates.values().stream().mapToInt(Integer::intValue).sum();
  }

  private void seedSecrets(int count, int namespaces) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<?>> created = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        String namespace = "app-" + (i % namespaces);
        GenericKubernetesResource secret = new GenericKubernetesResource();
        secret.setApiVersion("v1");
        secret.setKind("Secret");
        secret.setMetadata(
            new ObjectMetaBuilder()
                .withName(String.format("s-%05d", i))
                .withNamespace(namespace)
                .build());
        secret.setAdditionalProperty("data", Map.of("token", "c2VjcmV0"));
        created.add(
            pool.submit(
                () ->
                    client
                        .genericKubernetesResources("v1", "Secret")
                        .inNamespace(namespace)
                        .resource(secret)
                        .create()));
      }
      for (Future<?> f : created) {
        f.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
