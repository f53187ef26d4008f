package dev.sds.kms.operator.migration;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one migration of one KmsPlugin (a list of resources, each from its checkpoint) on a
 * background thread, so that a reconcile never blocks on it. The reconciler polls {@link #state()}
 * and copies {@link #checkpoints()} into status; {@code onChange} runs after every page and at the
 * end, and should trigger a reconcile.
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

  /** Stops between objects; the state becomes Failed("cancelled") with the last checkpoints. */
  public void cancel() {
    cancelled = true;
  }

  /** Whether the run has ended (Succeeded or Failed). */
  public boolean finished() {
    return state instanceof State.Succeeded || state instanceof State.Failed;
  }

  private void run() {
    List<MigrationResult> results = new ArrayList<>();
    try {
      for (int i = 0; i < checkpoints.size(); i++) {
        MigrationCheckpoint start = checkpoint(i);
        if (start.done()) {
          continue;
        }
        results.add(migrate(i, start));
        if (cancelled) {
          break;
        }
      }
      state = ended(results);
    } catch (RuntimeException e) {
      LOG.error("Migration of {} stopped", key, e);
      state = new State.Failed("migration stopped: " + e.getClass().getSimpleName(), results);
    }
    notifyChange();
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
