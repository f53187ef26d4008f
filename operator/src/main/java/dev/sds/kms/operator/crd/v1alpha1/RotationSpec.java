package dev.sds.kms.operator.crd.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import java.util.List;
import java.util.Objects;

/** How the operator follows a KEK rotation. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class RotationSpec {

  @JsonPropertyDescription(
      "Automatic: migrate once every node reports the new key id; Manual: wait until spec.rotation.approvedKeyId names it.")
  @Default("Automatic")
  @Pattern("^(Automatic|Manual)$")
  private String policy;

  @JsonPropertyDescription("With policy Manual: the key id whose migration may start.")
  private String approvedKeyId;

  @JsonPropertyDescription(
      "Change this to any new value to rewrite every configured object again under the current key id.")
  private String remigrateToken;

  @JsonPropertyDescription(
      "How long every ready node must report the new key id before migration starts (kube-apiserver needs 3 min plus its own polls).")
  @Default("5m")
  @Pattern("^([0-9]+(ms|s|m|h))+$")
  private String convergenceDelay;

  @JsonPropertyDescription(
      "Resources to rewrite: plural names, with the API group for non-core ones (configmaps, widgets.example.com).")
  @Default("[\"secrets\"]")
  private List<String> resources;

  @JsonPropertyDescription("Objects per LIST page.")
  @Default("500")
  @Min(1)
  @Max(10000)
  private Integer pageSize;

  @JsonPropertyDescription("Most rewrites per second (client-side rate limit).")
  @Default("50")
  @Min(1)
  @Max(10000)
  private Integer qps;

  @JsonPropertyDescription("Concurrent rewrites.")
  @Default("4")
  @Min(1)
  @Max(64)
  private Integer workers;

  @JsonPropertyDescription(
      "Auto: use storagemigration.k8s.io when the cluster serves it, else rewrite in process; InProcess: always rewrite in process.")
  @Default("Auto")
  @Pattern("^(Auto|InProcess)$")
  private String migrator;

  @JsonPropertyDescription(
      "Start a KEK rotation this long after the last completed one, e.g. 90d or 12h (units s, m, h, d); empty: no schedule.")
  @Pattern("^(([0-9]+(s|m|h|d))+)?$")
  private String schedule;

  @JsonPropertyDescription(
      "Least time between two rotations the operator starts (scheduled or on demand), from the last completed one (units s, m, h, d).")
  @Default("1h")
  @Pattern("^([0-9]+(s|m|h|d))+$")
  private String minInterval;

  @JsonPropertyDescription(
      "How the operator starts a rotation. AdminApi: asks KMaaS for a new active KEK (needs kmaasAdmin); SeedOnly: rolls the daemons with a new key id suffix so that kube-apiserver makes a new seed, the KEK stays; Auto: AdminApi when kmaasAdmin is set, else SeedOnly.")
  @Default("Auto")
  @Pattern("^(Auto|AdminApi|SeedOnly)$")
  private String rotator;

  @JsonPropertyDescription(
      "Secret with the KMaaS admin key the operator uses to create KEKs (AdminApi) and to disable retired ones.")
  private AdminCredentialsRef kmaasAdmin;

  @JsonPropertyDescription(
      "When true a due or requested rotation is not started: status.rotation.plan says what it would do.")
  @Default("false")
  private Boolean dryRun;

  @JsonPropertyDescription(
      "Disable old KEKs in KMaaS after a completed migration, a grace period and an etcd audit finding no object under them.")
  @Default("false")
  private Boolean retireOldKeys;

  @JsonPropertyDescription("Grace period and etcd audit before an old KEK is disabled.")
  private RetirementSpec retirement;

  public String getPolicy() {
    return policy;
  }

  public void setPolicy(String policy) {
    this.policy = policy;
  }

  public RotationSpec withPolicy(String policy) {
    this.policy = policy;
    return this;
  }

  public String getApprovedKeyId() {
    return approvedKeyId;
  }

  public void setApprovedKeyId(String approvedKeyId) {
    this.approvedKeyId = approvedKeyId;
  }

  public RotationSpec withApprovedKeyId(String approvedKeyId) {
    this.approvedKeyId = approvedKeyId;
    return this;
  }

  public String getRemigrateToken() {
    return remigrateToken;
  }

  public void setRemigrateToken(String remigrateToken) {
    this.remigrateToken = remigrateToken;
  }

  public RotationSpec withRemigrateToken(String remigrateToken) {
    this.remigrateToken = remigrateToken;
    return this;
  }

  public String getConvergenceDelay() {
    return convergenceDelay;
  }

  public void setConvergenceDelay(String convergenceDelay) {
    this.convergenceDelay = convergenceDelay;
  }

  public RotationSpec withConvergenceDelay(String convergenceDelay) {
    this.convergenceDelay = convergenceDelay;
    return this;
  }

  public List<String> getResources() {
    return resources;
  }

  public void setResources(List<String> resources) {
    this.resources = resources;
  }

  public RotationSpec withResources(List<String> resources) {
    this.resources = resources;
    return this;
  }

  public Integer getPageSize() {
    return pageSize;
  }

  public void setPageSize(Integer pageSize) {
    this.pageSize = pageSize;
  }

  public RotationSpec withPageSize(Integer pageSize) {
    this.pageSize = pageSize;
    return this;
  }

  public Integer getQps() {
    return qps;
  }

  public void setQps(Integer qps) {
    this.qps = qps;
  }

  public RotationSpec withQps(Integer qps) {
    this.qps = qps;
    return this;
  }

  public Integer getWorkers() {
    return workers;
  }

  public void setWorkers(Integer workers) {
    this.workers = workers;
  }

  public RotationSpec withWorkers(Integer workers) {
    this.workers = workers;
    return this;
  }

  public String getMigrator() {
    return migrator;
  }

  public void setMigrator(String migrator) {
    this.migrator = migrator;
  }

  public RotationSpec withMigrator(String migrator) {
    this.migrator = migrator;
    return this;
  }

  public String getSchedule() {
    return schedule;
  }

  public void setSchedule(String schedule) {
    this.schedule = schedule;
  }

  public RotationSpec withSchedule(String schedule) {
    this.schedule = schedule;
    return this;
  }

  public String getMinInterval() {
    return minInterval;
  }

  public void setMinInterval(String minInterval) {
    this.minInterval = minInterval;
  }

  public RotationSpec withMinInterval(String minInterval) {
    this.minInterval = minInterval;
    return this;
  }

  public String getRotator() {
    return rotator;
  }

  public void setRotator(String rotator) {
    this.rotator = rotator;
  }

  public RotationSpec withRotator(String rotator) {
    this.rotator = rotator;
    return this;
  }

  public AdminCredentialsRef getKmaasAdmin() {
    return kmaasAdmin;
  }

  public void setKmaasAdmin(AdminCredentialsRef kmaasAdmin) {
    this.kmaasAdmin = kmaasAdmin;
  }

  public RotationSpec withKmaasAdmin(AdminCredentialsRef kmaasAdmin) {
    this.kmaasAdmin = kmaasAdmin;
    return this;
  }

  public Boolean getDryRun() {
    return dryRun;
  }

  public void setDryRun(Boolean dryRun) {
    this.dryRun = dryRun;
  }

  public RotationSpec withDryRun(Boolean dryRun) {
    this.dryRun = dryRun;
    return this;
  }

  public Boolean getRetireOldKeys() {
    return retireOldKeys;
  }

  public void setRetireOldKeys(Boolean retireOldKeys) {
    this.retireOldKeys = retireOldKeys;
  }

  public RotationSpec withRetireOldKeys(Boolean retireOldKeys) {
    this.retireOldKeys = retireOldKeys;
    return this;
  }

  public RetirementSpec getRetirement() {
    return retirement;
  }

  public void setRetirement(RetirementSpec retirement) {
    this.retirement = retirement;
  }

  public RotationSpec withRetirement(RetirementSpec retirement) {
    this.retirement = retirement;
    return this;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof RotationSpec other)) {
      return false;
    }
    return Objects.equals(policy, other.policy)
        && Objects.equals(approvedKeyId, other.approvedKeyId)
        && Objects.equals(remigrateToken, other.remigrateToken)
        && Objects.equals(convergenceDelay, other.convergenceDelay)
        && Objects.equals(resources, other.resources)
        && Objects.equals(pageSize, other.pageSize)
        && Objects.equals(qps, other.qps)
        && Objects.equals(workers, other.workers)
        && Objects.equals(migrator, other.migrator)
        && Objects.equals(schedule, other.schedule)
        && Objects.equals(minInterval, other.minInterval)
        && Objects.equals(rotator, other.rotator)
        && Objects.equals(kmaasAdmin, other.kmaasAdmin)
        && Objects.equals(dryRun, other.dryRun)
        && Objects.equals(retireOldKeys, other.retireOldKeys)
        && Objects.equals(retirement, other.retirement);
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        policy,
        approvedKeyId,
        remigrateToken,
        convergenceDelay,
        resources,
        pageSize,
        qps,
        workers,
        migrator,
        schedule,
        minInterval,
        rotator,
        kmaasAdmin,
        dryRun,
        retireOldKeys,
        retirement);
  }
}
