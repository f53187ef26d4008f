package dev.sds.kms.operator.status;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Condition;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConditionsTest {

  private static final Instant T1 = Instant.parse("2026-03-01T10:00:00.123Z");
  private static final Instant T2 = Instant.parse("2026-03-01T10:05:00Z");

  @Test
  void aNewConditionIsAppendedWithTheTimeOfNowInWholeSeconds() {
    List<Condition> conditions =
        Conditions.set(null, Conditions.AVAILABLE, true, "AllNodesReady", "3/3", 4, T1);

    assertThat(conditions).hasSize(1);
    Condition c = conditions.get(0);
    assertThat(c.getType()).isEqualTo("Available");
    assertThat(c.getStatus()).isEqualTo("True");
    assertThat(c.getReason()).isEqualTo("AllNodesReady");
    assertThat(c.getMessage()).isEqualTo("3/3");
    assertThat(c.getObservedGeneration()).isEqualTo(4L);
    assertThat(c.getLastTransitionTime()).isEqualTo("2026-03-01T10:00:00Z");
  }

  @Test
  void anUnchangedStatusKeepsItsLastTransitionTimeButTakesTheNewReasonMessageAndGeneration() {
    List<Condition> before =
        Conditions.set(List.of(), Conditions.DEGRADED, true, "DaemonUnhealthy", "cp-2", 4, T1);

    List<Condition> after =
        Conditions.set(before, Conditions.DEGRADED, true, "DaemonUnreachable", "cp-3", 5, T2);

    Condition c = Conditions.find(after, Conditions.DEGRADED).orElseThrow();
    assertThat(c.getLastTransitionTime()).isEqualTo("2026-03-01T10:00:00Z");
    assertThat(c.getReason()).isEqualTo("DaemonUnreachable");
    assertThat(c.getMessage()).isEqualTo("cp-3");
    assertThat(c.getObservedGeneration()).isEqualTo(5L);
  }

  @Test
  void aFlippedStatusTakesTheTimeOfNow() {
    List<Condition> before =
        Conditions.set(List.of(), Conditions.DEGRADED, true, "DaemonUnhealthy", "cp-2", 4, T1);

    List<Condition> after =
        Conditions.set(before, Conditions.DEGRADED, false, "AsExpected", "fine", 4, T2);

    Condition c = Conditions.find(after, Conditions.DEGRADED).orElseThrow();
    assertThat(c.getStatus()).isEqualTo("False");
    assertThat(c.getLastTransitionTime()).isEqualTo("2026-03-01T10:05:00Z");
  }

  @Test
  void otherConditionsStayInTheirOrderAndTheInputListIsNotChanged() {
    List<Condition> before = new ArrayList<>();
    before = Conditions.set(before, Conditions.ROTATING, true, "Migrating", "secrets", 1, T1);
    before = Conditions.set(before, Conditions.AVAILABLE, false, "NoNodeReady", "0/3", 1, T1);
    List<Condition> snapshot = List.copyOf(before);

    List<Condition> after =
        Conditions.set(before, Conditions.ROTATING, false, "Idle", "done", 2, T2);

    assertThat(after).extracting(Condition::getType).containsExactly("Rotating", "Available");
    assertThat(after.get(1)).isEqualTo(snapshot.get(1));
    assertThat(before).isEqualTo(snapshot);
  }

  @Test
  void unknownIsAStatusToo() {
    List<Condition> before =
        Conditions.set(List.of(), Conditions.ROTATING, false, "Idle", "no rotation", 1, T1);

    List<Condition> after =
        Conditions.set(
            before, Conditions.ROTATING, Conditions.UNKNOWN, "Checking", "reading", 1, T2);

    assertThat(after.get(0).getStatus()).isEqualTo("Unknown");
    assertThat(after.get(0).getLastTransitionTime()).isEqualTo("2026-03-01T10:05:00Z");
  }

  @Test
  void findAndIsTrueTolerateMissingLists() {
    assertThat(Conditions.find(null, Conditions.AVAILABLE)).isEmpty();
    assertThat(Conditions.isTrue(null, Conditions.AVAILABLE)).isFalse();
    List<Condition> c = Conditions.set(null, Conditions.DEGRADED, true, "X", "y", 1, T1);
    assertThat(Conditions.isTrue(c, Conditions.DEGRADED)).isTrue();
    assertThat(Conditions.isTrue(c, Conditions.AVAILABLE)).isFalse();
  }
}
