package dev.sds.kms.operator.rotation.retire;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sds.kms.operator.crd.v1alpha1.AuditSpec;
import dev.sds.kms.operator.crd.v1alpha1.RetirementSpec;
import dev.sds.kms.operator.crd.v1alpha1.RetirementStatus;
import dev.sds.kms.operator.crd.v1alpha1.RotationRecord;
import dev.sds.kms.operator.crd.v1alpha1.RotationSpec;
import dev.sds.kms.operator.crd.v1alpha1.RotationStatus;
import dev.sds.kms.operator.rotation.retire.RetirementPlanner.Action;
import dev.sds.kms.operator.rotation.retire.RetirementPlanner.Plan;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class RetirementPlannerTest {
  private static final String OLD = "sds:acme/kek-1";
  private static final String CURRENT = "sds:acme/kek-2";
  private static final Instant DONE = Instant.parse("2026-11-25T12:00:00Z");
  private static final String CLEAN =
      "{\"resources\":[{\"resource\":\"secrets\",\"total\":3,\"counts\":[{\"kind\":\"kms-v2\","
          + "\"provider\":\"sds-kms\",\"keyId\":\"sds:acme/kek-2\",\"count\":3}]}],\"plaintext\":[]}";
  private static final String DIRTY =
      "{\"resources\":[{\"resource\":\"secrets\",\"total\":3,\"counts\":[{\"kind\":\"kms-v2\","
          + "\"provider\":\"sds-kms\",\"keyId\":\"sds:acme/kek-1\",\"count\":1},{\"kind\":\"kms-v2\","
          + "\"provider\":\"sds-kms\",\"keyId\":\"sds:acme/kek-2\",\"count\":2}]}],\"plaintext\":[]}";

  private final RetirementPlanner planner = new RetirementPlanner();

  @Test
  void offByDefault() {
    Plan plan = decide(new RotationSpec(), completed(), missing(), DONE.plusSeconds(60));

    assertThat(plan.status()).isNull();
    assertThat(plan.action()).isEqualTo(Action.NONE);
  }

  @Test
  void withoutTheAuditTheKeyIdsAreListedAndNothingIsDisabled() {
    RotationSpec spec = new RotationSpec().withRetireOldKeys(true);

    Plan plan = decide(spec, completed(), missing(), DONE.plus(Duration.ofDays(9)));

    assertThat(plan.action()).isEqualTo(Action.NONE);
    assertThat(plan.status().getPhase()).isEqualTo("AuditDisabled");
    assertThat(plan.status().getKeyIds()).containsExactly(OLD);
    assertThat(plan.status().getMessage()).contains("audit.enabled");
  }

  @Test
  void theAuditWaitsForTheGracePeriod() {
    Plan plan = decide(spec("1h"), completed(), missing(), DONE.plusSeconds(600));

    assertThat(plan.action()).isEqualTo(Action.NONE);
    assertThat(plan.status().getPhase()).isEqualTo("Waiting");
    assertThat(plan.status().getNotBefore()).isEqualTo("2026-11-25T13:00:00Z");
    assertThat(plan.recheck()).contains(Duration.ofMinutes(50));
  }

  @Test
  void afterTheGracePeriodTheAuditJobIsCreated() {
    Plan plan = decide(spec("1h"), completed(), missing(), DONE.plusSeconds(3600));

    assertThat(plan.action()).isEqualTo(Action.CREATE_AUDIT_JOB);
    assertThat(plan.status().getPhase()).isEqualTo("Auditing");
    assertThat(plan.status().getAuditJob()).isEqualTo("new-job");
  }

  @Test
  void aCleanAuditRetiresTheOldKek() {
    Plan plan =
        decide(spec("1s"), auditing(), new AuditJob.State.Succeeded(CLEAN), DONE.plusSeconds(5));

    assertThat(plan.action()).isEqualTo(Action.RETIRE);
    assertThat(plan.kekIds()).containsExactly("kek-1");
    assertThat(plan.deleteJob()).contains("job-1");
  }

  @Test
  void anAuditThatFindsAnObjectUnderTheOldKeyIdRetiresNothing() {
    Plan plan =
        decide(spec("1h"), auditing(), new AuditJob.State.Succeeded(DIRTY), DONE.plusSeconds(5));

    assertThat(plan.action()).isEqualTo(Action.NONE);
    assertThat(plan.kekIds()).isEmpty();
    assertThat(plan.status().getPhase()).isEqualTo("Blocked");
    assertThat(plan.status().getMessage())
        .contains("1 under KEK kek-1")
        .contains("no KEK is disabled");
    assertThat(plan.status().getNextAttemptAt()).isEqualTo("2026-11-25T13:00:05Z");
  }

  @Test
  void aFailedOrUnreadableAuditRetiresNothingAndIsTriedAgainLater() {
    Plan failed =
        decide(
            spec("1s"),
            auditing(),
            new AuditJob.State.Failed("the audit Job job-1 failed: etcd refused"),
            DONE.plusSeconds(5));
    Plan unreadable =
        decide(
            spec("1s"),
            auditing(),
            new AuditJob.State.Succeeded(CLEAN.substring(0, 40)),
            DONE.plusSeconds(5));

    assertThat(failed.action()).isEqualTo(Action.NONE);
    assertThat(failed.status().getPhase()).isEqualTo("Failed");
    assertThat(failed.status().getMessage()).contains("etcd refused");
    assertThat(unreadable.action()).isEqualTo(Action.NONE);
    assertThat(unreadable.status().getMessage()).contains("cannot read");

    RotationStatus later = completed();
    later.setRetirement(failed.status());
    assertThat(decide(spec("1s"), later, missing(), DONE.plusSeconds(60)).action())
        .isEqualTo(Action.NONE);
    assertThat(decide(spec("1s"), later, missing(), DONE.plusSeconds(306)).action())
        .isEqualTo(Action.CREATE_AUDIT_JOB);
  }

  @Test
  void aRunningAuditIsWaitedFor() {
    Plan plan = decide(spec("1s"), auditing(), new AuditJob.State.Running(), DONE.plusSeconds(5));

    assertThat(plan.action()).isEqualTo(Action.NONE);
    assertThat(plan.status().getPhase()).isEqualTo("Auditing");
  }

  @Test
  void theCurrentKekAndRetiredKeksAreNeverCandidates() {
    // a SeedOnly rotation: the old key id names the KEK still in use
    RotationStatus seed = completed().withToKeyId("sds-r20261125T120000Z:acme/kek-1");
    assertThat(decide(spec("1s"), seed, missing(), DONE.plusSeconds(5)).status()).isNull();

    RotationStatus retired = completed();
    List<RotationRecord> history =
        List.of(new RotationRecord().withPhase(RetirementPlanner.KEK_RETIRED).withKekId("kek-1"));
    Plan plan =
        planner.decide(
            new RetirementPlanner.Inputs(
                spec("1s"), "acme", retired, history, missing(), "new-job", DONE.plusSeconds(5)));
    assertThat(plan.status()).isNull();
  }

  @Test
  void nothingHappensWhileARotationRuns() {
    RotationStatus migrating = completed().withPhase("Migrating");

    Plan plan = decide(spec("1s"), migrating, missing(), DONE.plusSeconds(60));

    assertThat(plan.action()).isEqualTo(Action.NONE);
  }

  private Plan decide(RotationSpec spec, RotationStatus status, AuditJob.State job, Instant now) {
    return planner.decide(
        new RetirementPlanner.Inputs(spec, "acme", status, List.of(), job, "new-job", now));
  }

  private static RotationSpec spec(String grace) {
    return new RotationSpec()
        .withRetireOldKeys(true)
        .withRetirement(
            new RetirementSpec()
                .withGracePeriod(grace)
                .withAudit(new AuditSpec().withEnabled(true)));
  }

  private static RotationStatus completed() {
    return new RotationStatus()
        .withPhase("Completed")
        .withFromKeyId(OLD)
        .withToKeyId(CURRENT)
        .withCompletedAt(DONE.toString())
        .withRetirableKeyIds(List.of(OLD));
  }

  private static RotationStatus auditing() {
    RotationStatus s = completed();
    s.setRetirement(
        new RetirementStatus()
            .withPhase("Auditing")
            .withKeyIds(List.of(OLD))
            .withRotationCompletedAt(DONE.toString())
            .withAuditJob("job-1"));
    return s;
  }

  private static AuditJob.State missing() {
    return new AuditJob.State.Missing();
  }
}
