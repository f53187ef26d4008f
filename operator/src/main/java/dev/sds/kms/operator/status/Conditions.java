package dev.sds.kms.operator.status;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The KmsPlugin's status conditions, shaped like Kubernetes' own: setting a condition whose status
 * did not change keeps its {@code lastTransitionTime}, so the time says when it last flipped.
 */
public final class Conditions {

  /** The plugin serves on at least one node. */
  public static final String AVAILABLE = "Available";

  /** The operator or the DaemonSet controller is still changing the rollout. */
  public static final String PROGRESSING = "Progressing";

  /** Something needs a person: a spec problem, an unhealthy daemon, disagreeing key ids. */
  public static final String DEGRADED = "Degraded";

  /** A KEK rotation is in progress; owned by the rotation component, kept by the aggregator. */
  public static final String ROTATING = "Rotating";

  public static final String TRUE = "True";
  public static final String FALSE = "False";
  public static final String UNKNOWN = "Unknown";

  private Conditions() {}

  /**
   * Returns a new list with the condition {@code type} set, the others unchanged and in their order
   * (a new type is appended). {@code lastTransitionTime} is kept when the status did not change,
   * and is {@code now} otherwise.
   */
  public static List<Condition> set(
      List<Condition> existing,
      String type,
      boolean status,
      String reason,
      String message,
      long generation,
      Instant now) {
    return set(existing, type, status ? TRUE : FALSE, reason, message, generation, now);
  }

  /**
   * As {@link #set(List, String, boolean, String, String, long, Instant)}, status may be Unknown.
   */
  public static List<Condition> set(
      List<Condition> existing,
      String type,
      String status,
      String reason,
      String message,
      long generation,
      Instant now) {
    Optional<Condition> old = find(existing, type);
    String since =
        old.filter(c -> status.equals(c.getStatus()) && c.getLastTransitionTime() != null)
            .map(Condition::getLastTransitionTime)
            .orElse(timestamp(now));
    Condition next =
        new ConditionBuilder()
            .withType(type)
            .withStatus(status)
            .withReason(reason)
            .withMessage(message)
            .withObservedGeneration(generation)
            .withLastTransitionTime(since)
            .build();
    List<Condition> result = new ArrayList<>();
    boolean replaced = false;
    for (Condition c : existing == null ? List.<Condition>of() : existing) {
      if (type.equals(c.getType())) {
        if (!replaced) {
          result.add(next);
          replaced = true;
        }
      } else {
        result.add(c);
      }
    }
    if (!replaced) {
      result.add(next);
    }
    return result;
  }

  /** The condition of that type, if present. */
  public static Optional<Condition> find(List<Condition> conditions, String type) {
    if (conditions == null) {
      return Optional.empty();
    }
    return conditions.stream().filter(c -> type.equals(c.getType())).findFirst();
  }

  /** Whether the condition of that type is present and True. */
  public static boolean isTrue(List<Condition> conditions, String type) {
    return find(conditions, type).map(c -> TRUE.equals(c.getStatus())).orElse(false);
  }

  /** RFC 3339 in UTC, whole seconds, as Kubernetes writes times: {@code 2026-01-02T03:04:05Z}. */
  public static String timestamp(Instant instant) {
    return instant.truncatedTo(ChronoUnit.SECONDS).toString();
  }
}
