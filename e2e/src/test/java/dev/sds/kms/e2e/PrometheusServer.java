package dev.sds.kms.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/**
 * A real Prometheus ({@code prometheus} from Debian's package) on a free loopback port, scraping
 * the given targets every second and evaluating the given rule file every second, its data in a
 * directory under the test's logs; asked through its HTTP API ({@code /api/v1/…}).
 */
final class PrometheusServer {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** One scrape job: {@code address} is host:port, {@code /metrics} is scraped. */
  record Job(String name, String address, Map<String, String> labels) {}

  private final ManagedProcess process;
  private final HttpUrl base;
  private final OkHttpClient http =
      new OkHttpClient.Builder().callTimeout(Duration.ofSeconds(5)).build();

  private PrometheusServer(ManagedProcess process, HttpUrl base) {
    this.process = process;
    this.base = base;
  }

  /** Starts Prometheus and waits until {@code /-/ready} answers 200. */
  static PrometheusServer start(Processes processes, List<Job> jobs, Path ruleFile)
      throws IOException {
    Path dir = processes.logDir().resolve("prometheus");
    Files.createDirectories(dir);
    Path config = dir.resolve("prometheus.yml");
    Files.writeString(config, config(jobs, ruleFile));
    int port = Processes.freePort();
    ManagedProcess process =
        processes.command(
            "prometheus",
            List.of(
                PrometheusBinaries.prometheus(),
                "--config.file=" + config,
                "--storage.tsdb.path=" + dir.resolve("data"),
                "--web.listen-address=127.0.0.1:" + port));
    PrometheusServer server =
        new PrometheusServer(process, HttpUrl.get("http://127.0.0.1:" + port + "/"));
    process.start();
    process.awaitUntil("/-/ready 200", Duration.ofSeconds(60), server::ready);
    return server;
  }

  private static String config(List<Job> jobs, Path ruleFile) {
    StringBuilder yaml =
        new StringBuilder(
            "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 1s\n");
    yaml.append("rule_files:\n  - '").append(ruleFile).append("'\n");
    yaml.append("scrape_configs:\n");
    for (Job job : jobs) {
      yaml.append("  - job_name: ").append(job.name()).append('\n');
      yaml.append("    static_configs:\n");
      yaml.append("      - targets: ['").append(job.address()).append("']\n");
      if (!job.labels().isEmpty()) {
        yaml.append("        labels:\n");
        job.labels()
            .forEach(
                (k, v) ->
                    yaml.append("          ").append(k).append(": '").append(v).append("'\n"));
      }
    }
    return yaml.toString();
  }

  private boolean ready() {
    try (Response r =
        http.newCall(new Request.Builder().url(base.resolve("-/ready")).build()).execute()) {
      return r.code() == 200;
    } catch (IOException e) {
      return false;
    }
  }

  /** {@code data} of a successful API answer; fails on any other answer. */
  JsonNode api(String path, Map<String, String> params) throws IOException {
    HttpUrl.Builder url = base.newBuilder().addPathSegments(path);
    params.forEach(url::addQueryParameter);
    try (Response r = http.newCall(new Request.Builder().url(url.build()).build()).execute()) {
      String body = r.body().string();
      JsonNode answer = JSON.readTree(body);
      if (r.code() != 200 || !"success".equals(answer.path("status").asText())) {
        throw new AssertionError("Prometheus " + url.build() + ": HTTP " + r.code() + " " + body);
      }
      return answer.path("data");
    }
  }

  /** Every metric name Prometheus holds a series of. */
  Set<String> metricNames() throws IOException {
    Set<String> names = new TreeSet<>();
    api("api/v1/label/__name__/values", Map.of()).forEach(n -> names.add(n.asText()));
    return names;
  }

  /** Health ({@code up}, {@code down}, {@code unknown}) of every active target, by job. */
  List<String> targetHealth() throws IOException {
    List<String> health = new ArrayList<>();
    for (JsonNode t : api("api/v1/targets", Map.of("state", "active")).path("activeTargets")) {
      health.add(
          t.path("labels").path("job").asText()
              + "="
              + t.path("health").asText()
              + (t.path("lastError").asText().isEmpty()
                  ? ""
                  : " (" + t.path("lastError").asText() + ")"));
    }
    return health;
  }

  /** The result vector of an instant query. */
  JsonNode query(String promql) throws IOException {
    JsonNode data = api("api/v1/query", Map.of("query", promql));
    return data.path("result");
  }

  /** Every rule Prometheus loaded, with its health and last evaluation error. */
  List<JsonNode> rules() throws IOException {
    List<JsonNode> rules = new ArrayList<>();
    for (JsonNode group : api("api/v1/rules", Map.of()).path("groups")) {
      group.path("rules").forEach(rules::add);
    }
    return rules;
  }

  /** The pending and firing alerts. */
  List<JsonNode> alerts() throws IOException {
    List<JsonNode> alerts = new ArrayList<>();
    api("api/v1/alerts", Map.of()).path("alerts").forEach(alerts::add);
    return alerts;
  }

  String logTail() {
    return process.logTail(30);
  }
}
