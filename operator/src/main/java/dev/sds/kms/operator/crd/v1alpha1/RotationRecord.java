package dev.sds.kms.operator.crd.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.Objects;

/** One finished rotation. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class RotationRecord {

  @JsonPropertyDescription("key_id before.")
  private String fromKeyId;

  @JsonPropertyDescription("key_id after.")
  private String toKeyId;

  @JsonPropertyDescription("Completed or Failed.")
  private String phase;

  @JsonPropertyDescription("Migration start (RFC 3339).")
  private String startedAt;

  @JsonPropertyDescription("Migration end (RFC 3339).")
  private String completedAt;

  @JsonPropertyDescription("Objects rewritten.")
  private Long migrated;

  @JsonPropertyDescription("Objects that could not be rewritten.")
  private Long failed;

  @JsonPropertyDescription("KekRetired: the KEK disabled in KMaaS.")
  private String kekId;

  @JsonPropertyDescription("What happened, in one line.")
  private String message;

  public String getFromKeyId() {
    return fromKeyId;
  }

  public void setFromKeyId(String fromKeyId) {
    this.fromKeyId = fromKeyId;
  }

  public RotationRecord withFromKeyId(String fromKeyId) {
    this.fromKeyId = fromKeyId;
    return this;
  }

  public String getToKeyId() {
    return toKeyId;
  }

  public void setToKeyId(String toKeyId) {
    this.toKeyId = toKeyId;
  }

  public RotationRecord withToKeyId(String toKeyId) {
    this.toKeyId = toKeyId;
    return this;
  }

  public String getPhase() {
    return phase;
  }

  public void setPhase(String phase) {
    this.phase = phase;
  }

  public RotationRecord withPhase(String phase) {
    this.phase = phase;
    return this;
  }

  public String getStartedAt() {
    return startedAt;
  }

  public void setStartedAt(String startedAt) {
    this.startedAt = startedAt;
  }

  public RotationRecord withStartedAt(String startedAt) {
    this.startedAt = startedAt;
    return this;
  }

  public String getCompletedAt() {
    return completedAt;
  }

  public void setCompletedAt(String completedAt) {
    this.completedAt = completedAt;
  }

  public RotationRecord withCompletedAt(String completedAt) {
    this.completedAt = completedAt;
    return this;
  }

  public Long getMigrated() {
    return migrated;
  }

  public void setMigrated(Long migrated) {
    this.migrated = migrated;
  }

  public RotationRecord withMigrated(Long migrated) {
    this.migrated = migrated;
    return this;
  }

  public Long getFailed() {
    return failed;
  }

  public void setFailed(Long failed) {
    this.failed = failed;
  }

  public RotationRecord withFailed(Long failed) {
    this.failed = failed;
    return this;
  }

  public String getKekId() {
    return kekId;
  }

  public void setKekId(String kekId) {
    this.kekId = kekId;
  }

  public RotationRecord withKekId(String kekId) {
    this.kekId = kekId;
    return this;
  }

  public String getMessage() {
    return message;
  }

  public void setMessage(String message) {
    this.message = message;
  }

  public RotationRecord withMessage(String message) {
    this.message = message;
    return this;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof RotationRecord other)) {
      return false;
    }
    return Objects.equals(fromKeyId, other.fromKeyId)
        && Objects.equals(toKeyId, other.toKeyId)
        && Objects.equals(phase, other.phase)
        && Objects.equals(startedAt, other.startedAt)
        && Objects.equals(completedAt, other.completedAt)
        && Objects.equals(migrated, other.migrated)
        && Objects.equals(failed, other.failed)
        && Objects.equals(kekId, other.kekId)
        && Objects.equals(message, other.message);
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        fromKeyId, toKeyId, phase, startedAt, completedAt, migrated, failed, kekId, message);
  }
}
