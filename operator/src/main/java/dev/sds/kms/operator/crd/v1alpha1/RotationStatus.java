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

  @JsonPropertyDescription(
      "When toKeyId became current: the last completed rotation, or when the first key id was recorded (RFC 3339).")
  private String keyIdSince;

  @JsonPropertyDescription("When spec.rotation.schedule makes the next rotation due (RFC 3339).")
  private String nextRotationAt;

  @JsonPropertyDescription(
      "Why a due or requested rotation waits, or what starting it did (empty when nothing is due or requested); lastStart keeps the last start.")
  private String scheduleMessage;

  @JsonPropertyDescription(
      "The kms.sds.dev/rotate-now annotation value the operator last acted on.")
  private String handledRotateToken;

  @JsonPropertyDescription("The last rotation the operator started or tried to start.")
  private RotationStart lastStart;

  @JsonPropertyDescription("An on-demand request held back by a safeguard.")
  private RotationRequest pendingRequest;

  @JsonPropertyDescription("With spec.rotation.dryRun: what the next rotation would do.")
  private RotationPlan plan;

  @JsonPropertyDescription("SeedOnly rotations: the suffix the daemons add to spec.keyId (KEY_ID).")
  private String seedSuffix;

  @JsonPropertyDescription("Retirement of the KEKs no object uses any more.")
  private RetirementStatus retirement;

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

  public String getKeyIdSince() {
    return keyIdSince;
  }

  public void setKeyIdSince(String keyIdSince) {
    this.keyIdSince = keyIdSince;
  }

  public RotationStatus withKeyIdSince(String keyIdSince) {
    this.keyIdSince = keyIdSince;
    return this;
  }

  public String getNextRotationAt() {
    return nextRotationAt;
  }

  public void setNextRotationAt(String nextRotationAt) {
    this.nextRotationAt = nextRotationAt;
  }

  public RotationStatus withNextRotationAt(String nextRotationAt) {
    this.nextRotationAt = nextRotationAt;
    return this;
  }

  public String getScheduleMessage() {
    return scheduleMessage;
  }

  public void setScheduleMessage(String scheduleMessage) {
    this.scheduleMessage = scheduleMessage;
  }

  public RotationStatus withScheduleMessage(String scheduleMessage) {
    this.scheduleMessage = scheduleMessage;
    return this;
  }

  public String getHandledRotateToken() {
    return handledRotateToken;
  }

  public void setHandledRotateToken(String handledRotateToken) {
    this.handledRotateToken = handledRotateToken;
  }

  public RotationStatus withHandledRotateToken(String handledRotateToken) {
    this.handledRotateToken = handledRotateToken;
    return this;
  }

  public RotationStart getLastStart() {
    return lastStart;
  }

  public void setLastStart(RotationStart lastStart) {
    this.lastStart = lastStart;
  }

  public RotationStatus withLastStart(RotationStart lastStart) {
    this.lastStart = lastStart;
    return this;
  }

  public RotationRequest getPendingRequest() {
    return pendingRequest;
  }

  public void setPendingRequest(RotationRequest pendingRequest) {
    this.pendingRequest = pendingRequest;
  }

  public RotationStatus withPendingRequest(RotationRequest pendingRequest) {
    this.pendingRequest = pendingRequest;
    return this;
  }

  public RotationPlan getPlan() {
    return plan;
  }

  public void setPlan(RotationPlan plan) {
    this.plan = plan;
  }

  public RotationStatus withPlan(RotationPlan plan) {
    this.plan = plan;
    return this;
  }

  public String getSeedSuffix() {
    return seedSuffix;
  }

  public void setSeedSuffix(String seedSuffix) {
    this.seedSuffix = seedSuffix;
  }

  public RotationStatus withSeedSuffix(String seedSuffix) {
    this.seedSuffix = seedSuffix;
    return this;
  }

  public RetirementStatus getRetirement() {
    return retirement;
  }

  public void setRetirement(RetirementStatus retirement) {
    this.retirement = retirement;
  }

  public RotationStatus withRetirement(RetirementStatus retirement) {
    this.retirement = retirement;
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
        && Objects.equals(handledRemigrateToken, other.handledRemigrateToken)
        && Objects.equals(keyIdSince, other.keyIdSince)
        && Objects.equals(nextRotationAt, other.nextRotationAt)
        && Objects.equals(scheduleMessage, other.scheduleMessage)
        && Objects.equals(handledRotateToken, other.handledRotateToken)
        && Objects.equals(lastStart, other.lastStart)
        && Objects.equals(pendingRequest, other.pendingRequest)
        && Objects.equals(plan, other.plan)
        && Objects.equals(seedSuffix, other.seedSuffix)
        && Objects.equals(retirement, other.retirement);
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
        handledRemigrateToken,
        keyIdSince,
        nextRotationAt,
        scheduleMessage,
        handledRotateToken,
        lastStart,
        pendingRequest,
        plan,
        seedSuffix,
        retirement);
  }
}
