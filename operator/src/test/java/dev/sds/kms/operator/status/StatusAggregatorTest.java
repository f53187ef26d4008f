package dev.sds.kms.operator.status;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.sds.kms.operator.crd.v1alpha1.KmsPluginStatus;
import dev.sds.kms.operator.crd.v1alpha1.NodeStatus;
import dev.sds.kms.operator.crd.v1alpha1.RotationStatus;
import io.fabric8.kubernetes.api.model.Condition;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class StatusAggregatorTest {

  private static final Instant NOW = Instant.parse("2026-03-01T10:00:00Z");
  private static final Instant LATER = Instant.parse("2026-03-01T10:00:30Z");
  private static final String KEK1 = "sds:acme/kek-1";
  private static final String KEK2 = "sds:acme/kek-2";
  private static final String KMAAS_DOWN =
      "KMaaS unreachable: connection refused (https://kmaas:3000)";

  private final StatusAggregator aggregator = new StatusAggregator();

  // --- inputs ---

  /** A DaemonSet that exists, with desired/updated/ready pods, current. */
  private static RolloutFacts daemonSet(int desired, int updated, int ready) {
    return new RolloutFacts(7, false, List.of(), true, desired, updated, ready, true);
  }

  private static RolloutFacts noDaemonSet(SpecProblem... problems) {
    return new RolloutFacts(7, false, List.of(problems), false, 0, 0, 0, false);
  }

  private static RolloutFacts paused(RolloutFacts f) {
    return new RolloutFacts(
        f.generation(),
        true,
        f.problems(),
        f.daemonSetExists(),
        f.desiredPods(),
        f.updatedPods(),
        f.readyPods(),
        f.daemonSetCurrent());
  }

  private static RolloutFacts withProblems(RolloutFacts f, SpecProblem... problems) {
    return new RolloutFacts(
        f.generation(),
        f.paused(),
        List.of(problems),
        f.daemonSetExists(),
        f.desiredPods(),
        f.updatedPods(),
        f.readyPods(),
        f.daemonSetCurrent());
  }

  private static RolloutFacts notCurrent(RolloutFacts f) {
    return new RolloutFacts(
        f.generation(),
        f.paused(),
        f.problems(),
        f.daemonSetExists(),
        f.desiredPods(),
        f.updatedPods(),
        f.readyPods(),
        false);
  }

  private static DaemonPod pod(String node, boolean ready) {
    return new DaemonPod("kms-plugin-" + node, node, "10.0.0.10", ready);
  }

  private static DaemonReport healthy(String node, String keyId) {
    return new DaemonReport(pod(node, true), true, "ok", keyId, NOW, null);
  }

  private static DaemonReport unhealthy(String node, String healthz, String keyId) {
    return new DaemonReport(pod(node, false), true, healthz, keyId, NOW, null);
  }

  private static DaemonReport unreachable(String node, boolean podReady, String error) {
    return new DaemonReport(pod(node, podReady), false, null, null, NOW, error);
  }

  private static DaemonReport noIp(String node) {
    return new DaemonReport(
        new DaemonPod("kms-plugin-" + node, node, null, false),
        false,
        null,
        null,
        NOW,
        "pod has no IP yet");
  }

  private static final SpecProblem SECRET_MISSING =
      new SpecProblem(
          "SecretNotFound",
          "Secret kms-system/kmaas-api-key named in spec.kmaas.credentials" + " does not exist.");

  // --- the table ---

  record Case(
      String name,
      RolloutFacts facts,
      List<DaemonReport> reports,
      String readyNodes,
      String currentKeyId,
      String available,
      String progressing,
      String degraded) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Case> cases() {
    return Stream.of(
        new Case(
            "all healthy",
            daemonSet(3, 3, 3),
            List.of(healthy("cp-1", KEK2), healthy("cp-2", KEK2), healthy("cp-3", KEK2)),
            "3/3",
            KEK2,
            "True/AllNodesReady",
            "False/RolloutComplete",
            "False/AsExpected"),
        new Case(
            "one daemon unhealthy",
            daemonSet(3, 3, 2),
            List.of(
                healthy("cp-1", KEK2), unhealthy("cp-2", KMAAS_DOWN, KEK2), healthy("cp-3", KEK2)),
            "2/3",
            KEK2,
            "True/PartiallyAvailable",
            "True/RollingOut",
            "True/DaemonUnhealthy"),
        new Case(
            "one daemon unreachable while its pod says ready",
            daemonSet(3, 3, 3),
            List.of(
                healthy("cp-1", KEK2),
                healthy("cp-2", KEK2),
                unreachable("cp-3", true, "timed out after 2s")),
            "2/3",
            KEK2,
            "True/PartiallyAvailable",
            "False/RolloutComplete",
            "True/DaemonUnreachable"),
        new Case(
            "nodes disagree on key_id",
            daemonSet(3, 3, 3),
            List.of(healthy("cp-1", KEK2), healthy("cp-2", KEK2), healthy("cp-3", KEK1)),
            "3/3",
            null,
            "True/PartiallyAvailable",
            "False/RolloutComplete",
            "True/KeyIdMismatch"),
        new Case(
            "spec problem before any pod",
            noDaemonSet(SECRET_MISSING),
            List.of(),
            "0/0",
            null,
            "False/SecretNotFound",
            "False/Blocked",
            "True/SecretNotFound"),
        new Case(
            "spec problem while the old pods still serve",
            withProblems(daemonSet(3, 3, 3), SECRET_MISSING),
            List.of(healthy("cp-1", KEK2), healthy("cp-2", KEK2), healthy("cp-3", KEK2)),
            "3/3",
            KEK2,
            "True/AllNodesReady",
            "False/RolloutComplete",
            "True/SecretNotFound"),
        new Case(
            "paused with the rollout complete",
            paused(daemonSet(3, 3, 3)),
            List.of(healthy("cp-1", KEK2), healthy("cp-2", KEK2), healthy("cp-3", KEK2)),
            "3/3",
            KEK2,
            "True/AllNodesReady",
            "False/Paused",
            "False/AsExpected"),
        new Case(
            "paused before the DaemonSet exists",
            paused(noDaemonSet()),
            List.of(),
            "0/0",
            null,
            "False/NoNodeReady",
            "False/Paused",
            "False/AsExpected"),
        new Case(
            "rolling out: one pod replaced and still without an IP",
            daemonSet(3, 1, 2),
            List.of(healthy("cp-1", KEK2), healthy("cp-2", KEK2), noIp("cp-3")),
            "2/3",
            KEK2,
            "True/PartiallyAvailable",
            "True/RollingOut",
            "False/AsExpected"),
        new Case(
            "DaemonSet controller has not seen the new template yet",
            notCurrent(daemonSet(3, 3, 3)),
            List.of(healthy("cp-1", KEK2), healthy("cp-2", KEK2), healthy("cp-3", KEK2)),
            "3/3",
            KEK2,
            "True/AllNodesReady",
            "True/RollingOut",
            "False/AsExpected"),
        new Case(
            "no node matches the node selector",
            daemonSet(0, 0, 0),
            List.of(),
            "0/0",
            null,
            "False/NoMatchingNodes",
            "False/RolloutComplete",
            "True/NoMatchingNodes"),
        new Case(
            "no DaemonSet yet",
            noDaemonSet(),
            List.of(),
            "0/0",
            null,
            "False/NoNodeReady",
            "True/Creating",
            "False/AsExpected"),
        new Case(
            "no daemon answers",
            daemonSet(2, 2, 0),
            List.of(
                unreachable("cp-1", false, "connection refused"),
                unreachable("cp-2", false, "connection refused")),
            "0/2",
            null,
            "False/NoNodeReady",
            "True/RollingOut",
            "True/DaemonUnreachable"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void decidesConditionsAndSummary(Case c) {
    KmsPluginStatus status = aggregator.aggregate(c.facts(), c.reports(), null, NOW);

    assertThat(status.getObservedGeneration()).isEqualTo(7L);
    assertThat(status.getReadyNodes()).isEqualTo(c.readyNodes());
    assertThat(status.getCurrentKeyId()).isEqualTo(c.currentKeyId());
    assertThat(summary(status, Conditions.AVAILABLE)).isEqualTo(c.available());
    assertThat(summary(status, Conditions.PROGRESSING)).isEqualTo(c.progressing());
    assertThat(summary(status, Conditions.DEGRADED)).isEqualTo(c.degraded());
    assertThat(status.getConditions())
        .allSatisfy(
            cond -> {
              assertThat(cond.getObservedGeneration()).isEqualTo(7L);
              assertThat(cond.getLastTransitionTime()).isEqualTo("2026-03-01T10:00:00Z");
              assertThat(cond.getMessage()).isNotBlank();
            });
  }

  private static String summary(KmsPluginStatus status, String type) {
    Condition c = Conditions.find(status.getConditions(), type).orElseThrow();
    return c.getStatus() + "/" + c.getReason();
  }

  private static String message(KmsPluginStatus status, String type) {
    return Conditions.find(status.getConditions(), type).orElseThrow().getMessage();
  }

  // --- messages a person reads ---

  @Test
  void anUnhealthyDaemonIsNamedWithItsHealthzReason() {
    KmsPluginStatus status =
        aggregator.aggregate(
            daemonSet(3, 3, 2),
            List.of(
                healthy("cp-1", KEK2), unhealthy("cp-2", KMAAS_DOWN, KEK2), healthy("cp-3", KEK2)),
            null,
            NOW);

    assertThat(message(status, Conditions.DEGRADED))
        .startsWith("node cp-2: KMaaS unreachable: connection refused (https://kmaas:3000).")
        .contains("check the daemon's log");
    assertThat(message(status, Conditions.AVAILABLE)).startsWith("2/3 nodes ready");
  }

  @Test
  void anUnreachableDaemonIsNamedWithWhyItCouldNotBeRead() {
    KmsPluginStatus status =
        aggregator.aggregate(
            daemonSet(3, 3, 3),
            List.of(
                healthy("cp-1", KEK2),
                healthy("cp-2", KEK2),
                unreachable("cp-3", true, "timed out after 2s")),
            null,
            NOW);

    assertThat(message(status, Conditions.DEGRADED))
        .startsWith("node cp-3: /status not reachable: timed out after 2s.");
  }

  @Test
  void unhealthyAndUnreachableDaemonsAreAllNamedUnhealthyFirst() {
    KmsPluginStatus status =
        aggregator.aggregate(
            daemonSet(3, 3, 1),
            List.of(
                unreachable("cp-1", false, "connection refused"),
                unhealthy("cp-2", KMAAS_DOWN, KEK2),
                healthy("cp-3", KEK2)),
            null,
            NOW);

    assertThat(summary(status, Conditions.DEGRADED)).isEqualTo("True/DaemonUnhealthy");
    assertThat(message(status, Conditions.DEGRADED))
        .startsWith(
            "node cp-2: " + KMAAS_DOWN + "; node cp-1: /status not reachable: connection refused.");
  }

  @Test
  void manyUnhealthyDaemonsAreCountedAfterTheFirstThree() {
    List<DaemonReport> reports =
        Stream.of("cp-1", "cp-2", "cp-3", "cp-4", "cp-5")
            .map(n -> unhealthy(n, "KMaaS refused the credentials", KEK2))
            .toList();

    KmsPluginStatus status = aggregator.aggregate(daemonSet(5, 5, 0), reports, null, NOW);

    assertThat(message(status, Conditions.DEGRADED))
        .startsWith(
            "node cp-1: KMaaS refused the credentials; node cp-2: KMaaS refused the credentials;"
                + " node cp-3: KMaaS refused the credentials; and 2 more.");
  }

  @Test
  void disagreeingKeyIdsListWhoReportsWhatAndSayThatARotationExplainsIt() {
    KmsPluginStatus status =
        aggregator.aggregate(
            daemonSet(3, 3, 3),
            List.of(healthy("cp-3", KEK1), healthy("cp-1", KEK2), healthy("cp-2", KEK2)),
            null,
            NOW);

    assertThat(message(status, Conditions.DEGRADED))
        .startsWith(
            "nodes disagree on key_id: cp-1,cp-2 report sds:acme/kek-2; cp-3 reports"
                + " sds:acme/kek-1.")
        .contains("normal for up to one health-check interval")
        .contains("KEK rotation");
  }

  @Test
  void severalSpecProblemsShowTheFirstReasonAndCountTheRest() {
    RolloutFacts facts =
        noDaemonSet(
            new SpecProblem("SecretNotFound", "Secret a does not exist."),
            new SpecProblem("ConfigMapNotFound", "ConfigMap b does not exist."),
            new SpecProblem("InvalidSpec", "spec.healthCheckInterval is 0s."),
            new SpecProblem("InvalidSpec", "spec.image is empty."));

    KmsPluginStatus status = aggregator.aggregate(facts, List.of(), null, NOW);

    assertThat(summary(status, Conditions.DEGRADED)).isEqualTo("True/SecretNotFound");
    assertThat(message(status, Conditions.DEGRADED))
        .isEqualTo("Secret a does not exist; ConfigMap b does not exist; and 2 more.");
    assertThat(message(status, Conditions.AVAILABLE))
        .isEqualTo("No node serves the KMS plugin: Secret a does not exist.");
  }

  @Test
  void pausedSaysTheOperatorChangesNothing() {
    KmsPluginStatus status = aggregator.aggregate(paused(noDaemonSet()), List.of(), null, NOW);

    assertThat(message(status, Conditions.PROGRESSING))
        .isEqualTo("spec.paused is true: the operator changes nothing. Set it to false to resume.");
  }

  @Test
  void noMatchingNodesPointsAtTheNodeSelector() {
    KmsPluginStatus status = aggregator.aggregate(daemonSet(0, 0, 0), List.of(), null, NOW);

    assertThat(message(status, Conditions.DEGRADED))
        .startsWith("No node matches spec.nodeSelector");
  }

  // --- nodes[] ---

  @Test
  void nodesAreSortedByNodeNameAndSayWhatEachDaemonReported() {
    KmsPluginStatus status =
        aggregator.aggregate(
            daemonSet(3, 3, 2),
            List.of(
                unreachable("cp-3", true, "HTTP 503"),
                healthy("cp-1", KEK2),
                new DaemonReport(pod("cp-2", false), true, "ok", KEK2, NOW, null)),
            null,
            NOW);

    assertThat(status.getNodes())
        .extracting(
            NodeStatus::getNodeName,
            NodeStatus::getPodName,
            NodeStatus::getReady,
            NodeStatus::getHealthz,
            NodeStatus::getKeyId,
            NodeStatus::getLastChecked)
        .containsExactly(
            tuple("cp-1", "kms-plugin-cp-1", true, "ok", KEK2, "2026-03-01T10:00:00Z"),
            tuple("cp-2", "kms-plugin-cp-2", false, "ok", KEK2, "2026-03-01T10:00:00Z"),
            tuple(
                "cp-3",
                "kms-plugin-cp-3",
                false,
                "unreachable: HTTP 503",
                null,
                "2026-03-01T10:00:00Z"));
    assertThat(status.getReadyNodes()).isEqualTo("1/3");
  }

  @Test
  void moreReportsThanDesiredPodsCountAsDesired() {
    KmsPluginStatus status =
        aggregator.aggregate(
            daemonSet(0, 0, 0), List.of(healthy("cp-1", KEK2), healthy("cp-2", KEK2)), null, NOW);

    assertThat(status.getReadyNodes()).isEqualTo("2/2");
  }

  // --- what the aggregator does not own ---

  @Test
  void keepsRotationAndTheRotatingConditionFromThePreviousStatus() {
    RotationStatus rotation =
        new RotationStatus().withPhase("Converging").withFromKeyId(KEK1).withToKeyId(KEK2);
    KmsPluginStatus previous =
        new KmsPluginStatus()
            .withRotation(rotation)
            .withConditions(
                Conditions.set(
                    null,
                    Conditions.ROTATING,
                    true,
                    "Converging",
                    "waiting 5m for every apiserver to see " + KEK2,
                    6,
                    NOW));

    KmsPluginStatus status =
        aggregator.aggregate(
            daemonSet(3, 3, 3),
            List.of(healthy("cp-1", KEK2), healthy("cp-2", KEK2), healthy("cp-3", KEK2)),
            previous,
            LATER);

    assertThat(status.getRotation()).isEqualTo(rotation).isNotSameAs(rotation);
    assertThat(Conditions.find(status.getConditions(), Conditions.ROTATING))
        .contains(previous.getConditions().get(0));
    assertThat(status.getConditions())
        .extracting(Condition::getType)
        .containsExactly("Rotating", "Available", "Progressing", "Degraded");
    assertThat(previous.getConditions()).hasSize(1);
  }

  @Test
  void conditionsKeepTheirTransitionTimeWhenNothingFlipped() {
    RolloutFacts facts = daemonSet(3, 3, 3);
    List<DaemonReport> reports =
        List.of(healthy("cp-1", KEK2), healthy("cp-2", KEK2), healthy("cp-3", KEK2));
    KmsPluginStatus first = aggregator.aggregate(facts, reports, null, NOW);

    KmsPluginStatus second = aggregator.aggregate(facts, reports, first, LATER);
    KmsPluginStatus broken =
        aggregator.aggregate(
            facts,
            List.of(healthy("cp-1", KEK2), healthy("cp-2", KEK2), unhealthy("cp-3", "x", KEK2)),
            second,
            LATER);

    assertThat(second.getConditions()).isEqualTo(first.getConditions());
    Condition degraded = Conditions.find(broken.getConditions(), Conditions.DEGRADED).get();
    assertThat(degraded.getLastTransitionTime()).isEqualTo("2026-03-01T10:00:30Z");
    Condition available = Conditions.find(broken.getConditions(), Conditions.AVAILABLE).get();
    assertThat(available.getReason()).isEqualTo("PartiallyAvailable");
    assertThat(available.getLastTransitionTime()).isEqualTo("2026-03-01T10:00:00Z");
  }

  // --- helpers for the reconciler ---

  @Test
  void readyOnlyWhenAllNodesServeAndNothingIsDegraded() {
    List<DaemonReport> all =
        List.of(healthy("cp-1", KEK2), healthy("cp-2", KEK2), healthy("cp-3", KEK2));

    assertThat(StatusAggregator.ready(aggregator.aggregate(daemonSet(3, 3, 3), all, null, NOW)))
        .isTrue();
    assertThat(
            StatusAggregator.ready(
                aggregator.aggregate(
                    withProblems(daemonSet(3, 3, 3), SECRET_MISSING), all, null, NOW)))
        .isFalse();
    assertThat(
            StatusAggregator.ready(
                aggregator.aggregate(daemonSet(3, 3, 2), all.subList(0, 2), null, NOW)))
        .isFalse();
    assertThat(StatusAggregator.ready(null)).isFalse();
  }

  @Test
  void meaningfullyChangedIgnoresOnlyTheTimeOfTheLastRead() {
    RolloutFacts facts = daemonSet(3, 3, 3);
    KmsPluginStatus first =
        aggregator.aggregate(
            facts,
            List.of(healthy("cp-1", KEK2), healthy("cp-2", KEK2), healthy("cp-3", KEK2)),
            null,
            NOW);
    List<DaemonReport> readLater =
        Stream.of("cp-1", "cp-2", "cp-3")
            .map(n -> new DaemonReport(pod(n, true), true, "ok", KEK2, LATER, null))
            .toList();

    KmsPluginStatus second = aggregator.aggregate(facts, readLater, first, LATER);
    KmsPluginStatus rotated =
        aggregator.aggregate(
            facts,
            List.of(healthy("cp-1", KEK1), healthy("cp-2", KEK1), healthy("cp-3", KEK1)),
            second,
            LATER);

    assertThat(second.getNodes().get(0).getLastChecked()).isEqualTo("2026-03-01T10:00:30Z");
    assertThat(second).isNotEqualTo(first);
    assertThat(StatusAggregator.meaningfullyChanged(first, second)).isFalse();
    assertThat(StatusAggregator.meaningfullyChanged(second, rotated)).isTrue();
    assertThat(StatusAggregator.meaningfullyChanged(null, first)).isTrue();
    assertThat(first.getNodes().get(0).getLastChecked()).isEqualTo("2026-03-01T10:00:00Z");
  }
}
