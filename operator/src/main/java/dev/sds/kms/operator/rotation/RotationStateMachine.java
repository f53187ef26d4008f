package dev.sds.kms.operator.rotation;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sds.kms.operator.crd.v1alpha1.ResourceProgress;
import dev.sds.kms.operator.crd.v1alpha1.RotationRecord;
import dev.sds.kms.operator.crd.v1alpha1.RotationSpec;
import dev.sds.kms.operator.crd.v1alpha1.RotationStatus;
import dev.sds.kms.operator.rollout.SpecValidator;
import dev.sds.kms.operator.status.Conditions;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * The KEK rotation state machine of DESIGN.md §3: Idle → Detected → Converging → Migrating →
 * Completed or Failed (retried with backoff). A pure function of the previous {@code
 * status.rotation} and what the reconciler observed; it never calls Kubernetes and reads no clock.
 *
 * <p>Each call makes at most one transition. The reconciler writes {@link Step#status()} to {@code
 * status.rotation} and {@link Step#history()} to {@code status.history}, records {@link
 * Step#events()}, carries out {@link Step#action()}, sets {@code Degraded} with reason {@link
 * #KEY_ID_FLIP_FLOP} while {@link Step#flipFlop()} is present, and calls again within {@link
 * Step#recheckAfter()}.
 */
public final class RotationStateMachine {

  public static final int MAX_HISTORY = 10;
  public static final int MAX_RETIRABLE_KEY_IDS = 10;
  public static final Duration DEFAULT_CONVERGENCE_DELAY = Duration.ofMinutes(5);
  public static final String MANUAL = "Manual";

  static final Duration FIRST_BACKOFF = Duration.ofMinutes(1);
  static final Duration MAX_BACKOFF = Duration.ofMinutes(30);
  static final Duration ACTIVE_RECHECK = Duration.ofSeconds(10);
  static final Duration APISERVER_RECHECK = Duration.ofSeconds(30);

  // Event reasons
  public static final String KEY_ID_RECORDED = "KeyIdRecorded";
  public static final String ROTATION_DETECTED = "RotationDetected";
  public static final String NEWER_KEY_ID = "NewerKeyIdDetected";
  public static final String MIGRATION_CANCELLED = "MigrationCancelled";
  public static final String KEY_ID_CONVERGED = "KeyIdConverged";
  public static final String CONVERGENCE_LOST = "KeyIdConvergenceLost";
  public static final String APPROVAL_REQUIRED = "ApprovalRequired";
  public static final String MIGRATION_STARTED = "MigrationStarted";
  public static final String MIGRATION_RESUMED = "MigrationResumed";
  public static final String RESOURCE_MIGRATED = "ResourceMigrated";
  public static final String ROTATION_COMPLETED = "RotationCompleted";
  public static final String MIGRATION_FAILED = "MigrationFailed";
  public static final String MIGRATION_RETRIED = "MigrationRetried";
  public static final String REMIGRATION_STARTED = "RemigrationStarted";
  public static final String KEY_ID_FLIP_FLOP = "KeyIdFlipFlop";
  public static final String FLIP_FLOP_RESOLVED = "KeyIdFlipFlopResolved";

  private static final String FLIP_FLOP_PREFIX = "key id flip-flop: ";
  private static final ObjectMapper COPIER = new ObjectMapper();

  /**
   * The outcome of one observation.
   *
   * @param status the new {@code status.rotation}
   * @param history the new {@code status.history}, newest first, at most {@link #MAX_HISTORY}
   * @param events Kubernetes Events to record on the KmsPlugin, in order
   * @param action what to do to the migration
   * @param flipFlop present while ready nodes report a key id seen before: the message for {@code
   *     Degraded} (reason {@link #KEY_ID_FLIP_FLOP})
   * @param recheckAfter call again within this time, if present
   */
  public record Step(
      RotationStatus status,
      List<RotationRecord> history,
      List<RotationEvent> events,
      RotationAction action,
      Optional<String> flipFlop,
      Optional<Duration> recheckAfter) {

    public RotationPhase phase() {
      return RotationPhase.of(status.getPhase());
    }
  }

  /**
   * The next rotation status.
   *
   * @param current {@code status.rotation} before this reconciliation; {@code null} means Idle
   * @param in what the reconciler observed
   */
  public Step next(RotationStatus current, RotationInputs in) {
    Draft d = new Draft(copy(current), new ArrayList<>(copyHistory(in.history())), in);
    RotationPhase phase = RotationPhase.of(d.status.getPhase());
    d.status.setPhase(phase.name());
    String known = d.status.getToKeyId() != null ? d.status.getToKeyId() : in.previousKnownKeyId();
    KeyIds ids = KeyIds.of(d.status, phase, d.history, known);

    SortedSet<String> flipFlops = ids.flipFlops(in.readyNodeKeyIds(), phase);
    if (!flipFlops.isEmpty()) {
      return flipFlop(d, phase, flipFlops, known);
    }
    leaveFlipFlop(d, phase);
    SortedSet<String> unseen = ids.unseen(in.readyNodeKeyIds());
    if (known != null && !unseen.isEmpty()) {
      return newerKeyId(d, phase, known, newest(unseen, in));
    }
    if (remigrationRequested(d.status, phase, in)) {
      return remigrate(d, phase);
    }
    return switch (phase) {
      case Idle -> idle(d, known);
      case Detected -> detected(d);
      case Converging -> converging(d);
      case Migrating -> migrating(d, ids);
      case Failed -> failed(d);
      case Completed -> d.step();
    };
  }

  /** Keeps the status as it is and does nothing, e.g. while {@code spec.paused} is true. */
  public Step hold(RotationStatus current, List<RotationRecord> history) {
    RotationStatus status = copy(current);
    status.setPhase(RotationPhase.of(status.getPhase()).name());
    return new Step(
        status,
        copyHistory(history),
        List.of(),
        RotationAction.NONE,
        Optional.empty(),
        Optional.empty());
  }

  // --- phases ---

  private Step idle(Draft d, String known) {
    RotationStatus s = d.status;
    if (known == null) {
      if (d.in.allReadyNodesAgree() && d.in.currentKeyId() != null) {
        s.setToKeyId(d.in.currentKeyId());
        s.setMessage(idleMessage(s.getToKeyId()));
        d.normal(
            KEY_ID_RECORDED,
            "Key id " + s.getToKeyId() + " is the first one seen; recorded, nothing to migrate.");
      } else {
        s.setMessage("waiting for the ready nodes to agree on a key id");
      }
      return d.step();
    }
    if (s.getToKeyId() == null) {
      s.setToKeyId(known);
      s.setMessage(idleMessage(known));
    }
    return d.step();
  }

  private Step detected(Draft d) {
    RotationStatus s = d.status;
    if (converged(d)) {
      Duration delay = convergenceDelay(d.in.spec());
      s.setPhase(RotationPhase.Converging.name());
      s.setConvergedAt(time(d.in.now()));
      s.setMessage(waitingForDelay(s.getToKeyId(), d.in.now(), delay));
      d.normal(KEY_ID_CONVERGED, "Every ready node reports key id " + s.getToKeyId() + ".");
      return d.recheck(delay).step();
    }
    s.setMessage(
        "waiting for every ready node to report key id "
            + s.getToKeyId()
            + " (ready nodes report: "
            + reported(d.in)
            + ")");
    return d.recheck(ACTIVE_RECHECK).step();
  }

  private Step converging(Draft d) {
    RotationStatus s = d.status;
    String to = s.getToKeyId();
    if (!converged(d)) {
      s.setPhase(RotationPhase.Detected.name());
      s.setConvergedAt(null);
      s.setMessage(
          "the ready nodes no longer all report key id "
              + to
              + " (they report: "
              + reported(d.in)
              + "); waiting for them to agree again");
      d.warning(CONVERGENCE_LOST, capitalised(s.getMessage()) + ".");
      return d.recheck(ACTIVE_RECHECK).step();
    }
    Instant convergedAt = instant(s.getConvergedAt()).orElse(d.in.now());
    s.setConvergedAt(time(convergedAt));
    Duration delay = convergenceDelay(d.in.spec());
    Instant readyAt = convergedAt.plus(delay);
    if (d.in.now().isBefore(readyAt)) {
      s.setMessage(waitingForDelay(to, convergedAt, delay));
      return d.recheck(Duration.between(d.in.now(), readyAt)).step();
    }
    if (d.in.apiserversSeeNewKey().equals(Optional.of(false))) {
      s.setMessage(
          "waiting for every kube-apiserver to report key id "
              + to
              + " in apiserver_envelope_encryption_key_id_hash_status_last_timestamp_seconds");
      return d.recheck(APISERVER_RECHECK).step();
    }
    RotationSpec spec = d.in.spec();
    if (MANUAL.equals(spec.getPolicy()) && !to.equals(spec.getApprovedKeyId())) {
      String message = "waiting for approval: set spec.rotation.approvedKeyId to " + to;
      if (!message.equals(s.getMessage())) {
        d.normal(APPROVAL_REQUIRED, capitalised(message) + " to start the migration.");
      }
      s.setMessage(message);
      return d.step();
    }
    startMigration(s, d.in);
    s.setMessage("migrating objects to key id " + to + ": " + MigrationProgress.describe(null));
    d.normal(
        MIGRATION_STARTED,
        "Every ready node"
            + (d.in.apiserversSeeNewKey().isPresent() ? " and kube-apiserver" : "")
            + " uses key id "
            + to
            + "; rewriting "
            + String.join(", ", resources(spec))
            + ".");
    return d.action(RotationAction.startMigration(to)).recheck(ACTIVE_RECHECK).step();
  }

  private Step migrating(Draft d, KeyIds ids) {
    RotationStatus s = d.status;
    String to = s.getToKeyId();
    MigrationState migration = d.in.migration();
    if (migration instanceof MigrationState.Running running) {
      announceFinishedResources(d, s.getResources(), running.progress());
      s.setResources(MigrationProgress.copy(running.progress()));
      s.setMessage(
          "migrating objects to key id "
              + to
              + ": "
              + MigrationProgress.describe(s.getResources()));
      return d.recheck(ACTIVE_RECHECK).step();
    }
    if (migration instanceof MigrationState.Succeeded succeeded) {
      return completed(d, ids, succeeded.progress());
    }
    if (migration instanceof MigrationState.Failed failure) {
      return failedAttempt(d, failure);
    }
    s.setMessage(
        "migrating objects to key id " + to + ": " + MigrationProgress.describe(s.getResources()));
    d.normal(
        MIGRATION_RESUMED,
        "No migration runs for key id " + to + "; starting it from the last checkpoint.");
    return d.action(RotationAction.startMigration(to)).recheck(ACTIVE_RECHECK).step();
  }

  private Step completed(Draft d, KeyIds ids, List<ResourceProgress> progress) {
    RotationStatus s = d.status;
    announceFinishedResources(d, s.getResources(), progress);
    s.setResources(MigrationProgress.copy(progress));
    s.setPhase(RotationPhase.Completed.name());
    s.setCompletedAt(time(d.in.now()));
    s.setNextAttemptAt(null);
    long failed = MigrationProgress.failed(progress);
    if (failed == 0) {
      s.setRetirableKeyIds(ids.retirable(MAX_RETIRABLE_KEY_IDS));
    }
    d.prepend(
        record(s, RotationPhase.Completed.name())
            .withMigrated(MigrationProgress.migrated(progress))
            .withFailed(failed));
    s.setMessage(completedMessage(s, d.history.get(0)));
    d.normal(ROTATION_COMPLETED, capitalised(s.getMessage()) + ".");
    return d.step();
  }

  private Step failedAttempt(Draft d, MigrationState.Failed failure) {
    RotationStatus s = d.status;
    int attempts = Objects.requireNonNullElse(s.getAttempts(), 0) + 1;
    Duration backoff = backoff(attempts);
    Instant nextAttempt = d.in.now().plus(backoff);
    if (!failure.progress().isEmpty()) {
      s.setResources(MigrationProgress.copy(failure.progress()));
    }
    s.setPhase(RotationPhase.Failed.name());
    s.setAttempts(attempts);
    s.setCompletedAt(time(d.in.now()));
    s.setNextAttemptAt(time(nextAttempt));
    s.setMessage(
        "migration to key id "
            + s.getToKeyId()
            + " failed (attempt "
            + attempts
            + "): "
            + Objects.requireNonNullElse(failure.reason(), "no reason given")
            + "; next attempt at "
            + time(nextAttempt));
    d.warning(MIGRATION_FAILED, capitalised(s.getMessage()) + ".");
    return d.recheck(backoff).step();
  }

  private Step failed(Draft d) {
    RotationStatus s = d.status;
    Instant nextAttempt = instant(s.getNextAttemptAt()).orElse(d.in.now());
    if (d.in.now().isBefore(nextAttempt)) {
      return d.recheck(Duration.between(d.in.now(), nextAttempt)).step();
    }
    if (!converged(d)) {
      s.setMessage(
          "the next migration attempt waits for every ready node to report key id "
              + s.getToKeyId()
              + " (they report: "
              + reported(d.in)
              + ")");
      return d.recheck(ACTIVE_RECHECK).step();
    }
    int attempt = Objects.requireNonNullElse(s.getAttempts(), 0) + 1;
    s.setPhase(RotationPhase.Migrating.name());
    s.setCompletedAt(null);
    s.setNextAttemptAt(null);
    s.setMessage(
        "migrating objects to key id "
            + s.getToKeyId()
            + " (attempt "
            + attempt
            + "): "
            + MigrationProgress.describe(s.getResources()));
    d.normal(
        MIGRATION_RETRIED,
        "Retrying the migration to key id "
            + s.getToKeyId()
            + " (attempt "
            + attempt
            + ") from the last checkpoint.");
    return d.action(RotationAction.startMigration(s.getToKeyId())).recheck(ACTIVE_RECHECK).step();
  }

  // --- transitions from any phase ---

  private Step newerKeyId(Draft d, RotationPhase phase, String known, String newest) {
    RotationStatus s = d.status;
    String previousTarget = s.getToKeyId();
    if (phase == RotationPhase.Idle || phase == RotationPhase.Completed) {
      s.setFromKeyId(known);
      d.normal(
          ROTATION_DETECTED,
          "A ready node reports key id "
              + newest
              + "; the current one is "
              + known
              + ". Waiting for every ready node to report it.");
    } else {
      boolean migrationStarted = phase == RotationPhase.Migrating || phase == RotationPhase.Failed;
      RotationRecord superseded = record(s, KeyIds.SUPERSEDED).withCompletedAt(time(d.in.now()));
      if (migrationStarted) {
        List<ResourceProgress> progress = latestProgress(s, d.in);
        superseded
            .withMigrated(MigrationProgress.migrated(progress))
            .withFailed(MigrationProgress.failed(progress));
        d.action(RotationAction.CANCEL_MIGRATION);
        d.normal(
            MIGRATION_CANCELLED,
            "Key id "
                + newest
                + " appeared while migrating to key id "
                + previousTarget
                + "; that migration is cancelled, and every object is rewritten again once every"
                + " ready node reports "
                + newest
                + ".");
      } else {
        d.normal(
            NEWER_KEY_ID,
            "Key id "
                + newest
                + " appeared before the rotation to key id "
                + previousTarget
                + " was migrated; the rotation now heads to "
                + newest
                + ".");
      }
      d.prepend(superseded);
    }
    s.setPhase(RotationPhase.Detected.name());
    s.setToKeyId(newest);
    s.setDetectedAt(time(d.in.now()));
    s.setConvergedAt(null);
    s.setStartedAt(null);
    s.setCompletedAt(null);
    s.setAttempts(null);
    s.setNextAttemptAt(null);
    s.setResources(null);
    s.setMessage(
        "key id "
            + newest
            + " detected (rotation from "
            + s.getFromKeyId()
            + "); waiting for every ready node to report it");
    return d.recheck(ACTIVE_RECHECK).step();
  }

  private static boolean remigrationRequested(
      RotationStatus s, RotationPhase phase, RotationInputs in) {
    String token = in.spec().getRemigrateToken();
    boolean resting =
        phase == RotationPhase.Idle
            || phase == RotationPhase.Completed
            || phase == RotationPhase.Failed;
    return token != null
        && !token.isBlank()
        && !token.equals(s.getHandledRemigrateToken())
        && resting
        && in.allReadyNodesAgree()
        && in.currentKeyId() != null
        && (phase != RotationPhase.Failed || in.currentKeyId().equals(s.getToKeyId()));
  }

  private Step remigrate(Draft d, RotationPhase phase) {
    RotationStatus s = d.status;
    String current = d.in.currentKeyId();
    if (phase != RotationPhase.Failed) {
      s.setFromKeyId(current);
      s.setToKeyId(current);
      s.setDetectedAt(null);
      s.setConvergedAt(null);
    }
    startMigration(s, d.in);
    s.setMessage(
        "rewriting every object under key id "
            + current
            + " again (spec.rotation.remigrateToken changed): "
            + MigrationProgress.describe(null));
    d.normal(
        REMIGRATION_STARTED,
        "spec.rotation.remigrateToken changed: rewriting "
            + String.join(", ", resources(d.in.spec()))
            + " under key id "
            + current
            + ".");
    return d.action(RotationAction.startMigration(current)).recheck(ACTIVE_RECHECK).step();
  }

  private Step flipFlop(Draft d, RotationPhase phase, SortedSet<String> flipFlops, String known) {
    RotationStatus s = d.status;
    if (phase == RotationPhase.Migrating
        && d.in.migration() instanceof MigrationState.Running running) {
      s.setResources(MigrationProgress.copy(running.progress()));
    }
    String ids = String.join(", ", flipFlops);
    String message =
        FLIP_FLOP_PREFIX
            + (flipFlops.size() == 1
                ? "a ready node reports key id "
                : "ready nodes report key ids ")
            + ids
            + " again after key id "
            + known
            + ". A key id must never come back (A→B→A), so the operator does not follow; check"
            + " KMaaS and the daemons on the nodes reporting "
            + ids;
    if (!message.equals(s.getMessage())) {
      d.warning(KEY_ID_FLIP_FLOP, capitalised(message.substring(FLIP_FLOP_PREFIX.length())) + ".");
    }
    s.setMessage(message);
    d.flipFlop = capitalised(message.substring(FLIP_FLOP_PREFIX.length())) + ".";
    return d.recheck(ACTIVE_RECHECK).step();
  }

  /** After a flip-flop: the message of the phase again (phases that wait set theirs anyway). */
  private static void leaveFlipFlop(Draft d, RotationPhase phase) {
    RotationStatus s = d.status;
    if (s.getMessage() == null || !s.getMessage().startsWith(FLIP_FLOP_PREFIX)) {
      return;
    }
    d.normal(
        FLIP_FLOP_RESOLVED, "No ready node reports an earlier key id any more; rotation resumes.");
    RotationRecord last = d.history.isEmpty() ? null : d.history.get(0);
    s.setMessage(
        switch (phase) {
          case Idle -> idleMessage(s.getToKeyId());
          case Completed -> completedMessage(s, last);
          case Failed ->
              "migration to key id "
                  + s.getToKeyId()
                  + " failed "
                  + Objects.requireNonNullElse(s.getAttempts(), 1)
                  + " time(s); next attempt at "
                  + s.getNextAttemptAt();
          default -> "rotation to key id " + s.getToKeyId() + " resumes after a key id flip-flop";
        });
  }

  // --- helpers ---

  private static void startMigration(RotationStatus s, RotationInputs in) {
    s.setPhase(RotationPhase.Migrating.name());
    s.setStartedAt(time(in.now()));
    s.setCompletedAt(null);
    s.setAttempts(null);
    s.setNextAttemptAt(null);
    s.setResources(null);
    String token = in.spec().getRemigrateToken();
    if (token != null && !token.isBlank()) {
      // every migration rewrites every object, so it also answers a pending remigration request
      s.setHandledRemigrateToken(token);
    }
  }

  private static boolean converged(Draft d) {
    return d.in.allReadyNodesAgree() && Objects.equals(d.in.currentKeyId(), d.status.getToKeyId());
  }

  private static void announceFinishedResources(
      Draft d, List<ResourceProgress> before, List<ResourceProgress> now) {
    Set<String> doneBefore = new TreeSet<>();
    if (before != null) {
      before.stream()
          .filter(MigrationProgress::done)
          .forEach(p -> doneBefore.add(String.valueOf(p.getResource())));
    }
    for (ResourceProgress p : now) {
      if (MigrationProgress.done(p) && !doneBefore.contains(String.valueOf(p.getResource()))) {
        d.normal(
            RESOURCE_MIGRATED,
            "Migration to key id "
                + d.status.getToKeyId()
                + ": "
                + MigrationProgress.describe(List.of(p))
                + ".");
      }
    }
  }

  private static List<ResourceProgress> latestProgress(RotationStatus s, RotationInputs in) {
    MigrationState m = in.migration();
    if (m instanceof MigrationState.Running r && !r.progress().isEmpty()) {
      return r.progress();
    }
    return s.getResources();
  }

  private static RotationRecord record(RotationStatus s, String phase) {
    return new RotationRecord()
        .withFromKeyId(s.getFromKeyId())
        .withToKeyId(s.getToKeyId())
        .withPhase(phase)
        .withStartedAt(s.getStartedAt())
        .withCompletedAt(s.getCompletedAt());
  }

  private static String newest(SortedSet<String> unseen, RotationInputs in) {
    String current = in.currentKeyId();
    return current != null && unseen.contains(current) ? current : unseen.first();
  }

  private static String reported(RotationInputs in) {
    return in.readyNodeKeyIds().isEmpty()
        ? "none"
        : String.join(", ", new TreeSet<>(in.readyNodeKeyIds()));
  }

  private static String idleMessage(String keyId) {
    return "key id " + keyId + " is current; no rotation seen yet";
  }

  private static String waitingForDelay(String to, Instant convergedAt, Duration delay) {
    return "every ready node reports key id "
        + to
        + "; migration starts after the convergence delay ("
        + text(delay)
        + "), at "
        + time(convergedAt.plus(delay));
  }

  private static String completedMessage(RotationStatus s, RotationRecord last) {
    long migrated = last == null ? 0 : Objects.requireNonNullElse(last.getMigrated(), 0L);
    long failed = last == null ? 0 : Objects.requireNonNullElse(last.getFailed(), 0L);
    StringBuilder m =
        new StringBuilder("rotation to key id ")
            .append(s.getToKeyId())
            .append(" completed: ")
            .append(migrated)
            .append(" objects rewritten");
    if (failed > 0) {
      m.append(", ")
          .append(failed)
          .append(" could not be rewritten and may still use earlier key ids: retire none yet");
    } else if (s.getRetirableKeyIds() != null && !s.getRetirableKeyIds().isEmpty()) {
      m.append("; no object uses key ids ")
          .append(String.join(", ", s.getRetirableKeyIds()))
          .append(" any more");
    }
    return m.toString();
  }

  /** 1m, 2m, 4m … at most 30m, after the {@code attempts}-th failure. */
  static Duration backoff(int attempts) {
    Duration d = FIRST_BACKOFF;
    for (int i = 1; i < attempts && d.compareTo(MAX_BACKOFF) < 0; i++) {
      d = d.multipliedBy(2);
    }
    return d.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : d;
  }

  /** {@code spec.rotation.convergenceDelay}, or 5m when unset or unreadable. */
  static Duration convergenceDelay(RotationSpec spec) {
    String text = spec.getConvergenceDelay();
    Duration parsed = text == null ? null : SpecValidator.parseDuration(text);
    return parsed == null ? DEFAULT_CONVERGENCE_DELAY : parsed;
  }

  private static List<String> resources(RotationSpec spec) {
    List<String> resources = spec.getResources();
    return resources == null || resources.isEmpty() ? List.of("secrets") : resources;
  }

  private static String text(Duration d) {
    return d.toString().substring(2).toLowerCase(Locale.ROOT);
  }

  private static String time(Instant instant) {
    return Conditions.timestamp(instant);
  }

  private static Optional<Instant> instant(String text) {
    if (text == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(Instant.parse(text));
    } catch (DateTimeParseException e) {
      return Optional.empty();
    }
  }

  private static String capitalised(String s) {
    return s.isEmpty() ? s : Character.toUpperCase(s.charAt(0)) + s.substring(1);
  }

  private static RotationStatus copy(RotationStatus status) {
    if (status == null) {
      return new RotationStatus().withPhase(RotationPhase.Idle.name());
    }
    try {
      return COPIER.treeToValue(COPIER.valueToTree(status), RotationStatus.class);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException("cannot copy a RotationStatus", e);
    }
  }

  private static List<RotationRecord> copyHistory(List<RotationRecord> history) {
    if (history == null) {
      return List.of();
    }
    List<RotationRecord> copy = new ArrayList<>();
    for (RotationRecord r : history) {
      try {
        copy.add(COPIER.treeToValue(COPIER.valueToTree(r), RotationRecord.class));
      } catch (JsonProcessingException e) {
        throw new UncheckedIOException("cannot copy a RotationRecord", e);
      }
    }
    return copy;
  }

  /** The step under construction. */
  private static final class Draft {
    final RotationStatus status;
    final List<RotationRecord> history;
    final RotationInputs in;
    final List<RotationEvent> events = new ArrayList<>();
    RotationAction action = RotationAction.NONE;
    String flipFlop;
    Duration recheck;

    Draft(RotationStatus status, List<RotationRecord> history, RotationInputs in) {
      this.status = status;
      this.history = history;
      this.in = in;
    }

    void normal(String reason, String message) {
      events.add(RotationEvent.normal(reason, message));
    }

    void warning(String reason, String message) {
      events.add(RotationEvent.warning(reason, message));
    }

    Draft action(RotationAction action) {
      this.action = action;
      return this;
    }

    Draft recheck(Duration recheck) {
      this.recheck = recheck;
      return this;
    }

    void prepend(RotationRecord record) {
      history.add(0, record);
      while (history.size() > MAX_HISTORY) {
        history.remove(history.size() - 1);
      }
    }

    Step step() {
      return new Step(
          status,
          List.copyOf(history),
          List.copyOf(events),
          action,
          Optional.ofNullable(flipFlop),
          Optional.ofNullable(recheck));
    }
  }
}
