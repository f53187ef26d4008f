package dev.sds.kms.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sds.kms.operator.testing.MockCluster;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Two replicas with leader election: one holds the Lease; when it stops, the other takes over. */
class LeaderElectionIT {
  private static final String NS = "sds-kms-system";

  private final MockCluster cluster = new MockCluster();
  private final KubernetesClient client = cluster.client();
  private final Map<String, Operator> replicas =
      Map.of("replica-a", replica("replica-a"), "replica-b", replica("replica-b"));

  @AfterEach
  void stop() {
    replicas.values().forEach(Operator::stop);
    cluster.close();
  }

  @Test
  void oneReplicaHoldsTheLeaseAndTheOtherTakesOverWhenItStops() {
    replicas.values().forEach(Operator::start);

    String leader = await().atMost(Duration.ofSeconds(20)).until(this::holder, h -> h != null);
    assertThat(replicas).containsKey(leader);

    replicas.get(leader).stop();

    String next =
        await()
            .atMost(KmsOperator.LEASE_DURATION.plusSeconds(20))
            .until(this::holder, h -> h != null && !h.equals(leader));
    assertThat(replicas).containsKey(next);
  }

  private String holder() {
    Lease lease = client.leases().inNamespace(NS).withName(OperatorSettings.LEASE_NAME).get();
    return lease == null || lease.getSpec() == null ? null : lease.getSpec().getHolderIdentity();
  }

  private Operator replica(String identity) {
    return KmsOperator.create(
        cluster.newClient(),
        new OperatorSettings(NS, true, Set.of(), Duration.ofSeconds(30), null, identity),
        false,
        new dev.sds.kms.operator.migration.MigrationRunners(),
        new dev.sds.kms.operator.metrics.OperatorMetrics());
  }
}
