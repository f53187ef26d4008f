package dev.sds.kms.operator.rotation.start;

import dev.sds.kms.operator.crd.v1alpha1.RotationPlan;
import dev.sds.kms.operator.crd.v1alpha1.RotationRecord;
import dev.sds.kms.operator.crd.v1alpha1.RotationStart;
import dev.sds.kms.operator.crd.v1alpha1.RotationStatus;
import dev.sds.kms.operator.rotation.RotationPhase;
import dev.sds.kms.operator.rotation.RotationStateMachine;
import dev.sds.kms.operator.rotation.schedule.Interval;
import dev.sds.kms.operator.rotation.schedule.OnDemandRequest;
import dev.sds.kms.operator.rotation.schedule.RotationSchedule;
import dev.sds.kms.operator.status.Conditions;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Objects;
import java.util.Optional;

/**
 * Decides whether the operator starts a KEK rotation now: one is due by {@code
 * spec.rotation.schedule} or asked for with the {@value OnDemandRequest#ANNOTATION} annotation, and
 * no safeguard holds it back. A pure function of {@link StartInputs}; it calls nothing and reads no
 * clock.
 *
 * <p>Safeguards, in this order: {@code spec.paused}; a rotation that is not resting (Detected,
 * Converging, Migrating or Failed: converging or migrating); a rotation the operator started that
 * the daemons do not report yet; nodes that are not all ready and healthy or disagree on the key id
 * or a rollout in progress (back-pressure); a start that failed less than {@link #RETRY_AFTER} ago;
 * {@code spec.rotation.minInterval} since the last completed or started rotation; and, for a
 * scheduled rotation only, {@code policy: Manual} (an on-demand request is the approval to start;
 * the migration still waits for {@code approvedKeyId}). A held request is kept and carried out once
 * the safeguards clear.
 */
public final class RotationStarter {
  public static final String STARTED = "Started";
  public static final String FAILED = "Failed";

  static final Duration RETRY_AFTER = Duration.ofMinutes(1);
  static final Duration HOLD_RECHECK = Duration.ofSeconds(10);

  /** A dry-run plan is made again after this long, or at once for a new on-demand request. */
  static final Duration PLAN_REFRESH = Duration.ofMinutes(10);

  public StartDecision decide(StartInputs in) {
    RotationStatus s = in.status();
    RotationSchedule schedule = RotationSchedule.of(in.spec());
    Optional<Instant> lastCompleted = lastCompleted(s, in);
    Optional<Instant> due = lastCompleted.flatMap(schedule::nextDue);
    RotationStart last = s.getLastStart();
    Instant base =
        latest(
            lastCompleted.orElse(null),
            last != null && STARTED.equals(last.getOutcome()) ? startedAt(last) : null);
    Instant earliest = base == null ? in.now() : schedule.earliestStart(base);
    Optional<Instant> next = due.map(d -> d.isBefore(earliest) ? earliest : d);

    Optional<OnDemandRequest> request =
        in.request().filter(r -> !r.token().equals(s.getHandledRotateToken()));
    String trigger = null;
    if (request.isPresent()) {
      trigger = StartDecision.ON_DEMAND;
    } else if (due.isPresent() && !in.now().isBefore(due.get())) {
      trigger = StartDecision.SCHEDULE;
    }

    String hold = safeguard(in, trigger, earliest);
    if (Boolean.TRUE.equals(in.spec().getDryRun())) {
      return dryRun(in, trigger, request, hold, next);
    }
    if (trigger == null) {
      return new StartDecision(
          StartDecision.Kind.NONE,
          null,
          Optional.empty(),
          null,
          next,
          next.map(n -> Duration.between(in.now(), n)).filter(d -> !d.isNegative()));
    }
    if (hold != null) {
      Duration recheck = HOLD_RECHECK;
      if (in.now().isBefore(earliest) && hold.startsWith("spec.rotation.minInterval")) {
        recheck = Duration.between(in.now(), earliest);
      }
      return new StartDecision(
          StartDecision.Kind.HOLD, trigger, request, hold, next, Optional.of(recheck));
    }
    return new StartDecision(
        StartDecision.Kind.START, trigger, request, null, next, Optional.of(HOLD_RECHECK));
  }

  private StartDecision dryRun(
      StartInputs in,
      String trigger,
      Optional<OnDemandRequest> request,
      String hold,
      Optional<Instant> next) {
    RotationPlan plan = in.status().getPlan();
    boolean fresh =
        plan != null
            && instant(plan.getComputedAt())
                .map(t -> in.now().isBefore(t.plus(PLAN_REFRESH)))
                .orElse(false)
            && Objects.equals(plan.getFromKeyId(), in.status().getToKeyId());
    boolean newRequest = request.isPresent();
    String message =
        "spec.rotation.dryRun: no rotation is started"
            + (hold != null && trigger != null ? "; it would also wait: " + hold : "");
    StartDecision.Kind kind =
        in.status().getToKeyId() != null && (!fresh || newRequest)
            ? StartDecision.Kind.PLAN
            : StartDecision.Kind.NONE;
    return new StartDecision(
        kind,
        trigger == null ? StartDecision.SCHEDULE : trigger,
        request,
        message,
        next,
        Optional.of(PLAN_REFRESH));
  }

  /** Why a due or requested rotation must wait now, or {@code null}. */
  private static String safeguard(StartInputs in, String trigger, Instant earliest) {
    RotationStatus s = in.status();
    RotationPhase phase = RotationPhase.of(s.getPhase());
    if (in.paused()) {
      return "spec.paused is true";
    }
    if (phase != RotationPhase.Idle && phase != RotationPhase.Completed) {
      return "a rotation to key id " + s.getToKeyId() + " is in phase " + phase.name();
    }
    if (s.getToKeyId() == null) {
      return "no key id recorded yet";
    }
    RotationStart last = s.getLastStart();
    if (last != null
        && STARTED.equals(last.getOutcome())
        && Objects.equals(last.getFromKeyId(), s.getToKeyId())) {
      return "the rotation started at "
          + last.getStartedAt()
          + " ("
          + last.getRotator()
          + ") is not reported by every daemon yet";
    }
    if (in.unhealthy().isPresent()) {
      return in.unhealthy().get();
    }
    if (last != null && FAILED.equals(last.getOutcome()) && startedAt(last) != null) {
      Instant retry = startedAt(last).plus(RETRY_AFTER);
      if (in.now().isBefore(retry)) {
        return "the last start failed ("
            + last.getMessage()
            + "); next attempt at "
            + Conditions.timestamp(retry);
      }
    }
    if (in.now().isBefore(earliest)) {
      return "spec.rotation.minInterval ("
          + Interval.text(RotationSchedule.of(in.spec()).minInterval())
          + ") since the last rotation has not passed; next possible at "
          + Conditions.timestamp(earliest);
    }
    if (StartDecision.SCHEDULE.equals(trigger)
        && RotationStateMachine.MANUAL.equals(in.spec().getPolicy())) {
      return "policy Manual: a scheduled rotation is not started; annotate "
          + OnDemandRequest.ANNOTATION
          + " to start it";
    }
    return null;
  }

  /**
   * When the last rotation completed: the newest completed history record that changed the key id,
   * or when the current key id was first recorded ({@code keyIdSince}), whichever is later.
   */
  static Optional<Instant> lastCompleted(RotationStatus s, StartInputs in) {
    Instant latest = instant(s.getKeyIdSince()).orElse(null);
    for (RotationRecord r : in.history()) {
      if (RotationPhase.Completed.name().equals(r.getPhase())
          && !Objects.equals(r.getFromKeyId(), r.getToKeyId())) {
        latest = latest(latest, instant(r.getCompletedAt()).orElse(null));
        break;
      }
    }
    return Optional.ofNullable(latest);
  }

  private static Instant startedAt(RotationStart start) {
    return start == null ? null : instant(start.getStartedAt()).orElse(null);
  }

  private static Instant latest(Instant a, Instant b) {
    if (a == null) {
      return b;
    }
    return b == null || a.isAfter(b) ? a : b;
  }

  static Optional<Instant> instant(String text) {
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
