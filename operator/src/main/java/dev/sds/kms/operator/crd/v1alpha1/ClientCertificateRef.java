package dev.sds.kms.operator.crd.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import java.util.Objects;

/** A kubernetes.io/tls Secret (tls.crt, tls.key in PKCS#8) for mutual TLS with KMaaS. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ClientCertificateRef {

  @JsonPropertyDescription("Name of the Secret, in the namespace of the KmsPlugin.")
  @Required
  private String secretName;

  public String getSecretName() {
    return secretName;
  }

  public void setSecretName(String secretName) {
    this.secretName = secretName;
  }

  public ClientCertificateRef withSecretName(String secretName) {
    this.secretName = secretName;
    return this;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof ClientCertificateRef other)) {
      return false;
    }
    return Objects.equals(secretName, other.secretName);
  }

  @Override
  public int hashCode() {
    return Objects.hash(secretName);
  }
}
