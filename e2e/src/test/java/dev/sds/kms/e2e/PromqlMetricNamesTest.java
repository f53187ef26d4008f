package dev.sds.kms.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PromqlMetricNamesTest {

  @Test
  void aSelectorWithMatchersAndARange() {
    assertThat(
            PromqlMetricNames.of(
                "rate(kms_kmaas_requests_seconds_count{outcome!=\"success\",job=~\"a|b\"}[5m])"))
        .containsExactly("kms_kmaas_requests_seconds_count");
  }

  @Test
  void aggregationsLabelListsAndFunctionsAreNotMetrics() {
    assertThat(
            PromqlMetricNames.of(
                "histogram_quantile(0.99, sum by (job, instance, le) "
                    + "(rate(kms_kmaas_requests_seconds_bucket[5m]))) > 0.5"))
        .containsExactly("kms_kmaas_requests_seconds_bucket");
    assertThat(
            PromqlMetricNames.of(
                "count by (job) (count by (job, key_id_hash) (kms_key_id_info)) > 1"))
        .containsExactly("kms_key_id_info");
    assertThat(PromqlMetricNames.of("sum without (instance) (up)")).containsExactly("up");
    assertThat(PromqlMetricNames.of("time() - kms_kmaas_last_success_timestamp_seconds"))
        .containsExactly("kms_kmaas_last_success_timestamp_seconds");
  }

  @Test
  void vectorMatchingAndSetOperators() {
    assertThat(
            PromqlMetricNames.of(
                "a_metric == on (job, instance) group_left () max by (job) (b_metric)\n"
                    + "unless on (key_id_hash) c_metric or ignoring (x) d_metric and bool e"))
        .containsExactly("a_metric", "b_metric", "c_metric", "d_metric", "e");
  }

  @Test
  void stringsNumbersOffsetsAndModifiersAreSkipped() {
    assertThat(
            PromqlMetricNames.of(
                "m1{name=~\"kms-provider.*\", x='y {z} w', q=`raw`} offset 5m * 1e-3 + 0x1F"
                    + " + m2 @ 1609746000 + Inf + NaN"))
        .containsExactly("m1", "m2");
  }

  @Test
  void grafanaVariablesAreNotMetrics() {
    assertThat(
            PromqlMetricNames.of(
                "sum by (instance) (rate(cache_gets_total{job=~\"$job\",instance=~\"${instance}\"}"
                    + "[$__rate_interval]))"))
        .containsExactly("cache_gets_total");
  }

  @Test
  void grafanaVariableQueries() {
    assertThat(
            PromqlMetricNames.ofVariableQuery(
                "label_values(kms_kmaas_check_healthy{job=~\"$job\"}, instance)"))
        .containsExactly("kms_kmaas_check_healthy");
    assertThat(PromqlMetricNames.ofVariableQuery("label_values(job)")).isEmpty();
  }
}
