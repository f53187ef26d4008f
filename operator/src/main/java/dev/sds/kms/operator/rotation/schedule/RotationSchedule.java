package dev.sds.kms.operator.rotation.schedule;

import dev.sds.kms.operator.crd.v1alpha1.RotationSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * When the operator may and should start the next rotation: {@code spec.rotation.schedule} after
 * the last completed rotation (off when empty), and never sooner than {@code
 * spec.rotation.minInterval} (default {@value #DEFAULT_MIN_INTERVAL}) after the last completed or
 * started one.
 */
public record RotationSchedule(Optional<Duration> interval, Duration minInterval) {

  public static final String DEFAULT_MIN_INTERVAL = "1h";

  public static RotationSchedule of(RotationSpec spec) {
    RotationSpec s = spec == null ? new RotationSpec() : spec;
    Duration min =
        Interval.parse(s.getMinInterval())
            .orElse(Interval.parse(DEFAULT_MIN_INTERVAL).orElseThrow());
    return new RotationSchedule(Interval.parse(s.getSchedule()), min);
  }

  /** When the schedule makes a rotation due, measured from {@code lastCompleted}. */
  public Optional<Instant> nextDue(Instant lastCompleted) {
    return interval.map(lastCompleted::plus);
  }

  /** The earliest time any rotation may start. */
  public Instant earliestStart(Instant lastCompletedOrStarted) {
    return lastCompletedOrStarted.plus(minInterval);
  }
}
