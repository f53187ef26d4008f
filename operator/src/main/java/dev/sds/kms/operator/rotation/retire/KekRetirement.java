package dev.sds.kms.operator.rotation.retire;

import dev.sds.kms.operator.crd.v1alpha1.KmsPlugin;
import dev.sds.kms.operator.crd.v1alpha1.KmsPluginStatus;
import dev.sds.kms.operator.crd.v1alpha1.RetirementStatus;
import dev.sds.kms.operator.crd.v1alpha1.RotationRecord;
import dev.sds.kms.operator.crd.v1alpha1.RotationSpec;
import dev.sds.kms.operator.crd.v1alpha1.RotationStatus;
import dev.sds.kms.operator.rotation.RotationEvent;
import dev.sds.kms.operator.rotation.RotationStateMachine;
import dev.sds.kms.operator.rotation.start.KmaasAdminApi;
import dev.sds.kms.operator.rotation.start.KmaasAdminApi.KmaasAdminException;
import dev.sds.kms.operator.rotation.start.KmaasAdminApis;
import dev.sds.kms.operator.status.Conditions;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries out {@link RetirementPlanner}'s decisions: creates the audit Job, reads it, deletes it
 * when done, and disables KEKs through the key service's admin API, recording each in {@code
 * status.history[]} (phase {@value RetirementPlanner#KEK_RETIRED}) and as an Event.
 */
public final class KekRetirement {
  private static final Logger LOG = LoggerFactory.getLogger(KekRetirement.class);

  public static final String AUDIT_STARTED = "KekAuditStarted";
  public static final String KEK_RETIRED = "KekRetired";
  public static final String RETIREMENT_BLOCKED = "KekRetirementBlocked";
  public static final String RETIREMENT_FAILED = "KekRetirementFailed";

  private final RetirementPlanner planner = new RetirementPlanner();
  private final KmaasAdminApis adminApis;

  /** Events to record and how soon to look again. */
  public record Result(List<RotationEvent> events, Optional<Duration> recheck) {}

  public KekRetirement(KmaasAdminApis adminApis) {
    this.adminApis = adminApis;
  }

  public Result apply(
      KmsPlugin plugin,
      KmsPluginStatus next,
      KubernetesClient client,
      Instant now,
      List<String> resources) {
    List<RotationEvent> events = new ArrayList<>();
    RotationStatus s = next.getRotation();
    if (s == null) {
      return new Result(events, Optional.empty());
    }
    RotationSpec spec =
        plugin.getSpec().getRotation() == null
            ? new RotationSpec()
            : plugin.getSpec().getRotation();
    String ns = plugin.getMetadata().getNamespace();
    RetirementStatus before = s.getRetirement();
    AuditJob.State job =
        before != null && RetirementPlanner.AUDITING.equals(before.getPhase())
            ? AuditJob.state(client, ns, before.getAuditJob())
            : new AuditJob.State.Missing();
    List<RotationRecord> history =
        new ArrayList<>(next.getHistory() == null ? List.of() : next.getHistory());
    RetirementPlanner.Plan plan =
        planner.decide(
            new RetirementPlanner.Inputs(
                spec,
                plugin.getSpec().getKmaas().getTenantId(),
                s,
                history,
                job,
                AuditJob.name(plugin, s.getCompletedAt() + "/" + now),
                now));
    RetirementStatus r = plan.status();
    plan.deleteJob().ifPresent(name -> delete(client, ns, name));
    switch (plan.action()) {
      case CREATE_AUDIT_JOB -> {
        client.resource(AuditJob.desired(plugin, r.getAuditJob(), resources)).create();
        events.add(normal(AUDIT_STARTED, capitalised(r.getMessage()) + "."));
      }
      case RETIRE -> retire(plugin, client, s, r, plan.kekIds(), history, events, now);
      case NONE -> {
        if (r != null
            && (RetirementPlanner.BLOCKED.equals(r.getPhase())
                || RetirementPlanner.FAILED.equals(r.getPhase()))
            && (before == null || !r.getPhase().equals(before.getPhase()))) {
          events.add(
              new RotationEvent(
                  RotationEvent.Type.Warning,
                  RetirementPlanner.BLOCKED.equals(r.getPhase())
                      ? RETIREMENT_BLOCKED
                      : RETIREMENT_FAILED,
                  capitalised(r.getMessage()) + "."));
        }
      }
    }
    s.setRetirement(r);
    next.setHistory(history.isEmpty() ? null : history);
    return new Result(events, plan.recheck());
  }

  private void retire(
      KmsPlugin plugin,
      KubernetesClient client,
      RotationStatus s,
      RetirementStatus r,
      List<String> kekIds,
      List<RotationRecord> history,
      List<RotationEvent> events,
      Instant now) {
    String tenant = plugin.getSpec().getKmaas().getTenantId();
    List<String> retired = new ArrayList<>();
    try {
      KmaasAdminApi admin = adminApis.open(plugin, client);
      for (String kek : kekIds) {
        admin.disable(kek);
        retired.add(kek);
        String keyIds =
            String.join(
                ", ",
                r.getKeyIds().stream()
                    .filter(id -> KekRef.of(id).map(k -> k.kekId().equals(kek)).orElse(false))
                    .toList());
        String message =
            "KEK "
                + kek
                + " of tenant "
                + tenant
                + " disabled in KMaaS: the etcd audit (Job "
                + r.getAuditJob()
                + ") found no object under "
                + keyIds;
        history.add(
            0,
            new RotationRecord()
                .withPhase(RetirementPlanner.KEK_RETIRED)
                .withFromKeyId(
                    keyIds.contains(",") ? keyIds.substring(0, keyIds.indexOf(',')) : keyIds)
                .withToKeyId(s.getToKeyId())
                .withKekId(kek)
                .withCompletedAt(Conditions.timestamp(now))
                .withMessage(message));
        while (history.size() > RotationStateMachine.MAX_HISTORY) {
          history.remove(history.size() - 1);
        }
        events.add(normal(KEK_RETIRED, capitalised(message) + "."));
      }
      r.setPhase(RetirementPlanner.RETIRED);
      r.setRetiredKekIds(retired);
      r.setMessage(
          "KEKs "
              + String.join(", ", retired)
              + " disabled in KMaaS after the etcd audit found no object under "
              + String.join(", ", r.getKeyIds()));
    } catch (KmaasAdminException e) {
      Instant retry = now.plus(RetirementPlanner.RETRY_AFTER_FAILURE);
      r.setPhase(RetirementPlanner.FAILED);
      r.setRetiredKekIds(retired.isEmpty() ? null : retired);
      r.setNextAttemptAt(Conditions.timestamp(retry));
      r.setMessage(
          "the audit was clean, but disabling failed: "
              + e.getMessage()
              + "; audited again at "
              + Conditions.timestamp(retry));
      events.add(
          new RotationEvent(
              RotationEvent.Type.Warning, RETIREMENT_FAILED, capitalised(r.getMessage()) + "."));
    }
  }

  private static void delete(KubernetesClient client, String ns, String name) {
    try {
      AuditJob.delete(client, ns, name);
    } catch (KubernetesClientException e) {
      LOG.debug("could not delete audit Job {}/{}: {}", ns, name, e.getMessage());
    }
  }

  private static RotationEvent normal(String reason, String message) {
    return new RotationEvent(RotationEvent.Type.Normal, reason, message);
  }

  private static String capitalised(String s) {
    return s == null || s.isEmpty() ? "" : Character.toUpperCase(s.charAt(0)) + s.substring(1);
  }
}
