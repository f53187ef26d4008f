package dev.sds.kms.operator.rotation.start;

import dev.sds.kms.operator.crd.v1alpha1.KmsPluginStatus;
import dev.sds.kms.operator.crd.v1alpha1.NodeStatus;
import dev.sds.kms.operator.status.Conditions;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.List;
import java.util.Optional;

/**
 * Back-pressure for starting rotations: the freshly aggregated status must show every daemon ready
 * and healthy, all on one key id, no rollout in progress and nothing degraded.
 */
final class NodeHealth {
  private NodeHealth() {}

  /** Why the nodes are not fit to start a rotation, or empty when they are. */
  static Optional<String> problem(KmsPluginStatus next) {
    List<NodeStatus> nodes = next.getNodes() == null ? List.of() : next.getNodes();
    if (nodes.isEmpty()) {
      return Optional.of("no daemon reports yet");
    }
    for (NodeStatus node : nodes) {
      if (!Boolean.TRUE.equals(node.getReady()) || !"ok".equals(node.getHealthz())) {
        return Optional.of(
            "the daemon on node " + node.getNodeName() + " is not ready and healthy");
      }
    }
    if (next.getCurrentKeyId() == null) {
      return Optional.of("the nodes disagree on the key id");
    }
    List<Condition> conditions = next.getConditions();
    if (Conditions.isTrue(conditions, Conditions.PROGRESSING)) {
      return Optional.of("a rollout of the daemons is in progress");
    }
    if (Conditions.isTrue(conditions, Conditions.DEGRADED)) {
      String reason =
          Conditions.find(conditions, Conditions.DEGRADED).map(Condition::getReason).orElse("");
      return Optional.of("the KmsPlugin is Degraded (" + reason + ")");
    }
    return Optional.empty();
  }
}
