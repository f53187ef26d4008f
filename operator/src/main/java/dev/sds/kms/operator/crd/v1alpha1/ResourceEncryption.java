package dev.sds.kms.operator.crd.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.Objects;

/** Encryption state of one resource, from the migration records. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ResourceEncryption {

  @JsonPropertyDescription("Resource name.")
  private String resource;

  @JsonPropertyDescription("The key id objects were rewritten under.")
  private String keyId;

  @JsonPropertyDescription("Objects rewritten under keyId.")
  private Long rewritten;

  @JsonPropertyDescription("Objects not (yet) rewritten under keyId (failed or not visited).")
  private Long remaining;

  public String getResource() {
    return resource;
  }

  public void setResource(String resource) {
    this.resource = resource;
  }

  public ResourceEncryption withResource(String resource) {
    this.resource = resource;
    return this;
  }

  public String getKeyId() {
    return keyId;
  }

  public void setKeyId(String keyId) {
    this.keyId = keyId;
  }

  public ResourceEncryption withKeyId(String keyId) {
    this.keyId = keyId;
    return this;
  }

  public Long getRewritten() {
    return rewritten;
  }

  public void setRewritten(Long rewritten) {
    this.rewritten = rewritten;
  }

  public ResourceEncryption withRewritten(Long rewritten) {
    this.rewritten = rewritten;
    return this;
  }

  public Long getRemaining() {
    return remaining;
  }

  public void setRemaining(Long remaining) {
    this.remaining = remaining;
  }

  public ResourceEncryption withRemaining(Long remaining) {
    this.remaining = remaining;
    return this;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof ResourceEncryption other)) {
      return false;
    }
    return Objects.equals(resource, other.resource)
        && Objects.equals(keyId, other.keyId)
        && Objects.equals(rewritten, other.rewritten)
        && Objects.equals(remaining, other.remaining);
  }

  @Override
  public int hashCode() {
    return Objects.hash(resource, keyId, rewritten, remaining);
  }
}
