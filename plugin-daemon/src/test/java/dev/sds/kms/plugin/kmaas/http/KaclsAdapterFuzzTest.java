package dev.sds.kms.plugin.kmaas.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.sds.kms.plugin.envelope.KeyIdScheme;
import dev.sds.kms.plugin.kmaas.KmaasException;
import dev.sds.kms.plugin.kmaas.KmaasFailure;
import dev.sds.kms.plugin.testing.Fuzz;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import okhttp3.HttpUrl;
import org.junit.jupiter.api.Test;

/**
 * Fuzzes the parsers of KACLS answers ({@code /status}, {@code privilegedwrap}, {@code
 * privilegedunwrap}, the structured error reply) with mutated valid and near-valid bodies (see
 * {@link Fuzz}). Properties: the answer parsers raise only {@link KmaasFailure#PROTOCOL} naming the
 * endpoint and never the body, a parsed status always gives a valid KEK id, the error-code parser
 * never raises, and nothing hangs.
 */
class KaclsAdapterFuzzTest {
  private static final Duration PER_INPUT = Duration.ofMillis(8);
  private static final int MAX_BODY = (int) HttpKmaasClient.MAX_BODY_BYTES;

  private final KaclsAdapter adapter =
      new KaclsAdapter(HttpUrl.get("https://kacls.example:3000/kacls"), "acme", Path.of("t"));

  private static final List<byte[]> BODIES =
      bodies(
          "{\"server_type\":\"KACLS\",\"vendor_id\":\"SDS\",\"version\":\"kek-20261124T054715Z-3f9a1c2b\",\"name\":\"n\",\"operations_supported\":[\"privilegedwrap\"]}",
          "{\"version\":\"1.2 (build 5) \\u00e9\"}",
          "{\"server_type\":null,\"version\":7}",
          "{\"wrapped_key\":\"AQ1rZWstMjAyNjExMjRUMDU0NzE1Wi0zZjlhMWMyYgABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhscHR4fICEiIyQlJicoKSorLC0uLzA=\"}",
          "{\"key\":\"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\"}",
          "{\"code\":401,\"message\":\"authentication token has expired\",\"details\":\"\"}",
          "{\"code\":9999999999999999999999,\"details\":{\"a\":[]}}",
          "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[{}]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
          "{\"key\":\"AQID\n\",\"key\":\"AQID\"}",
          "\uFEFF{\"version\":\"\",\"wrapped_key\":\"_-8=\"}");

  @Test
  void answerParsersRaiseOnlyProtocolFailures() {
    Fuzz fuzz = new Fuzz("KaclsAdapter parsers", BODIES, MAX_BODY);
    fuzz.start();
    assertTimeoutPreemptively(
        Duration.ofSeconds(30).plus(PER_INPUT.multipliedBy(fuzz.iterations())),
        () -> {
          for (int i = 0; i < fuzz.iterations(); i++) {
            byte[] body = fuzz.next();
            try {
              int accepted = 0;
              try {
                String kekId = adapter.parseStatusResponse(body);
                assertThat(KeyIdScheme.isValidKekId(kekId)).as(kekId).isTrue();
                assertThat(kekId).startsWith(KaclsAdapter.KEK_ID_PREFIX);
                accepted++;
              } catch (KmaasException e) {
                assertProtocolFailure(e, adapter.statusUrl(), body);
              }
              try {
                assertThat(adapter.parseWrapResponse(body)).isNotNull();
                accepted++;
              } catch (KmaasException e) {
                assertProtocolFailure(e, adapter.wrapUrl(), body);
              }
              try {
                assertThat(adapter.parseUnwrapResponse(body)).isNotNull();
                accepted++;
              } catch (KmaasException e) {
                assertProtocolFailure(e, adapter.unwrapUrl(), body);
              }
              assertThat(adapter.errorCode(body)).isNotNull();
              fuzz.count(accepted > 0 ? "accepted" : "refused");
            } catch (RuntimeException | StackOverflowError | OutOfMemoryError e) {
              fail("undocumented " + e + ", " + fuzz.where(i, body), e);
            } catch (AssertionError e) {
              throw new AssertionError(e.getMessage() + ", " + fuzz.where(i, body), e);
            }
          }
        },
        () -> "KaclsAdapter fuzzing exceeded its time budget (a hang?), seed in the output");
    fuzz.finish();
  }

  private static void assertProtocolFailure(KmaasException e, HttpUrl url, byte[] body) {
    assertThat(e.failure()).isEqualTo(KmaasFailure.PROTOCOL);
    assertThat(e.getMessage()).startsWith("KMaaS answer from " + url + " ");
    String text = new String(body, StandardCharsets.ISO_8859_1);
    if (text.length() >= 16) {
      assertThat(e.getMessage()).doesNotContain(text);
    }
  }

  private static List<byte[]> bodies(String... json) {
    return List.of(json).stream().map(s -> s.getBytes(StandardCharsets.UTF_8)).toList();
  }
}
