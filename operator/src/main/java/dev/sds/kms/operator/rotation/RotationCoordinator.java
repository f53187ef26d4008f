package dev.sds.kms.operator.rotation;

import dev.sds.kms.operator.crd.v1alpha1.KmsPlugin;
import dev.sds.kms.operator.crd.v1alpha1.KmsPluginStatus;
import dev.sds.kms.operator.crd.v1alpha1.NodeStatus;
import dev.sds.kms.operator.crd.v1alpha1.ResourceEncryption;
import dev.sds.kms.operator.crd.v1alpha1.ResourceProgress;
import dev.sds.kms.operator.crd.v1alpha1.RotationRecord;
import dev.sds.kms.operator.crd.v1alpha1.RotationSpec;
import dev.sds.kms.operator.crd.v1alpha1.RotationStatus;
import dev.sds.kms.operator.migration.MigrationCheckpoint;
import dev.sds.kms.operator.migration.MigrationEngine;
import dev.sds.kms.operator.migration.MigrationResult;
import dev.sds.kms.operator.migration.MigrationRunner;
import dev.sds.kms.operator.migration.MigrationRunners;
import dev.sds.kms.operator.migration.MigrationSettings;
import dev.sds.kms.operator.migration.MigrationTargetResolver;
import dev.sds.kms.operator.migration.ResourceMigrator;
import dev.sds.kms.operator.migration.StorageMigrationApi;
import dev.sds.kms.operator.migration.StorageVersionMigrator;
import dev.sds.kms.operator.rollout.SpecDefaults;
import dev.sds.kms.operator.rollout.SpecValidator;
import dev.sds.kms.operator.rotation.retire.KekRetirement;
import dev.sds.kms.operator.rotation.start.AutomatedRotation;
import dev.sds.kms.operator.rotation.start.KmaasAdminApis;
import dev.sds.kms.operator.status.Conditions;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Follows one KmsPlugin's KEK rotation from reconcile to reconcile: gathers what {@link
 * RotationStateMachine} needs from the freshly aggregated status, applies its step to the status
 * (rotation, history, encryption, the Rotating condition, Degraded on a key id flip-flop), records
 * its events, and starts or cancels the background migration it asks for. The decisions are the
 * state machine's; this class only connects it to the cluster.
 */
public final class RotationCoordinator {
  /** How soon to look again while a migration runs (progress is checkpointed in status then). */
  static final Duration MIGRATING_RECHECK = Duration.ofSeconds(2);

  /**
   * How soon to look again while the migration waits for its checkpoint to show in the stored
   * status: the next reconcile reads the status just patched and lets the migration go on.
   */
  static final Duration CHECKPOINT_RECHECK = Duration.ofMillis(100);

  /** How long a migration waits after a page for its checkpoint to be stored before going on. */
  static final Duration CHECKPOINT_WAIT = Duration.ofSeconds(30);

  /** What {@code spec.rotation.resources} means when unset: only Secrets are migrated. */
  public static final List<String> DEFAULT_RESOURCES = List.of("secrets");

  private final RotationStateMachine machine = new RotationStateMachine();
  private final MigrationRunners runners;
  private final EventRecorder events;
  private final Function<KubernetesClient, Optional<String>> apiserverMetrics;
  private final AutomatedRotation automated;
  private final KekRetirement retirement;

  /** The key id each KmsPlugin's current runner migrates to (by {@link MigrationRunners#key}). */
  private final Map<String, String> targets = new ConcurrentHashMap<>();

  /**
   * @param apiserverMetrics reads kube-apiserver's {@code /metrics} text, empty when it cannot
   */
  public RotationCoordinator(
      MigrationRunners runners,
      EventRecorder events,
      Function<KubernetesClient, Optional<String>> apiserverMetrics) {
    this(
        runners,
        events,
        apiserverMetrics,
        AutomatedRotation.standard(KmaasAdminApis.overHttps()),
        new KekRetirement(KmaasAdminApis.overHttps()));
  }

  /**
   * @param automated starts rotations on schedule and on demand ({@code spec.rotation.schedule},
   *     the rotate-now annotation)
   * @param retirement retires old KEKs after an etcd audit ({@code spec.rotation.retireOldKeys})
   */
  public RotationCoordinator(
      MigrationRunners runners,
      EventRecorder events,
      Function<KubernetesClient, Optional<String>> apiserverMetrics,
      AutomatedRotation automated,
      KekRetirement retirement) {
    this.runners = runners;
    this.events = events;
    this.apiserverMetrics = apiserverMetrics;
    this.automated = automated;
    this.retirement = retirement;
  }

  /** Reads kube-apiserver's own metrics through the client ({@code GET /metrics}). */
  public static Optional<String> readApiserverMetrics(KubernetesClient client) {
    try {
      return Optional.ofNullable(client.raw("/metrics"));
    } catch (RuntimeException e) {
      return Optional.empty();
    }
  }

  /**
   * Steps the rotation of {@code plugin}, writing the result into {@code next} (the status about to
   * be patched). Returns how soon to reconcile again for the rotation's sake, if sooner than usual.
   */
  public Optional<Duration> coordinate(
      KmsPlugin plugin, KmsPluginStatus next, KubernetesClient client, Instant now) {
    return coordinate(plugin, next, client, now, () -> {});
  }

  /**
   * As {@link #coordinate(KmsPlugin, KmsPluginStatus, KubernetesClient, Instant)}.
   *
   * @param reconcileSoon asks for a reconcile of {@code plugin} now; a migration calls it after
   *     every page so that its checkpoint reaches the status at once
   */
  public Optional<Duration> coordinate(
      KmsPlugin plugin,
      KmsPluginStatus next,
      KubernetesClient client,
      Instant now,
      Runnable reconcileSoon) {
    KmsPluginStatus previous = plugin.getStatus();
    String key = MigrationRunners.key(plugin);
    // what this reconcile read is what the API server stored: a migration waiting for its
    // checkpoint to be stored may go on
    runners.get(key).ifPresent(r -> r.persisted(storedCheckpoints(previous)));
    long generation =
        plugin.getMetadata().getGeneration() == null ? 0 : plugin.getMetadata().getGeneration();
    RotationStatus current = previous == null ? null : previous.getRotation();
    List<RotationRecord> history =
        previous == null || previous.getHistory() == null ? List.of() : previous.getHistory();

    RotationStateMachine.Step step;
    if (SpecDefaults.paused(plugin) || !SpecValidator.validateRotation(plugin).isEmpty()) {
      // paused, or spec.rotation cannot be followed as written (Degraded says why): resumed from
      // the checkpoint once unpaused or fixed
      runners.cancel(key);
      step = machine.hold(current, history);
    } else {
      step = machine.next(current, inputs(plugin, next, client, now, key, history));
    }

    act(plugin, client, key, step, reconcileSoon);
    next.setRotation(step.status());
    next.setHistory(step.history().isEmpty() ? null : step.history());
    // neither start a rotation nor retire a KEK for a spec that fails validation (Degraded says
    // why): its KMaaS settings or rotation rules cannot be trusted; paused is handled by each
    boolean invalid = !SpecValidator.validate(plugin).isEmpty();
    AutomatedRotation.Result started =
        invalid
            ? new AutomatedRotation.Result(List.of(), Optional.empty())
            : automated.apply(plugin, next, client, now, resources(plugin));
    KekRetirement.Result retiring =
        invalid || SpecDefaults.paused(plugin)
            ? new KekRetirement.Result(List.of(), Optional.empty())
            : retirement.apply(plugin, next, client, now, resources(plugin));
    next.setConditions(RotationConditions.apply(next.getConditions(), step, generation, now));
    step.flipFlop()
        .ifPresent(
            message ->
                next.setConditions(
                    Conditions.set(
                        next.getConditions(),
                        Conditions.DEGRADED,
                        true,
                        RotationStateMachine.KEY_ID_FLIP_FLOP,
                        message,
                        generation,
                        now)));
    updateEncryption(next, step);
    step.events().forEach(e -> events.record(client, plugin, e, now));
    started.events().forEach(e -> events.record(client, plugin, e, now));
    retiring.events().forEach(e -> events.record(client, plugin, e, now));

    if (step.phase() == RotationPhase.Migrating) {
      boolean waiting = runners.get(key).map(MigrationRunner::awaitingCheckpoint).orElse(false);
      return Optional.of(waiting ? CHECKPOINT_RECHECK : MIGRATING_RECHECK);
    }
    return sooner(sooner(step.recheckAfter(), started.recheck()), retiring.recheck());
  }

  private static Optional<Duration> sooner(Optional<Duration> a, Optional<Duration> b) {
    if (a.isEmpty()) {
      return b;
    }
    if (b.isEmpty()) {
      return a;
    }
    return a.get().compareTo(b.get()) <= 0 ? a : b;
  }

  /** The checkpoints in a stored status, one per resource, as a resume would read them. */
  private static List<MigrationCheckpoint> storedCheckpoints(KmsPluginStatus stored) {
    RotationStatus rotation = stored == null ? null : stored.getRotation();
    if (rotation == null || rotation.getResources() == null) {
      return List.of();
    }
    return rotation.getResources().stream().map(MigrationCheckpoint::fromStatus).toList();
  }

  private RotationInputs inputs(
      KmsPlugin plugin,
      KmsPluginStatus next,
      KubernetesClient client,
      Instant now,
      String key,
      List<RotationRecord> history) {
    Set<String> readyKeyIds = new LinkedHashSet<>();
    int readyNodes = 0;
    for (NodeStatus node : next.getNodes() == null ? List.<NodeStatus>of() : next.getNodes()) {
      if (Boolean.TRUE.equals(node.getReady()) && node.getKeyId() != null) {
        readyKeyIds.add(node.getKeyId());
        readyNodes++;
      }
    }
    String currentKeyId = next.getCurrentKeyId();
    KmsPluginStatus previous = plugin.getStatus();
    String previousKnown = previous == null ? null : previous.getCurrentKeyId();
    if (previousKnown == null && !history.isEmpty()) {
      previousKnown = history.get(0).getToKeyId();
    }
    return new RotationInputs(
        currentKeyId,
        readyKeyIds,
        readyKeyIds.size() == 1,
        apiserversSee(plugin, client, currentKeyId, readyNodes),
        migrationState(key),
        rotationSpec(plugin),
        now,
        previousKnown,
        history);
  }

  /**
   * Whether every kube-apiserver reports the new key id in its metrics. Each apiserver reports only
   * itself, and the client reaches one of them; unless as many apiservers as ready nodes show up,
   * the answer is "unknown" and convergence rests on the daemons and the delay alone.
   */
  private Optional<Boolean> apiserversSee(
      KmsPlugin plugin, KubernetesClient client, String keyId, int readyNodes) {
    if (keyId == null) {
      return Optional.empty();
    }
    Optional<String> text = apiserverMetrics.apply(client);
    if (text.isEmpty()) {
      return Optional.empty();
    }
    ApiserverKeyIdMetrics metrics = ApiserverKeyIdMetrics.parse(text.get());
    String provider = SpecDefaults.providerName(plugin);
    if (metrics.latestKeyIdHashByApiserver(provider).size() < readyNodes) {
      return Optional.empty();
    }
    return metrics.allSee(provider, keyId);
  }

  private MigrationState migrationState(String key) {
    Optional<MigrationRunner> runner = runners.get(key);
    if (runner.isEmpty() || runner.get().cancelled()) {
      // cancelled by us (spec.paused): not a failed attempt; resumed from the checkpoint
      return new MigrationState.NotStarted();
    }
    MigrationRunner.State state = runner.get().state();
    if (state instanceof MigrationRunner.State.Running r) {
      return new MigrationState.Running(progress(r.progress()));
    }
    if (state instanceof MigrationRunner.State.Succeeded s) {
      return new MigrationState.Succeeded(results(s.results()));
    }
    if (state instanceof MigrationRunner.State.Failed f) {
      return new MigrationState.Failed(f.reason(), results(f.results()));
    }
    return new MigrationState.NotStarted();
  }

  private void act(
      KmsPlugin plugin,
      KubernetesClient client,
      String key,
      RotationStateMachine.Step step,
      Runnable reconcileSoon) {
    switch (step.action().kind()) {
      case START_MIGRATION -> {
        String toKeyId = step.action().toKeyId();
        if (toKeyId.equals(targets.get(key))
            && runners.get(key).map(r -> !r.cancelled()).orElse(false)) {
          // the reconcile saw a status older than its own last patch (informer lag) and asked
          // again for the migration that is already running (or just finished): keep that one
          return;
        }
        runners.forget(key);
        targets.put(key, toKeyId);
        List<MigrationCheckpoint> checkpoints = checkpoints(plugin, step.status());
        runners.start(
            key,
            () ->
                new MigrationRunner(
                    key,
                    migrator(plugin, client, toKeyId),
                    new MigrationTargetResolver(client)::resolve,
                    checkpoints,
                    MigrationSettings.from(rotationSpec(plugin)),
                    reconcileSoon,
                    CHECKPOINT_WAIT));
      }
      case CANCEL_MIGRATION -> {
        runners.forget(key);
        targets.remove(key);
      }
      case NONE -> {
        if (step.phase() != RotationPhase.Migrating
            && runners.get(key).map(MigrationRunner::finished).orElse(false)) {
          runners.forget(key);
          targets.remove(key);
        }
      }
    }
  }

  /** The in-process engine, or the cluster's StorageVersionMigration when asked and served. */
  private static ResourceMigrator migrator(
      KmsPlugin plugin, KubernetesClient client, String toKeyId) {
    RotationSpec spec = rotationSpec(plugin);
    if (!"InProcess".equals(spec.getMigrator())) {
      Optional<StorageMigrationApi> api = StorageMigrationApi.detect(client);
      if (api.isPresent()) {
        return new StorageVersionMigrator(
            api.get(), plugin.getMetadata().getName(), toKeyId, Duration.ofSeconds(5));
      }
    }
    return new MigrationEngine(client);
  }

  /**
   * Resumes from the checkpoints in status; resources without one start from the beginning, and so
   * do resources whose listing ended with objects that could not be rewritten: which ones is not
   * known (only the first few are named), and they may still be stored under an earlier key.
   */
  static List<MigrationCheckpoint> checkpoints(KmsPlugin plugin, RotationStatus status) {
    List<ResourceProgress> stored =
        status == null || status.getResources() == null ? List.of() : status.getResources();
    List<MigrationCheckpoint> checkpoints = new ArrayList<>();
    for (String resource : resources(plugin)) {
      checkpoints.add(
          stored.stream()
              .filter(p -> resource.equals(p.getResource()))
              .findFirst()
              .map(MigrationCheckpoint::fromStatus)
              .filter(c -> !(c.done() && c.failed() > 0))
              .orElse(MigrationCheckpoint.start(resource)));
    }
    return checkpoints;
  }

  /** {@code status.encryption} from the last finished migration: per resource, on which key. */
  private static void updateEncryption(KmsPluginStatus next, RotationStateMachine.Step step) {
    RotationStatus rotation = step.status();
    if (rotation == null
        || rotation.getResources() == null
        || !(step.phase() == RotationPhase.Completed || step.phase() == RotationPhase.Failed)) {
      return;
    }
    List<ResourceEncryption> encryption = new ArrayList<>();
    for (ResourceProgress p : rotation.getResources()) {
      long rewritten = orZero(p.getMigrated()) + orZero(p.getSkipped());
      encryption.add(
          new ResourceEncryption()
              .withResource(p.getResource())
              .withKeyId(rotation.getToKeyId())
              .withRewritten(rewritten)
              .withRemaining(Boolean.TRUE.equals(p.getDone()) ? orZero(p.getFailed()) : null));
    }
    next.setEncryption(encryption);
  }

  private static List<ResourceProgress> progress(List<MigrationCheckpoint> checkpoints) {
    return checkpoints.stream().map(MigrationCheckpoint::toStatus).toList();
  }

  private static List<ResourceProgress> results(List<MigrationResult> results) {
    return results.stream()
        .map(
            r ->
                new ResourceProgress()
                    .withResource(r.resource())
                    .withContinueToken(r.continueToken())
                    .withMigrated(r.migrated())
                    .withSkipped(r.skipped())
                    .withFailed(r.failed())
                    .withDone(r.done()))
        .toList();
  }

  private static RotationSpec rotationSpec(KmsPlugin plugin) {
    RotationSpec spec = plugin.getSpec() == null ? null : plugin.getSpec().getRotation();
    return spec == null ? new RotationSpec() : spec;
  }

  static List<String> resources(KmsPlugin plugin) {
    List<String> resources = rotationSpec(plugin).getResources();
    return resources == null || resources.isEmpty() ? DEFAULT_RESOURCES : resources;
  }

  private static long orZero(Long value) {
    return Objects.requireNonNullElse(value, 0L);
  }
}
