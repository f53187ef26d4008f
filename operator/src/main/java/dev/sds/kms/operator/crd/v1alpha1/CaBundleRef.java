package dev.sds.kms.operator.crd.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.Objects;

/** A ConfigMap or Secret key holding PEM CA certificates. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "has(self.configMapName) != has(self.secretName)",
    message = "set exactly one of configMapName and secretName")
public class CaBundleRef {

  @JsonPropertyDescription(
      "ConfigMap holding the bundle (exactly one of configMapName and secretName).")
  private String configMapName;

  @JsonPropertyDescription(
      "Secret holding the bundle (exactly one of configMapName and secretName).")
  private String secretName;

  @JsonPropertyDescription("Key of the bundle.")
  @Default("ca.crt")
  private String key;

  public String getConfigMapName() {
    return configMapName;
  }

  public void setConfigMapName(String configMapName) {
    this.configMapName = configMapName;
  }

  public CaBundleRef withConfigMapName(String configMapName) {
    this.configMapName = configMapName;
    return this;
  }

  public String getSecretName() {
    return secretName;
  }

  public void setSecretName(String secretName) {
    this.secretName = secretName;
  }

  public CaBundleRef withSecretName(String secretName) {
    this.secretName = secretName;
    return this;
  }

  public String getKey() {
    return key;
  }

  public void setKey(String key) {
    this.key = key;
  }

  public CaBundleRef withKey(String key) {
    this.key = key;
    return this;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof CaBundleRef other)) {
      return false;
    }
    return Objects.equals(configMapName, other.configMapName)
        && Objects.equals(secretName, other.secretName)
        && Objects.equals(key, other.key);
  }

  @Override
  public int hashCode() {
    return Objects.hash(configMapName, secretName, key);
  }
}
