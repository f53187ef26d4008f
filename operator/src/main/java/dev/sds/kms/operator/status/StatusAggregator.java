package dev.sds.kms.operator.status;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sds.kms.operator.crd.v1alpha1.KmsPluginStatus;
import dev.sds.kms.operator.crd.v1alpha1.NodeStatus;
import io.fabric8.kubernetes.api.model.Condition;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Decides the KmsPlugin status from the rollout facts and the daemons' reports: the one place that
 * chooses conditions, reasons and messages. A pure function: no I/O, the time comes in as {@code
 * now}.
 *
 * <p>It owns {@code observedGeneration}, {@code nodes}, {@code readyNodes}, {@code currentKeyId}
 * and the conditions {@code Available}, {@code Progressing} and {@code Degraded}. Everything else
 * in the previous status ({@code rotation}, the {@code Rotating} condition, fields added later) is
 * carried over unchanged, because other components own it.
 *
 * <p>The reconciler should patch the status when {@link #meaningfullyChanged} says so, or when its
 * last patch is older than the poll interval (so that {@code nodes[].lastChecked} stays roughly
 * fresh without a patch every few seconds), and reschedule itself soon while {@link #ready} is
 * false.
 */
public final class StatusAggregator {

  // Degraded
  public static final String AS_EXPECTED = "AsExpected";
  public static final String DAEMON_UNHEALTHY = "DaemonUnhealthy";
  public static final String DAEMON_UNREACHABLE = "DaemonUnreachable";
  public static final String KEY_ID_MISMATCH = "KeyIdMismatch";
  public static final String NO_MATCHING_NODES = "NoMatchingNodes";
  // Progressing
  public static final String ROLLING_OUT = "RollingOut";
  public static final String CREATING = "Creating";
  public static final String PAUSED = "Paused";
  public static final String BLOCKED = "Blocked";
  public static final String ROLLOUT_COMPLETE = "RolloutComplete";
  // Available
  public static final String ALL_NODES_READY = "AllNodesReady";
  public static final String PARTIALLY_AVAILABLE = "PartiallyAvailable";
  public static final String NO_NODE_READY = "NoNodeReady";

  /** Nodes (or problems) named in one message before "and N more". */
  private static final int MAX_NODES_NAMED = 3;

  private static final int MAX_PROBLEMS_NAMED = 2;

  private static final ObjectMapper COPIER = new ObjectMapper();

  private static final Comparator<DaemonReport> BY_NODE =
      Comparator.comparing(
              (DaemonReport r) -> r.pod().nodeName(),
              Comparator.nullsLast(Comparator.naturalOrder()))
          .thenComparing(r -> r.pod().podName(), Comparator.nullsLast(Comparator.naturalOrder()));

  private record Verdict(boolean status, String reason, String message) {}

  /**
   * The status to write.
   *
   * @param facts the rollout as the reconciler found it
   * @param reports one per daemon pod, in any order
   * @param previous the status now in the cluster, or {@code null}
   * @param now the time of this reconciliation
   */
  public KmsPluginStatus aggregate(
      RolloutFacts facts, List<DaemonReport> reports, KmsPluginStatus previous, Instant now) {
    List<DaemonReport> sorted = reports.stream().sorted(BY_NODE).toList();
    List<NodeStatus> nodes = sorted.stream().map(StatusAggregator::node).toList();
    List<DaemonReport> ready = sorted.stream().filter(StatusAggregator::ready).toList();
    int desired = Math.max(facts.desiredPods(), reports.size());
    Map<String, List<String>> keyIds = keyIdsOfReadyNodes(ready);

    KmsPluginStatus next = copy(previous);
    next.setObservedGeneration(facts.generation());
    next.setNodes(nodes);
    next.setReadyNodes(ready.size() + "/" + desired);
    next.setCurrentKeyId(keyIds.size() == 1 ? keyIds.keySet().iterator().next() : null);

    Verdict available = available(facts, ready.size(), desired, keyIds);
    Verdict progressing = progressing(facts);
    Verdict degraded = degraded(facts, sorted, keyIds);
    long generation = facts.generation();
    List<Condition> conditions = next.getConditions();
    conditions = set(conditions, Conditions.AVAILABLE, available, generation, now);
    conditions = set(conditions, Conditions.PROGRESSING, progressing, generation, now);
    conditions = set(conditions, Conditions.DEGRADED, degraded, generation, now);
    next.setConditions(conditions);
    return next;
  }

  /**
   * Whether the rollout needs no quick second look: Available on all nodes and not Degraded. While
   * false, the reconciler reschedules itself soon.
   */
  public static boolean ready(KmsPluginStatus status) {
    if (status == null) {
      return false;
    }
    List<Condition> conditions = status.getConditions();
    boolean allNodes =
        Conditions.find(conditions, Conditions.AVAILABLE)
            .filter(c -> Conditions.TRUE.equals(c.getStatus()))
            .filter(c -> ALL_NODES_READY.equals(c.getReason()))
            .isPresent();
    return allNodes && !Conditions.isTrue(conditions, Conditions.DEGRADED);
  }

  /**
   * Whether {@code next} says something {@code previous} did not, ignoring {@code
   * nodes[].lastChecked} (which moves on every read). Condition times only move when a status
   * flips, so they need no special treatment.
   */
  public static boolean meaningfullyChanged(KmsPluginStatus previous, KmsPluginStatus next) {
    if (previous == null || next == null) {
      return previous != next;
    }
    return !withoutLastChecked(previous).equals(withoutLastChecked(next));
  }

  // --- conditions ---

  private static Verdict available(
      RolloutFacts facts, int ready, int desired, Map<String, List<String>> keyIds) {
    String counted = ready + "/" + desired + " nodes ready";
    if (ready > 0 && ready >= desired && keyIds.size() == 1) {
      return new Verdict(
          true,
          ALL_NODES_READY,
          counted + "; every daemon serves the KMS plugin with key_id " + only(keyIds) + ".");
    }
    if (ready > 0 && keyIds.size() > 1) {
      return new Verdict(
          true,
          PARTIALLY_AVAILABLE,
          counted + ", but the daemons disagree on key_id; see the Degraded condition.");
    }
    if (ready > 0) {
      return new Verdict(
          true,
          PARTIALLY_AVAILABLE,
          counted
              + "; kube-apiserver on the other nodes cannot reach its KMS plugin. See the Degraded"
              + " condition and status.nodes.");
    }
    if (!facts.problems().isEmpty()) {
      SpecProblem first = facts.problems().get(0);
      return new Verdict(
          false, first.reason(), "No node serves the KMS plugin: " + sentence(first.message()));
    }
    if (noMatchingNodes(facts, desired)) {
      return new Verdict(
          false, NO_MATCHING_NODES, "No node serves the KMS plugin: " + NO_MATCHING_NODES_MESSAGE);
    }
    if (!facts.daemonSetExists()) {
      return new Verdict(
          false,
          NO_NODE_READY,
          facts.paused()
              ? "The DaemonSet does not exist and spec.paused is true, so the operator does not"
                  + " create it."
              : "The DaemonSet does not exist yet; the operator is creating it.");
    }
    return new Verdict(
        false,
        NO_NODE_READY,
        counted + "; no kube-apiserver can reach its KMS plugin. See status.nodes.");
  }

  private static Verdict progressing(RolloutFacts facts) {
    int desired = facts.desiredPods();
    boolean rolling =
        facts.updatedPods() < desired || facts.readyPods() < desired || !facts.daemonSetCurrent();
    if (facts.daemonSetExists() && rolling) {
      StringBuilder m =
          new StringBuilder("DaemonSet rollout: ")
              .append(facts.updatedPods())
              .append('/')
              .append(desired)
              .append(" pods updated, ")
              .append(facts.readyPods())
              .append('/')
              .append(desired)
              .append(" ready");
      if (!facts.daemonSetCurrent()) {
        m.append("; the DaemonSet controller has not yet seen the latest template");
      }
      m.append('.');
      if (facts.paused()) {
        m.append(
            " spec.paused is true: the operator changes nothing, but the DaemonSet controller"
                + " finishes this rollout.");
      }
      return new Verdict(true, ROLLING_OUT, m.toString());
    }
    if (facts.paused()) {
      return new Verdict(
          false,
          PAUSED,
          "spec.paused is true: the operator changes nothing. Set it to false to resume.");
    }
    if (!facts.daemonSetExists() && facts.problems().isEmpty()) {
      return new Verdict(
          true, CREATING, "Creating the daemon's DaemonSet, ConfigMap and ServiceAccount.");
    }
    if (!facts.daemonSetExists()) {
      return new Verdict(
          false,
          BLOCKED,
          "The DaemonSet is not created until the problem in the Degraded condition is fixed.");
    }
    return new Verdict(
        false,
        ROLLOUT_COMPLETE,
        desired + "/" + desired + " pods run the current DaemonSet template.");
  }

  private static final String NO_MATCHING_NODES_MESSAGE =
      "no node matches spec.nodeSelector (and spec.tolerations), so the DaemonSet runs no daemon."
          + " Label the nodes that run kube-apiserver or change spec.nodeSelector.";

  private static Verdict degraded(
      RolloutFacts facts, List<DaemonReport> reports, Map<String, List<String>> keyIds) {
    List<SpecProblem> problems = facts.problems();
    if (!problems.isEmpty()) {
      List<String> messages = problems.stream().map(SpecProblem::message).toList();
      return new Verdict(
          true, problems.get(0).reason(), listed(messages, MAX_PROBLEMS_NAMED) + ".");
    }
    List<String> unhealthy = new ArrayList<>();
    List<String> unreachable = new ArrayList<>();
    for (DaemonReport r : reports) {
      if (r.reachable() && !r.healthy()) {
        unhealthy.add(name(r) + ": " + r.healthz());
      } else if (!r.reachable() && r.pod().podIp() != null) {
        // a pod without an IP is still starting; Progressing and readyNodes say so
        unreachable.add(name(r) + ": /status not reachable: " + r.error());
      }
    }
    if (!unhealthy.isEmpty() || !unreachable.isEmpty()) {
      List<String> all = new ArrayList<>(unhealthy);
      all.addAll(unreachable);
      String advice =
          unhealthy.isEmpty()
              ? " Check that the daemon pods run and serve spec.httpPort on the pod IP."
              : " kube-apiserver on these nodes cannot encrypt new writes; check the daemon's log"
                  + " and its connection to KMaaS.";
      return new Verdict(
          true,
          unhealthy.isEmpty() ? DAEMON_UNREACHABLE : DAEMON_UNHEALTHY,
          listed(all, MAX_NODES_NAMED) + "." + advice);
    }
    if (keyIds.size() > 1) {
      return new Verdict(true, KEY_ID_MISMATCH, keyIdMismatch(keyIds));
    }
    if (noMatchingNodes(facts, reports.size())) {
      return new Verdict(
          true,
          NO_MATCHING_NODES,
          Character.toUpperCase(NO_MATCHING_NODES_MESSAGE.charAt(0))
              + NO_MATCHING_NODES_MESSAGE.substring(1));
    }
    return new Verdict(false, AS_EXPECTED, "No problem found.");
  }

  private static String keyIdMismatch(Map<String, List<String>> keyIds) {
    List<Map.Entry<String, List<String>>> groups =
        keyIds.entrySet().stream()
            .sorted(
                Comparator.comparing((Map.Entry<String, List<String>> e) -> -e.getValue().size())
                    .thenComparing(Map.Entry::getKey))
            .toList();
    List<String> parts = new ArrayList<>();
    for (Map.Entry<String, List<String>> g : groups) {
      List<String> names = g.getValue();
      parts.add(
          String.join(",", names) + (names.size() == 1 ? " reports " : " report ") + g.getKey());
    }
    return "nodes disagree on key_id: "
        + String.join("; ", parts)
        + ". This is normal for up to one health-check interval (spec.healthCheckInterval) after"
        + " a KEK rotation; if it lasts longer, check the logs of the daemons and their"
        + " connection to KMaaS.";
  }

  private static boolean noMatchingNodes(RolloutFacts facts, int pods) {
    return facts.daemonSetExists() && facts.desiredPods() == 0 && pods == 0;
  }

  // --- nodes ---

  private static boolean ready(DaemonReport r) {
    return r.pod().podReady() && r.healthy();
  }

  private static NodeStatus node(DaemonReport r) {
    return new NodeStatus()
        .withNodeName(r.pod().nodeName())
        .withPodName(r.pod().podName())
        .withReady(ready(r))
        .withHealthz(r.reachable() ? r.healthz() : "unreachable: " + r.error())
        .withKeyId(r.keyId())
        .withLastChecked(r.checkedAt() == null ? null : Conditions.timestamp(r.checkedAt()));
  }

  /** key_id → names of the ready nodes reporting it, both sorted. */
  private static Map<String, List<String>> keyIdsOfReadyNodes(List<DaemonReport> ready) {
    Map<String, List<String>> keyIds = new TreeMap<>();
    for (DaemonReport r : ready) {
      if (r.keyId() != null) {
        keyIds.computeIfAbsent(r.keyId(), k -> new ArrayList<>()).add(shortName(r));
      }
    }
    return keyIds;
  }

  private static String only(Map<String, List<String>> keyIds) {
    return keyIds.keySet().iterator().next();
  }

  private static String shortName(DaemonReport r) {
    return r.pod().nodeName() != null ? r.pod().nodeName() : "pod " + r.pod().podName();
  }

  private static String name(DaemonReport r) {
    return r.pod().nodeName() != null
        ? "node " + r.pod().nodeName()
        : "pod " + r.pod().podName() + " (not scheduled)";
  }

  // --- text ---

  /** {@code a; b; c; and 2 more}, each item without its final full stop. */
  static String listed(List<String> items, int max) {
    List<String> shown = items.stream().limit(max).map(StatusAggregator::withoutStop).toList();
    String joined = String.join("; ", shown);
    int rest = items.size() - shown.size();
    return rest > 0 ? joined + "; and " + rest + " more" : joined;
  }

  private static String withoutStop(String s) {
    return s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
  }

  private static String sentence(String s) {
    return s.endsWith(".") ? s : s + ".";
  }

  // --- copies ---

  private static List<Condition> set(
      List<Condition> conditions, String type, Verdict v, long generation, Instant now) {
    return Conditions.set(conditions, type, v.status(), v.reason(), v.message(), generation, now);
  }

  private static KmsPluginStatus copy(KmsPluginStatus status) {
    if (status == null) {
      return new KmsPluginStatus();
    }
    try {
      return COPIER.treeToValue(COPIER.valueToTree(status), KmsPluginStatus.class);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException("cannot copy a KmsPluginStatus", e);
    }
  }

  private static KmsPluginStatus withoutLastChecked(KmsPluginStatus status) {
    KmsPluginStatus copy = copy(status);
    if (copy.getNodes() != null) {
      copy.getNodes().forEach(n -> n.setLastChecked(null));
    }
    return copy;
  }
}
