package dev.sds.kms.operator;

import static dev.sds.kms.operator.testing.RotationScenario.OLD;
import static dev.sds.kms.operator.testing.RotationScenario.WAIT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sds.kms.operator.crd.v1alpha1.ResourceProgress;
import dev.sds.kms.operator.testing.PagingDispatcher.ApiCall;
import dev.sds.kms.operator.testing.RotationScenario;
import dev.sds.kms.operator.testing.RotationScenario.RunningOperator;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Two operator replicas with leader election during a KEK rotation: the leader is killed in the
 * middle of the migration (no Lease released, nothing handed over); the other replica takes the
 * Lease once it expires and completes the migration from the checkpoint in status. Every write the
 * API server accepted (except Lease updates) came from the replica that held the Lease at that
 * moment, as the API server's own request log shows.
 */
class LeaderFailoverIT {
  private static final Duration LEASE = Duration.ofSeconds(6);
  private static final int PAGE = 100;
  private static final ObjectMapper JSON = new ObjectMapper();

  private final RotationScenario scenario = new RotationScenario(600, 3);

  @AfterEach
  void close() {
    scenario.close();
  }

  @Test
  void theStandbyTakesOverAKilledLeadersMigrationAndOnlyTheLeaderWrites() {
    Map<String, RunningOperator> replicas =
        Map.of(
            "replica-a", scenario.startReplica("replica-a", LEASE),
            "replica-b", scenario.startReplica("replica-b", LEASE));
    scenario.createPlugin("kms", r -> r.setPageSize(PAGE));
    scenario.awaitKeyId("kms", OLD);
    String leader = holder();
    String standby = leader.equals("replica-a") ? "replica-b" : "replica-a";

    int objects = scenario.secretKeys().size();
    scenario.api.fenceWhen(leader, () -> total(scenario.secretUpdates()) >= objects / 2);
    scenario.rotate();
    await().atMost(WAIT).until(() -> scenario.api.fenced(leader));
    scenario.kill(replicas.get(leader));
    Map<String, Integer> atKill = scenario.secretUpdates();

    long killedAt = System.nanoTime();
    await().atMost(WAIT).until(() -> standby.equals(holder()));
    long tookOver = System.nanoTime();
    scenario.awaitPhase("kms", "Completed");

    Map<String, Integer> end = scenario.secretUpdates();
    assertThat(end.keySet()).isEqualTo(scenario.secretKeys());
    long rewrittenAgain =
        atKill.entrySet().stream().filter(e -> end.get(e.getKey()) > e.getValue()).count();
    assertThat(rewrittenAgain).as("Secrets the new leader rewrote again").isLessThanOrEqualTo(PAGE);
    ResourceProgress progress = scenario.rotation("kms").getResources().get(0);
    assertThat(progress.getMigrated()).isEqualTo(objects);
    assertThat(progress.getFailed()).isZero();

    List<String> writers = acceptedWritersInOrder();
    System.out.printf(
        "leader-failover: %s killed after %d of %d Secrets; %s held the Lease %d ms later"
            + " (Lease %d s); %d Secrets rewritten again; %d accepted writes, each by the holder%n",
        leader,
        total(atKill),
        objects,
        standby,
        (tookOver - killedAt) / 1_000_000,
        LEASE.toSeconds(),
        rewrittenAgain,
        writers.size());
    assertThat(writers).as("who wrote, in order").containsSubsequence(leader, standby);
    assertThat(writers.subList(writers.indexOf(standby), writers.size()))
        .as("after the standby's first write")
        .containsOnly(standby);
  }

  /**
   * The replicas behind every write the API server accepted, Leases aside, in order; fails when a
   * write came from a replica that did not hold the Lease at that moment (the holder as the
   * accepted Lease writes before it set it). A SelfSubjectRulesReview is a question, not a write:
   * every replica asks one before it stands for election.
   */
  private List<String> acceptedWritersInOrder() {
    List<String> writers = new ArrayList<>();
    String holder = null;
    for (ApiCall call : scenario.api.calls()) {
      if (!call.write()
          || !call.accepted()
          || "test".equals(call.userAgent())
          || call.path().startsWith("/apis/authorization.k8s.io/")) {
        continue;
      }
      if (call.path().contains("/leases")) {
        holder = holderIn(call.body());
        continue;
      }
      assertThat(call.userAgent())
          .as("%s %s (#%d) by the Lease holder", call.method(), call.path(), call.seq())
          .isEqualTo(holder);
      writers.add(call.userAgent());
    }
    return writers;
  }

  private static String holderIn(String leaseJson) {
    try {
      JsonNode holder = JSON.readTree(leaseJson).path("spec").path("holderIdentity");
      return holder.isTextual() ? holder.asText() : null;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private String holder() {
    Lease lease =
        scenario
            .client
            .leases()
            .inNamespace("sds-kms-system")
            .withName(OperatorSettings.LEASE_NAME)
            .get();
    return lease == null || lease.getSpec() == null ? null : lease.getSpec().getHolderIdentity();
  }

  private static int total(Map<String, Integer> updates) {
    return updates.values().stream().mapToInt(Integer::intValue).sum();
  }
}
