package dev.sds.kms.operator.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sds.kms.operator.crd.v1alpha1.CaBundleRef;
import dev.sds.kms.operator.crd.v1alpha1.CredentialsRef;
import dev.sds.kms.operator.crd.v1alpha1.KmsPlugin;
import dev.sds.kms.operator.crd.v1alpha1.SocketSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SpecDefaultsTest {

  @Test
  void unsetFieldsTakeTheDocumentedDefaults() {
    KmsPlugin plugin = TestPlugins.minimal();

    assertThat(SpecDefaults.nodeSelector(plugin))
        .containsExactly(Map.entry("node-role.kubernetes.io/control-plane", ""));
    assertThat(SpecDefaults.tolerations(plugin))
        .extracting(Toleration::getKey, Toleration::getOperator, Toleration::getEffect)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(
                "node-role.kubernetes.io/control-plane", "Exists", "NoSchedule"),
            org.assertj.core.groups.Tuple.tuple(
                "node-role.kubernetes.io/master", "Exists", "NoSchedule"));
    assertThat(SpecDefaults.resources(plugin).getRequests())
        .containsExactlyInAnyOrderEntriesOf(
            Map.of("cpu", new Quantity("50m"), "memory", new Quantity("160Mi")));
    assertThat(SpecDefaults.resources(plugin).getLimits())
        .containsExactlyEntriesOf(Map.of("memory", new Quantity("320Mi")));
    assertThat(SpecDefaults.socketHostDirectory(plugin)).isEqualTo("/var/run/kmsplugin");
    assertThat(SpecDefaults.socketFileName(plugin)).isEqualTo("kms.sock");
    assertThat(SpecDefaults.socketPath(plugin)).isEqualTo("/var/run/kmsplugin/kms.sock");
    assertThat(SpecDefaults.providerName(plugin)).isEqualTo("sds-kms");
    assertThat(SpecDefaults.keyId(plugin)).isEqualTo("sds");
    assertThat(SpecDefaults.priorityClassName(plugin)).isEqualTo("system-node-critical");
    assertThat(SpecDefaults.healthCheckInterval(plugin)).isEqualTo("30s");
    assertThat(SpecDefaults.logLevel(plugin)).isEqualTo("info");
    assertThat(SpecDefaults.httpPort(plugin)).isEqualTo(8083);
    assertThat(SpecDefaults.paused(plugin)).isFalse();
    assertThat(SpecDefaults.runAsUser(plugin)).isEqualTo(65532L);
    assertThat(SpecDefaults.credentialsType(plugin)).isNull();
    assertThat(SpecDefaults.credentialsKey(plugin)).isNull();
    assertThat(SpecDefaults.caBundleKey(plugin)).isNull();
    assertThat(SpecDefaults.protocol(plugin)).isEqualTo("crypto-api");
  }

  @Test
  void aGivenProtocolWins() {
    KmsPlugin plugin = TestPlugins.minimal();
    plugin.getSpec().getKmaas().setProtocol("kacls");

    assertThat(SpecDefaults.protocol(plugin)).isEqualTo("kacls");
  }

  @Test
  void givenValuesWin() {
    KmsPlugin plugin = TestPlugins.full();
    Toleration everything = new TolerationBuilder().withOperator("Exists").build();
    plugin.getSpec().setNodeSelector(Map.of("kms", "yes"));
    plugin.getSpec().setTolerations(List.of(everything));
    plugin
        .getSpec()
        .setResources(
            new ResourceRequirementsBuilder().addToLimits("memory", new Quantity("1Gi")).build());
    plugin.getSpec().setPaused(true);
    plugin.getSpec().setRunAsUser(0L);

    assertThat(SpecDefaults.nodeSelector(plugin)).containsExactly(Map.entry("kms", "yes"));
    assertThat(SpecDefaults.tolerations(plugin)).containsExactly(everything);
    assertThat(SpecDefaults.resources(plugin).getLimits())
        .containsExactlyEntriesOf(Map.of("memory", new Quantity("1Gi")));
    assertThat(SpecDefaults.resources(plugin).getRequests()).isNullOrEmpty();
    assertThat(SpecDefaults.socketPath(plugin)).isEqualTo("/run/kms/sds.sock");
    assertThat(SpecDefaults.providerName(plugin)).isEqualTo("sds-prod");
    assertThat(SpecDefaults.keyId(plugin)).isEqualTo("prod");
    assertThat(SpecDefaults.priorityClassName(plugin)).isEqualTo("system-cluster-critical");
    assertThat(SpecDefaults.healthCheckInterval(plugin)).isEqualTo("1m");
    assertThat(SpecDefaults.logLevel(plugin)).isEqualTo("debug");
    assertThat(SpecDefaults.httpPort(plugin)).isEqualTo(9090);
    assertThat(SpecDefaults.paused(plugin)).isTrue();
    assertThat(SpecDefaults.runAsUser(plugin)).isZero();
    assertThat(SpecDefaults.caBundleKey(plugin)).isEqualTo("bundle.pem");
  }

  @Test
  void anEmptyNodeSelectorIsKeptMeaningEveryNode() {
    KmsPlugin plugin = TestPlugins.minimal();
    plugin.getSpec().setNodeSelector(Map.of());
    plugin.getSpec().setTolerations(List.of());

    assertThat(SpecDefaults.nodeSelector(plugin)).isEmpty();
    assertThat(SpecDefaults.tolerations(plugin)).isEmpty();
  }

  @ParameterizedTest(name = "type {0}, key {1} -> {2}")
  @CsvSource(
      nullValues = "null",
      value = {
        "ApiKey, null, api-key",
        "Token, null, token",
        "null, null, api-key",
        "Token, jwt, jwt",
        "ApiKey, key, key"
      })
  void credentialsKeyDefaultsByType(String type, String key, String expected) {
    KmsPlugin plugin = TestPlugins.minimal();
    plugin
        .getSpec()
        .getKmaas()
        .setCredentials(new CredentialsRef().withSecretName("s").withType(type).withKey(key));

    assertThat(SpecDefaults.credentialsKey(plugin)).isEqualTo(expected);
    assertThat(SpecDefaults.credentialsType(plugin)).isEqualTo(type == null ? "ApiKey" : type);
  }

  @Test
  void caBundleKeyDefaultsToCaCrt() {
    KmsPlugin plugin = TestPlugins.minimal();
    plugin.getSpec().getKmaas().setCaBundle(new CaBundleRef().withSecretName("ca"));

    assertThat(SpecDefaults.caBundleKey(plugin)).isEqualTo("ca.crt");
  }

  @Test
  void aTrailingSlashOfTheSocketDirectoryIsDropped() {
    KmsPlugin plugin = TestPlugins.minimal();
    plugin.getSpec().setSocket(new SocketSpec().withHostDirectory("/var/run/kms/"));

    assertThat(SpecDefaults.socketPath(plugin)).isEqualTo("/var/run/kms/kms.sock");
  }

  @Test
  void aMissingSpecGivesDefaultsRatherThanFailing() {
    KmsPlugin plugin = TestPlugins.minimal();
    plugin.setSpec(null);

    assertThat(SpecDefaults.httpPort(plugin)).isEqualTo(8083);
    assertThat(SpecDefaults.socketPath(plugin)).isEqualTo("/var/run/kmsplugin/kms.sock");
    assertThat(SpecDefaults.credentialsKey(plugin)).isNull();
  }

  @Test
  void returnedCollectionsAreCopiesThatDoNotChangeTheSpec() {
    KmsPlugin plugin = TestPlugins.minimal();
    plugin.getSpec().setNodeSelector(new HashMap<>(Map.of("a", "b")));

    SpecDefaults.nodeSelector(plugin).put("c", "d");
    SpecDefaults.tolerations(plugin).clear();

    assertThat(plugin.getSpec().getNodeSelector()).containsOnlyKeys("a");
    assertThat(SpecDefaults.nodeSelector(TestPlugins.minimal())).hasSize(1);
    assertThat(SpecDefaults.tolerations(plugin)).hasSize(2);
  }
}
