package dev.sds.kms.operator.rotation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.argumentSet;

import dev.sds.kms.operator.crd.v1alpha1.RotationStatus;
import dev.sds.kms.operator.status.Conditions;
import io.fabric8.kubernetes.api.model.Condition;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class RotationConditionsTest {

  private static final Instant NOW = Instant.parse("2026-03-01T10:00:00Z");

  static Stream<Arguments> phases() {
    return Stream.of(
        argumentSet("no rotation status", null, "False", "Idle", "No KEK rotation seen yet."),
        argumentSet(
            "Detected",
            rotation("Detected", "waiting for every ready node to report key id k2"),
            "True",
            "Detected",
            "Waiting for every ready node to report key id k2."),
        argumentSet(
            "Converging",
            rotation("Converging", "waiting for approval: set spec.rotation.approvedKeyId to k2"),
            "True",
            "Converging",
            "Waiting for approval: set spec.rotation.approvedKeyId to k2."),
        argumentSet(
            "Migrating",
            rotation(
                "Migrating",
                "migrating objects to key id k2: secrets: 1200 rewritten (in progress)"),
            "True",
            "Migrating",
            "Migrating objects to key id k2: secrets: 1200 rewritten (in progress)."),
        argumentSet(
            "Completed",
            rotation("Completed", "rotation to key id k2 completed: 3000 objects rewritten"),
            "False",
            "Completed",
            "Rotation to key id k2 completed: 3000 objects rewritten."),
        argumentSet(
            "Failed without a message",
            rotation("Failed", null),
            "False",
            "Failed",
            "The last migration attempt failed; it is retried with backoff."));
  }

  @ParameterizedTest
  @MethodSource("phases")
  void rotating(RotationStatus rotation, String status, String reason, String message) {
    List<Condition> conditions = RotationConditions.apply(List.of(), rotation, 7, NOW);

    Condition c = Conditions.find(conditions, Conditions.ROTATING).orElseThrow();
    assertThat(c.getStatus()).isEqualTo(status);
    assertThat(c.getReason()).isEqualTo(reason);
    assertThat(c.getMessage()).isEqualTo(message);
    assertThat(c.getObservedGeneration()).isEqualTo(7L);
  }

  @Test
  void theOtherConditionsAreKept() {
    List<Condition> before =
        Conditions.set(List.of(), Conditions.AVAILABLE, true, "AllNodesReady", "3/3", 7, NOW);

    List<Condition> after =
        RotationConditions.apply(before, rotation("Migrating", "migrating"), 7, NOW);

    assertThat(after).extracting(Condition::getType).containsExactly("Available", "Rotating");
  }

  private static RotationStatus rotation(String phase, String message) {
    return new RotationStatus().withPhase(phase).withMessage(message);
  }
}
