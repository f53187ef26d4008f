package dev.sds.kms.operator.rollout;

import dev.sds.kms.operator.crd.v1alpha1.KmsPlugin;
import dev.sds.kms.operator.crd.v1alpha1.KmsPluginStatus;
import dev.sds.kms.operator.metrics.OperatorMetrics;
import dev.sds.kms.operator.rotation.RotationCoordinator;
import dev.sds.kms.operator.status.Conditions;
import dev.sds.kms.operator.status.DaemonPod;
import dev.sds.kms.operator.status.DaemonReport;
import dev.sds.kms.operator.status.DaemonStatusReader;
import dev.sds.kms.operator.status.RolloutFacts;
import dev.sds.kms.operator.status.SpecProblem;
import dev.sds.kms.operator.status.StatusAggregator;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetStatus;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.Workflow;
import io.javaoperatorsdk.operator.api.reconciler.dependent.Dependent;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.inbound.SimpleInboundEventSource;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reconciles a {@link KmsPlugin}: checks the spec and the objects it references, then (unless
 * paused or blocked by a problem) lets the workflow bring the ServiceAccount, ConfigMap and
 * DaemonSet to their desired state, reads every daemon pod's {@code /status}, lets the {@link
 * RotationCoordinator} follow a KEK rotation, and patches the status when it changed. It only
 * orchestrates: what is desired lives in the dependents, what the status says in {@link
 * StatusAggregator}.
 */
@Workflow(
    explicitInvocation = true,
    dependents = {
      @Dependent(name = "service-account", type = ServiceAccountDependentResource.class),
      @Dependent(name = "config-map", type = ConfigMapDependentResource.class),
      @Dependent(
          name = "daemon-set",
          type = DaemonSetDependentResource.class,
          dependsOn = {"service-account", "config-map"})
    })
@ControllerConfiguration(name = "kmsplugin")
public final class KmsPluginReconciler implements Reconciler<KmsPlugin> {
  private static final Logger LOG = LoggerFactory.getLogger(KmsPluginReconciler.class);

  /** How soon to look again while the rollout is not complete or something is wrong. */
  static final Duration NOT_READY_INTERVAL = Duration.ofSeconds(10);

  /** Longest time an unchanged status goes without being written again. */
  static final Duration HEARTBEAT = Duration.ofMinutes(5);

  private final DaemonStatusReader statusReader;
  private final RotationCoordinator rotation;
  private final OperatorMetrics metrics;
  private final StatusAggregator aggregator = new StatusAggregator();

  /** Lets a background migration ask for a reconcile after every page (its checkpoint). */
  private final SimpleInboundEventSource<KmsPlugin> wake =
      new SimpleInboundEventSource<>("migration-progress");

  private final Duration statusInterval;
  private final Clock clock;

  public KmsPluginReconciler(
      DaemonStatusReader statusReader,
      RotationCoordinator rotation,
      OperatorMetrics metrics,
      Duration statusInterval,
      Clock clock) {
    this.statusReader = statusReader;
    this.rotation = rotation;
    this.metrics = metrics;
    this.statusInterval = statusInterval;
    this.clock = clock;
  }

  @Override
  public List<EventSource<?, KmsPlugin>> prepareEventSources(
      EventSourceContext<KmsPlugin> context) {
    return List.of(wake);
  }

  @Override
  public UpdateControl<KmsPlugin> reconcile(KmsPlugin plugin, Context<KmsPlugin> context) {
    List<SpecProblem> problems = new ArrayList<>(SpecValidator.validate(plugin));
    if (problems.isEmpty()) {
      problems.addAll(
          new ReferenceChecker(ReferenceLookup.using(context.getClient())).check(plugin));
    }
    boolean paused = SpecDefaults.paused(plugin);
    if (problems.isEmpty() && !paused) {
      context.managedWorkflowAndDependentResourceContext().reconcileManagedWorkflow();
    } else if (!problems.isEmpty()) {
      LOG.info(
          "KmsPlugin {}/{} not rolled out: {}",
          plugin.getMetadata().getNamespace(),
          plugin.getMetadata().getName(),
          problems.get(0).message());
    }

    DaemonSet daemonSet = currentDaemonSet(plugin, context);
    List<DaemonReport> reports =
        statusReader.read(daemonPods(plugin, context), SpecDefaults.httpPort(plugin));
    KmsPluginStatus next =
        aggregator.aggregate(
            facts(plugin, paused, problems, daemonSet),
            reports,
            plugin.getStatus(),
            clock.instant());

    ResourceID id = ResourceID.fromResource(plugin);
    Optional<Duration> rotationRecheck =
        rotation.coordinate(
            plugin, next, context.getClient(), clock.instant(), () -> wake.propagateEvent(id));

    metrics.record(plugin, next);

    Duration nextCheck = StatusAggregator.ready(next) ? statusInterval : shorter(statusInterval);
    if (rotationRecheck.isPresent() && rotationRecheck.get().compareTo(nextCheck) < 0) {
      nextCheck = rotationRecheck.get();
    }
    if (!StatusAggregator.meaningfullyChanged(plugin.getStatus(), next)
        && !heartbeatDue(plugin.getStatus())) {
      return UpdateControl.<KmsPlugin>noUpdate().rescheduleAfter(nextCheck);
    }
    KmsPlugin patched = new KmsPlugin();
    patched.setMetadata(plugin.getMetadata());
    patched.setStatus(next);
    return UpdateControl.patchStatus(patched).rescheduleAfter(nextCheck);
  }

  /**
   * Anything unexpected (the API server refusing a write, say) becomes {@code Degraded} with reason
   * {@code ReconcileFailed} instead of a crash loop; JOSDK retries with backoff.
   */
  @Override
  public ErrorStatusUpdateControl<KmsPlugin> updateErrorStatus(
      KmsPlugin plugin, Context<KmsPlugin> context, Exception e) {
    LOG.warn(
        "reconciling KmsPlugin {}/{} failed: {}",
        plugin.getMetadata().getNamespace(),
        plugin.getMetadata().getName(),
        e.toString());
    KmsPluginStatus status =
        plugin.getStatus() == null ? new KmsPluginStatus() : plugin.getStatus();
    status.setConditions(
        Conditions.set(
            status.getConditions(),
            Conditions.DEGRADED,
            true,
            "ReconcileFailed",
            "The operator could not reconcile this KmsPlugin: "
                + Objects.requireNonNullElse(e.getMessage(), e.getClass().getSimpleName())
                + ". It retries with backoff; see the operator's log.",
            plugin.getMetadata().getGeneration() == null ? 0 : plugin.getMetadata().getGeneration(),
            clock.instant()));
    KmsPlugin patched = new KmsPlugin();
    patched.setMetadata(plugin.getMetadata());
    patched.setStatus(status);
    return ErrorStatusUpdateControl.patchStatus(patched);
  }

  /**
   * Whether {@code nodes[].lastChecked} is old enough to be written again although nothing else
   * changed: the status is patched only on change, but never shows a check older than {@link
   * #HEARTBEAT} as the last one.
   */
  private boolean heartbeatDue(KmsPluginStatus status) {
    if (status == null || status.getNodes() == null) {
      return false;
    }
    Instant due = clock.instant().minus(HEARTBEAT);
    return status.getNodes().stream()
        .map(n -> n.getLastChecked())
        .filter(Objects::nonNull)
        .anyMatch(checked -> parse(checked).isBefore(due));
  }

  private static Instant parse(String timestamp) {
    try {
      return Instant.parse(timestamp);
    } catch (DateTimeParseException e) {
      return Instant.EPOCH;
    }
  }

  private Duration shorter(Duration interval) {
    return interval.compareTo(NOT_READY_INTERVAL) < 0 ? interval : NOT_READY_INTERVAL;
  }

  private static DaemonSet currentDaemonSet(KmsPlugin plugin, Context<KmsPlugin> context) {
    return context.getSecondaryResource(DaemonSet.class).orElse(null);
  }

  private static List<DaemonPod> daemonPods(KmsPlugin plugin, Context<KmsPlugin> context) {
    return context
        .getClient()
        .pods()
        .inNamespace(plugin.getMetadata().getNamespace())
        .withLabels(Labels.selector(plugin))
        .list()
        .getItems()
        .stream()
        .map(KmsPluginReconciler::daemonPod)
        .toList();
  }

  private static DaemonPod daemonPod(Pod pod) {
    boolean ready =
        pod.getStatus() != null
            && pod.getStatus().getConditions() != null
            && pod.getStatus().getConditions().stream()
                .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    return new DaemonPod(
        pod.getMetadata().getName(),
        pod.getSpec() == null ? null : pod.getSpec().getNodeName(),
        pod.getStatus() == null ? null : pod.getStatus().getPodIP(),
        ready);
  }

  private static RolloutFacts facts(
      KmsPlugin plugin, boolean paused, List<SpecProblem> problems, DaemonSet daemonSet) {
    long generation =
        plugin.getMetadata().getGeneration() == null ? 0 : plugin.getMetadata().getGeneration();
    if (daemonSet == null) {
      return new RolloutFacts(generation, paused, problems, false, 0, 0, 0, false);
    }
    DaemonSetStatus s = daemonSet.getStatus();
    Long dsGeneration = daemonSet.getMetadata().getGeneration();
    boolean current =
        s != null
            && s.getObservedGeneration() != null
            && (dsGeneration == null || s.getObservedGeneration() >= dsGeneration);
    return new RolloutFacts(
        generation,
        paused,
        problems,
        true,
        s == null ? 0 : orZero(s.getDesiredNumberScheduled()),
        s == null ? 0 : orZero(s.getUpdatedNumberScheduled()),
        s == null ? 0 : orZero(s.getNumberReady()),
        current);
  }

  private static int orZero(Integer value) {
    return value == null ? 0 : value;
  }
}
