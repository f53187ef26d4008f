package dev.sds.kms.operator.crd.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.List;

/** Retirement of old KEKs after the last completed rotation. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class RetirementStatus extends JsonEquality {

  @JsonPropertyDescription("Waiting, Auditing, Retired, Blocked, Failed or AuditDisabled.")
  private String phase;

  @JsonPropertyDescription("The old key ids this retirement is about.")
  private List<String> keyIds;

  @JsonPropertyDescription("completedAt of the rotation it follows (RFC 3339).")
  private String rotationCompletedAt;

  @JsonPropertyDescription("End of the grace period (RFC 3339).")
  private String notBefore;

  @JsonPropertyDescription("Name of the audit Job.")
  private String auditJob;

  @JsonPropertyDescription("When the audit finished (RFC 3339).")
  private String auditedAt;

  @JsonPropertyDescription("When a failed or blocked audit runs again (RFC 3339).")
  private String nextAttemptAt;

  @JsonPropertyDescription("KEKs disabled in KMaaS.")
  private List<String> retiredKekIds;

  @JsonPropertyDescription("What the retirement waits for, found or did.")
  private String message;

  public String getPhase() {
    return phase;
  }

  public void setPhase(String phase) {
    this.phase = phase;
  }

  public RetirementStatus withPhase(String phase) {
    this.phase = phase;
    return this;
  }

  public List<String> getKeyIds() {
    return keyIds;
  }

  public void setKeyIds(List<String> keyIds) {
    this.keyIds = keyIds;
  }

  public RetirementStatus withKeyIds(List<String> keyIds) {
    this.keyIds = keyIds;
    return this;
  }

  public String getRotationCompletedAt() {
    return rotationCompletedAt;
  }

  public void setRotationCompletedAt(String rotationCompletedAt) {
    this.rotationCompletedAt = rotationCompletedAt;
  }

  public RetirementStatus withRotationCompletedAt(String rotationCompletedAt) {
    this.rotationCompletedAt = rotationCompletedAt;
    return this;
  }

  public String getNotBefore() {
    return notBefore;
  }

  public void setNotBefore(String notBefore) {
    this.notBefore = notBefore;
  }

  public RetirementStatus withNotBefore(String notBefore) {
    this.notBefore = notBefore;
    return this;
  }

  public String getAuditJob() {
    return auditJob;
  }

  public void setAuditJob(String auditJob) {
    this.auditJob = auditJob;
  }

  public RetirementStatus withAuditJob(String auditJob) {
    this.auditJob = auditJob;
    return this;
  }

  public String getAuditedAt() {
    return auditedAt;
  }

  public void setAuditedAt(String auditedAt) {
    this.auditedAt = auditedAt;
  }

  public RetirementStatus withAuditedAt(String auditedAt) {
    this.auditedAt = auditedAt;
    return this;
  }

  public String getNextAttemptAt() {
    return nextAttemptAt;
  }

  public void setNextAttemptAt(String nextAttemptAt) {
    this.nextAttemptAt = nextAttemptAt;
  }

  public RetirementStatus withNextAttemptAt(String nextAttemptAt) {
    this.nextAttemptAt = nextAttemptAt;
    return this;
  }

  public List<String> getRetiredKekIds() {
    return retiredKekIds;
  }

  public void setRetiredKekIds(List<String> retiredKekIds) {
    this.retiredKekIds = retiredKekIds;
  }

  public RetirementStatus withRetiredKekIds(List<String> retiredKekIds) {
    this.retiredKekIds = retiredKekIds;
    return this;
  }

  public String getMessage() {
    return message;
  }

  public void setMessage(String message) {
    this.message = message;
  }

  public RetirementStatus withMessage(String message) {
    this.message = message;
    return this;
  }
}
