package dev.sds.kms.operator.crd.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;

/** When and how old KEKs are retired (with spec.rotation.retireOldKeys). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class RetirementSpec extends JsonEquality {

  @JsonPropertyDescription(
      "How long after a completed migration the audit may run and an old KEK be disabled (units s, m, h, d).")
  @Default("24h")
  @Pattern("^([0-9]+(s|m|h|d))+$")
  private String gracePeriod;

  @JsonPropertyDescription("The etcd audit that must find no object under an old key id.")
  @Default("{}")
  private AuditSpec audit;

  public String getGracePeriod() {
    return gracePeriod;
  }

  public void setGracePeriod(String gracePeriod) {
    this.gracePeriod = gracePeriod;
  }

  public RetirementSpec withGracePeriod(String gracePeriod) {
    this.gracePeriod = gracePeriod;
    return this;
  }

  public AuditSpec getAudit() {
    return audit;
  }

  public void setAudit(AuditSpec audit) {
    this.audit = audit;
  }

  public RetirementSpec withAudit(AuditSpec audit) {
    this.audit = audit;
    return this;
  }
}
