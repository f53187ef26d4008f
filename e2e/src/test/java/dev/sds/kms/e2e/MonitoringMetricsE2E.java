package dev.sds.kms.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.ByteString;
import dev.sds.kms.operator.KmsOperatorAccess;
import dev.sds.kms.operator.metrics.OperatorHttpServer;
import dev.sds.kms.operator.metrics.OperatorMetrics;
import dev.sds.kms.operator.migration.MigrationRunners;
import dev.sds.kms.operator.testing.Fixtures;
import dev.sds.kms.operator.testing.MockCluster;
import dev.sds.kms.plugin.kms.KmsV2Client;
import dev.sds.kms.plugin.kms.v2.DecryptRequest;
import dev.sds.kms.plugin.kms.v2.EncryptRequest;
import dev.sds.kms.plugin.kms.v2.EncryptResponse;
import dev.sds.kms.plugin.kms.v2.StatusRequest;
import io.javaoperatorsdk.operator.Operator;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The alerts and the dashboard of {@code config/monitoring/} against a real Prometheus: it scrapes
 * a running daemon ({@code kms-plugin.jar serve} on the embedded KMaaS, after kube-apiserver-like
 * Status, Encrypt and Decrypt calls) and the operator's {@code /metrics} (in-process, reconciling a
 * KmsPlugin against fabric8's mock API server whose one pod is that daemon) and evaluates the
 * rules. Every metric the rules and the dashboard use must exist there, except those only
 * kube-apiserver exports ({@link MonitoringConfig#APISERVER_METRICS}).
 */
class MonitoringMetricsE2E {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final String PLUGIN = "kms";

  private static Processes processes;
  private static Path socketDir;
  private static DaemonProcess daemon;
  private static PrometheusServer prometheus;

  @BeforeAll
  static void start() throws Exception {
    processes = new Processes("MonitoringMetricsE2E");
    try {
      startAll();
    } catch (Exception | Error e) {
      stop();
      throw e;
    }
  }

  private static void startAll() throws Exception {
    // Unix socket paths must stay under 108 bytes: a short directory in /tmp, not target/
    socketDir = Files.createTempDirectory("kms-mon-");
    daemon =
        DaemonProcess.embedded(
            "node-a", socketDir, processes.logDir().resolve("embedded-kmaas.json"), processes);
    daemon.start();
    callLikeKubeApiserver(daemon);

    // the operator, reconciling a KmsPlugin whose one daemon pod (pod IP 127.0.0.1) is that daemon
    MockCluster cluster = processes.track(new MockCluster());
    OperatorMetrics metrics = new OperatorMetrics();
    MigrationRunners migrations = new MigrationRunners();
    Operator operator =
        KmsOperatorAccess.create(cluster.newClient(), Duration.ofSeconds(1), migrations, metrics);
    operator.start();
    processes.track(
        () -> {
          migrations.cancelAll();
          operator.stop();
        });
    Fixtures.createReferencedObjects(cluster.client());
    cluster.client().resource(Fixtures.plugin(PLUGIN, daemon.httpPort())).create();
    Fixtures.playDaemonSetController(
        cluster.client(), Fixtures.awaitDaemonSet(cluster.client(), PLUGIN), 1);
    await("the operator reads the daemon's /status")
        .atMost(WAIT)
        .until(
            () ->
                metrics
                    .registry()
                    .scrape()
                    .contains(
                        "kms_operator_ready_nodes{name=\"kms\",namespace=\"sds-kms-system\"} 1.0"));
    OperatorHttpServer operatorHttp =
        processes.track(
            new OperatorHttpServer(new InetSocketAddress("127.0.0.1", 0), metrics, () -> true));
    operatorHttp.start();

    prometheus =
        PrometheusServer.start(
            processes,
            List.of(
                // the labels the PodMonitor of config/monitoring/pod-monitors.yaml sets
                new PrometheusServer.Job(
                    "sds-kms-plugin",
                    daemon.httpAddress(),
                    Map.of("node", "cp-1", "kmsplugin", PLUGIN)),
                new PrometheusServer.Job(
                    "sds-kms-operator", "127.0.0.1:" + operatorHttp.address().getPort(), Map.of())),
            MonitoringConfig.RULES);
  }

  /**
   * Status, Encrypt of a 32-byte seed and Decrypt, as kube-apiserver calls the plugin (with a
   * generous deadline: this is about metrics, not speed, and CI machines are shared).
   */
  private static void callLikeKubeApiserver(DaemonProcess node) {
    byte[] seed = new byte[32];
    new SecureRandom().nextBytes(seed);
    try (KmsV2Client client = new KmsV2Client(node.endpoint(), WAIT)) {
      String keyId = client.stub().status(StatusRequest.getDefaultInstance()).getKeyId();
      EncryptResponse encrypted =
          client
              .stub()
              .encrypt(
                  EncryptRequest.newBuilder()
                      .setPlaintext(ByteString.copyFrom(seed))
                      .setUid("monitoring-e2e")
                      .build());
      assertThat(encrypted.getKeyId()).isEqualTo(keyId);
      byte[] decrypted =
          client
              .stub()
              .decrypt(
                  DecryptRequest.newBuilder()
                      .setCiphertext(encrypted.getCiphertext())
                      .setKeyId(encrypted.getKeyId())
                      .putAllAnnotations(encrypted.getAnnotationsMap())
                      .setUid("monitoring-e2e")
                      .build())
              .getPlaintext()
              .toByteArray();
      assertThat(decrypted).isEqualTo(seed);
    }
  }

  @AfterAll
  static void stop() {
    if (processes != null) {
      processes.close();
      processes = null;
    }
    try {
      if (socketDir != null) {
        Processes.deleteTree(socketDir);
      }
    } catch (java.io.IOException e) {
      System.err.println("e2e cleanup: " + e);
    }
  }

  @Test
  void everyMetricTheRulesAndTheDashboardUseExists() throws Exception {
    Set<String> used = new TreeSet<>(MonitoringConfig.ruleMetricNames());
    used.addAll(MonitoringConfig.dashboardMetricNames());
    assertThat(used)
        .as("the apiserver-owned metrics listed here are the ones the rules and dashboard use")
        .containsAll(MonitoringConfig.APISERVER_METRICS);
    Set<String> expected = new TreeSet<>(used);
    expected.removeAll(MonitoringConfig.APISERVER_METRICS);

    await("Prometheus scrapes the daemon and the operator")
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(prometheus.targetHealth())
                    .containsExactlyInAnyOrder("sds-kms-plugin=up", "sds-kms-operator=up"));
    await("every metric the rules and the dashboard use is in Prometheus")
        .atMost(WAIT)
        .untilAsserted(() -> assertThat(prometheus.metricNames()).containsAll(expected));
    assertThat(prometheus.metricNames())
        .as("no process here exports kube-apiserver's metrics")
        .doesNotContainAnyElementsOf(MonitoringConfig.APISERVER_METRICS);
    System.out.printf(
        "E2E monitoring: %d metric names used by the rules and the dashboard found in a real"
            + " Prometheus scraping a daemon and the operator; %d apiserver-owned: %s%n",
        expected.size(),
        MonitoringConfig.APISERVER_METRICS.size(),
        new TreeSet<>(MonitoringConfig.APISERVER_METRICS));
  }

  @Test
  void theSeriesSayWhatTheDaemonAndTheOperatorReport() throws Exception {
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              String keyId = daemon.status().path("keyId").asText();
              String keyIdHash =
                  "sha256:"
                      + HexFormat.of()
                          .formatHex(
                              MessageDigest.getInstance("SHA-256")
                                  .digest(keyId.getBytes(StandardCharsets.UTF_8)));
              assertThat(values("kms_kmaas_check_healthy{job=\"sds-kms-plugin\",node=\"cp-1\"}"))
                  .containsExactly("1");
              assertThat(labels("kms_key_id_info{kmsplugin=\"kms\"}", "key_id_hash"))
                  .containsExactly(keyIdHash);
              assertThat(
                      values("kms_operator_ready_nodes{namespace=\"sds-kms-system\",name=\"kms\"}"))
                  .containsExactly("1");
              assertThat(values("sum(kms_operator_rotation_phase{name=\"kms\"})"))
                  .containsExactly("1");
              assertThat(
                      labels(
                          "kms_operator_migration_objects{name=\"kms\",resource=\"secrets\"} == 0",
                          "outcome"))
                  .containsExactlyInAnyOrder("migrated", "skipped", "failed");
              assertThat(
                      values(
                          "sum(kms_grpc_requests_seconds_count{method=~\"Status|Encrypt|Decrypt\","
                              + "code=\"OK\"}) >= 3"))
                  .hasSize(1);
            });
  }

  @Test
  void theRulesLoadAndEvaluateWithoutErrorAndNothingFires() throws Exception {
    await("every rule evaluated")
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              List<JsonNode> rules = prometheus.rules();
              assertThat(rules).hasSize(MonitoringConfig.alerts().size());
              for (JsonNode rule : rules) {
                assertThat(rule.path("health").asText())
                    .as("%s: %s", rule.path("name").asText(), rule.path("lastError").asText())
                    .isEqualTo("ok");
              }
            });
    List<String> firing = new ArrayList<>();
    for (JsonNode alert : prometheus.alerts()) {
      if ("firing".equals(alert.path("state").asText())) {
        firing.add(alert.path("labels").toString());
      }
    }
    assertThat(firing).as("alerts firing on a healthy daemon and operator").isEmpty();
  }

  /** Grafana's variables as the dashboard's "All" sends them, so Prometheus can run the query. */
  @Test
  void everyDashboardQueryRunsOnPrometheus() throws Exception {
    for (String expr : MonitoringConfig.dashboardExprs()) {
      String query =
          expr.replace("$__rate_interval", "1m")
              .replace("$job", ".*")
              .replace("$instance", ".*")
              .replace("$namespace", ".*")
              .replace("$kmsplugin", ".*");
      assertThat(query).as("a Grafana variable left in %s", expr).doesNotContain("$");
      prometheus.query(query); // fails on a query Prometheus rejects
    }
  }

  private static List<String> values(String promql) throws Exception {
    List<String> values = new ArrayList<>();
    for (JsonNode sample : prometheus.query(promql)) {
      values.add(sample.path("value").path(1).asText());
    }
    return values;
  }

  private static List<String> labels(String promql, String label) throws Exception {
    List<String> values = new ArrayList<>();
    for (JsonNode sample : prometheus.query(promql)) {
      values.add(sample.path("metric").path(label).asText());
    }
    return values;
  }
}
