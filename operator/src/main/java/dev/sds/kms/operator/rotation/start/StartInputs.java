package dev.sds.kms.operator.rotation.start;

import dev.sds.kms.operator.crd.v1alpha1.RotationRecord;
import dev.sds.kms.operator.crd.v1alpha1.RotationSpec;
import dev.sds.kms.operator.crd.v1alpha1.RotationStatus;
import dev.sds.kms.operator.rotation.schedule.OnDemandRequest;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * What {@link RotationStarter} decides from.
 *
 * @param spec {@code spec.rotation} (never null)
 * @param paused {@code spec.paused}
 * @param status {@code status.rotation} after this reconciliation's state machine step
 * @param history {@code status.history} after that step, newest first
 * @param unhealthy why the nodes are not fit for a rotation (a node not ready or unhealthy, nodes
 *     disagreeing on the key id, a rollout in progress, a spec problem), or empty when they are
 * @param request the on-demand request on the object, if any
 * @param now the time of this reconciliation
 */
public record StartInputs(
    RotationSpec spec,
    boolean paused,
    RotationStatus status,
    List<RotationRecord> history,
    Optional<String> unhealthy,
    Optional<OnDemandRequest> request,
    Instant now) {}
