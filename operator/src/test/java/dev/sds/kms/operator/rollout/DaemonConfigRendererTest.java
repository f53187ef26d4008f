package dev.sds.kms.operator.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.sds.kms.operator.crd.v1alpha1.CaBundleRef;
import dev.sds.kms.operator.crd.v1alpha1.CredentialsRef;
import dev.sds.kms.operator.crd.v1alpha1.KmsPlugin;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DaemonConfigRendererTest {

  /**
   * The YAML keys of the daemon's {@code serve} (plugin-daemon's Setting.yamlKey(): each flag
   * without {@code --}; not {@code config}, not the environment-only API key). Copied by hand: a
   * key the daemon does not know stops it at start ("unknown key").
   */
  private static final Set<String> DAEMON_YAML_KEYS =
      Set.of(
          "bind",
          "socket-group",
          "kmaas-url",
          "kmaas-tenant",
          "kmaas-protocol",
          "kmaas-api-key-file",
          "kmaas-token-file",
          "kmaas-ca-file",
          "kmaas-client-cert-file",
          "kmaas-client-key-file",
          "kmaas-insecure-skip-verify",
          "kmaas-timeout",
          "state-file",
          "key-id",
          "check-interval",
          "check-interval-failing",
          "dek-cache-size",
          "dek-cache-ttl",
          "http-address",
          "log-level",
          "log-format",
          "shutdown-grace");

  @Test
  void aFullSpecRendersExactlyThis() {
    assertThat(DaemonConfigRenderer.render(TestPlugins.full()))
        .isEqualTo(
            """
            bind: "unix:///run/kms/sds.sock"
            check-interval: "1m"
            http-address: "0.0.0.0:9090"
            key-id: "prod"
            kmaas-api-key-file: "/etc/sds-kms-plugin/credentials/api-key"
            kmaas-ca-file: "/etc/sds-kms-plugin/ca/bundle.pem"
            kmaas-client-cert-file: "/etc/sds-kms-plugin/client/tls.crt"
            kmaas-client-key-file: "/etc/sds-kms-plugin/client/tls.key"
            kmaas-tenant: "tenant-a"
            kmaas-url: "https://kmaas.example:3000"
            log-format: "json"
            log-level: "debug"
            """);
  }

  @Test
  void aMinimalSpecRendersTheDefaultsAndNoFiles() {
    assertThat(DaemonConfigRenderer.render(TestPlugins.minimal()))
        .isEqualTo(
            """
            bind: "unix:///var/run/kmsplugin/kms.sock"
            check-interval: "30s"
            http-address: "0.0.0.0:8083"
            key-id: "sds"
            kmaas-tenant: "tenant-a"
            kmaas-url: "https://kmaas.example:3000"
            log-format: "json"
            log-level: "info"
            """);
  }

  @Test
  void tokenCredentialsBecomeTheTokenFileNotTheApiKeyFile() {
    KmsPlugin plugin = TestPlugins.full();
    plugin.getSpec().getKmaas().getCredentials().withType("Token");

    Map<String, String> settings = DaemonConfigRenderer.settings(plugin);

    assertThat(settings)
        .containsEntry("kmaas-token-file", "/etc/sds-kms-plugin/credentials/token")
        .doesNotContainKey("kmaas-api-key-file");
  }

  @Test
  void theKaclsProtocolIsRenderedWithTheTokenFile() {
    KmsPlugin plugin = TestPlugins.full();
    plugin.getSpec().getKmaas().withProtocol("kacls").getCredentials().setType("Token");

    assertThat(DaemonConfigRenderer.settings(plugin))
        .containsEntry("kmaas-protocol", "kacls")
        .containsEntry("kmaas-token-file", "/etc/sds-kms-plugin/credentials/token")
        .doesNotContainKey("kmaas-api-key-file");
  }

  @Test
  void theDefaultProtocolIsNotRenderedSoExistingConfigHashesStay() {
    KmsPlugin explicit = TestPlugins.full();
    explicit.getSpec().getKmaas().setProtocol("crypto-api");

    assertThat(DaemonConfigRenderer.render(explicit))
        .isEqualTo(DaemonConfigRenderer.render(TestPlugins.full()))
        .doesNotContain("kmaas-protocol");
  }

  @Test
  void anExplicitCredentialsKeyIsTheFileName() {
    KmsPlugin plugin = TestPlugins.minimal();
    plugin
        .getSpec()
        .getKmaas()
        .setCredentials(new CredentialsRef().withSecretName("s").withKey("my-key"));

    assertThat(DaemonConfigRenderer.settings(plugin))
        .containsEntry("kmaas-api-key-file", "/etc/sds-kms-plugin/credentials/my-key");
  }

  @Test
  void aCaBundleInASecretHasTheSamePathAsInAConfigMap() {
    KmsPlugin plugin = TestPlugins.minimal();
    plugin.getSpec().getKmaas().setCaBundle(new CaBundleRef().withSecretName("ca"));

    assertThat(DaemonConfigRenderer.settings(plugin))
        .containsEntry("kmaas-ca-file", "/etc/sds-kms-plugin/ca/ca.crt");
  }

  @Test
  void everyKeyIsOneTheDaemonKnows() {
    KmsPlugin token = TestPlugins.full();
    token.getSpec().getKmaas().getCredentials().withType("Token");

    assertThat(DaemonConfigRenderer.settings(TestPlugins.full()).keySet())
        .isSubsetOf(DAEMON_YAML_KEYS);
    assertThat(DaemonConfigRenderer.settings(token).keySet()).isSubsetOf(DAEMON_YAML_KEYS);
    KmsPlugin kacls = TestPlugins.full();
    kacls.getSpec().getKmaas().withProtocol("kacls").getCredentials().withType("Token");
    assertThat(DaemonConfigRenderer.settings(kacls).keySet()).isSubsetOf(DAEMON_YAML_KEYS);
  }

  @ParameterizedTest(name = "keyId {0}")
  @ValueSource(strings = {"null", "true", "yes", "0123", "1e3", "~", "a#b"})
  void valuesYamlWouldReadAsAnotherTypeStayStrings(String keyId) throws Exception {
    KmsPlugin plugin = TestPlugins.full();
    plugin.getSpec().setKeyId(keyId);

    Map<String, Object> parsed =
        new YAMLMapper()
            .readValue(
                DaemonConfigRenderer.render(plugin), new TypeReference<Map<String, Object>>() {});

    assertThat(parsed).containsEntry("key-id", keyId);
    assertThat(parsed).isEqualTo(DaemonConfigRenderer.settings(plugin));
  }

  @Test
  void renderingTwiceGivesTheSameText() {
    assertThat(DaemonConfigRenderer.render(TestPlugins.full()))
        .isEqualTo(DaemonConfigRenderer.render(TestPlugins.full()));
  }
}
