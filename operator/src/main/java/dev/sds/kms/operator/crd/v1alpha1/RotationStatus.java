package dev.sds.kms.operator.crd.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.Objects;

/** KEK rotation progress. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class RotationStatus {

  @JsonPropertyDescription("Idle, Detected, Converging, Migrating, Completed or Failed.")
  private String phase;

  @JsonPropertyDescription("key_id before the rotation.")
  private String fromKeyId;

  @JsonPropertyDescription("key_id after the rotation.")
  private String toKeyId;

  public String getPhase() {
    return phase;
  }

  public void setPhase(String phase) {
    this.phase = phase;
  }

  public RotationStatus withPhase(String phase) {
    this.phase = phase;
    return this;
  }

  public String getFromKeyId() {
    return fromKeyId;
  }

  public void setFromKeyId(String fromKeyId) {
    this.fromKeyId = fromKeyId;
  }

  public RotationStatus withFromKeyId(String fromKeyId) {
    this.fromKeyId = fromKeyId;
    return this;
  }

  public String getToKeyId() {
    return toKeyId;
  }

  public void setToKeyId(String toKeyId) {
    this.toKeyId = toKeyId;
  }

  public RotationStatus withToKeyId(String toKeyId) {
    this.toKeyId = toKeyId;
    return this;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof RotationStatus other)) {
      return false;
    }
    return Objects.equals(phase, other.phase)
        && Objects.equals(fromKeyId, other.fromKeyId)
        && Objects.equals(toKeyId, other.toKeyId);
  }

  @Override
  public int hashCode() {
    return Objects.hash(phase, fromKeyId, toKeyId);
  }
}
