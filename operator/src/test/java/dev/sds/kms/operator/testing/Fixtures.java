package dev.sds.kms.operator.testing;

import static org.awaitility.Awaitility.await;

import dev.sds.kms.operator.crd.v1alpha1.CaBundleRef;
import dev.sds.kms.operator.crd.v1alpha1.CredentialsRef;
import dev.sds.kms.operator.crd.v1alpha1.KmaasSpec;
import dev.sds.kms.operator.crd.v1alpha1.KmsPlugin;
import dev.sds.kms.operator.crd.v1alpha1.KmsPluginSpec;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Optional;

/** The objects the operator tests create, and the parts of a cluster the mock does not play. */
public final class Fixtures {
  public static final String NS = "sds-kms-system";
  public static final Duration WAIT = Duration.ofSeconds(30);

  private Fixtures() {}

  /** A valid KmsPlugin whose daemons serve /status on {@code httpPort}. */
  public static KmsPlugin plugin(String name, int httpPort) {
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
    spec.setHttpPort(httpPort);
    plugin.setSpec(spec);
    return plugin;
  }

  public static Secret credentialsSecret() {
    return new SecretBuilder()
        .withMetadata(
            new ObjectMetaBuilder().withName("kmaas-credentials").withNamespace(NS).build())
        .addToData(
            "api-key",
            Base64.getEncoder()
                .encodeToString("kms-plugin:s3cret".getBytes(StandardCharsets.UTF_8)))
        .build();
  }

  public static ConfigMap caConfigMap() {
    return new ConfigMapBuilder()
        .withMetadata(new ObjectMetaBuilder().withName("kmaas-ca").withNamespace(NS).build())
        .addToData("ca.crt", "-----BEGIN CERTIFICATE-----\n...\n-----END CERTIFICATE-----\n")
        .build();
  }

  /** The Secret and ConfigMap {@link #plugin} refers to. */
  public static void createReferencedObjects(KubernetesClient client) {
    client.resource(credentialsSecret()).create();
    client.resource(caConfigMap()).create();
  }

  public static KmsPlugin get(KubernetesClient client, String name) {
    return client.resources(KmsPlugin.class).inNamespace(NS).withName(name).get();
  }

  /** The DaemonSet the operator made for the KmsPlugin {@code pluginName}. */
  public static DaemonSet awaitDaemonSet(KubernetesClient client, String pluginName) {
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

  /**
   * What the DaemonSet controller and the kubelet would do: ready pods on nodes cp-1..cp-n, with
   * pod IP 127.0.0.1 (where {@link FakeDaemons} answers).
   */
  public static void playDaemonSetController(KubernetesClient client, DaemonSet ds, int nodes) {
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

  public static Condition condition(KmsPlugin plugin, String type) {
    if (plugin.getStatus() == null || plugin.getStatus().getConditions() == null) {
      throw new AssertionError("no status yet on " + plugin.getMetadata().getName());
    }
    return plugin.getStatus().getConditions().stream()
        .filter(c -> c.getType().equals(type))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no " + type + " condition"));
  }
}
