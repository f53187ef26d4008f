package dev.sds.kms.operator.crd.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Required;

/**
 * A Secret key holding the KMaaS admin key ({@code name:secret}) the operator rotates KEKs with.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class AdminCredentialsRef extends JsonEquality {

  @JsonPropertyDescription("Name of the Secret, in the namespace of the KmsPlugin.")
  @Required
  private String secretName;

  @JsonPropertyDescription("Key in the Secret holding name:secret of the admin key.")
  @Default("admin-key")
  private String key;

  public String getSecretName() {
    return secretName;
  }

  public void setSecretName(String secretName) {
    this.secretName = secretName;
  }

  public AdminCredentialsRef withSecretName(String secretName) {
    this.secretName = secretName;
    return this;
  }

  public String getKey() {
    return key;
  }

  public void setKey(String key) {
    this.key = key;
  }

  public AdminCredentialsRef withKey(String key) {
    this.key = key;
    return this;
  }
}
