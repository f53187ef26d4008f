package dev.sds.kms.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sds.kms.e2e.MonitoringConfig.Alert;
import dev.sds.kms.e2e.PrometheusBinaries.Result;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The alerting rules and the dashboard of {@code config/monitoring/}: promtool accepts the rules
 * and their unit tests pass (every alert tested firing and staying quiet), every alert has its
 * severity, summary, description and runbook section, the PrometheusRule carries exactly the rules
 * file, and every dashboard query selects a metric. That the metrics exist is {@link
 * MonitoringMetricsE2E}'s part.
 */
class MonitoringRulesTest {

  @Test
  void promtoolAcceptsTheRules() throws Exception {
    Result check =
        PrometheusBinaries.promtool(
            MonitoringConfig.DIR, "check", "rules", MonitoringConfig.RULES.toString());
    assertThat(check.exitCode()).as(check.output()).isZero();
    assertThat(check.output())
        .contains("SUCCESS: " + MonitoringConfig.alerts().size() + " rules found");
  }

  @Test
  void promtoolUnitTestsPass() throws Exception {
    Result test =
        PrometheusBinaries.promtool(
            MonitoringConfig.DIR, "test", "rules", MonitoringConfig.RULE_TESTS.toString());
    assertThat(test.exitCode()).as(test.output()).isZero();
    assertThat(test.output()).contains("SUCCESS");
  }

  /** The harness can fail: a copy of the tests expecting another summary does. */
  @Test
  void aWrongExpectationFailsTheUnitTests(@TempDir Path dir) throws Exception {
    Files.copy(MonitoringConfig.RULES, dir.resolve(MonitoringConfig.RULES.getFileName()));
    String tests = MonitoringConfig.read(MonitoringConfig.RULE_TESTS);
    String expected = "summary: '33.33% of the KMaaS calls of 10.0.0.1:8083 fail.'";
    assertThat(tests).contains(expected);
    Path broken = dir.resolve("broken.test.yaml");
    Files.writeString(broken, tests.replace(expected, expected.replace("33.33%", "12.34%")));

    Result test = PrometheusBinaries.promtool(dir, "test", "rules", broken.toString());

    assertThat(test.exitCode()).as(test.output()).isNotZero();
    assertThat(test.output()).contains("FAILED").contains("KmsKmaasErrorsHigh");
  }

  @Test
  void everyAlertIsTestedFiringAndQuiet() {
    Set<String> firing = new TreeSet<>();
    Set<String> quiet = new TreeSet<>();
    for (JsonNode test : MonitoringConfig.yaml(MonitoringConfig.RULE_TESTS).path("tests")) {
      for (JsonNode check : test.path("alert_rule_test")) {
        String alert = check.path("alertname").asText();
        (check.path("exp_alerts").isEmpty() ? quiet : firing).add(alert);
      }
    }
    Set<String> alerts = new TreeSet<>();
    MonitoringConfig.alerts().forEach(a -> alerts.add(a.name()));
    assertThat(alerts).hasSize(12);
    assertThat(firing).as("alerts with a test case where they fire").isEqualTo(alerts);
    assertThat(quiet).as("alerts with a test case where they stay quiet").isEqualTo(alerts);
  }

  @Test
  void everyAlertHasSeverityAnnotationsAndItsRunbookSection() {
    String runbooks = MonitoringConfig.read(MonitoringConfig.RUNBOOKS);
    Set<String> sections = new LinkedHashSet<>();
    Matcher heading = Pattern.compile("(?m)^## (Kms\\w+)\\s*$").matcher(runbooks);
    while (heading.find()) {
      sections.add(heading.group(1));
    }
    List<String> names = new ArrayList<>();
    for (Alert alert : MonitoringConfig.alerts()) {
      JsonNode rule = alert.rule();
      names.add(alert.name());
      assertThat(rule.path("labels").path("severity").asText())
          .as("%s severity", alert.name())
          .isIn("critical", "warning");
      assertThat(rule.path("annotations").path("summary").asText())
          .as("%s summary", alert.name())
          .isNotBlank();
      assertThat(rule.path("annotations").path("description").asText())
          .as("%s description", alert.name())
          .isNotBlank();
      assertThat(rule.path("annotations").path("runbook_url").asText())
          .as("%s runbook_url", alert.name())
          .isEqualTo(MonitoringConfig.RUNBOOK_BASE + "#" + alert.anchor());
      assertThat(runbooks)
          .as("docs/alerts.md links its section")
          .contains("(#" + alert.anchor() + ")");
    }
    assertThat(sections)
        .as("docs/alerts.md: one section per alert, in the rules' order")
        .containsExactlyElementsOf(names);
  }

  @Test
  void thePrometheusRuleCarriesExactlyTheRulesFile() {
    JsonNode rule = MonitoringConfig.yaml(MonitoringConfig.PROMETHEUS_RULE);
    assertThat(rule.path("apiVersion").asText()).isEqualTo("monitoring.coreos.com/v1");
    assertThat(rule.path("kind").asText()).isEqualTo("PrometheusRule");
    assertThat(rule.path("spec"))
        .as(
            "config/monitoring/prometheus-rule.yaml is stale: kms-plugin.rules.yaml changed. Run"
                + " scripts/update-monitoring.sh and commit the result")
        .isEqualTo(MonitoringConfig.yaml(MonitoringConfig.RULES));
  }

  @Test
  void everyQuerySelectsAMetric() {
    for (Alert alert : MonitoringConfig.alerts()) {
      assertThat(PromqlMetricNames.of(alert.expr())).as(alert.name()).isNotEmpty();
    }
    List<String> exprs = MonitoringConfig.dashboardExprs();
    assertThat(exprs).hasSizeGreaterThan(15);
    for (String expr : exprs) {
      assertThat(PromqlMetricNames.of(expr)).as(expr).isNotEmpty();
    }
    for (String query : MonitoringConfig.dashboardVariableQueries()) {
      assertThat(PromqlMetricNames.ofVariableQuery(query)).as(query).isNotEmpty();
    }
  }

  @Test
  void everyDashboardPanelQueriesTheChosenDataSource() {
    for (JsonNode panel : MonitoringConfig.dashboard().path("panels")) {
      if ("row".equals(panel.path("type").asText())) {
        continue;
      }
      assertThat(panel.path("targets")).as(panel.path("title").asText()).isNotEmpty();
      assertThat(panel.path("datasource").path("uid").asText())
          .as(panel.path("title").asText())
          .isEqualTo("${datasource}");
      assertThat(panel.path("description").asText()).as(panel.path("title").asText()).isNotBlank();
    }
  }
}
