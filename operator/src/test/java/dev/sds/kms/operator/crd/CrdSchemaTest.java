package dev.sds.kms.operator.crd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.api.model.apiextensions.v1.ValidationRule;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The CRD generated from the model says what the KmsPlugin API promises. */
class CrdSchemaTest {

  static CustomResourceDefinition crd;
  static CustomResourceDefinitionVersion version;
  static JSONSchemaProps spec;

  @BeforeAll
  static void load() throws IOException {
    try (InputStream in = Files.newInputStream(CrdFreshnessTest.GENERATED)) {
      crd = Serialization.unmarshal(in, CustomResourceDefinition.class);
    }
    assertThat(crd.getSpec().getVersions()).hasSize(1);
    version = crd.getSpec().getVersions().get(0);
    spec = version.getSchema().getOpenAPIV3Schema().getProperties().get("spec");
  }

  static JSONSchemaProps at(String dottedPath) {
    JSONSchemaProps props = spec;
    for (String name : dottedPath.split("\\.")) {
      assertThat(props.getProperties()).as("spec schema has %s", dottedPath).containsKey(name);
      props = props.getProperties().get(name);
    }
    return props;
  }

  /** The API server validates `pattern` as an unanchored search (ECMA 262 / RE2 semantics). */
  static boolean accepts(String dottedPath, String value) {
    String pattern = at(dottedPath).getPattern();
    assertThat(pattern).as("pattern of %s", dottedPath).isNotBlank();
    return Pattern.compile(pattern).matcher(value).find();
  }

  @Test
  void names() {
    assertThat(crd.getMetadata().getName()).isEqualTo("kmsplugins.kms.sds.dev");
    assertThat(crd.getSpec().getGroup()).isEqualTo("kms.sds.dev");
    assertThat(crd.getSpec().getScope()).isEqualTo("Namespaced");
    assertThat(crd.getSpec().getNames().getKind()).isEqualTo("KmsPlugin");
    assertThat(crd.getSpec().getNames().getPlural()).isEqualTo("kmsplugins");
    assertThat(crd.getSpec().getNames().getSingular()).isEqualTo("kmsplugin");
    assertThat(crd.getSpec().getNames().getShortNames()).containsExactly("kmsp");
    assertThat(version.getName()).isEqualTo("v1alpha1");
    assertThat(version.getServed()).isTrue();
    assertThat(version.getStorage()).isTrue();
  }

  @Test
  void statusSubresource() {
    assertThat(version.getSubresources()).isNotNull();
    assertThat(version.getSubresources().getStatus()).isNotNull();
  }

  @Test
  void printerColumns() {
    assertThat(version.getAdditionalPrinterColumns())
        .extracting(c -> c.getName(), c -> c.getJsonPath(), c -> c.getType())
        .containsExactlyInAnyOrder(
            tuple("Ready", ".status.readyNodes", "string"),
            tuple("Key ID", ".status.currentKeyId", "string"),
            tuple("Rotation", ".status.rotation.phase", "string"),
            tuple("Age", ".metadata.creationTimestamp", "date"));
  }

  @Test
  void requiredFields() {
    assertThat(spec.getRequired()).contains("image", "kmaas");
    assertThat(at("kmaas").getRequired()).contains("url", "tenantId");
    assertThat(at("kmaas.credentials").getRequired()).contains("secretName");
  }

  @Test
  void defaults() {
    assertThat(at("providerName").getDefault().asText()).isEqualTo("sds-kms");
    assertThat(at("keyId").getDefault().asText()).isEqualTo("sds");
    assertThat(at("priorityClassName").getDefault().asText()).isEqualTo("system-node-critical");
    assertThat(at("healthCheckInterval").getDefault().asText()).isEqualTo("30s");
    assertThat(at("logLevel").getDefault().asText()).isEqualTo("info");
    assertThat(at("paused").getDefault().isBoolean()).isTrue();
    assertThat(at("paused").getDefault().asBoolean()).isFalse();
    assertThat(at("httpPort").getDefault().asInt()).isEqualTo(8083);
    assertThat(at("socket.hostDirectory").getDefault().asText()).isEqualTo("/var/run/kmsplugin");
    assertThat(at("socket.fileName").getDefault().asText()).isEqualTo("kms.sock");
    assertThat(at("kmaas.credentials.type").getDefault().asText()).isEqualTo("ApiKey");
    assertThat(at("kmaas.protocol").getDefault().asText()).isEqualTo("crypto-api");
    assertThat(at("kmaas.caBundle.key").getDefault().asText()).isEqualTo("ca.crt");
  }

  @Test
  void socketDefaultsApplyWhenSocketIsOmitted() {
    // The API server only defaults nested fields of objects that are present: without a default
    // of {} for spec.socket, a KmsPlugin without `socket` would get no hostDirectory.
    assertThat(at("socket").getDefault()).as("default of spec.socket").isNotNull();
    assertThat(at("socket").getDefault().isObject()).isTrue();
  }

  @Test
  void providerNameRefusesColon() {
    assertThat(accepts("providerName", "sds-kms")).isTrue();
    assertThat(accepts("providerName", "kms.v2_a")).isTrue();
    assertThat(accepts("providerName", "a:b")).isFalse();
    assertThat(accepts("providerName", "sds-kms:")).isFalse();
    assertThat(accepts("providerName", "")).isFalse();
    assertThat(accepts("providerName", "-sds")).isFalse();
  }

  @Test
  void kmaasUrlIsHttpsOnly() {
    assertThat(accepts("kmaas.url", "https://kmaas.example.internal:3000")).isTrue();
    assertThat(accepts("kmaas.url", "https://kmaas.example/base")).isTrue();
    assertThat(accepts("kmaas.url", "http://kmaas.example.internal:3000")).isFalse();
    assertThat(accepts("kmaas.url", "kmaas.example.internal:3000")).isFalse();
    assertThat(accepts("kmaas.url", "https://user@kmaas.example")).isFalse();
  }

  @Test
  void otherPatterns() {
    assertThat(accepts("kmaas.tenantId", "acme-1")).isTrue();
    assertThat(accepts("kmaas.tenantId", "acme/1")).isFalse();
    assertThat(accepts("keyId", "sds")).isTrue();
    assertThat(accepts("keyId", "a:b")).isFalse();
    assertThat(accepts("healthCheckInterval", "1m30s")).isTrue();
    assertThat(accepts("healthCheckInterval", "30")).isFalse();
    assertThat(accepts("logLevel", "debug")).isTrue();
    assertThat(accepts("logLevel", "verbose")).isFalse();
    assertThat(accepts("image", "registry.example/sds/kms-plugin:0.1.0")).isTrue();
    assertThat(accepts("image", "has space")).isFalse();
    assertThat(accepts("socket.hostDirectory", "/var/run/kmsplugin")).isTrue();
    assertThat(accepts("socket.hostDirectory", "relative/dir")).isFalse();
    assertThat(accepts("kmaas.credentials.type", "Token")).isTrue();
    assertThat(accepts("kmaas.credentials.type", "Password")).isFalse();
    assertThat(accepts("kmaas.protocol", "crypto-api")).isTrue();
    assertThat(accepts("kmaas.protocol", "kacls")).isTrue();
    assertThat(accepts("kmaas.protocol", "KACLS")).isFalse();
    assertThat(accepts("kmaas.protocol", "kacls2")).isFalse();
  }

  @Test
  void celRules() {
    assertThat(rules("kmaas.tenantId"))
        .extracting(ValidationRule::getRule, ValidationRule::getMessage)
        .containsExactly(tuple("self != '.' && self != '..'", "tenantId must not be . or .."));
    assertThat(rules("kmaas.caBundle"))
        .extracting(ValidationRule::getRule, ValidationRule::getMessage)
        .containsExactly(
            tuple(
                "has(self.configMapName) != has(self.secretName)",
                "set exactly one of configMapName and secretName"));
    assertThat(rules("kmaas"))
        .extracting(ValidationRule::getMessage)
        .containsExactly("protocol kacls needs credentials of type Token (a JWT)");
  }

  /**
   * A structural schema: every field has a type (or is int-or-string), so kube-apiserver refuses a
   * KmsPlugin with a value of the wrong type; a spec it lets through that the model still cannot
   * read (an empty resource quantity) is reported, not fatal (SpecJsonTest, KmsPluginReconcilerIT).
   */
  @Test
  void everyFieldHasATypeSoTheApiServerRefusesWrongTypes() {
    List<String> untyped = new java.util.ArrayList<>();
    typed("spec", spec, untyped);
    typed(
        "status", version.getSchema().getOpenAPIV3Schema().getProperties().get("status"), untyped);
    assertThat(untyped).as("fields without a type").isEmpty();
    assertThat(spec.getXKubernetesPreserveUnknownFields()).isNotEqualTo(Boolean.TRUE);
  }

  private static void typed(String path, JSONSchemaProps props, List<String> untyped) {
    boolean intOrString = Boolean.TRUE.equals(props.getXKubernetesIntOrString());
    if ((props.getType() == null || props.getType().isEmpty()) && !intOrString) {
      untyped.add(path);
    }
    if (props.getProperties() != null) {
      props.getProperties().forEach((name, child) -> typed(path + "." + name, child, untyped));
    }
    if (props.getItems() != null && props.getItems().getSchema() != null) {
      typed(path + "[]", props.getItems().getSchema(), untyped);
    }
    if (props.getAdditionalProperties() != null
        && props.getAdditionalProperties().getSchema() != null) {
      typed(path + "{}", props.getAdditionalProperties().getSchema(), untyped);
    }
  }

  /** The numeric limits the API server enforces, the same as SpecValidator's. */
  @Test
  void numbersHaveTheirLimits() {
    assertThat(limits("httpPort")).containsExactly(1024.0, 65535.0);
    assertThat(limits("rotation.pageSize")).containsExactly(1.0, 10000.0);
    assertThat(limits("rotation.qps")).containsExactly(1.0, 10000.0);
    assertThat(limits("rotation.workers")).containsExactly(1.0, 64.0);
  }

  private static List<Double> limits(String dottedPath) {
    JSONSchemaProps props = at(dottedPath);
    assertThat(props.getType()).as("type of %s", dottedPath).isEqualTo("integer");
    return List.of(props.getMinimum(), props.getMaximum());
  }

  @Test
  void rotationPatterns() {
    assertThat(accepts("rotation.policy", "Manual")).isTrue();
    assertThat(accepts("rotation.policy", "Sometimes")).isFalse();
    assertThat(accepts("rotation.migrator", "InProcess")).isTrue();
    assertThat(accepts("rotation.migrator", "Remote")).isFalse();
    assertThat(accepts("rotation.convergenceDelay", "5m")).isTrue();
    assertThat(accepts("rotation.convergenceDelay", "300")).isFalse();
  }

  static List<ValidationRule> rules(String dottedPath) {
    List<ValidationRule> rules = at(dottedPath).getXKubernetesValidations();
    assertThat(rules).as("x-kubernetes-validations of %s", dottedPath).isNotNull();
    return rules;
  }
}
