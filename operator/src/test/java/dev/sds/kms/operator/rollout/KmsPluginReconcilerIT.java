package dev.sds.kms.operator.rollout;

import static dev.sds.kms.operator.testing.Fixtures.NS;
import static dev.sds.kms.operator.testing.Fixtures.WAIT;
import static dev.sds.kms.operator.testing.Fixtures.awaitDaemonSet;
import static dev.sds.kms.operator.testing.Fixtures.condition;
import static dev.sds.kms.operator.testing.Fixtures.createReferencedObjects;
import static dev.sds.kms.operator.testing.Fixtures.get;
import static dev.sds.kms.operator.testing.Fixtures.playDaemonSetController;
import static dev.sds.kms.operator.testing.Fixtures.plugin;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sds.kms.operator.KmsOperator;
import dev.sds.kms.operator.OperatorSettings;
import dev.sds.kms.operator.crd.v1alpha1.KmsPlugin;
import dev.sds.kms.operator.crd.v1alpha1.KmsPluginSpec;
import dev.sds.kms.operator.crd.v1alpha1.RotationSpec;
import dev.sds.kms.operator.testing.FakeDaemons;
import dev.sds.kms.operator.testing.Fixtures;
import dev.sds.kms.operator.testing.MockCluster;
import dev.sds.kms.operator.testing.PluginEdits;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.javaoperatorsdk.operator.Operator;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The operator as it runs in production ({@link KmsOperator#create}) against fabric8's Kubernetes
 * mock server in CRUD mode, with daemon pods whose {@code /status} is served by a real HTTP server
 * on localhost. The mock has no controllers: the test plays the DaemonSet controller (status, pods)
 * and checks owner references where a real API server's garbage collector would delete.
 */
class KmsPluginReconcilerIT {
  private static final String KEY_ID = "sds:acme/kek-20261125T000000Z-0a1b2c3d";

  private MockCluster cluster;
  private KubernetesClient client;
  private Operator operator;
  private FakeDaemons daemons;

  @BeforeEach
  void start() throws Exception {
    cluster = new MockCluster();
    client = cluster.client();
    daemons = new FakeDaemons(KEY_ID);
    operator =
        KmsOperator.create(
            client, new OperatorSettings(NS, false, Set.of(), Duration.ofSeconds(1), null, "test"));
    operator.start();
  }

  @AfterEach
  void stop() {
    operator.stop();
    daemons.close();
    cluster.close();
  }

  @Test
  void createsTheDependentsOwnedByTheKmsPluginAndReportsHealthyNodes() {
    createReferencedObjects(client);
    KmsPlugin plugin = client.resource(plugin("kms", daemons.port())).create();

    DaemonSet ds = awaitDaemonSet(client, "kms");
    ConfigMap config = client.configMaps().inNamespace(NS).withName(Names.configMap(plugin)).get();
    ServiceAccount sa =
        client.serviceAccounts().inNamespace(NS).withName(Names.serviceAccount(plugin)).get();
    for (HasMetadata dependent : List.<HasMetadata>of(ds, config, sa)) {
      assertThat(dependent.getMetadata().getOwnerReferences())
          .as(dependent.getKind())
          .singleElement()
          .satisfies(ref -> assertOwnedBy(ref, plugin));
    }
    assertThat(config.getData().get("config.yaml"))
        .contains("kmaas-url: \"https://kmaas.example:3000\"")
        .contains("kmaas-tenant: \"acme\"");
    assertThat(ds.getSpec().getUpdateStrategy().getRollingUpdate().getMaxUnavailable().getIntVal())
        .isEqualTo(1);
    assertThat(ds.getSpec().getTemplate().getMetadata().getAnnotations())
        .containsKey("kms.sds.dev/config-hash");
    assertThat(ds.getSpec().getTemplate().getSpec().getServiceAccountName())
        .isEqualTo(sa.getMetadata().getName());
    assertThat(ds.getSpec().getTemplate().getSpec().getVolumes())
        .anySatisfy(v -> assertThat(v.getHostPath()).isNotNull());

    playDaemonSetController(client, ds, 2);

    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              KmsPlugin current = get(client, "kms");
              assertThat(current.getStatus().getReadyNodes()).isEqualTo("2/2");
              assertThat(current.getStatus().getCurrentKeyId()).isEqualTo(KEY_ID);
              assertThat(condition(current, "Available").getReason()).isEqualTo("AllNodesReady");
              assertThat(condition(current, "Degraded").getStatus()).isEqualTo("False");
            });
    KmsPlugin current = get(client, "kms");
    assertThat(current.getStatus().getObservedGeneration())
        .isEqualTo(current.getMetadata().getGeneration());
    assertThat(current.getStatus().getNodes())
        .extracting(n -> n.getNodeName())
        .containsExactly("cp-1", "cp-2");
  }

  @Test
  void reportsAnUnhealthyDaemonWithItsReason() {
    createReferencedObjects(client);
    client.resource(plugin("kms", daemons.port())).create();
    playDaemonSetController(client, awaitDaemonSet(client, "kms"), 2);
    daemons.healthz = "KMaaS unreachable: connection refused (https://kmaas.example:3000)";

    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              Condition degraded = condition(get(client, "kms"), "Degraded");
              assertThat(degraded.getStatus()).isEqualTo("True");
              assertThat(degraded.getReason()).isEqualTo("DaemonUnhealthy");
              assertThat(degraded.getMessage()).contains("cp-1").contains("connection refused");
            });
  }

  @Test
  void aSpecChangeRollsTheDaemonSetTemplateAndNothingElse() {
    createReferencedObjects(client);
    client.resource(plugin("kms", daemons.port())).create();
    DaemonSet before = awaitDaemonSet(client, "kms");
    String hashBefore = configHash(before);
    ServiceAccount saBefore =
        client.serviceAccounts().inNamespace(NS).withName(before.getMetadata().getName()).get();

    edit("kms", p -> withUrl(p, "https://kmaas-2.example:3000"));

    await().atMost(WAIT).until(() -> !configHash(awaitDaemonSet(client, "kms")).equals(hashBefore));
    DaemonSet after = awaitDaemonSet(client, "kms");
    assertThat(after.getSpec().getSelector()).isEqualTo(before.getSpec().getSelector());
    assertThat(after.getSpec().getUpdateStrategy()).isEqualTo(before.getSpec().getUpdateStrategy());
    assertThat(after.getSpec().getTemplate().getSpec())
        .isEqualTo(before.getSpec().getTemplate().getSpec());
    assertThat(
            client
                .configMaps()
                .inNamespace(NS)
                .withName(after.getMetadata().getName())
                .get()
                .getData()
                .get("config.yaml"))
        .contains("kmaas-2.example");
    assertThat(
            client
                .serviceAccounts()
                .inNamespace(NS)
                .withName(after.getMetadata().getName())
                .get()
                .getMetadata()
                .getResourceVersion())
        .isEqualTo(saBefore.getMetadata().getResourceVersion());
  }

  @Test
  void anInvalidSpecIsReportedAsDegradedAndCreatesNothing() {
    createReferencedObjects(client);
    client.resource(withUrl(plugin("bad", daemons.port()), "http://kmaas.example:3000")).create();

    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              Condition degraded = condition(get(client, "bad"), "Degraded");
              assertThat(degraded.getStatus()).isEqualTo("True");
              assertThat(degraded.getReason()).isEqualTo("InvalidSpec");
              assertThat(degraded.getMessage()).contains("spec.kmaas.url");
            });
    assertThat(client.apps().daemonSets().inNamespace(NS).list().getItems()).isEmpty();
  }

  @Test
  void aMissingSecretIsReportedAndTheRolloutFollowsOnceItExists() {
    client.resource(Fixtures.caConfigMap()).create();
    client.resource(plugin("kms", daemons.port())).create();

    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              Condition degraded = condition(get(client, "kms"), "Degraded");
              assertThat(degraded.getReason()).isEqualTo("SecretNotFound");
              assertThat(degraded.getMessage()).contains("kmaas-credentials");
            });
    assertThat(client.apps().daemonSets().inNamespace(NS).list().getItems()).isEmpty();

    client.resource(Fixtures.credentialsSecret()).create();

    awaitDaemonSet(client, "kms");
  }

  @Test
  void pausedStopsChangesToTheDependents() {
    createReferencedObjects(client);
    client.resource(plugin("kms", daemons.port())).create();
    DaemonSet ds = awaitDaemonSet(client, "kms");
    String hashBefore = configHash(ds);
    playDaemonSetController(client, ds, 1);

    edit(
        "kms",
        p -> {
          p.getSpec().setPaused(true);
          return withUrl(p, "https://kmaas-2.example:3000");
        });

    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(condition(get(client, "kms"), "Progressing").getReason())
                    .isEqualTo("Paused"));
    assertThat(configHash(awaitDaemonSet(client, "kms"))).isEqualTo(hashBefore);

    edit(
        "kms",
        p -> {
          p.getSpec().setPaused(false);
          return p;
        });
    await().atMost(WAIT).until(() -> !configHash(awaitDaemonSet(client, "kms")).equals(hashBefore));
  }

  @Test
  void aKmsPluginWithEveryFieldAtOrPastItsLimitIsDegradedAndTheOthersAreStillRolledOut() {
    createReferencedObjects(client);
    // the CRUD mock applies no schema: what a CRD installed without validation would let in
    KmsPlugin extreme = plugin("x".repeat(63), daemons.port());
    KmsPluginSpec spec = extreme.getSpec();
    spec.setImage("registry.example/" + "i".repeat(10_000));
    spec.setProviderName("p".repeat(63));
    spec.setKeyId("k".repeat(64));
    spec.getKmaas().setTenantId("t".repeat(64));
    spec.setHealthCheckInterval("999999999h");
    spec.setNodeSelector(
        IntStream.range(0, 200).boxed().collect(Collectors.toMap(i -> "label-" + i, i -> "v")));
    spec.setHttpPort(Integer.MAX_VALUE);
    spec.setRotation(
        new RotationSpec()
            .withPageSize(Integer.MAX_VALUE)
            .withWorkers(1_000_000)
            .withQps(0)
            .withConvergenceDelay("9".repeat(40) + "h")
            .withResources(List.of("secrets", "secrets")));
    client.resource(extreme).create();

    client.resource(plugin("kms", daemons.port())).create();

    playDaemonSetController(client, awaitDaemonSet(client, "kms"), 2);
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              assertThat(condition(get(client, "kms"), "Available").getReason())
                  .isEqualTo("AllNodesReady");
              Condition degraded =
                  condition(get(client, extreme.getMetadata().getName()), "Degraded");
              assertThat(degraded.getReason()).isEqualTo("InvalidSpec");
              assertThat(degraded.getMessage())
                  .contains("spec.httpPort must be between 1024 and 65535")
                  .contains("spec.rotation.convergenceDelay must be a duration")
                  .contains("and 4 more");
            });
    assertThat(client.apps().daemonSets().inNamespace(NS).list().getItems())
        .extracting(ds -> ds.getMetadata().getOwnerReferences().get(0).getName())
        .containsExactly("kms");
  }

  @Test
  void aKmsPluginTheModelCannotReadDoesNotStopTheOthers() {
    createReferencedObjects(client);
    GenericKubernetesResource unreadable =
        Serialization.unmarshal(
            Serialization.asJson(plugin("unreadable", daemons.port())),
            GenericKubernetesResource.class);
    @SuppressWarnings("unchecked")
    Map<String, Object> spec =
        (Map<String, Object>) unreadable.getAdditionalProperties().get("spec");
    spec.put("httpPort", "eighty");
    spec.put("resources", Map.of("limits", Map.of("memory", "")));
    client
        .genericKubernetesResources("kms.sds.dev/v1alpha1", "KmsPlugin")
        .inNamespace(NS)
        .resource(unreadable)
        .create();

    client.resource(plugin("kms", daemons.port())).create();

    awaitDaemonSet(client, "kms");
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              Condition degraded = condition(get(client, "unreadable"), "Degraded");
              assertThat(degraded.getReason()).isEqualTo("InvalidSpec");
              assertThat(degraded.getMessage())
                  .contains("spec.httpPort cannot be read (it must be an integer)")
                  .doesNotContain("eighty");
            });
    assertThat(get(client, "unreadable").getSpec().unreadable()).isNotNull();
    // the stored spec is left as it was
    assertThat(
            client
                .genericKubernetesResources("kms.sds.dev/v1alpha1", "KmsPlugin")
                .inNamespace(NS)
                .withName("unreadable")
                .get()
                .getAdditionalProperties()
                .get("spec"))
        .isEqualTo(spec);
  }

  private static KmsPlugin withUrl(KmsPlugin plugin, String url) {
    plugin.getSpec().getKmaas().setUrl(url);
    return plugin;
  }

  private void edit(String name, UnaryOperator<KmsPlugin> change) {
    PluginEdits.edit(client, name, change);
  }

  private static String configHash(DaemonSet ds) {
    Map<String, String> annotations = ds.getSpec().getTemplate().getMetadata().getAnnotations();
    return annotations == null ? "" : annotations.getOrDefault("kms.sds.dev/config-hash", "");
  }

  private static void assertOwnedBy(OwnerReference ref, KmsPlugin plugin) {
    assertThat(ref.getKind()).isEqualTo("KmsPlugin");
    assertThat(ref.getName()).isEqualTo(plugin.getMetadata().getName());
    assertThat(ref.getUid()).isEqualTo(plugin.getMetadata().getUid());
  }
}
