package dev.sds.kms.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * What {@code config/monitoring/} holds, read for the tests: the alerting rules (the one source,
 * {@code kms-plugin.rules.yaml}), their promtool unit tests, the generated PrometheusRule and the
 * Grafana dashboard, with the metric names their queries select.
 */
final class MonitoringConfig {
  static final Path DIR = Path.of("../config/monitoring").toAbsolutePath().normalize();
  static final Path RULES = DIR.resolve("kms-plugin.rules.yaml");
  static final Path RULE_TESTS = DIR.resolve("kms-plugin.rules.test.yaml");
  static final Path PROMETHEUS_RULE = DIR.resolve("prometheus-rule.yaml");
  static final Path DASHBOARD = DIR.resolve("grafana-dashboard.json");
  static final Path RUNBOOKS = DIR.resolve("../../docs/alerts.md").normalize();

  /** The documented placeholder every runbook_url starts with (docs/alerts.md, "Runbook links"). */
  static final String RUNBOOK_BASE =
      "https://git.example.internal/sds/kms-plugin/blob/main/docs/alerts.md";

  /**
   * Metrics that only kube-apiserver exports (its {@code /metrics}, and {@code /metrics/slis} for
   * {@code kubernetes_healthcheck}), names as in kube-apiserver's envelope encryption metrics and
   * component-base's health SLIs. No process in the tests exports them.
   */
  static final Set<String> APISERVER_METRICS =
      Set.of(
          "apiserver_envelope_encryption_key_id_hash_status_last_timestamp_seconds",
          "apiserver_envelope_encryption_kms_operations_latency_seconds_bucket",
          "apiserver_envelope_encryption_kms_operations_latency_seconds_count",
          "apiserver_envelope_encryption_invalid_key_id_from_status_total",
          "kubernetes_healthcheck");

  private static final YAMLMapper YAML = new YAMLMapper();
  private static final ObjectMapper JSON = new ObjectMapper();

  /** One alerting rule of the rules file. */
  record Alert(String group, JsonNode rule) {
    String name() {
      return rule.path("alert").asText();
    }

    String expr() {
      return rule.path("expr").asText();
    }

    /** The runbook section's anchor in docs/alerts.md (GitHub's: the heading in lower case). */
    String anchor() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  private MonitoringConfig() {}

  static JsonNode yaml(Path file) {
    try {
      return YAML.readTree(file.toFile());
    } catch (IOException e) {
      throw new UncheckedIOException(file + ": " + e.getMessage(), e);
    }
  }

  static JsonNode dashboard() {
    try {
      return JSON.readTree(DASHBOARD.toFile());
    } catch (IOException e) {
      throw new UncheckedIOException(DASHBOARD + ": " + e.getMessage(), e);
    }
  }

  static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Every alerting rule, in file order. */
  static List<Alert> alerts() {
    List<Alert> alerts = new ArrayList<>();
    for (JsonNode group : yaml(RULES).path("groups")) {
      for (JsonNode rule : group.path("rules")) {
        if (rule.has("alert")) {
          alerts.add(new Alert(group.path("name").asText(), rule));
        }
      }
    }
    return alerts;
  }

  /** The PromQL of every panel target of the dashboard (rows' nested panels included). */
  static List<String> dashboardExprs() {
    List<String> exprs = new ArrayList<>();
    collectExprs(dashboard().path("panels"), exprs);
    return exprs;
  }

  private static void collectExprs(JsonNode panels, List<String> exprs) {
    for (JsonNode panel : panels) {
      for (JsonNode target : panel.path("targets")) {
        exprs.add(target.path("expr").asText());
      }
      collectExprs(panel.path("panels"), exprs);
    }
  }

  /** The queries of the dashboard's query variables. */
  static List<String> dashboardVariableQueries() {
    List<String> queries = new ArrayList<>();
    for (JsonNode variable : dashboard().path("templating").path("list")) {
      if ("query".equals(variable.path("type").asText())) {
        JsonNode query = variable.path("query");
        queries.add(query.isObject() ? query.path("query").asText() : query.asText());
      }
    }
    return queries;
  }

  /** Every metric name the alerting rules select. */
  static Set<String> ruleMetricNames() {
    Set<String> names = new TreeSet<>();
    alerts().forEach(a -> names.addAll(PromqlMetricNames.of(a.expr())));
    return names;
  }

  /** Every metric name the dashboard's panels and variables select. */
  static Set<String> dashboardMetricNames() {
    Set<String> names = new TreeSet<>();
    dashboardExprs().forEach(e -> names.addAll(PromqlMetricNames.of(e)));
    dashboardVariableQueries().forEach(q -> names.addAll(PromqlMetricNames.ofVariableQuery(q)));
    return names;
  }
}
