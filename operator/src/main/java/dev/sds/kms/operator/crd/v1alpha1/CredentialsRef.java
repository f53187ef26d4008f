package dev.sds.kms.operator.crd.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import java.util.Objects;

/**
 * A Secret key holding KMaaS credentials: an API key as KEY_NAME:KEY_SECRET, or a bearer token
 * (JWT).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class CredentialsRef {

  @JsonPropertyDescription("Name of the Secret, in the namespace of the KmsPlugin.")
  @Required
  private String secretName;

  @JsonPropertyDescription("ApiKey (HTTP Basic) or Token (bearer).")
  @Default("ApiKey")
  @Pattern("^(ApiKey|Token)$")
  private String type;

  @JsonPropertyDescription("Key in the Secret. Default: api-key for ApiKey, token for Token.")
  private String key;

  public String getSecretName() {
    return secretName;
  }

  public void setSecretName(String secretName) {
    this.secretName = secretName;
  }

  public CredentialsRef withSecretName(String secretName) {
    this.secretName = secretName;
    return this;
  }

  public String getType() {
    return type;
  }

  public void setType(String type) {
    this.type = type;
  }

  public CredentialsRef withType(String type) {
    this.type = type;
    return this;
  }

  public String getKey() {
    return key;
  }

  public void setKey(String key) {
    this.key = key;
  }

  public CredentialsRef withKey(String key) {
    this.key = key;
    return this;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof CredentialsRef other)) {
      return false;
    }
    return Objects.equals(secretName, other.secretName)
        && Objects.equals(type, other.type)
        && Objects.equals(key, other.key);
  }

  @Override
  public int hashCode() {
    return Objects.hash(secretName, type, key);
  }
}
