package dev.sds.kms.operator.crd.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** An on-demand rotation request not carried out yet. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class RotationRequest extends JsonEquality {

  @JsonPropertyDescription("The kms.sds.dev/rotate-now annotation value.")
  private String token;

  @JsonPropertyDescription("The field manager that last set the annotation.")
  private String requestedBy;

  @JsonPropertyDescription("When the annotation was set (RFC 3339).")
  private String requestedAt;

  @JsonPropertyDescription("Why it waits; it is carried out once that clears.")
  private String heldBecause;

  public String getToken() {
    return token;
  }

  public void setToken(String token) {
    this.token = token;
  }

  public RotationRequest withToken(String token) {
    this.token = token;
    return this;
  }

  public String getRequestedBy() {
    return requestedBy;
  }

  public void setRequestedBy(String requestedBy) {
    this.requestedBy = requestedBy;
  }

  public RotationRequest withRequestedBy(String requestedBy) {
    this.requestedBy = requestedBy;
    return this;
  }

  public String getRequestedAt() {
    return requestedAt;
  }

  public void setRequestedAt(String requestedAt) {
    this.requestedAt = requestedAt;
  }

  public RotationRequest withRequestedAt(String requestedAt) {
    this.requestedAt = requestedAt;
    return this;
  }

  public String getHeldBecause() {
    return heldBecause;
  }

  public void setHeldBecause(String heldBecause) {
    this.heldBecause = heldBecause;
  }

  public RotationRequest withHeldBecause(String heldBecause) {
    this.heldBecause = heldBecause;
    return this;
  }
}
