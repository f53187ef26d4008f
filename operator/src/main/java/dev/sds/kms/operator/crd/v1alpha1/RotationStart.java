package dev.sds.kms.operator.crd.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** A rotation the operator started (or tried to start): why, for whom, how. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class RotationStart extends JsonEquality {

  @JsonPropertyDescription("Schedule or OnDemand.")
  private String reason;

  @JsonPropertyDescription(
      "Who asked, for OnDemand: the field manager that last set the annotation.")
  private String requestedBy;

  @JsonPropertyDescription("When it was asked for or due (RFC 3339).")
  private String requestedAt;

  @JsonPropertyDescription("The kms.sds.dev/rotate-now annotation value, for OnDemand.")
  private String token;

  @JsonPropertyDescription("AdminApi or SeedOnly.")
  private String rotator;

  @JsonPropertyDescription("When the operator started it (RFC 3339).")
  private String startedAt;

  @JsonPropertyDescription("The key id current when it started.")
  private String fromKeyId;

  @JsonPropertyDescription("AdminApi: the new active KEK KMaaS created.")
  private String kekId;

  @JsonPropertyDescription("SeedOnly: the key id suffix the daemons roll to.")
  private String seedSuffix;

  @JsonPropertyDescription("Started, or Failed (retried after a minute).")
  private String outcome;

  @JsonPropertyDescription("What happened, in one line.")
  private String message;

  public String getReason() {
    return reason;
  }

  public void setReason(String reason) {
    this.reason = reason;
  }

  public RotationStart withReason(String reason) {
    this.reason = reason;
    return this;
  }

  public String getRequestedBy() {
    return requestedBy;
  }

  public void setRequestedBy(String requestedBy) {
    this.requestedBy = requestedBy;
  }

  public RotationStart withRequestedBy(String requestedBy) {
    this.requestedBy = requestedBy;
    return this;
  }

  public String getRequestedAt() {
    return requestedAt;
  }

  public void setRequestedAt(String requestedAt) {
    this.requestedAt = requestedAt;
  }

  public RotationStart withRequestedAt(String requestedAt) {
    this.requestedAt = requestedAt;
    return this;
  }

  public String getToken() {
    return token;
  }

  public void setToken(String token) {
    this.token = token;
  }

  public RotationStart withToken(String token) {
    this.token = token;
    return this;
  }

  public String getRotator() {
    return rotator;
  }

  public void setRotator(String rotator) {
    this.rotator = rotator;
  }

  public RotationStart withRotator(String rotator) {
    this.rotator = rotator;
    return this;
  }

  public String getStartedAt() {
    return startedAt;
  }

  public void setStartedAt(String startedAt) {
    this.startedAt = startedAt;
  }

  public RotationStart withStartedAt(String startedAt) {
    this.startedAt = startedAt;
    return this;
  }

  public String getFromKeyId() {
    return fromKeyId;
  }

  public void setFromKeyId(String fromKeyId) {
    this.fromKeyId = fromKeyId;
  }

  public RotationStart withFromKeyId(String fromKeyId) {
    this.fromKeyId = fromKeyId;
    return this;
  }

  public String getKekId() {
    return kekId;
  }

  public void setKekId(String kekId) {
    this.kekId = kekId;
  }

  public RotationStart withKekId(String kekId) {
    this.kekId = kekId;
    return this;
  }

  public String getSeedSuffix() {
    return seedSuffix;
  }

  public void setSeedSuffix(String seedSuffix) {
    this.seedSuffix = seedSuffix;
  }

  public RotationStart withSeedSuffix(String seedSuffix) {
    this.seedSuffix = seedSuffix;
    return this;
  }

  public String getOutcome() {
    return outcome;
  }

  public void setOutcome(String outcome) {
    this.outcome = outcome;
  }

  public RotationStart withOutcome(String outcome) {
    this.outcome = outcome;
    return this;
  }

  public String getMessage() {
    return message;
  }

  public void setMessage(String message) {
    this.message = message;
  }

  public RotationStart withMessage(String message) {
    this.message = message;
    return this;
  }
}
