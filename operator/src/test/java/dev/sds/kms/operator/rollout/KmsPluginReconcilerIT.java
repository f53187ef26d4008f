package dev.sds.kms.operator.rollout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import dev.sds.kms.operator.KmsOperator;
import dev.sds.kms.operator.OperatorSettings;
import dev.sds.kms.operator.crd.v1alpha1.CaBundleRef;
import dev.sds.kms.operator.crd.v1alpha1.CredentialsRef;
import dev.sds.kms.operator.crd.v1alpha1.KmaasSpec;
import dev.sds.kms.operator.crd.v1alpha1.KmsPlugin;
import dev.sds.kms.operator.crd.v1alpha1.KmsPluginSpec;
import dev.sds.kms.operator.testing.MockCluster;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.UnaryOperator;
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
  private static final String NS = "sds-kms-system";
  private static final String KEY_ID = "sds:acme/kek-20261125T000000Z-0a1b2c3d";
  private static final Duration WAIT = Duration.ofSeconds(20);

  private MockCluster cluster;
  private KubernetesClient client;
  private Operator operator;
  private HttpServer daemonStatus;
  private volatile String daemonHealthz = "ok";

  @BeforeEach
  void start() throws Exception {
    cluster = new MockCluster();
    client = cluster.client();
    daemonStatus = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 8);
    daemonStatus.createContext(
        "/status",
        exchange -> {
          byte[] body =
              ("{\"version\":\"0.1.0\",\"kmsApiVersion\":\"v2\",\"healthz\":\""
                      + daemonHealthz
                      + "\",\"keyId\":\""
                      + KEY_ID
                      + "\",\"kekId\":\"kek-1\",\"lastCheckTime\":null,\"lastSuccessTime\":null,"
                      + "\"endpoint\":\"unix:///var/run/kmsplugin/kms.sock\","
                      + "\"kmaas\":{\"mode\":\"remote\",\"url\":\"https://kmaas:3000\","
                      + "\"tenant\":\"acme\"}}")
                  .getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().set("Content-Type", "application/json");
          exchange.sendResponseHeaders(200, body.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
          }
        });
    daemonStatus.start();
    operator =
        KmsOperator.create(
            client, new OperatorSettings(NS, false, Set.of(), Duration.ofSeconds(1), "test"));
    operator.start();
  }

  @AfterEach
  void stop() {
    operator.stop();
    daemonStatus.stop(0);
    cluster.close();
  }

  @Test
  void createsTheDependentsOwnedByTheKmsPluginAndReportsHealthyNodes() {
    createReferencedObjects();
    KmsPlugin plugin = client.resource(plugin("kms")).create();

    DaemonSet ds = awaitDaemonSet("kms");
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

    playDaemonSetController(ds, 2);

    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              KmsPlugin current = get("kms");
              assertThat(current.getStatus().getReadyNodes()).isEqualTo("2/2");
              assertThat(current.getStatus().getCurrentKeyId()).isEqualTo(KEY_ID);
              assertThat(condition(current, "Available").getReason()).isEqualTo("AllNodesReady");
              assertThat(condition(current, "Degraded").getStatus()).isEqualTo("False");
            });
    KmsPlugin current = get("kms");
    assertThat(current.getStatus().getObservedGeneration())
        .isEqualTo(current.getMetadata().getGeneration());
    assertThat(current.getStatus().getNodes())
        .extracting(n -> n.getNodeName())
        .containsExactly("cp-1", "cp-2");
  }

  @Test
  void reportsAnUnhealthyDaemonWithItsReason() {
    createReferencedObjects();
    client.resource(plugin("kms")).create();
    playDaemonSetController(awaitDaemonSet("kms"), 2);
    daemonHealthz = "KMaaS unreachable: connection refused (https://kmaas.example:3000)";

    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              Condition degraded = condition(get("kms"), "Degraded");
              assertThat(degraded.getStatus()).isEqualTo("True");
              assertThat(degraded.getReason()).isEqualTo("DaemonUnhealthy");
              assertThat(degraded.getMessage()).contains("cp-1").contains("connection refused");
            });
  }

  @Test
  void aSpecChangeRollsTheDaemonSetTemplateAndNothingElse() {
    createReferencedObjects();
    client.resource(plugin("kms")).create();
    DaemonSet before = awaitDaemonSet("kms");
    String hashBefore = configHash(before);
    ServiceAccount saBefore =
        client.serviceAccounts().inNamespace(NS).withName(before.getMetadata().getName()).get();

    edit("kms", p -> withUrl(p, "https://kmaas-2.example:3000"));

    await().atMost(WAIT).until(() -> !configHash(awaitDaemonSet("kms")).equals(hashBefore));
    DaemonSet after = awaitDaemonSet("kms");
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
    createReferencedObjects();
    client.resource(withUrl(plugin("bad"), "http://kmaas.example:3000")).create();

    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              Condition degraded = condition(get("bad"), "Degraded");
              assertThat(degraded.getStatus()).isEqualTo("True");
              assertThat(degraded.getReason()).isEqualTo("InvalidSpec");
              assertThat(degraded.getMessage()).contains("spec.kmaas.url");
            });
    assertThat(client.apps().daemonSets().inNamespace(NS).list().getItems()).isEmpty();
  }

  @Test
  void aMissingSecretIsReportedAndTheRolloutFollowsOnceItExists() {
    client.resource(caConfigMap()).create();
    client.resource(plugin("kms")).create();

    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              Condition degraded = condition(get("kms"), "Degraded");
              assertThat(degraded.getReason()).isEqualTo("SecretNotFound");
              assertThat(degraded.getMessage()).contains("kmaas-credentials");
            });
    assertThat(client.apps().daemonSets().inNamespace(NS).list().getItems()).isEmpty();

    client.resource(credentialsSecret()).create();

    awaitDaemonSet("kms");
  }

  @Test
  void pausedStopsChangesToTheDependents() {
    createReferencedObjects();
    client.resource(plugin("kms")).create();
    DaemonSet ds = awaitDaemonSet("kms");
    String hashBefore = configHash(ds);
    playDaemonSetController(ds, 1);

    edit(
        "kms",
        p -> {
          p.getSpec().setPaused(true);
          return withUrl(p, "https://kmaas-2.example:3000");
        });

    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> assertThat(condition(get("kms"), "Progressing").getReason()).isEqualTo("Paused"));
    assertThat(configHash(awaitDaemonSet("kms"))).isEqualTo(hashBefore);

    edit(
        "kms",
        p -> {
          p.getSpec().setPaused(false);
          return p;
        });
    await().atMost(WAIT).until(() -> !configHash(awaitDaemonSet("kms")).equals(hashBefore));
  }

  private void createReferencedObjects() {
    client.resource(credentialsSecret()).create();
    client.resource(caConfigMap()).create();
  }

  private static io.fabric8.kubernetes.api.model.Secret credentialsSecret() {
    return new SecretBuilder()
        .withMetadata(
            new ObjectMetaBuilder().withName("kmaas-credentials").withNamespace(NS).build())
        .addToData(
            "api-key",
            Base64.getEncoder()
                .encodeToString("kms-plugin:s3cret".getBytes(StandardCharsets.UTF_8)))
        .build();
  }

  private static ConfigMap caConfigMap() {
    return new ConfigMapBuilder()
        .withMetadata(new ObjectMetaBuilder().withName("kmaas-ca").withNamespace(NS).build())
        .addToData("ca.crt", "-----BEGIN CERTIFICATE-----\n...\n-----END CERTIFICATE-----\n")
        .build();
  }

  private KmsPlugin plugin(String name) {
    KmsPlugin plugin = new KmsPlugin();
    plugin.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(NS).build());
    KmaasSpec kmaas = new KmaasSpec();
    kmaas.setUrl("https://kmaas.example:3000");
    kmaas.setTenantId("acme");
    CredentialsRef credentials = new CredentialsRef();
    credentials.setSecretName("kmaas-credentials");
    credentials.setType("ApiKey");
    kmaas.setCredentials(credentials);
    CaBundleRef ca = new CaBundleRef();
    ca.setConfigMapName("kmaas-ca");
    kmaas.setCaBundle(ca);
    KmsPluginSpec spec = new KmsPluginSpec();
    spec.setImage("registry.example/sds/kms-plugin:0.1.0");
    spec.setKmaas(kmaas);
    spec.setHttpPort(daemonStatus.getAddress().getPort());
    plugin.setSpec(spec);
    return plugin;
  }

  private static KmsPlugin withUrl(KmsPlugin plugin, String url) {
    plugin.getSpec().getKmaas().setUrl(url);
    return plugin;
  }

  private void edit(String name, UnaryOperator<KmsPlugin> change) {
    client.resources(KmsPlugin.class).inNamespace(NS).withName(name).edit(change);
  }

  private KmsPlugin get(String name) {
    return client.resources(KmsPlugin.class).inNamespace(NS).withName(name).get();
  }

  private DaemonSet awaitDaemonSet(String pluginName) {
    return await()
        .atMost(WAIT)
        .until(
            () ->
                client.apps().daemonSets().inNamespace(NS).list().getItems().stream()
                    .filter(
                        ds ->
                            ds.getMetadata().getOwnerReferences().stream()
                                .anyMatch(r -> r.getName().equals(pluginName)))
                    .findFirst(),
            Optional::isPresent)
        .orElseThrow();
  }

  /** What the DaemonSet controller and the kubelet would do: schedule ready pods on two nodes. */
  private void playDaemonSetController(DaemonSet ds, int nodes) {
    client
        .apps()
        .daemonSets()
        .resource(ds)
        .editStatus(
            d -> {
              d.setStatus(
                  new DaemonSetStatusBuilder()
                      .withDesiredNumberScheduled(nodes)
                      .withCurrentNumberScheduled(nodes)
                      .withUpdatedNumberScheduled(nodes)
                      .withNumberReady(nodes)
                      .withNumberAvailable(nodes)
                      .withObservedGeneration(d.getMetadata().getGeneration())
                      .build());
              return d;
            });
    for (int i = 1; i <= nodes; i++) {
      Pod pod =
          new PodBuilder()
              .withNewMetadata()
              .withName(ds.getMetadata().getName() + "-" + i)
              .withNamespace(NS)
              .withLabels(ds.getSpec().getTemplate().getMetadata().getLabels())
              .endMetadata()
              .withNewSpec()
              .withNodeName("cp-" + i)
              .endSpec()
              .withNewStatus()
              .withPodIP("127.0.0.1")
              .addNewCondition()
              .withType("Ready")
              .withStatus("True")
              .endCondition()
              .endStatus()
              .build();
      client.resource(pod).create();
    }
  }

  private static String configHash(DaemonSet ds) {
    Map<String, String> annotations = ds.getSpec().getTemplate().getMetadata().getAnnotations();
    return annotations == null ? "" : annotations.getOrDefault("kms.sds.dev/config-hash", "");
  }

  private static Condition condition(KmsPlugin plugin, String type) {
    assertThat(plugin.getStatus()).as("status of " + plugin.getMetadata().getName()).isNotNull();
    return plugin.getStatus().getConditions().stream()
        .filter(c -> c.getType().equals(type))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no " + type + " condition"));
  }

  private static void assertOwnedBy(OwnerReference ref, KmsPlugin plugin) {
    assertThat(ref.getKind()).isEqualTo("KmsPlugin");
    assertThat(ref.getName()).isEqualTo(plugin.getMetadata().getName());
    assertThat(ref.getUid()).isEqualTo(plugin.getMetadata().getUid());
  }
}
