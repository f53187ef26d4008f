package dev.sds.kms.operator.rotation.start;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sds.kms.operator.crd.v1alpha1.RotationPlan;
import dev.sds.kms.operator.crd.v1alpha1.RotationRecord;
import dev.sds.kms.operator.crd.v1alpha1.RotationSpec;
import dev.sds.kms.operator.crd.v1alpha1.RotationStart;
import dev.sds.kms.operator.crd.v1alpha1.RotationStatus;
import dev.sds.kms.operator.rotation.schedule.OnDemandRequest;
import dev.sds.kms.operator.rotation.start.StartDecision.Kind;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RotationStarterTest {
  private static final String A = "sds:acme/kek-a";
  private static final String B = "sds:acme/kek-b";
  private static final Instant COMPLETED = Instant.parse("2026-11-25T10:00:00Z");
  private static final OnDemandRequest REQUEST =
      new OnDemandRequest("t1", "kubectl-annotate", Instant.parse("2026-11-25T10:30:00Z"));

  private final RotationStarter starter = new RotationStarter();

  @Test
  void nothingIsDueBeforeTheScheduleAndTheStatusSaysWhen() {
    StartDecision d = decide(spec("1h"), completed(), Optional.empty(), COMPLETED.plusSeconds(600));

    assertThat(d.kind()).isEqualTo(Kind.NONE);
    assertThat(d.nextRotationAt()).contains(COMPLETED.plus(Duration.ofHours(1)));
    assertThat(d.recheck()).contains(Duration.ofMinutes(50));
  }

  @Test
  void aDueScheduleStartsARotation() {
    StartDecision d =
        decide(spec("1h"), completed(), Optional.empty(), COMPLETED.plusSeconds(3600));

    assertThat(d.kind()).isEqualTo(Kind.START);
    assertThat(d.trigger()).isEqualTo(StartDecision.SCHEDULE);
  }

  @Test
  void noScheduleMeansNoRotationEver() {
    StartDecision d =
        decide(spec(null), completed(), Optional.empty(), COMPLETED.plus(Duration.ofDays(900)));

    assertThat(d.kind()).isEqualTo(Kind.NONE);
    assertThat(d.nextRotationAt()).isEmpty();
  }

  @Test
  void anOnDemandRequestStartsAtOnceWithoutASchedule() {
    StartDecision d =
        decide(
            spec(null).withMinInterval("1s"),
            completed(),
            Optional.of(REQUEST),
            COMPLETED.plusSeconds(5));

    assertThat(d.kind()).isEqualTo(Kind.START);
    assertThat(d.trigger()).isEqualTo(StartDecision.ON_DEMAND);
    assertThat(d.request()).contains(REQUEST);
  }

  @Test
  void aHandledTokenIsNotDoneAgain() {
    RotationStatus status = completed().withHandledRotateToken("t1");

    StartDecision d = decide(spec(null), status, Optional.of(REQUEST), COMPLETED.plusSeconds(7200));

    assertThat(d.kind()).isEqualTo(Kind.NONE);
  }

  @Test
  void aRequestDuringAMigrationIsHeld() {
    RotationStatus migrating = completed().withPhase("Migrating");

    StartDecision d =
        decide(spec(null), migrating, Optional.of(REQUEST), COMPLETED.plusSeconds(7200));

    assertThat(d.kind()).isEqualTo(Kind.HOLD);
    assertThat(d.message()).contains("phase Migrating");
    assertThat(d.request()).contains(REQUEST);
  }

  @Test
  void theMinimumIntervalHoldsEvenAnOnDemandRequest() {
    StartDecision d =
        decide(
            spec(null).withMinInterval("1h"),
            completed(),
            Optional.of(REQUEST),
            COMPLETED.plusSeconds(600));

    assertThat(d.kind()).isEqualTo(Kind.HOLD);
    assertThat(d.message()).startsWith("spec.rotation.minInterval (1h)");
    assertThat(d.recheck()).contains(Duration.ofMinutes(50));
  }

  @Test
  void unhealthyNodesHoldARotation() {
    StartDecision d =
        new RotationStarter()
            .decide(
                new StartInputs(
                    spec("1s"),
                    false,
                    completed(),
                    List.of(),
                    Optional.of("the nodes disagree on the key id"),
                    Optional.empty(),
                    COMPLETED.plusSeconds(3600)));

    assertThat(d.kind()).isEqualTo(Kind.HOLD);
    assertThat(d.message()).isEqualTo("the nodes disagree on the key id");
  }

  @Test
  void pausedHoldsARotation() {
    StartDecision d =
        new RotationStarter()
            .decide(
                new StartInputs(
                    spec("1s"),
                    true,
                    completed(),
                    List.of(),
                    Optional.empty(),
                    Optional.empty(),
                    COMPLETED.plusSeconds(3600)));

    assertThat(d.kind()).isEqualTo(Kind.HOLD);
    assertThat(d.message()).isEqualTo("spec.paused is true");
  }

  @Test
  void policyManualHoldsAScheduledRotationButNotARequestedOne() {
    RotationSpec manual = spec("1h").withPolicy("Manual").withMinInterval("1s");
    Instant later = COMPLETED.plusSeconds(7200);

    StartDecision scheduled = decide(manual, completed(), Optional.empty(), later);
    StartDecision requested = decide(manual, completed(), Optional.of(REQUEST), later);

    assertThat(scheduled.kind()).isEqualTo(Kind.HOLD);
    assertThat(scheduled.message()).contains("policy Manual").contains(OnDemandRequest.ANNOTATION);
    assertThat(requested.kind()).isEqualTo(Kind.START);
  }

  @Test
  void aStartedRotationNotYetReportedHoldsTheNextOne() {
    RotationStatus status =
        completed()
            .withLastStart(
                new RotationStart()
                    .withOutcome(RotationStarter.STARTED)
                    .withFromKeyId(B)
                    .withRotator("AdminApi")
                    .withStartedAt("2026-11-25T11:00:00Z"));

    StartDecision d =
        decide(
            spec("1s").withMinInterval("1s"),
            status,
            Optional.of(REQUEST),
            COMPLETED.plusSeconds(7200));

    assertThat(d.kind()).isEqualTo(Kind.HOLD);
    assertThat(d.message()).contains("not reported by every daemon yet");
  }

  @Test
  void aFailedStartIsRetriedAfterAMinuteAndDoesNotCountForTheMinimumInterval() {
    RotationStatus status =
        completed()
            .withLastStart(
                new RotationStart()
                    .withOutcome(RotationStarter.FAILED)
                    .withFromKeyId(B)
                    .withMessage("KMaaS admin API answered HTTP 503")
                    .withStartedAt("2026-11-25T12:00:00Z"));
    RotationSpec spec = spec("1h").withMinInterval("1h");

    StartDecision soon =
        decide(spec, status, Optional.empty(), Instant.parse("2026-11-25T12:00:30Z"));
    StartDecision later =
        decide(spec, status, Optional.empty(), Instant.parse("2026-11-25T12:01:00Z"));

    assertThat(soon.kind()).isEqualTo(Kind.HOLD);
    assertThat(soon.message())
        .contains("HTTP 503")
        .contains("next attempt at 2026-11-25T12:01:00Z");
    assertThat(later.kind()).isEqualTo(Kind.START);
  }

  @Test
  void theScheduleCountsFromTheLastCompletedRotationInTheHistory() {
    RotationStatus status = completed().withKeyIdSince("2026-11-01T00:00:00Z");
    List<RotationRecord> history =
        List.of(
            new RotationRecord()
                .withPhase("Completed")
                .withFromKeyId(B)
                .withToKeyId(B)
                .withCompletedAt("2026-11-25T11:00:00Z"), // a remigration: not a rotation
            new RotationRecord()
                .withPhase("Completed")
                .withFromKeyId(A)
                .withToKeyId(B)
                .withCompletedAt(COMPLETED.toString()));

    StartDecision d =
        starter.decide(
            new StartInputs(
                spec("2h"),
                false,
                status,
                history,
                Optional.empty(),
                Optional.empty(),
                COMPLETED.plusSeconds(60)));

    assertThat(d.nextRotationAt()).contains(COMPLETED.plus(Duration.ofHours(2)));
  }

  @Test
  void dryRunPlansInsteadOfStartingAndPlansAgainForANewRequest() {
    RotationSpec dry = spec("1h").withDryRun(true).withMinInterval("1s");
    Instant due = COMPLETED.plusSeconds(3600);

    StartDecision first = decide(dry, completed(), Optional.empty(), due);
    RotationStatus planned =
        completed().withPlan(new RotationPlan().withComputedAt(due.toString()).withFromKeyId(B));
    StartDecision again = decide(dry, planned, Optional.empty(), due.plusSeconds(5));
    StartDecision requested = decide(dry, planned, Optional.of(REQUEST), due.plusSeconds(5));

    assertThat(first.kind()).isEqualTo(Kind.PLAN);
    assertThat(first.message()).contains("dryRun");
    assertThat(again.kind()).isEqualTo(Kind.NONE);
    assertThat(requested.kind()).isEqualTo(Kind.PLAN);
    assertThat(requested.trigger()).isEqualTo(StartDecision.ON_DEMAND);
  }

  private StartDecision decide(
      RotationSpec spec, RotationStatus status, Optional<OnDemandRequest> request, Instant now) {
    return starter.decide(
        new StartInputs(spec, false, status, List.of(), Optional.empty(), request, now));
  }

  private static RotationSpec spec(String schedule) {
    return new RotationSpec().withSchedule(schedule);
  }

  private static RotationStatus completed() {
    return new RotationStatus()
        .withPhase("Completed")
        .withFromKeyId(A)
        .withToKeyId(B)
        .withCompletedAt(COMPLETED.toString())
        .withKeyIdSince(COMPLETED.toString());
  }
}
