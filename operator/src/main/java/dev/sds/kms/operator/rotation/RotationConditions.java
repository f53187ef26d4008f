package dev.sds.kms.operator.rotation;

import dev.sds.kms.operator.crd.v1alpha1.RotationStatus;
import dev.sds.kms.operator.status.Conditions;
import io.fabric8.kubernetes.api.model.Condition;
import java.time.Instant;
import java.util.List;

/**
 * The {@code Rotating} condition from {@code status.rotation}: True with the phase as reason while
 * Detected, Converging or Migrating; False with reason Idle, Completed or Failed otherwise. The
 * message is the rotation's own ({@code status.rotation.message}).
 */
public final class RotationConditions {

  private RotationConditions() {}

  /** {@code conditions} with {@code Rotating} set from {@code rotation} ({@code null}: Idle). */
  public static List<Condition> apply(
      List<Condition> conditions, RotationStatus rotation, long generation, Instant now) {
    RotationPhase phase = RotationPhase.of(rotation == null ? null : rotation.getPhase());
    return Conditions.set(
        conditions,
        Conditions.ROTATING,
        phase.rotating(),
        phase.name(),
        message(rotation, phase),
        generation,
        now);
  }

  /** As {@link #apply}, from a step. */
  public static List<Condition> apply(
      List<Condition> conditions, RotationStateMachine.Step step, long generation, Instant now) {
    return apply(conditions, step.status(), generation, now);
  }

  static String message(RotationStatus rotation, RotationPhase phase) {
    String message = rotation == null ? null : rotation.getMessage();
    if (message != null && !message.isBlank()) {
      return capitalised(message) + (message.endsWith(".") ? "" : ".");
    }
    return switch (phase) {
      case Idle -> "No KEK rotation seen yet.";
      case Detected -> "A new key id was detected.";
      case Converging -> "Every ready node reports the new key id.";
      case Migrating -> "Rewriting objects under the new key id.";
      case Completed -> "The last rotation completed.";
      case Failed -> "The last migration attempt failed; it is retried with backoff.";
    };
  }

  private static String capitalised(String s) {
    return Character.toUpperCase(s.charAt(0)) + s.substring(1);
  }
}
