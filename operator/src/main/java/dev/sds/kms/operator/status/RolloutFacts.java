package dev.sds.kms.operator.status;

import java.util.List;

/**
 * The rollout as the reconciler found it, the input of {@link StatusAggregator} besides the daemon
 * reports.
 *
 * @param generation {@code metadata.generation} of the KmsPlugin
 * @param paused {@code spec.paused}
 * @param problems spec and reference problems (empty when none)
 * @param daemonSetExists whether the DaemonSet exists
 * @param desiredPods DaemonSet {@code status.desiredNumberScheduled}
 * @param updatedPods DaemonSet {@code status.updatedNumberScheduled}
 * @param readyPods DaemonSet {@code status.numberReady}
 * @param daemonSetCurrent DaemonSet {@code status.observedGeneration >= metadata.generation}
 */
public record RolloutFacts(
    long generation,
    boolean paused,
    List<SpecProblem> problems,
    boolean daemonSetExists,
    int desiredPods,
    int updatedPods,
    int readyPods,
    boolean daemonSetCurrent) {}
