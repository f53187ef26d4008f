package dev.sds.kms.operator.rotation.retire;

import dev.sds.kms.operator.crd.v1alpha1.RetirementStatus;
import dev.sds.kms.operator.crd.v1alpha1.RotationRecord;
import dev.sds.kms.operator.crd.v1alpha1.RotationSpec;
import dev.sds.kms.operator.crd.v1alpha1.RotationStatus;
import dev.sds.kms.operator.rotation.RotationPhase;
import dev.sds.kms.operator.rotation.schedule.Interval;
import dev.sds.kms.operator.status.Conditions;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Decides the retirement of old KEKs after a completed rotation ({@code
 * spec.rotation.retireOldKeys}): wait for the grace period after the migration completed, run the
 * etcd audit, and disable the KEKs only when the audit finds no object under any of their key ids.
 * A pure function of its inputs; {@link KekRetirement} carries the decision out.
 *
 * <p>Which KEKs: those of {@code status.rotation.retirableKeyIds} (set only when the migration
 * rewrote every object) in the KmsPlugin's tenant, except the current key id's KEK (a SeedOnly
 * rotation keeps the KEK) and KEKs already retired ({@code history[]} phase {@value #KEK_RETIRED}).
 */
public final class RetirementPlanner {
  public static final String KEK_RETIRED = "KekRetired";
  public static final String DEFAULT_GRACE_PERIOD = "24h";

  // phases of status.rotation.retirement
  public static final String WAITING = "Waiting";
  public static final String AUDITING = "Auditing";
  public static final String RETIRED = "Retired";
  public static final String BLOCKED = "Blocked";
  public static final String FAILED = "Failed";
  public static final String AUDIT_DISABLED = "AuditDisabled";

  static final Duration RETRY_AFTER_FAILURE = Duration.ofMinutes(5);
  static final Duration AUDIT_RECHECK = Duration.ofSeconds(5);

  /** What to do. */
  public enum Action {
    NONE,
    CREATE_AUDIT_JOB,
    /** Disable {@link Plan#kekIds()}, then record the outcome. */
    RETIRE
  }

  /**
   * @param status the new {@code status.rotation.retirement} ({@code null}: none)
   * @param action what to do
   * @param kekIds for RETIRE: the KEKs to disable
   * @param deleteJob an audit Job that is done with and can be deleted, if any
   * @param recheck look again within this time, if present
   */
  public record Plan(
      RetirementStatus status,
      Action action,
      List<String> kekIds,
      Optional<String> deleteJob,
      Optional<Duration> recheck) {

    Plan deleting(Optional<String> job) {
      return new Plan(status, action, kekIds, job, recheck);
    }

    Plan recheck(Duration after) {
      return new Plan(status, action, kekIds, deleteJob, Optional.of(after));
    }
  }

  /**
   * @param spec {@code spec.rotation}
   * @param tenant {@code spec.kmaas.tenantId}
   * @param rotation {@code status.rotation} after this reconciliation's step
   * @param history {@code status.history} after that step
   * @param job the state of the audit Job named in {@code rotation.retirement.auditJob} (Missing
   *     when there is none)
   * @param newJobName the name a new audit Job would get
   */
  public record Inputs(
      RotationSpec spec,
      String tenant,
      RotationStatus rotation,
      List<RotationRecord> history,
      AuditJob.State job,
      String newJobName,
      Instant now) {}

  public Plan decide(Inputs in) {
    RotationStatus s = in.rotation();
    RetirementStatus r = copy(s.getRetirement());
    if (!Boolean.TRUE.equals(in.spec().getRetireOldKeys())) {
      return plan(null, Action.NONE).deleting(auditing(r));
    }
    if (RotationPhase.of(s.getPhase()) != RotationPhase.Completed || s.getCompletedAt() == null) {
      return plan(r, Action.NONE); // a new rotation runs: the last cycle's status stays until then
    }
    boolean sameCycle = r != null && Objects.equals(r.getRotationCompletedAt(), s.getCompletedAt());
    if (sameCycle && RETIRED.equals(r.getPhase())) {
      return plan(r, Action.NONE);
    }
    List<String> keyIds = keyIds(in);
    if (keyIds.isEmpty()) {
      return plan(null, Action.NONE).deleting(auditing(r));
    }
    if (!Boolean.TRUE.equals(AuditJob.audit(in.spec()).getEnabled())) {
      return plan(
          new RetirementStatus()
              .withPhase(AUDIT_DISABLED)
              .withKeyIds(keyIds)
              .withRotationCompletedAt(s.getCompletedAt())
              .withMessage(
                  "key ids "
                      + String.join(", ", keyIds)
                      + " are retirable, but no KEK is disabled without an etcd audit: set"
                      + " spec.rotation.retirement.audit.enabled (or disable the KEKs by hand"
                      + " after kms-plugin audit)"),
          Action.NONE);
    }
    Instant now = in.now();
    if (!sameCycle) {
      Instant notBefore = instant(s.getCompletedAt()).orElse(now).plus(grace(in.spec()));
      r =
          new RetirementStatus()
              .withPhase(WAITING)
              .withKeyIds(keyIds)
              .withRotationCompletedAt(s.getCompletedAt())
              .withNotBefore(Conditions.timestamp(notBefore));
    }
    r.setKeyIds(keyIds);
    return switch (r.getPhase() == null ? WAITING : r.getPhase()) {
      case AUDITING -> auditing(in, r, keyIds);
      case BLOCKED, FAILED -> {
        Instant next = instant(r.getNextAttemptAt()).orElse(now);
        if (now.isBefore(next)) {
          yield plan(r, Action.NONE).recheck(Duration.between(now, next));
        }
        yield startAudit(in, r);
      }
      default -> {
        Instant notBefore = instant(r.getNotBefore()).orElse(now);
        if (now.isBefore(notBefore)) {
          r.setPhase(WAITING);
          r.setMessage(
              "the grace period after the migration ends at "
                  + r.getNotBefore()
                  + "; then an etcd audit decides whether KEKs of "
                  + String.join(", ", keyIds)
                  + " are disabled");
          yield plan(r, Action.NONE).recheck(Duration.between(now, notBefore));
        }
        yield startAudit(in, r);
      }
    };
  }

  private Plan auditing(Inputs in, RetirementStatus r, List<String> keyIds) {
    AuditJob.State job = in.job();
    if (job instanceof AuditJob.State.Running) {
      return plan(r, Action.NONE).recheck(AUDIT_RECHECK);
    }
    if (job instanceof AuditJob.State.Missing) {
      return startAudit(in, r);
    }
    Instant now = in.now();
    String jobName = r.getAuditJob();
    r.setAuditedAt(Conditions.timestamp(now));
    if (job instanceof AuditJob.State.Failed failed) {
      return failed(r, failed.reason(), now).deleting(Optional.ofNullable(jobName));
    }
    String report = ((AuditJob.State.Succeeded) job).report();
    Optional<AuditResult> result = AuditResult.parse(report);
    if (result.isEmpty()) {
      return failed(
              r,
              "the audit Job "
                  + jobName
                  + " left a report the operator cannot read (truncated at 4 KiB?)",
              now)
          .deleting(Optional.ofNullable(jobName));
    }
    List<String> found = new ArrayList<>();
    List<String> keks = new ArrayList<>();
    for (String kek : kekIds(keyIds)) {
      long n = result.get().objectsUnderKek(in.tenant(), kek);
      if (n > 0) {
        found.add(n + " under KEK " + kek);
      }
      keks.add(kek);
    }
    if (!found.isEmpty()) {
      Instant next = now.plus(grace(in.spec()));
      r.setPhase(BLOCKED);
      r.setNextAttemptAt(Conditions.timestamp(next));
      r.setMessage(
          "the etcd audit found objects still stored under old key ids ("
              + String.join(", ", found)
              + "): no KEK is disabled; audited again at "
              + Conditions.timestamp(next)
              + " (rewrite them first, e.g. with spec.rotation.remigrateToken)");
      return plan(r, Action.NONE)
          .deleting(Optional.ofNullable(jobName))
          .recheck(Duration.between(now, next));
    }
    return new Plan(r, Action.RETIRE, keks, Optional.ofNullable(jobName), Optional.empty());
  }

  private Plan startAudit(Inputs in, RetirementStatus r) {
    r.setPhase(AUDITING);
    r.setAuditJob(in.newJobName());
    r.setNextAttemptAt(null);
    r.setMessage(
        "auditing etcd (Job "
            + in.newJobName()
            + ") for objects under "
            + String.join(", ", r.getKeyIds()));
    return new Plan(
        r, Action.CREATE_AUDIT_JOB, List.of(), Optional.empty(), Optional.of(AUDIT_RECHECK));
  }

  private static Plan failed(RetirementStatus r, String reason, Instant now) {
    Instant next = now.plus(RETRY_AFTER_FAILURE);
    r.setPhase(FAILED);
    r.setNextAttemptAt(Conditions.timestamp(next));
    r.setMessage(reason + "; no KEK is disabled; audited again at " + Conditions.timestamp(next));
    return plan(r, Action.NONE).recheck(RETRY_AFTER_FAILURE);
  }

  /** The retirable key ids whose KEK is in the tenant, not current and not retired yet. */
  static List<String> keyIds(Inputs in) {
    RotationStatus s = in.rotation();
    List<String> retirable = s.getRetirableKeyIds() == null ? List.of() : s.getRetirableKeyIds();
    Optional<KekRef> current = KekRef.of(s.getToKeyId());
    Set<String> retired = new LinkedHashSet<>();
    for (RotationRecord h : in.history()) {
      if (KEK_RETIRED.equals(h.getPhase()) && h.getKekId() != null) {
        retired.add(h.getKekId());
      }
    }
    List<String> out = new ArrayList<>();
    for (String keyId : retirable) {
      Optional<KekRef> ref = KekRef.of(keyId);
      if (ref.isEmpty()
          || !ref.get().tenant().equals(in.tenant())
          || current.map(c -> c.kekId().equals(ref.get().kekId())).orElse(true)
          || retired.contains(ref.get().kekId())) {
        continue;
      }
      out.add(keyId);
    }
    return out;
  }

  static List<String> kekIds(List<String> keyIds) {
    Set<String> keks = new LinkedHashSet<>();
    keyIds.forEach(id -> KekRef.of(id).ifPresent(k -> keks.add(k.kekId())));
    return List.copyOf(keks);
  }

  static Duration grace(RotationSpec spec) {
    String text = spec.getRetirement() == null ? null : spec.getRetirement().getGracePeriod();
    return Interval.parse(text).orElse(Interval.parse(DEFAULT_GRACE_PERIOD).orElseThrow());
  }

  private static Optional<String> auditing(RetirementStatus r) {
    return r != null && AUDITING.equals(r.getPhase())
        ? Optional.ofNullable(r.getAuditJob())
        : Optional.empty();
  }

  private static Plan plan(RetirementStatus status, Action action) {
    return new Plan(status, action, List.of(), Optional.empty(), Optional.empty());
  }

  private static RetirementStatus copy(RetirementStatus r) {
    if (r == null) {
      return null;
    }
    return new RetirementStatus()
        .withPhase(r.getPhase())
        .withKeyIds(r.getKeyIds())
        .withRotationCompletedAt(r.getRotationCompletedAt())
        .withNotBefore(r.getNotBefore())
        .withAuditJob(r.getAuditJob())
        .withAuditedAt(r.getAuditedAt())
        .withNextAttemptAt(r.getNextAttemptAt())
        .withRetiredKekIds(r.getRetiredKekIds())
        .withMessage(r.getMessage());
  }

  private static Optional<Instant> instant(String text) {
    if (text == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(Instant.parse(text));
    } catch (DateTimeParseException e) {
      return Optional.empty();
    }
  }
}
