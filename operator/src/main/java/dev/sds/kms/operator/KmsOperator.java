package dev.sds.kms.operator;

import dev.sds.kms.operator.metrics.OperatorHttpServer;
import dev.sds.kms.operator.metrics.OperatorMetrics;
import dev.sds.kms.operator.migration.MigrationRunners;
import dev.sds.kms.operator.rollout.KmsPluginReconciler;
import dev.sds.kms.operator.rotation.EventRecorder;
import dev.sds.kms.operator.rotation.RotationCoordinator;
import dev.sds.kms.operator.rotation.retire.KekRetirement;
import dev.sds.kms.operator.rotation.start.AutomatedRotation;
import dev.sds.kms.operator.rotation.start.KmaasAdminApis;
import dev.sds.kms.operator.status.HttpDaemonStatusReader;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Entry point of {@code kms-operator.jar}: reconciles {@code KmsPlugin} resources in the cluster of
 * the current kubeconfig (or in-cluster), with leader election when several replicas run. {@code
 * main} only wires and waits.
 */
public final class KmsOperator {
  private static final Logger LOG = LoggerFactory.getLogger(KmsOperator.class);

  /** Lease timing of client-go's and JOSDK's defaults: a new leader within about 15 s. */
  static final Duration LEASE_DURATION = Duration.ofSeconds(15);

  static final Duration RENEW_DEADLINE = Duration.ofSeconds(10);
  static final Duration RETRY_PERIOD = Duration.ofSeconds(2);

  /** How long a Lease lasts, how soon its holder must renew it, how often replicas try. */
  record LeaseTiming(Duration leaseDuration, Duration renewDeadline, Duration retryPeriod) {
    static final LeaseTiming DEFAULT =
        new LeaseTiming(LEASE_DURATION, RENEW_DEADLINE, RETRY_PERIOD);
  }

  private KmsOperator() {}

  public static void main(String[] args) {
    OperatorSettings settings;
    try {
      settings = OperatorSettings.fromEnv(System.getenv());
    } catch (IllegalArgumentException e) {
      System.err.println("kms-operator: " + e.getMessage());
      System.exit(2);
      return;
    }
    KubernetesClient client = new KubernetesClientBuilder().build();
    MigrationRunners migrations = new MigrationRunners();
    OperatorMetrics metrics = new OperatorMetrics();
    Operator operator = create(client, settings, true, migrations, metrics);
    try {
      operator.start();
    } catch (RuntimeException e) {
      LOG.debug("start failed", e);
      System.err.println(
          "kms-operator: cannot start against "
              + client.getMasterUrl()
              + ": "
              + rootCause(e)
              + " (is the kubeconfig or the in-cluster service account right?)");
      operator.stop();
      System.exit(1);
      return;
    }
    OperatorHttpServer http = null;
    if (settings.metricsAddress() != null) {
      try {
        http = new OperatorHttpServer(settings.metricsAddress(), metrics, () -> true);
        http.start();
      } catch (IOException e) {
        System.err.println(
            "kms-operator: METRICS_ADDRESS " + settings.metricsAddress() + ": " + e.getMessage());
        operator.stop();
        System.exit(1);
        return;
      }
    }
    OperatorHttpServer httpServer = http;
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  // no reconcile after this, so that the cancelled migration is not recorded as a
                  // failed attempt; the next leader resumes it from the checkpoint in status
                  operator.stop();
                  migrations.cancelAll();
                  if (httpServer != null) {
                    httpServer.close();
                  }
                },
                "shutdown"));
    LOG.info(
        "KmsPlugin operator started against {}; namespaces {}; leader election {}",
        client.getMasterUrl(),
        settings.watchNamespaces().isEmpty() ? "all" : settings.watchNamespaces(),
        settings.leaderElection() ? "on (Lease " + OperatorSettings.LEASE_NAME + ")" : "off");
  }

  /**
   * The operator as production and the tests run it. Status and dependents are written with plain
   * patches and updates rather than server-side apply, which fabric8's mock server (the tests)
   * cannot do; both work on a real API server.
   */
  public static Operator create(KubernetesClient client, OperatorSettings settings) {
    return create(client, settings, true, new MigrationRunners(), new OperatorMetrics());
  }

  /**
   * @param migrations the background migrations; cancel them when stopping the operator
   * @param exitOnLostLease whether a replica that loses its Lease exits (production: the pod
   *     restarts and stands in line again) rather than keep running idle (tests, which share a JVM)
   */
  static Operator create(
      KubernetesClient client,
      OperatorSettings settings,
      boolean exitOnLostLease,
      MigrationRunners migrations,
      OperatorMetrics metrics) {
    return create(
        client,
        settings,
        exitOnLostLease,
        migrations,
        metrics,
        KmaasAdminApis.overHttps(),
        LeaseTiming.DEFAULT);
  }

  /**
   * As above, with the key service's admin API opened by {@code adminApis} (tests: a fake) and
   * another Lease timing (tests that kill a leader do not wait 15 s).
   */
  static Operator create(
      KubernetesClient client,
      OperatorSettings settings,
      boolean exitOnLostLease,
      MigrationRunners migrations,
      OperatorMetrics metrics,
      KmaasAdminApis adminApis,
      LeaseTiming lease) {
    Operator operator =
        new Operator(
            o -> {
              o.withKubernetesClient(client)
                  .withUseSSAToPatchPrimaryResource(false)
                  .withSSABasedCreateUpdateMatchForDependentResources(false)
                  .withCloseClientOnStop(true);
              if (settings.leaderElection()) {
                o.withLeaderElectionConfiguration(
                    new LeaderElectionConfiguration(
                        OperatorSettings.LEASE_NAME,
                        settings.namespace(),
                        lease.leaseDuration(),
                        lease.renewDeadline(),
                        lease.retryPeriod(),
                        settings.identity(),
                        null,
                        exitOnLostLease));
              }
            });
    operator.register(
        new KmsPluginReconciler(
            new HttpDaemonStatusReader(),
            new RotationCoordinator(
                migrations,
                new EventRecorder(),
                RotationCoordinator::readApiserverMetrics,
                AutomatedRotation.standard(adminApis),
                new KekRetirement(adminApis)),
            metrics,
            settings.statusInterval(),
            Clock.systemUTC()),
        c -> {
          if (!settings.watchNamespaces().isEmpty()) {
            c.settingNamespaces(settings.watchNamespaces());
          }
        });
    return operator;
  }

  private static String rootCause(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root.getMessage() == null
        ? root.getClass().getSimpleName()
        : root.getClass().getSimpleName() + ": " + root.getMessage();
  }
}
