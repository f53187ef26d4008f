package dev.sds.kms.operator.crd.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.List;
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

  @JsonPropertyDescription("When a node first reported toKeyId (RFC 3339).")
  private String detectedAt;

  @JsonPropertyDescription("When every ready node reported toKeyId (RFC 3339).")
  private String convergedAt;

  @JsonPropertyDescription("When the migration started (RFC 3339).")
  private String startedAt;

  @JsonPropertyDescription("When the migration completed or failed (RFC 3339).")
  private String completedAt;

  @JsonPropertyDescription("What the rotation waits for, or why it failed.")
  private String message;

  @JsonPropertyDescription(
      "Migration attempts of this rotation (failures are retried with backoff).")
  private Integer attempts;

  @JsonPropertyDescription("When a failed migration is tried again (RFC 3339).")
  private String nextAttemptAt;

  @JsonPropertyDescription("Per resource: migration progress and the checkpoint to resume from.")
  private List<ResourceProgress> resources;

  @JsonPropertyDescription(
      "Key ids no object should use any more after the last completed migration: their KEKs can be retired in KMaaS.")
  private List<String> retirableKeyIds;

  @JsonPropertyDescription("The spec.rotation.remigrateToken the operator last acted on.")
  private String handledRemigrateToken;

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

  public String getDetectedAt() {
    return detectedAt;
  }

  public void setDetectedAt(String detectedAt) {
    this.detectedAt = detectedAt;
  }

  public RotationStatus withDetectedAt(String detectedAt) {
    this.detectedAt = detectedAt;
    return this;
  }

  public String getConvergedAt() {
    return convergedAt;
  }

  public void setConvergedAt(String convergedAt) {
    this.convergedAt = convergedAt;
  }

  public RotationStatus withConvergedAt(String convergedAt) {
    this.convergedAt = convergedAt;
    return this;
  }

  public String getStartedAt() {
    return startedAt;
  }

  public void setStartedAt(String startedAt) {
    this.startedAt = startedAt;
  }

  public RotationStatus withStartedAt(String startedAt) {
    this.startedAt = startedAt;
    return this;
  }

  public String getCompletedAt() {
    return completedAt;
  }

  public void setCompletedAt(String completedAt) {
    this.completedAt = completedAt;
  }

  public RotationStatus withCompletedAt(String completedAt) {
    this.completedAt = completedAt;
    return this;
  }

  public String getMessage() {
    return message;
  }

  public void setMessage(String message) {
    this.message = message;
  }

  public RotationStatus withMessage(String message) {
    this.message = message;
    return this;
  }

  public Integer getAttempts() {
    return attempts;
  }

  public void setAttempts(Integer attempts) {
    this.attempts = attempts;
  }

  public RotationStatus withAttempts(Integer attempts) {
    this.attempts = attempts;
    return this;
  }

  public String getNextAttemptAt() {
    return nextAttemptAt;
  }

  public void setNextAttemptAt(String nextAttemptAt) {
    this.nextAttemptAt = nextAttemptAt;
  }

  public RotationStatus withNextAttemptAt(String nextAttemptAt) {
    this.nextAttemptAt = nextAttemptAt;
    return this;
  }

  public List<ResourceProgress> getResources() {
    return resources;
  }

  public void setResources(List<ResourceProgress> resources) {
    this.resources = resources;
  }

  public RotationStatus withResources(List<ResourceProgress> resources) {
    this.resources = resources;
    return this;
  }

  public List<String> getRetirableKeyIds() {
    return retirableKeyIds;
  }

  public void setRetirableKeyIds(List<String> retirableKeyIds) {
    this.retirableKeyIds = retirableKeyIds;
  }

  public RotationStatus withRetirableKeyIds(List<String> retirableKeyIds) {
    this.retirableKeyIds = retirableKeyIds;
    return this;
  }

  public String getHandledRemigrateToken() {
    return handledRemigrateToken;
  }

  public void setHandledRemigrateToken(String handledRemigrateToken) {
    this.handledRemigrateToken = handledRemigrateToken;
  }

  public RotationStatus withHandledRemigrateToken(String handledRemigrateToken) {
    this.handledRemigrateToken = handledRemigrateToken;
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
        && Objects.equals(toKeyId, other.toKeyId)
        && Objects.equals(detectedAt, other.detectedAt)
        && Objects.equals(convergedAt, other.convergedAt)
        && Objects.equals(startedAt, other.startedAt)
        && Objects.equals(completedAt, other.completedAt)
        && Objects.equals(message, other.message)
        && Objects.equals(attempts, other.attempts)
        && Objects.equals(nextAttemptAt, other.nextAttemptAt)
        && Objects.equals(resources, other.resources)
        && Objects.equals(retirableKeyIds, other.retirableKeyIds)
        && Objects.equals(handledRemigrateToken, other.handledRemigrateToken);
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        phase,
        fromKeyId,
        toKeyId,
        detectedAt,
        convergedAt,
        startedAt,
        completedAt,
        message,
        attempts,
        nextAttemptAt,
        resources,
        retirableKeyIds,
        handledRemigrateToken);
  }
}
