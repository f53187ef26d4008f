package dev.sds.kms.operator.rotation.start;

import dev.sds.kms.operator.rotation.schedule.OnDemandRequest;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * What {@link RotationStarter} decided.
 *
 * @param kind what to do
 * @param trigger {@value #SCHEDULE} or {@value #ON_DEMAND} for START and PLAN (and HOLD of a due or
 *     requested rotation), else {@code null}
 * @param request the on-demand request acted on or held, if any
 * @param message one line for {@code status.rotation.scheduleMessage}: why it waits, or {@code
 *     null}
 * @param nextRotationAt when the schedule makes the next rotation due, if it does
 * @param recheck look again within this time, if present
 */
public record StartDecision(
    Kind kind,
    String trigger,
    Optional<OnDemandRequest> request,
    String message,
    Optional<Instant> nextRotationAt,
    Optional<Duration> recheck) {

  public static final String SCHEDULE = "Schedule";
  public static final String ON_DEMAND = "OnDemand";

  /** The kinds of decision. */
  public enum Kind {
    /** Nothing due and nothing requested. */
    NONE,
    /** A rotation is due or requested, but a safeguard holds it back. */
    HOLD,
    /** Start a rotation now. */
    START,
    /** spec.rotation.dryRun: record what the next rotation would do, start nothing. */
    PLAN
  }
}
