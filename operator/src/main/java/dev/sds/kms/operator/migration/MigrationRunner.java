package dev.sds.kms.operator.migration;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one migration of one KmsPlugin (a list of resources, each from its checkpoint) on a
 * background thread, so that a reconcile never blocks on it. The reconciler polls {@link #state()}
 * and copies {@link #checkpoints()} into status; {@code onChange} runs after every page and at the
 * end, and should trigger a reconcile.
 *
 * <p>With a checkpoint wait, the runner does not start the next page before the reconciler has seen
 * the previous page's checkpoint in the stored status ({@link #persisted}): an operator killed at
 * any moment resumes at most one page behind where it was, so at most one page of objects is
 * rewritten twice. If the status cannot be written for that long, the runner goes on anyway (a
 * migration is not held up forever by a status it cannot record; only the bound is lost).
 *
 * <p>The counts of {@link State.Succeeded} and {@link State.Failed} are over every run, like the
 * checkpoints, and include the resources an earlier run finished.
 */
public final class MigrationRunner {
  private static final Logger LOG = LoggerFactory.getLogger(MigrationRunner.class);

  /** What a runner is doing. */
  public sealed interface State {
    /** Created, {@link #start()} not called yet. */
    record NotStarted() implements State {}

    /** Working; {@code progress} holds every resource's checkpoint, counts over all runs. */
    record Running(List<MigrationCheckpoint> progress) implements State {}

    /** Every resource done, no object failed. */
    record Succeeded(List<MigrationResult> results) implements State {}

    /** Some resource could not be migrated, some object failed, or the run was cancelled. */
    record Failed(String reason, List<MigrationResult> results) implements State {}
  }

  private final String key;
  private final ResourceMigrator migrator;
  private final Function<String, MigrationTarget> targets;
  private final MigrationSettings settings;
  private final Runnable onChange;
  private final List<MigrationCheckpoint> checkpoints;
  private final Duration checkpointWait;
  private final Object persistence = new Object();
  private List<Position> persisted = List.of();
  private volatile boolean awaitingCheckpoint;
  private volatile State state = new State.NotStarted();
  private volatile boolean cancelled;
  private Thread thread;

  /**
   * @param key the KmsPlugin, {@code namespace/name}
   * @param targets resolves a resource name (for example {@link MigrationTargetResolver#resolve})
   * @param checkpoints one per resource, in order; done ones are not run again
   * @param onChange called after every page and at the end, from the runner's thread
   */
  public MigrationRunner(
      String key,
      ResourceMigrator migrator,
      Function<String, MigrationTarget> targets,
      List<MigrationCheckpoint> checkpoints,
      MigrationSettings settings,
      Runnable onChange) {
    this(key, migrator, targets, checkpoints, settings, onChange, Duration.ZERO);
  }

  /**
   * @param checkpointWait how long to wait after a page for {@link #persisted} to report its
   *     checkpoint stored before going on; zero: do not wait
   */
  public MigrationRunner(
      String key,
      ResourceMigrator migrator,
      Function<String, MigrationTarget> targets,
      List<MigrationCheckpoint> checkpoints,
      MigrationSettings settings,
      Runnable onChange,
      Duration checkpointWait) {
    this.checkpointWait = Objects.requireNonNull(checkpointWait);
    this.key = Objects.requireNonNull(key);
    this.migrator = Objects.requireNonNull(migrator);
    this.targets = Objects.requireNonNull(targets);
    this.checkpoints = new ArrayList<>(checkpoints);
    this.settings = Objects.requireNonNull(settings);
    this.onChange = Objects.requireNonNull(onChange);
  }

  public String key() {
    return key;
  }

  /** Starts the background thread; a second call does nothing. */
  public synchronized void start() {
    if (thread != null) {
      return;
    }
    state = new State.Running(checkpoints());
    thread = new Thread(this::run, "migration-" + key);
    thread.setDaemon(true);
    thread.start();
  }

  public State state() {
    return state;
  }

  /** Every resource's checkpoint, counts over all runs; safe to copy into status at any time. */
  public List<MigrationCheckpoint> checkpoints() {
    synchronized (checkpoints) {
      return List.copyOf(checkpoints);
    }
  }

  /**
   * What the stored status holds for this migration (one checkpoint per resource, as the reconciler
   * read it back). A page waiting for its checkpoint to be stored goes on once it is there.
   */
  public void persisted(List<MigrationCheckpoint> stored) {
    List<Position> positions = positions(stored);
    synchronized (persistence) {
      persisted = positions;
      persistence.notifyAll();
    }
  }

  /** Whether the runner waits for its latest checkpoint to show in the stored status. */
  public boolean awaitingCheckpoint() {
    return awaitingCheckpoint;
  }

  /** Stops between objects; the state becomes Failed("cancelled") with the last checkpoints. */
  public void cancel() {
    cancelled = true;
  }

  /** Whether {@link #cancel()} was called (the run may still be finishing its current objects). */
  public boolean cancelled() {
    return cancelled;
  }

  /** Whether the run has ended (Succeeded or Failed). */
  public boolean finished() {
    return state instanceof State.Succeeded || state instanceof State.Failed;
  }

  private void run() {
    List<MigrationResult> results = new ArrayList<>();
    for (int i = 0; i < checkpoints.size(); i++) {
      results.add(null);
    }
    try {
      for (int i = 0; i < checkpoints.size(); i++) {
        MigrationCheckpoint start = checkpoint(i);
        if (start.done()) {
          continue;
        }
        results.set(i, migrate(i, start));
        if (cancelled) {
          break;
        }
      }
      state = ended(overAllRuns(results));
    } catch (RuntimeException e) {
      LOG.error("Migration of {} stopped", key, e);
      state =
          new State.Failed(
              "migration stopped: " + e.getClass().getSimpleName(), overAllRuns(results));
    }
    notifyChange();
  }

  /**
   * One result per resource with the counts of its checkpoint (every run so far), and this run's
   * error and failed object names; a resource an earlier run finished is there too.
   */
  private List<MigrationResult> overAllRuns(List<MigrationResult> thisRun) {
    List<MigrationResult> results = new ArrayList<>();
    for (int i = 0; i < thisRun.size(); i++) {
      MigrationCheckpoint c = checkpoint(i);
      MigrationResult run = thisRun.get(i);
      boolean done = run == null ? c.done() : run.done();
      results.add(
          new MigrationResult(
              c.resource(),
              c.migrated(),
              c.skipped(),
              c.failed(),
              run == null ? List.of() : run.firstFailures(),
              done,
              done ? null : c.continueToken(),
              run == null ? (done ? null : "not reached") : run.error()));
    }
    return results;
  }

  private MigrationResult migrate(int index, MigrationCheckpoint start) {
    MigrationTarget target;
    try {
      target = targets.apply(start.resource());
    } catch (UnknownResourceException e) {
      return MigrationResult.notStarted(start.resource(), start.continueToken(), e.getMessage());
    }
    ProgressListener listener =
        new ProgressListener() {
          @Override
          public void pageDone(
              String resource, String token, long migrated, long skipped, long failed) {
            update(index, start.advancedBy(token, migrated, skipped, failed, token == null));
            state = new State.Running(checkpoints());
            notifyChange();
            awaitPersisted();
          }

          @Override
          public void resourceDone(MigrationResult result) {
            String token = result.done() ? null : result.continueToken();
            update(
                index,
                start.advancedBy(
                    token, result.migrated(), result.skipped(), result.failed(), result.done()));
          }
        };
    return migrator.migrate(target, start.continueToken(), settings, listener, () -> cancelled);
  }

  /** Blocks until the stored status holds the current checkpoints, or cancel, or the time is up. */
  private void awaitPersisted() {
    if (checkpointWait.isZero()) {
      return;
    }
    List<Position> wanted = positions(checkpoints());
    long deadline = System.nanoTime() + checkpointWait.toNanos();
    synchronized (persistence) {
      awaitingCheckpoint = true;
      try {
        while (!cancelled && !wanted.equals(persisted)) {
          long left = deadline - System.nanoTime();
          if (left <= 0) {
            LOG.warn(
                "Migration of {}: the checkpoint was not stored in the KmsPlugin status within {};"
                    + " going on without it",
                key,
                checkpointWait);
            return;
          }
          persistence.wait(Math.min(TimeUnit.NANOSECONDS.toMillis(left) + 1, 100));
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        awaitingCheckpoint = false;
      }
    }
  }

  /** Where a resource's migration stands, without counts: what a resume starts from. */
  private record Position(String resource, String continueToken, boolean done) {}

  private static List<Position> positions(List<MigrationCheckpoint> checkpoints) {
    return checkpoints.stream()
        .map(c -> new Position(c.resource(), c.continueToken(), c.done()))
        .toList();
  }

  private State ended(List<MigrationResult> results) {
    if (cancelled) {
      return new State.Failed("cancelled", results);
    }
    List<MigrationResult> bad = results.stream().filter(r -> !r.succeeded()).toList();
    if (bad.isEmpty()) {
      return new State.Succeeded(results);
    }
    return new State.Failed(
        bad.stream().map(MigrationResult::summary).collect(Collectors.joining("; ")), results);
  }

  private MigrationCheckpoint checkpoint(int index) {
    synchronized (checkpoints) {
      return checkpoints.get(index);
    }
  }

  private void update(int index, MigrationCheckpoint checkpoint) {
    synchronized (checkpoints) {
      checkpoints.set(index, checkpoint);
    }
  }

  private void notifyChange() {
    try {
      onChange.run();
    } catch (RuntimeException e) {
      LOG.warn("Migration progress callback of {} failed: {}", key, e.toString());
    }
  }
}
