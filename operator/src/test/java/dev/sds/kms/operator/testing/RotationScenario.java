package dev.sds.kms.operator.testing;

import static dev.sds.kms.operator.testing.Fixtures.NS;
import static dev.sds.kms.operator.testing.Fixtures.awaitDaemonSet;
import static dev.sds.kms.operator.testing.Fixtures.playDaemonSetController;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sds.kms.operator.KmsOperatorAccess;
import dev.sds.kms.operator.crd.v1alpha1.KmsPlugin;
import dev.sds.kms.operator.crd.v1alpha1.ResourceProgress;
import dev.sds.kms.operator.crd.v1alpha1.RotationSpec;
import dev.sds.kms.operator.crd.v1alpha1.RotationStatus;
import dev.sds.kms.operator.metrics.OperatorMetrics;
import dev.sds.kms.operator.migration.MigrationRunners;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext;
import io.javaoperatorsdk.operator.Operator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * A KEK rotation as the operator ITs play it: a paging mock API server ({@link PagingDispatcher},
 * recording every request) holding Secrets, daemon pods whose {@code /status} ({@link FakeDaemons})
 * report {@link #OLD} until {@link #rotate()}, and operators that are started and killed at will,
 * each with its own client and User-Agent (its identity), so that the API server can tell them
 * apart and shut one out the moment it is killed.
 */
public final class RotationScenario implements AutoCloseable {
  public static final String OLD = "sds:acme/kek-20261125T000000Z-00000001";
  public static final String NEW = "sds:acme/kek-20261125T010000Z-00000002";
  public static final Duration WAIT = Duration.ofSeconds(60);

  public final PagingDispatcher api;
  public final MockCluster cluster;

  /** The test's own client (User-Agent {@code test}): it plays users and controllers. */
  public final KubernetesClient client;

  public final FakeDaemons daemons;
  private final Set<String> secrets = new TreeSet<>();
  private final List<RunningOperator> operators = new ArrayList<>();

  /** One operator process: its JOSDK operator and what it holds in memory. */
  public record RunningOperator(
      String identity, Operator operator, MigrationRunners migrations, OperatorMetrics metrics) {}

  /**
   * @param secrets Secrets stored before the operator starts, spread over {@code namespaces}
   */
  public RotationScenario(int secrets, int namespaces) {
    this(new PagingDispatcher(), secrets, namespaces);
  }

  /** As above, on a dispatcher the test has set up (served resources, faults). */
  public RotationScenario(PagingDispatcher api, int secrets, int namespaces) {
    this.api = api.recordCalls();
    api.expectCustomResource(
        CustomResourceDefinitionContext.fromCustomResourceType(KmsPlugin.class));
    cluster = new MockCluster(api);
    client = cluster.newClient(b -> b.editOrNewConfig().withUserAgent("test").endConfig());
    try {
      daemons = new FakeDaemons(OLD);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    this.secrets.addAll(api.seedSecrets(secrets, namespaces));
    Fixtures.createReferencedObjects(client);
    this.secrets.add("secrets/" + NS + "/" + Fixtures.credentialsSecret().getMetadata().getName());
  }

  /**
   * A single operator without leader election; {@code config} adjusts its client further (for
   * example {@code b -> b.editOrNewConfig().withRequestTimeout(2000).endConfig()}).
   */
  public RunningOperator startOperator(String identity, Consumer<KubernetesClientBuilder> config) {
    MigrationRunners migrations = new MigrationRunners();
    OperatorMetrics metrics = new OperatorMetrics();
    Operator operator =
        KmsOperatorAccess.create(
            clientOf(identity, config), Duration.ofSeconds(1), migrations, metrics);
    return started(new RunningOperator(identity, operator, migrations, metrics));
  }

  public RunningOperator startOperator(String identity) {
    return startOperator(identity, c -> {});
  }

  /** One of several replicas with leader election and a Lease of {@code leaseDuration}. */
  public RunningOperator startReplica(String identity, Duration leaseDuration) {
    MigrationRunners migrations = new MigrationRunners();
    OperatorMetrics metrics = new OperatorMetrics();
    Operator operator =
        KmsOperatorAccess.createReplica(
            clientOf(identity, c -> {}),
            identity,
            Duration.ofSeconds(1),
            leaseDuration,
            migrations,
            metrics);
    return started(new RunningOperator(identity, operator, migrations, metrics));
  }

  private RunningOperator started(RunningOperator running) {
    operators.add(running);
    running.operator().start();
    return running;
  }

  private KubernetesClient clientOf(String identity, Consumer<KubernetesClientBuilder> config) {
    return cluster.newClient(
        b -> {
          b.editOrNewConfig().withUserAgent(identity).endConfig();
          config.accept(b);
        });
  }

  /**
   * Kills an operator: from this moment the API server refuses everything it sends (it changes
   * nothing more), and its in-memory state (the running migration, the reconcilers) is thrown away
   * without any hand-over: no status written on the way out, no Lease released.
   */
  public void kill(RunningOperator running) {
    api.fence(running.identity());
    stop(running);
  }

  /** Stops as the shutdown hook of {@code KmsOperator.main} does: reconciling first. */
  private void stop(RunningOperator running) {
    running.operator().stop();
    running.migrations().cancelAll();
  }

  /**
   * Creates a valid KmsPlugin (fast rotation settings, then {@code rotation}) rolled out on 2
   * nodes.
   */
  public void createPlugin(String name, Consumer<RotationSpec> rotation) {
    KmsPlugin plugin = Fixtures.plugin(name, daemons.port());
    RotationSpec spec = new RotationSpec();
    spec.setConvergenceDelay("1s");
    spec.setPageSize(100);
    spec.setQps(2000);
    spec.setWorkers(8);
    spec.setMigrator("InProcess");
    rotation.accept(spec);
    plugin.getSpec().setRotation(spec);
    client.resource(plugin).create();
    playDaemonSetController(client, awaitDaemonSet(client, name), 2);
  }

  /** Every daemon reports {@link #NEW} from now on. */
  public void rotate() {
    daemons.keyId = NEW;
  }

  public void awaitKeyId(String name, String keyId) {
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> assertThat(plugin(name).getStatus().getCurrentKeyId()).isEqualTo(keyId));
  }

  public void awaitPhase(String name, String phase) {
    await().atMost(WAIT).untilAsserted(() -> assertThat(phase(name)).isEqualTo(phase));
  }

  public KmsPlugin plugin(String name) {
    return Fixtures.get(client, name);
  }

  public RotationStatus rotation(String name) {
    KmsPlugin plugin = plugin(name);
    return plugin.getStatus() == null ? null : plugin.getStatus().getRotation();
  }

  public String phase(String name) {
    RotationStatus rotation = rotation(name);
    return rotation == null ? null : rotation.getPhase();
  }

  /** {@code rotation.resources[].migrated} summed, as the status says now. */
  public long migratedInStatus(String name) {
    RotationStatus rotation = rotation(name);
    if (rotation == null || rotation.getResources() == null) {
      return 0;
    }
    return rotation.getResources().stream()
        .map(ResourceProgress::getMigrated)
        .filter(Objects::nonNull)
        .mapToLong(Long::longValue)
        .sum();
  }

  /** {@code secrets/<namespace>/<name>} of every Secret in the cluster. */
  public Set<String> secretKeys() {
    return Set.copyOf(secrets);
  }

  /** Successful PUTs per Secret ({@code secrets/<namespace>/<name>}). */
  public Map<String, Integer> secretUpdates() {
    return onlySecrets(api.updates());
  }

  /** PUT requests per Secret, whatever their answer. */
  public Map<String, Integer> secretPutRequests() {
    return onlySecrets(api.putRequests());
  }

  private static Map<String, Integer> onlySecrets(Map<String, Integer> counts) {
    Map<String, Integer> secrets = new TreeMap<>();
    counts.forEach(
        (k, v) -> {
          if (k.startsWith("secrets/")) {
            secrets.put(k, v);
          }
        });
    return secrets;
  }

  @Override
  public void close() {
    operators.forEach(this::stop);
    daemons.close();
    client.close();
    cluster.close();
  }
}
