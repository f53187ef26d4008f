package dev.sds.kms.operator.crd.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.List;

/** What the next rotation would do (spec.rotation.dryRun). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class RotationPlan extends JsonEquality {

  @JsonPropertyDescription("When the plan was made (RFC 3339).")
  private String computedAt;

  @JsonPropertyDescription("Schedule or OnDemand.")
  private String trigger;

  @JsonPropertyDescription("For OnDemand: who asked.")
  private String requestedBy;

  @JsonPropertyDescription("For OnDemand: the annotation value the plan answers.")
  private String token;

  @JsonPropertyDescription("AdminApi or SeedOnly.")
  private String rotator;

  @JsonPropertyDescription("The key id now.")
  private String fromKeyId;

  @JsonPropertyDescription("What would be asked of KMaaS, if anything.")
  private String kmaasAction;

  @JsonPropertyDescription(
      "Nodes whose daemon would restart, one at a time, in this order (SeedOnly).")
  private List<String> rollingNodes;

  @JsonPropertyDescription("Per resource: objects the migration would rewrite.")
  private List<PlannedResource> objects;

  @JsonPropertyDescription("The plan in one line.")
  private String message;

  public String getComputedAt() {
    return computedAt;
  }

  public void setComputedAt(String computedAt) {
    this.computedAt = computedAt;
  }

  public RotationPlan withComputedAt(String computedAt) {
    this.computedAt = computedAt;
    return this;
  }

  public String getTrigger() {
    return trigger;
  }

  public void setTrigger(String trigger) {
    this.trigger = trigger;
  }

  public RotationPlan withTrigger(String trigger) {
    this.trigger = trigger;
    return this;
  }

  public String getRequestedBy() {
    return requestedBy;
  }

  public void setRequestedBy(String requestedBy) {
    this.requestedBy = requestedBy;
  }

  public RotationPlan withRequestedBy(String requestedBy) {
    this.requestedBy = requestedBy;
    return this;
  }

  public String getToken() {
    return token;
  }

  public void setToken(String token) {
    this.token = token;
  }

  public RotationPlan withToken(String token) {
    this.token = token;
    return this;
  }

  public String getRotator() {
    return rotator;
  }

  public void setRotator(String rotator) {
    this.rotator = rotator;
  }

  public RotationPlan withRotator(String rotator) {
    this.rotator = rotator;
    return this;
  }

  public String getFromKeyId() {
    return fromKeyId;
  }

  public void setFromKeyId(String fromKeyId) {
    this.fromKeyId = fromKeyId;
  }

  public RotationPlan withFromKeyId(String fromKeyId) {
    this.fromKeyId = fromKeyId;
    return this;
  }

  public String getKmaasAction() {
    return kmaasAction;
  }

  public void setKmaasAction(String kmaasAction) {
    this.kmaasAction = kmaasAction;
  }

  public RotationPlan withKmaasAction(String kmaasAction) {
    this.kmaasAction = kmaasAction;
    return this;
  }

  public List<String> getRollingNodes() {
    return rollingNodes;
  }

  public void setRollingNodes(List<String> rollingNodes) {
    this.rollingNodes = rollingNodes;
  }

  public RotationPlan withRollingNodes(List<String> rollingNodes) {
    this.rollingNodes = rollingNodes;
    return this;
  }

  public List<PlannedResource> getObjects() {
    return objects;
  }

  public void setObjects(List<PlannedResource> objects) {
    this.objects = objects;
  }

  public RotationPlan withObjects(List<PlannedResource> objects) {
    this.objects = objects;
    return this;
  }

  public String getMessage() {
    return message;
  }

  public void setMessage(String message) {
    this.message = message;
  }

  public RotationPlan withMessage(String message) {
    this.message = message;
    return this;
  }
}
