package dev.sds.kms.operator.rotation;

import static dev.sds.kms.operator.rotation.RotationAction.Kind.CANCEL_MIGRATION;
import static dev.sds.kms.operator.rotation.RotationAction.Kind.NONE;
import static dev.sds.kms.operator.rotation.RotationAction.Kind.START_MIGRATION;
import static dev.sds.kms.operator.rotation.RotationPhase.Completed;
import static dev.sds.kms.operator.rotation.RotationPhase.Converging;
import static dev.sds.kms.operator.rotation.RotationPhase.Detected;
import static dev.sds.kms.operator.rotation.RotationPhase.Failed;
import static dev.sds.kms.operator.rotation.RotationPhase.Idle;
import static dev.sds.kms.operator.rotation.RotationPhase.Migrating;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.argumentSet;

import dev.sds.kms.operator.crd.v1alpha1.ResourceProgress;
import dev.sds.kms.operator.crd.v1alpha1.RotationRecord;
import dev.sds.kms.operator.crd.v1alpha1.RotationSpec;
import dev.sds.kms.operator.crd.v1alpha1.RotationStatus;
import dev.sds.kms.operator.rotation.RotationAction.Kind;
import dev.sds.kms.operator.rotation.RotationStateMachine.Step;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class RotationStateMachineTest {

  /** The fixed clock of every case. */
  private static final Instant NOW = Instant.parse("2026-03-01T10:00:00Z");

  private final RotationStateMachine machine = new RotationStateMachine();

  static Stream<Arguments> transitions() {
    return Stream.of(
        // --- Idle ---
        row(
            "the first key id ever seen is recorded, not a rotation",
            null,
            seen("k1"),
            Idle,
            NONE,
            List.of("KeyIdRecorded"),
            s -> {
              assertThat(s.status().getToKeyId()).isEqualTo("k1");
              assertThat(s.status().getFromKeyId()).isNull();
              assertThat(s.history()).isEmpty();
            }),
        row(
            "without a previous key id, disagreeing nodes record nothing",
            null,
            seen("k1", "k2"),
            Idle,
            NONE,
            List.of(),
            s -> assertThat(s.status().getToKeyId()).isNull()),
        row(
            "Idle → Detected when a ready node reports a new key id",
            status(Idle, null, "k1"),
            seen("k1", "k2"),
            Detected,
            NONE,
            List.of("RotationDetected"),
            s -> {
              assertThat(s.status().getFromKeyId()).isEqualTo("k1");
              assertThat(s.status().getToKeyId()).isEqualTo("k2");
              assertThat(s.status().getDetectedAt()).isEqualTo("2026-03-01T10:00:00Z");
            }),
        row(
            "Idle → Detected from the previously known key id when the status has none",
            null,
            seen("k2").previous("k1"),
            Detected,
            NONE,
            List.of("RotationDetected"),
            s -> assertThat(s.status().getFromKeyId()).isEqualTo("k1")),
        row(
            "Idle stays Idle while the nodes report the known key id",
            status(Idle, null, "k1").withMessage("key id k1 is current; no rotation seen yet"),
            seen("k1"),
            Idle,
            NONE,
            List.of(),
            s -> {}),
        // --- Detected ---
        row(
            "Detected → Converging when every ready node reports the new key id",
            status(Detected, "k1", "k2"),
            seen("k2"),
            Converging,
            NONE,
            List.of("KeyIdConverged"),
            s -> {
              assertThat(s.status().getConvergedAt()).isEqualTo("2026-03-01T10:00:00Z");
              assertThat(s.recheckAfter()).contains(Duration.ofMinutes(5));
            }),
        row(
            "Detected stays while some nodes still report the old key id",
            status(Detected, "k1", "k2"),
            seen("k1", "k2"),
            Detected,
            NONE,
            List.of(),
            s -> assertThat(s.status().getMessage()).contains("ready nodes report: k1, k2")),
        row(
            "a newer key id during Detected restarts detection toward it, from unchanged",
            status(Detected, "k1", "k2"),
            seen("k1", "k3"),
            Detected,
            NONE,
            List.of("NewerKeyIdDetected"),
            s -> {
              assertThat(s.status().getFromKeyId()).isEqualTo("k1");
              assertThat(s.status().getToKeyId()).isEqualTo("k3");
              assertThat(s.history().get(0).getPhase()).isEqualTo("Superseded");
              assertThat(s.history().get(0).getToKeyId()).isEqualTo("k2");
            }),
        row(
            "a superseded key id still on a lagging node while Detected is no flip-flop",
            status(Detected, "k1", "k3"),
            seen("k2", "k3").history(superseded("k1", "k2")),
            Detected,
            NONE,
            List.of(),
            s -> assertThat(s.flipFlop()).isEmpty()),
        // --- Converging ---
        row(
            "Converging → Detected when the ready nodes stop agreeing",
            converging(Duration.ofMinutes(2)),
            seen("k2").disagreeing(),
            Detected,
            NONE,
            List.of("KeyIdConvergenceLost"),
            s -> {
              assertThat(s.status().getConvergedAt()).isNull();
              assertThat(s.status().getMessage()).contains("no longer all report key id k2");
            }),
        row(
            "Converging waits for the convergence delay",
            converging(Duration.ofMinutes(4)),
            seen("k2"),
            Converging,
            NONE,
            List.of(),
            s -> {
              assertThat(s.recheckAfter()).contains(Duration.ofMinutes(1));
              assertThat(s.status().getMessage()).contains("at 2026-03-01T10:01:00Z");
            }),
        row(
            "a shorter spec.rotation.convergenceDelay is honoured",
            converging(Duration.ofMinutes(1)),
            seen("k2").spec(new RotationSpec().withConvergenceDelay("30s")),
            Migrating,
            START_MIGRATION,
            List.of("MigrationStarted"),
            s -> {}),
        row(
            "Converging waits while a kube-apiserver still uses the old key id",
            converging(Duration.ofMinutes(10)),
            seen("k2").apiservers(false),
            Converging,
            NONE,
            List.of(),
            s -> {
              assertThat(s.status().getMessage()).contains("every kube-apiserver");
              assertThat(s.recheckAfter()).contains(Duration.ofSeconds(30));
            }),
        row(
            "Converging → Migrating when every kube-apiserver uses the new key id",
            converging(Duration.ofMinutes(10)),
            seen("k2").apiservers(true),
            Migrating,
            START_MIGRATION,
            List.of("MigrationStarted"),
            s -> assertThat(s.action().toKeyId()).isEqualTo("k2")),
        row(
            "unreadable apiserver metrics: the delay alone decides",
            converging(Duration.ofMinutes(5)),
            seen("k2"),
            Migrating,
            START_MIGRATION,
            List.of("MigrationStarted"),
            s -> {
              assertThat(s.status().getStartedAt()).isEqualTo("2026-03-01T10:00:00Z");
              assertThat(s.events().get(0).message()).doesNotContain("kube-apiserver");
            }),
        row(
            "Manual policy waits for approval",
            converging(Duration.ofMinutes(10)),
            seen("k2").spec(new RotationSpec().withPolicy("Manual")),
            Converging,
            NONE,
            List.of("ApprovalRequired"),
            s ->
                assertThat(s.status().getMessage())
                    .isEqualTo("waiting for approval: set spec.rotation.approvedKeyId to k2")),
        row(
            "Manual policy still waiting announces the approval only once",
            converging(Duration.ofMinutes(10))
                .withMessage("waiting for approval: set spec.rotation.approvedKeyId to k2"),
            seen("k2").spec(new RotationSpec().withPolicy("Manual")),
            Converging,
            NONE,
            List.of(),
            s -> {}),
        row(
            "Manual policy does not take an approval of another key id",
            converging(Duration.ofMinutes(10)),
            seen("k2").spec(new RotationSpec().withPolicy("Manual").withApprovedKeyId("k1")),
            Converging,
            NONE,
            List.of("ApprovalRequired"),
            s -> {}),
        row(
            "Manual policy approved → Migrating",
            converging(Duration.ofMinutes(10)),
            seen("k2").spec(new RotationSpec().withPolicy("Manual").withApprovedKeyId("k2")),
            Migrating,
            START_MIGRATION,
            List.of("MigrationStarted"),
            s -> assertThat(s.action().toKeyId()).isEqualTo("k2")),
        row(
            "a newer key id during Converging restarts detection toward it",
            converging(Duration.ofMinutes(10)),
            seen("k2", "k3"),
            Detected,
            NONE,
            List.of("NewerKeyIdDetected"),
            s -> {
              assertThat(s.status().getFromKeyId()).isEqualTo("k1");
              assertThat(s.status().getToKeyId()).isEqualTo("k3");
              assertThat(s.status().getConvergedAt()).isNull();
            }),
        // --- Migrating ---
        row(
            "Migrating with a running migration keeps its progress",
            status(Migrating, "k1", "k2"),
            seen("k2").migration(new MigrationState.Running(List.of(secrets(1200, false, "c3")))),
            Migrating,
            NONE,
            List.of(),
            s -> {
              assertThat(s.status().getResources()).containsExactly(secrets(1200, false, "c3"));
              assertThat(s.status().getMessage())
                  .isEqualTo(
                      "migrating objects to key id k2: secrets: 1200 rewritten (in progress)");
            }),
        row(
            "a resource finishing is announced once",
            status(Migrating, "k1", "k2").withResources(List.of(secrets(1200, false, "c3"))),
            seen("k2")
                .migration(
                    new MigrationState.Running(
                        List.of(secrets(3000, true, null), configmaps(0, false)))),
            Migrating,
            NONE,
            List.of("ResourceMigrated"),
            s ->
                assertThat(s.events().get(0).message()).contains("secrets: 3000 rewritten (done)")),
        row(
            "Migrating with no migration running (operator restarted) starts it again",
            status(Migrating, "k1", "k2").withResources(List.of(secrets(1200, false, "c3"))),
            seen("k2"),
            Migrating,
            START_MIGRATION,
            List.of("MigrationResumed"),
            s -> assertThat(s.status().getResources()).containsExactly(secrets(1200, false, "c3"))),
        row(
            "Succeeded → Completed: history bounded to 10, earlier key ids retirable",
            status(Migrating, "k1", "k2")
                .withStartedAt("2026-03-01T09:00:00Z")
                .withRetirableKeyIds(List.of("k0")),
            seen("k2")
                .migration(new MigrationState.Succeeded(List.of(secrets(3000, true, null))))
                .history(completedHistory(10)),
            Completed,
            NONE,
            List.of("ResourceMigrated", "RotationCompleted"),
            s -> {
              assertThat(s.history()).hasSize(10);
              RotationRecord last = s.history().get(0);
              assertThat(last.getPhase()).isEqualTo("Completed");
              assertThat(last.getFromKeyId()).isEqualTo("k1");
              assertThat(last.getToKeyId()).isEqualTo("k2");
              assertThat(last.getStartedAt()).isEqualTo("2026-03-01T09:00:00Z");
              assertThat(last.getCompletedAt()).isEqualTo("2026-03-01T10:00:00Z");
              assertThat(last.getMigrated()).isEqualTo(3000L);
              assertThat(s.status().getRetirableKeyIds())
                  .hasSize(10)
                  .startsWith("k1", "k0", "h0-from")
                  .doesNotContain("k2");
              assertThat(s.status().getMessage()).contains("3000 objects rewritten");
            }),
        row(
            "Succeeded with objects that could not be rewritten retires nothing new",
            status(Migrating, "k1", "k2").withRetirableKeyIds(List.of("k0")),
            seen("k2")
                .migration(
                    new MigrationState.Succeeded(
                        List.of(secrets(3000, true, null).withFailed(2L)))),
            Completed,
            NONE,
            List.of("ResourceMigrated", "RotationCompleted"),
            s -> {
              assertThat(s.status().getRetirableKeyIds()).containsExactly("k0");
              assertThat(s.status().getMessage()).contains("2 could not be rewritten");
            }),
        row(
            "Failed migration → Failed with the first backoff of 1m",
            status(Migrating, "k1", "k2"),
            seen("k2")
                .migration(
                    new MigrationState.Failed(
                        "listing secrets: 403 Forbidden", List.of(secrets(500, false, "c1")))),
            Failed,
            NONE,
            List.of("MigrationFailed"),
            s -> {
              assertThat(s.status().getAttempts()).isEqualTo(1);
              assertThat(s.status().getNextAttemptAt()).isEqualTo("2026-03-01T10:01:00Z");
              assertThat(s.status().getMessage()).contains("403 Forbidden");
              assertThat(s.status().getResources()).containsExactly(secrets(500, false, "c1"));
              assertThat(s.events().get(0).type()).isEqualTo(RotationEvent.Type.Warning);
            }),
        row(
            "the fourth failure backs off 8m",
            status(Migrating, "k1", "k2").withAttempts(3),
            seen("k2").migration(new MigrationState.Failed("timeout", List.of())),
            Failed,
            NONE,
            List.of("MigrationFailed"),
            s -> {
              assertThat(s.status().getAttempts()).isEqualTo(4);
              assertThat(s.status().getNextAttemptAt()).isEqualTo("2026-03-01T10:08:00Z");
            }),
        row(
            "backoff is at most 30m",
            status(Migrating, "k1", "k2").withAttempts(9),
            seen("k2").migration(new MigrationState.Failed("timeout", List.of())),
            Failed,
            NONE,
            List.of("MigrationFailed"),
            s -> assertThat(s.status().getNextAttemptAt()).isEqualTo("2026-03-01T10:30:00Z")),
        row(
            "a newer key id during Migrating cancels the migration and goes back to Detected",
            status(Migrating, "k1", "k2").withStartedAt("2026-03-01T09:00:00Z"),
            seen("k2", "k3")
                .migration(new MigrationState.Running(List.of(secrets(1200, false, "c3")))),
            Detected,
            CANCEL_MIGRATION,
            List.of("MigrationCancelled"),
            s -> {
              assertThat(s.status().getToKeyId()).isEqualTo("k3");
              assertThat(s.status().getFromKeyId()).isEqualTo("k1");
              assertThat(s.status().getResources()).isNull();
              assertThat(s.status().getStartedAt()).isNull();
              RotationRecord superseded = s.history().get(0);
              assertThat(superseded.getPhase()).isEqualTo("Superseded");
              assertThat(superseded.getToKeyId()).isEqualTo("k2");
              assertThat(superseded.getMigrated()).isEqualTo(1200L);
            }),
        // --- Failed ---
        row(
            "Failed waits for its next attempt",
            failed("2026-03-01T10:02:00Z"),
            seen("k2"),
            Failed,
            NONE,
            List.of(),
            s -> assertThat(s.recheckAfter()).contains(Duration.ofMinutes(2))),
        row(
            "Failed → Migrating once the backoff has passed, resuming from the checkpoint",
            failed("2026-03-01T10:00:00Z"),
            seen("k2"),
            Migrating,
            START_MIGRATION,
            List.of("MigrationRetried"),
            s -> {
              assertThat(s.status().getResources()).containsExactly(secrets(500, false, "c1"));
              assertThat(s.status().getAttempts()).isEqualTo(1);
              assertThat(s.status().getNextAttemptAt()).isNull();
            }),
        // --- flip-flop ---
        row(
            "a key id coming back after Completed is refused with a warning",
            completed(),
            seen("k1"),
            Completed,
            NONE,
            List.of("KeyIdFlipFlop"),
            s -> {
              assertThat(s.flipFlop()).hasValueSatisfying(m -> assertThat(m).contains("k1"));
              assertThat(s.status().getToKeyId()).isEqualTo("k2");
              assertThat(s.events().get(0).type()).isEqualTo(RotationEvent.Type.Warning);
            }),
        row(
            "the old key id coming back while Converging is refused",
            converging(Duration.ofMinutes(10)),
            seen("k1", "k2"),
            Converging,
            NONE,
            List.of("KeyIdFlipFlop"),
            s -> assertThat(s.flipFlop()).isPresent()),
        row(
            "a key id from the history coming back while Detected is refused",
            status(Detected, "k2", "k3"),
            seen("k1", "k3").history(completedRecord("k1", "k2")),
            Detected,
            NONE,
            List.of("KeyIdFlipFlop"),
            s -> assertThat(s.status().getToKeyId()).isEqualTo("k3")),
        row(
            "a lasting flip-flop is announced once but still flagged",
            completed(),
            seen("k1"),
            Completed,
            NONE,
            List.of("KeyIdFlipFlop"),
            s -> {
              Step again =
                  new RotationStateMachine().next(s.status(), seen("k1").history(s.history()).in());
              assertThat(again.events()).isEmpty();
              assertThat(again.flipFlop()).isPresent();
            }),
        row(
            "a flip-flop ending restores the phase's message",
            completed().withMessage("key id flip-flop: a ready node reports key id k1 again"),
            seen("k2").history(completedRecord("k1", "k2")),
            Completed,
            NONE,
            List.of("KeyIdFlipFlopResolved"),
            s -> {
              assertThat(s.flipFlop()).isEmpty();
              assertThat(s.status().getMessage()).startsWith("rotation to key id k2 completed");
            }),
        // --- remigration ---
        row(
            "a new remigrate token from Completed rewrites everything under the current key id",
            completed(),
            seen("k2").spec(new RotationSpec().withRemigrateToken("again-1")),
            Migrating,
            START_MIGRATION,
            List.of("RemigrationStarted"),
            s -> {
              assertThat(s.status().getFromKeyId()).isEqualTo("k2");
              assertThat(s.status().getToKeyId()).isEqualTo("k2");
              assertThat(s.status().getHandledRemigrateToken()).isEqualTo("again-1");
              assertThat(s.action().toKeyId()).isEqualTo("k2");
            }),
        row(
            "a remigrate token already handled does nothing",
            completed().withHandledRemigrateToken("again-1"),
            seen("k2").spec(new RotationSpec().withRemigrateToken("again-1")),
            Completed,
            NONE,
            List.of(),
            s -> {}),
        row(
            "a remigrate token waits while the nodes disagree",
            completed(),
            seen("k2").disagreeing().spec(new RotationSpec().withRemigrateToken("again-1")),
            Completed,
            NONE,
            List.of(),
            s -> {}),
        row(
            "a remigrate token while Converging waits for that rotation",
            converging(Duration.ofMinutes(1)),
            seen("k2").spec(new RotationSpec().withRemigrateToken("again-1")),
            Converging,
            NONE,
            List.of(),
            s -> assertThat(s.status().getHandledRemigrateToken()).isNull()),
        row(
            "a remigrate token from Failed starts at once, skipping the backoff",
            failed("2026-03-01T10:20:00Z"),
            seen("k2").spec(new RotationSpec().withRemigrateToken("again-1")),
            Migrating,
            START_MIGRATION,
            List.of("RemigrationStarted"),
            s -> {
              assertThat(s.status().getFromKeyId()).isEqualTo("k1");
              assertThat(s.status().getResources()).isNull();
            }),
        // --- next rotation ---
        row(
            "Completed → Detected on the next rotation, from the previous target",
            completed(),
            seen("k2", "k3"),
            Detected,
            NONE,
            List.of("RotationDetected"),
            s -> {
              assertThat(s.status().getFromKeyId()).isEqualTo("k2");
              assertThat(s.status().getToKeyId()).isEqualTo("k3");
              assertThat(s.status().getCompletedAt()).isNull();
              assertThat(s.status().getRetirableKeyIds()).containsExactly("k1");
            }));
  }

  @ParameterizedTest
  @MethodSource("transitions")
  void transition(
      RotationStatus before,
      Observation observed,
      RotationPhase phase,
      Kind action,
      List<String> eventReasons,
      Consumer<Step> more) {
    Step step = machine.next(before, observed.in());

    assertThat(step.phase()).isEqualTo(phase);
    assertThat(step.status().getPhase()).isEqualTo(phase.name());
    assertThat(step.action().kind()).isEqualTo(action);
    assertThat(step.events()).extracting(RotationEvent::reason).isEqualTo(eventReasons);
    more.accept(step);
  }

  @Test
  void theInputStatusAndHistoryAreNotChanged() {
    RotationStatus before = status(Migrating, "k1", "k2");
    List<RotationRecord> history = new ArrayList<>(completedHistory(3));
    RotationStatus copy = status(Migrating, "k1", "k2");

    machine.next(
        before,
        seen("k2")
            .migration(new MigrationState.Succeeded(List.of(secrets(1, true, null))))
            .history(history)
            .in());

    assertThat(before).isEqualTo(copy);
    assertThat(history).hasSize(3);
  }

  @Test
  void holdKeepsTheStatusAndDoesNothing() {
    RotationStatus before = converging(Duration.ofMinutes(10));

    Step step = machine.hold(before, List.of(completedRecord("k0", "k1")));

    assertThat(step.status()).isEqualTo(before);
    assertThat(step.history()).containsExactly(completedRecord("k0", "k1"));
    assertThat(step.action()).isEqualTo(RotationAction.NONE);
    assertThat(step.events()).isEmpty();
  }

  @Test
  void aWholeRotationRunsFromDetectionToCompletion() {
    List<RotationRecord> history = List.of(completedRecord("k0", "k1"));
    RotationStatus s = status(Completed, "k0", "k1");

    Step step = machine.next(s, seen("k1", "k2").history(history).at(NOW).in());
    assertThat(step.phase()).isEqualTo(Detected);
    step = machine.next(step.status(), seen("k2").history(history).at(NOW.plusSeconds(30)).in());
    assertThat(step.phase()).isEqualTo(Converging);
    step = machine.next(step.status(), seen("k2").history(history).at(NOW.plusSeconds(330)).in());
    assertThat(step.action()).isEqualTo(RotationAction.startMigration("k2"));
    step =
        machine.next(
            step.status(),
            seen("k2")
                .migration(new MigrationState.Succeeded(List.of(secrets(7, true, null))))
                .history(history)
                .at(NOW.plusSeconds(400))
                .in());

    assertThat(step.phase()).isEqualTo(Completed);
    assertThat(step.status().getRetirableKeyIds()).containsExactly("k1", "k0");
    assertThat(step.history()).extracting(RotationRecord::getToKeyId).containsExactly("k2", "k1");
  }

  // --- fixtures ---

  private static Arguments row(
      String name,
      RotationStatus before,
      Observation observed,
      RotationPhase phase,
      Kind action,
      List<String> eventReasons,
      Consumer<Step> more) {
    return argumentSet(name, before, observed, phase, action, eventReasons, more);
  }

  private static RotationStatus status(RotationPhase phase, String from, String to) {
    return new RotationStatus()
        .withPhase(phase.name())
        .withFromKeyId(from)
        .withToKeyId(to)
        .withDetectedAt(phase == Idle ? null : "2026-03-01T09:00:00Z");
  }

  private static RotationStatus converging(Duration since) {
    return status(Converging, "k1", "k2")
        .withConvergedAt(NOW.minus(since).toString())
        .withMessage("every ready node reports key id k2");
  }

  private static RotationStatus failed(String nextAttemptAt) {
    return status(Failed, "k1", "k2")
        .withStartedAt("2026-03-01T09:30:00Z")
        .withCompletedAt("2026-03-01T09:59:00Z")
        .withAttempts(1)
        .withNextAttemptAt(nextAttemptAt)
        .withResources(List.of(secrets(500, false, "c1")))
        .withMessage("migration to key id k2 failed (attempt 1): timeout");
  }

  private static RotationStatus completed() {
    return status(Completed, "k1", "k2")
        .withCompletedAt("2026-03-01T09:30:00Z")
        .withRetirableKeyIds(List.of("k1"))
        .withMessage("rotation to key id k2 completed: 10 objects rewritten");
  }

  private static ResourceProgress secrets(long migrated, boolean done, String token) {
    return new ResourceProgress()
        .withResource("secrets")
        .withMigrated(migrated)
        .withDone(done)
        .withContinueToken(token);
  }

  private static ResourceProgress configmaps(long migrated, boolean done) {
    return new ResourceProgress().withResource("configmaps").withMigrated(migrated).withDone(done);
  }

  private static RotationRecord completedRecord(String from, String to) {
    return new RotationRecord().withFromKeyId(from).withToKeyId(to).withPhase("Completed");
  }

  private static RotationRecord superseded(String from, String to) {
    return new RotationRecord().withFromKeyId(from).withToKeyId(to).withPhase("Superseded");
  }

  /** Older rotations h{i}-from → h{i}-to, newest first. */
  private static List<RotationRecord> completedHistory(int size) {
    return IntStream.range(0, size)
        .mapToObj(i -> completedRecord("h" + i + "-from", "h" + i + "-to"))
        .toList();
  }

  private static Observation seen(String... keyIds) {
    return new Observation(keyIds);
  }

  /** What the reconciler observed, with defaults: no migration, metrics unreadable, at NOW. */
  static final class Observation {
    private final LinkedHashSet<String> keyIds;
    private boolean agree;
    private Optional<Boolean> apiservers = Optional.empty();
    private MigrationState migration = new MigrationState.NotStarted();
    private RotationSpec spec;
    private Instant now = NOW;
    private String previous;
    private List<RotationRecord> history = List.of();

    Observation(String... keyIds) {
      this.keyIds = new LinkedHashSet<>(List.of(keyIds));
      this.agree = keyIds.length == 1;
    }

    Observation disagreeing() {
      agree = false;
      return this;
    }

    Observation apiservers(boolean allSee) {
      apiservers = Optional.of(allSee);
      return this;
    }

    Observation migration(MigrationState migration) {
      this.migration = migration;
      return this;
    }

    Observation spec(RotationSpec spec) {
      this.spec = spec;
      return this;
    }

    Observation at(Instant now) {
      this.now = now;
      return this;
    }

    Observation previous(String keyId) {
      this.previous = keyId;
      return this;
    }

    Observation history(RotationRecord... records) {
      return history(List.of(records));
    }

    Observation history(List<RotationRecord> records) {
      this.history = records;
      return this;
    }

    RotationInputs in() {
      String current = agree ? keyIds.iterator().next() : null;
      return new RotationInputs(
          current, keyIds, agree, apiservers, migration, spec, now, previous, history);
    }

    @Override
    public String toString() {
      return "nodes " + keyIds + (agree ? " agreeing" : "");
    }
  }
}
