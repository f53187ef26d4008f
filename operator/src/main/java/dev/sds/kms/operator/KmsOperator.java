package dev.sds.kms.operator;

import dev.sds.kms.operator.rollout.KmsPluginReconciler;
import dev.sds.kms.operator.status.HttpDaemonStatusReader;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import java.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Entry point of {@code kms-operator.jar}: reconciles {@code KmsPlugin} resources in the cluster of
 * the current kubeconfig (or in-cluster), with leader election when several replicas run. {@code
 * main} only wires and waits.
 */
public final class KmsOperator {
  private static final Logger LOG = LoggerFactory.getLogger(KmsOperator.class);

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
    Operator operator = create(client, settings);
    Runtime.getRuntime().addShutdownHook(new Thread(operator::stop, "shutdown"));
    operator.start();
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
                        OperatorSettings.LEASE_NAME, settings.namespace()));
              }
            });
    operator.register(
        new KmsPluginReconciler(
            new HttpDaemonStatusReader(), settings.statusInterval(), Clock.systemUTC()),
        c -> {
          if (!settings.watchNamespaces().isEmpty()) {
            c.settingNamespaces(settings.watchNamespaces());
          }
        });
    return operator;
  }
}
