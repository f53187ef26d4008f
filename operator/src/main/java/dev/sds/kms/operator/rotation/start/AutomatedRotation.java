package dev.sds.kms.operator.rotation.start;

import dev.sds.kms.operator.crd.v1alpha1.KmsPlugin;
import dev.sds.kms.operator.crd.v1alpha1.KmsPluginStatus;
import dev.sds.kms.operator.crd.v1alpha1.RotationRecord;
import dev.sds.kms.operator.crd.v1alpha1.RotationRequest;
import dev.sds.kms.operator.crd.v1alpha1.RotationSpec;
import dev.sds.kms.operator.crd.v1alpha1.RotationStart;
import dev.sds.kms.operator.crd.v1alpha1.RotationStatus;
import dev.sds.kms.operator.rollout.SpecDefaults;
import dev.sds.kms.operator.rotation.RotationEvent;
import dev.sds.kms.operator.rotation.RotationPhase;
import dev.sds.kms.operator.rotation.schedule.OnDemandRequest;
import dev.sds.kms.operator.rotation.start.KmaasAdminApi.KmaasAdminException;
import dev.sds.kms.operator.status.Conditions;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Starts rotations on schedule and on demand: asks {@link RotationStarter} and carries out its
 * decision on {@code status.rotation} (next due time, held request, dry-run plan, last start) with
 * the {@link KekRotator} that {@link RotatorChoice} picks. Runs after the state machine's step, on
 * the status about to be written.
 */
public final class AutomatedRotation {
  public static final String ROTATION_STARTED = "RotationStarted";
  public static final String ROTATION_START_FAILED = "RotationStartFailed";
  public static final String ROTATION_HELD = "RotationHeld";
  public static final String ROTATION_PLANNED = "RotationPlanned";

  private final RotationStarter starter = new RotationStarter();
  private final RotationPlanner planner = new RotationPlanner();
  private final RotatorChoice choice;

  /** Events to record and how soon to look again. */
  public record Result(List<RotationEvent> events, Optional<Duration> recheck) {}

  public AutomatedRotation(RotatorChoice choice) {
    this.choice = choice;
  }

  /** The production rotators: the admin API over HTTPS, and new seed generations. */
  public static AutomatedRotation standard(KmaasAdminApis adminApis) {
    return new AutomatedRotation(
        new RotatorChoice(new AdminApiKekRotator(adminApis), new SeedGenerationRotator()));
  }

  public Result apply(
      KmsPlugin plugin,
      KmsPluginStatus next,
      KubernetesClient client,
      Instant now,
      List<String> resources) {
    RotationStatus s = next.getRotation();
    List<RotationEvent> events = new ArrayList<>();
    if (s == null) {
      return new Result(events, Optional.empty());
    }
    RotationSpec spec = plugin.getSpec().getRotation();
    if (spec == null) {
      spec = new RotationSpec();
    }
    if (s.getKeyIdSince() == null
        && s.getToKeyId() != null
        && RotationPhase.of(s.getPhase()) == RotationPhase.Idle) {
      s.setKeyIdSince(Conditions.timestamp(now));
    }
    Optional<OnDemandRequest> request = OnDemandRequest.of(plugin, firstSeen(plugin, s, now));
    List<RotationRecord> history = next.getHistory() == null ? List.of() : next.getHistory();
    StartDecision d =
        starter.decide(
            new StartInputs(
                spec,
                SpecDefaults.paused(plugin),
                s,
                history,
                NodeHealth.problem(next),
                request,
                now));
    s.setNextRotationAt(d.nextRotationAt().map(Conditions::timestamp).orElse(null));
    if (!Boolean.TRUE.equals(spec.getDryRun())) {
      s.setPlan(null);
    }
    switch (d.kind()) {
      case NONE -> {
        s.setPendingRequest(null);
        s.setScheduleMessage(d.message());
      }
      case HOLD -> hold(s, d, events);
      case PLAN -> plan(plugin, next, s, d, client, now, resources, events);
      case START -> start(plugin, s, d, client, now, events);
    }
    return new Result(events, d.recheck());
  }

  private static void hold(RotationStatus s, StartDecision d, List<RotationEvent> events) {
    String message = describe(d) + " waits: " + d.message();
    if (!message.equals(s.getScheduleMessage())) {
      events.add(
          new RotationEvent(RotationEvent.Type.Normal, ROTATION_HELD, capitalised(message) + "."));
    }
    s.setScheduleMessage(message);
    s.setPendingRequest(
        d.request()
            .map(
                r ->
                    new RotationRequest()
                        .withToken(r.token())
                        .withRequestedBy(r.requestedBy())
                        .withRequestedAt(Conditions.timestamp(r.requestedAt()))
                        .withHeldBecause(d.message()))
            .orElse(null));
  }

  private void plan(
      KmsPlugin plugin,
      KmsPluginStatus next,
      RotationStatus s,
      StartDecision d,
      KubernetesClient client,
      Instant now,
      List<String> resources,
      List<RotationEvent> events) {
    KekRotator rotator = choice.choose(plugin);
    s.setPlan(planner.plan(plugin, next, rotator, resources, d, client, now));
    s.setScheduleMessage(d.message());
    s.setPendingRequest(null);
    d.request().ifPresent(r -> s.setHandledRotateToken(r.token()));
    events.add(
        new RotationEvent(
            RotationEvent.Type.Normal,
            ROTATION_PLANNED,
            "Dry run: " + capitalised(s.getPlan().getMessage()) + "."));
  }

  private void start(
      KmsPlugin plugin,
      RotationStatus s,
      StartDecision d,
      KubernetesClient client,
      Instant now,
      List<RotationEvent> events) {
    KekRotator rotator = choice.choose(plugin);
    RotationStart start =
        new RotationStart()
            .withReason(d.trigger())
            .withRotator(rotator.kind())
            .withStartedAt(Conditions.timestamp(now))
            .withFromKeyId(s.getToKeyId());
    d.request()
        .ifPresentOrElse(
            r ->
                start
                    .withRequestedBy(r.requestedBy())
                    .withRequestedAt(Conditions.timestamp(r.requestedAt()))
                    .withToken(r.token()),
            () -> start.withRequestedAt(s.getNextRotationAt()));
    try {
      KekRotator.Started started = rotator.start(plugin, client, now);
      start
          .withOutcome(RotationStarter.STARTED)
          .withKekId(started.kekId())
          .withSeedSuffix(started.seedSuffix())
          .withMessage(started.message());
      if (started.seedSuffix() != null) {
        s.setSeedSuffix(started.seedSuffix());
      }
      d.request().ifPresent(r -> s.setHandledRotateToken(r.token()));
      s.setPendingRequest(null);
      s.setScheduleMessage(describe(d) + " started: " + started.message());
      events.add(
          new RotationEvent(
              RotationEvent.Type.Normal,
              ROTATION_STARTED,
              capitalised(describe(d))
                  + " started ("
                  + rotator.kind()
                  + "): "
                  + started.message()
                  + "."));
    } catch (KmaasAdminException e) {
      start.withOutcome(RotationStarter.FAILED).withMessage(e.getMessage());
      s.setScheduleMessage(describe(d) + " could not start: " + e.getMessage());
      s.setPendingRequest(
          d.request()
              .map(
                  r ->
                      new RotationRequest()
                          .withToken(r.token())
                          .withRequestedBy(r.requestedBy())
                          .withRequestedAt(Conditions.timestamp(r.requestedAt()))
                          .withHeldBecause("the start failed: " + e.getMessage()))
              .orElse(null));
      events.add(
          new RotationEvent(
              RotationEvent.Type.Warning,
              ROTATION_START_FAILED,
              capitalised(describe(d))
                  + " could not start ("
                  + rotator.kind()
                  + "): "
                  + e.getMessage()
                  + ". Retried in a minute."));
    }
    s.setLastStart(start);
  }

  /** When the operator first saw the current request token (kept while it is held). */
  private static Instant firstSeen(KmsPlugin plugin, RotationStatus s, Instant now) {
    RotationRequest pending = s.getPendingRequest();
    if (pending != null && pending.getRequestedAt() != null) {
      var annotations = plugin.getMetadata().getAnnotations();
      String token = annotations == null ? null : annotations.get(OnDemandRequest.ANNOTATION);
      if (token != null && Objects.equals(token.strip(), pending.getToken())) {
        return RotationStarter.instant(pending.getRequestedAt()).orElse(now);
      }
    }
    return now;
  }

  private static String describe(StartDecision d) {
    return d.request()
        .map(r -> "the rotation requested by " + r.requestedBy() + " (token " + r.token() + ")")
        .orElse("the scheduled rotation");
  }

  private static String capitalised(String s) {
    return s.isEmpty() ? s : Character.toUpperCase(s.charAt(0)) + s.substring(1);
  }
}
