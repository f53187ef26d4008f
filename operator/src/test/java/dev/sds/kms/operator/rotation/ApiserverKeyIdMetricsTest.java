package dev.sds.kms.operator.rotation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;
import static org.junit.jupiter.params.provider.Arguments.argumentSet;

import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ApiserverKeyIdMetricsTest {

  private static final String OLD = ApiserverKeyIdMetrics.keyIdHash("kek-2026-01");
  private static final String NEW = ApiserverKeyIdMetrics.keyIdHash("kek-2026-03");
  private static final String A = "sha256:" + "a".repeat(64);
  private static final String B = "sha256:" + "b".repeat(64);
  private static final String C = "sha256:" + "c".repeat(64);

  private static final String HEADER =
      """
      # HELP apiserver_envelope_encryption_key_id_hash_status_last_timestamp_seconds [ALPHA] The last time in seconds when a keyID was returned by the Status RPC call.
      # TYPE apiserver_envelope_encryption_key_id_hash_status_last_timestamp_seconds gauge
      """;

  /** Three apiservers' /metrics, concatenated; apiserver C has not seen the new key id yet. */
  private static final String ONE_BEHIND =
      """
      # HELP apiserver_envelope_encryption_key_id_hash_total [ALPHA] Number of times a keyID is used split by transformation type, provider, and apiserver identity.
      # TYPE apiserver_envelope_encryption_key_id_hash_total counter
      apiserver_envelope_encryption_key_id_hash_total{apiserver_id_hash="%1$s",key_id_hash="%4$s",provider_name="sds-kms",transformation_type="from_storage"} 42
      %6$s\
      apiserver_envelope_encryption_key_id_hash_status_last_timestamp_seconds{apiserver_id_hash="%1$s",key_id_hash="%4$s",provider_name="sds-kms"} 1.7724e+09
      apiserver_envelope_encryption_key_id_hash_status_last_timestamp_seconds{apiserver_id_hash="%1$s",key_id_hash="%5$s",provider_name="sds-kms"} 1.77240906e+09
      apiserver_envelope_encryption_key_id_hash_status_last_timestamp_seconds{apiserver_id_hash="%1$s",key_id_hash="%4$s",provider_name="other-kms"} 1.7725e+09
      apiserver_request_total{code="200",verb="GET"} 1234
      %6$s\
      apiserver_envelope_encryption_key_id_hash_status_last_timestamp_seconds{provider_name="sds-kms",key_id_hash="%5$s",apiserver_id_hash="%2$s"} 1772409100
      apiserver_envelope_encryption_key_id_hash_status_last_timestamp_seconds{apiserver_id_hash="%2$s",key_id_hash="%4$s",provider_name="sds-kms"} 1772400000
      %6$s\
      apiserver_envelope_encryption_key_id_hash_status_last_timestamp_seconds{apiserver_id_hash="%3$s",key_id_hash="%4$s",provider_name="sds-kms"} 1772409000
      """
          .formatted(A, B, C, OLD, NEW, HEADER);

  @Test
  void theHashIsSha256OfTheKeyIdInLowercaseHex() {
    assertThat(ApiserverKeyIdMetrics.keyIdHash("abc"))
        .isEqualTo("sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  }

  @Test
  void eachApiserverUsesTheKeyIdItSawLast() {
    ApiserverKeyIdMetrics metrics = ApiserverKeyIdMetrics.parse(ONE_BEHIND);

    assertThat(metrics.latestKeyIdHashByApiserver("sds-kms"))
        .containsExactly(entry(A, NEW), entry(B, NEW), entry(C, OLD));
  }

  static Stream<Arguments> answers() {
    String allNew = ONE_BEHIND.replace("provider_name=\"sds-kms\"} 1772409000", "x");
    return Stream.of(
        argumentSet(
            "one of three apiservers still on the old key id",
            ONE_BEHIND,
            "kek-2026-03",
            "sds-kms",
            Optional.of(false)),
        argumentSet(
            "the other apiservers all on the new key id once the lagging one is gone",
            allNew,
            "kek-2026-03",
            "sds-kms",
            Optional.of(true)),
        argumentSet(
            "asked about the old key id", ONE_BEHIND, "kek-2026-01", "sds-kms", Optional.of(false)),
        argumentSet(
            "another provider's samples count on their own",
            ONE_BEHIND,
            "kek-2026-01",
            "other-kms",
            Optional.of(true)),
        argumentSet(
            "a provider no apiserver reports", ONE_BEHIND, "kek-2026-03", "nope", Optional.empty()),
        argumentSet(
            "the metric is absent",
            "apiserver_request_total 3\n",
            "kek-2026-03",
            "sds-kms",
            Optional.empty()),
        argumentSet("no text at all", "", "kek-2026-03", "sds-kms", Optional.empty()),
        argumentSet(
            "escaped quotes and backslashes in label values, spaces, a trailing comma and a"
                + " timestamp",
            HEADER
                + METRIC
                + "{ provider_name = \"sds-kms\" , note=\"say \\\"hi\\\" \\\\ \\n\","
                + " apiserver_id_hash=\""
                + A
                + "\", key_id_hash=\""
                + NEW
                + "\", } 1.7e9 1772409000000\n",
            "kek-2026-03",
            "sds-kms",
            Optional.of(true)),
        argumentSet(
            "broken lines are skipped",
            METRIC
                + "{apiserver_id_hash=\""
                + A
                + "\",key_id_hash=\""
                + OLD
                + "\",provider_name=\"sds-kms\"} not-a-number\n"
                + METRIC
                + "{apiserver_id_hash=\"unterminated\n"
                + METRIC
                + "_other{apiserver_id_hash=\""
                + A
                + "\",key_id_hash=\""
                + OLD
                + "\",provider_name=\"sds-kms\"} 9e9\n"
                + METRIC
                + "{apiserver_id_hash=\""
                + A
                + "\",key_id_hash=\""
                + NEW
                + "\",provider_name=\"sds-kms\"} 1\n",
            "kek-2026-03",
            "sds-kms",
            Optional.of(true)));
  }

  private static final String METRIC = ApiserverKeyIdMetrics.METRIC;

  @ParameterizedTest
  @MethodSource("answers")
  void allSee(String text, String keyId, String provider, Optional<Boolean> expected) {
    assertThat(ApiserverKeyIdMetrics.parse(text).allSee(provider, keyId)).isEqualTo(expected);
  }
}
