package dev.sds.kms.operator.rotation.start;

import static dev.sds.kms.operator.testing.Fixtures.NS;
import static dev.sds.kms.operator.testing.Fixtures.awaitDaemonSet;
import static dev.sds.kms.operator.testing.Fixtures.createReferencedObjects;
import static dev.sds.kms.operator.testing.Fixtures.get;
import static dev.sds.kms.operator.testing.Fixtures.plugin;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.sds.kms.operator.KmsOperatorAccess;
import dev.sds.kms.operator.crd.v1alpha1.KmsPlugin;
import dev.sds.kms.operator.crd.v1alpha1.RotationSpec;
import dev.sds.kms.operator.crd.v1alpha1.RotationStatus;
import dev.sds.kms.operator.metrics.OperatorMetrics;
import dev.sds.kms.operator.migration.MigrationRunners;
import dev.sds.kms.operator.rotation.schedule.OnDemandRequest;
import dev.sds.kms.operator.testing.DaemonSetController;
import dev.sds.kms.operator.testing.FakeNodeDaemons;
import dev.sds.kms.operator.testing.MockCluster;
import dev.sds.kms.operator.testing.PagingDispatcher;
import dev.sds.kms.operator.testing.PluginEdits;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext;
import io.javaoperatorsdk.operator.Operator;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A SeedOnly rotation (no KMaaS admin key): the operator gives KEY_ID a new suffix, the DaemonSet
 * rolls one node at a time (played by {@link DaemonSetController}: each restarted fake daemon
 * reports the key id its new {@code config.yaml} gives), and the rotation ends with the new key id
 * on every node and every Secret rewritten.
 */
class SeedOnlyRotationIT {
  private static final String KEK = "acme/kek-1";
  private static final String FIRST = "sds:" + KEK;
  private static final int SECRETS = 30;
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final YAMLMapper YAML = new YAMLMapper();

  private PagingDispatcher api;
  private MockCluster cluster;
  private KubernetesClient client;
  private FakeNodeDaemons daemons;
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
    daemons = new FakeNodeDaemons(List.of("cp-1", "cp-2", "cp-3"), FIRST);
    api.seedSecrets(SECRETS, 1);
    createReferencedObjects(client);
    migrations = new MigrationRunners();
    operator =
        KmsOperatorAccess.create(
            cluster.newClient(),
            Duration.ofSeconds(1),
            migrations,
            new OperatorMetrics(),
            (plugin, c) -> {
              throw new AssertionError("a SeedOnly rotation never calls the KMaaS admin API");
            });
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
  void aSeedOnlyRotationRollsTheDaemonsOneNodeAtATimeAndEndsWithANewKeyIdEverywhere() {
    KmsPlugin plugin = plugin("kms", daemons.port());
    plugin
        .getSpec()
        .setRotation(
            new RotationSpec()
                .withMinInterval("1s")
                .withConvergenceDelay("1s")
                .withPageSize(10)
                .withQps(500));
    client.resource(plugin).create();
    controller =
        new DaemonSetController(
                client,
                NS,
                awaitDaemonSet(client, "kms").getMetadata().getName(),
                daemons.nodes(),
                daemons.podIps(),
                (node, config) -> daemons.setKeyId(node, keyIdPrefix(config) + ":" + KEK))
            .start();
    await().atMost(WAIT).untilAsserted(() -> assertThat(rotation().getToKeyId()).isEqualTo(FIRST));
    int rolloutsBefore = controller.rollouts.get();
    api.resetCounts();

    requestRotation("seed-please");

    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              RotationStatus r = rotation();
              assertThat(r.getPhase()).as(this::diagnostics).isEqualTo("Completed");
              assertThat(r.getToKeyId()).isNotEqualTo(FIRST);
            });
    RotationStatus r = rotation();
    String suffix = r.getSeedSuffix();
    assertThat(suffix).matches("r\\d{8}T\\d{6}Z");
    String newKeyId = "sds-" + suffix + ":" + KEK;
    assertThat(r.getToKeyId()).isEqualTo(newKeyId);
    assertThat(r.getFromKeyId()).isEqualTo(FIRST);
    assertThat(r.getLastStart().getRotator()).isEqualTo("SeedOnly");
    assertThat(r.getLastStart().getSeedSuffix()).isEqualTo(suffix);
    assertThat(r.getLastStart().getKekId()).isNull();
    // every node reports the new key id; the config rolled out names the new KEY_ID
    assertThat(daemons.nodes()).allMatch(n -> newKeyId.equals(daemons.keyId(n)));
    assertThat(get(client, "kms").getStatus().getCurrentKeyId()).isEqualTo(newKeyId);
    assertThat(keyIdPrefix(configMap())).isEqualTo("sds-" + suffix);
    // the KEK stayed, so nothing is retirable in KMaaS... but the old key id is no longer used
    assertThat(r.getRetirableKeyIds()).containsExactly(FIRST);
    // every Secret rewritten (once by the migration)
    assertThat(
            api.updates().entrySet().stream()
                .filter(e -> e.getKey().startsWith("secrets/app-0/"))
                .map(Map.Entry::getValue))
        .hasSize(SECRETS)
        .containsOnly(1);
    // the rollout: one node at a time, in node order, never two down at once
    assertThat(controller.rollouts.get()).isGreaterThan(rolloutsBefore);
    List<DaemonSetController.Step> seedRoll =
        controller
            .steps
            .subList(2 * daemons.nodes().size() * rolloutsBefore, controller.steps.size())
            .subList(0, 2 * daemons.nodes().size());
    assertThat(seedRoll)
        .extracting(DaemonSetController.Step::node, DaemonSetController.Step::ready)
        .containsExactly(
            org.assertj.core.api.Assertions.tuple("cp-1", false),
            org.assertj.core.api.Assertions.tuple("cp-1", true),
            org.assertj.core.api.Assertions.tuple("cp-2", false),
            org.assertj.core.api.Assertions.tuple("cp-2", true),
            org.assertj.core.api.Assertions.tuple("cp-3", false),
            org.assertj.core.api.Assertions.tuple("cp-3", true));
    assertThat(controller.steps).allMatch(s -> s.unavailable() <= 1);
  }

  /** What the daemons report and how the pods rolled, for a failure message. */
  private String diagnostics() {
    StringBuilder b = new StringBuilder("daemons:");
    daemons.nodes().forEach(n -> b.append(' ').append(n).append('=').append(daemons.keyId(n)));
    b.append("; rollouts ")
        .append(controller.rollouts.get())
        .append(", steps ")
        .append(controller.steps);
    KmsPlugin p = get(client, "kms");
    if (p.getStatus() != null && p.getStatus().getNodes() != null) {
      b.append("; status.nodes ");
      p.getStatus()
          .getNodes()
          .forEach(
              n ->
                  b.append(n.getNodeName())
                      .append(':')
                      .append(n.getReady())
                      .append(':')
                      .append(n.getKeyId())
                      .append(' '));
    }
    b.append("; message ").append(rotation().getMessage());
    return b.toString();
  }

  private ConfigMap configMap() {
    return client.configMaps().inNamespace(NS).list().getItems().stream()
        .filter(c -> c.getData() != null && c.getData().containsKey("config.yaml"))
        .findFirst()
        .orElseThrow();
  }

  private static String keyIdPrefix(ConfigMap config) {
    try {
      return YAML.readTree(config.getData().get("config.yaml")).path("key-id").asText();
    } catch (Exception e) {
      throw new AssertionError("config.yaml of " + config.getMetadata().getName(), e);
    }
  }

  private void requestRotation(String token) {
    PluginEdits.annotate(client, "kms", OnDemandRequest.ANNOTATION, token);
  }

  private RotationStatus rotation() {
    KmsPlugin p = get(client, "kms");
    return p.getStatus() == null || p.getStatus().getRotation() == null
        ? new RotationStatus()
        : p.getStatus().getRotation();
  }
}
