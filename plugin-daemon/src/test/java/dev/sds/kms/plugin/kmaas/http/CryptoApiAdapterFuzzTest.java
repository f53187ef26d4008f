package dev.sds.kms.plugin.kmaas.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.sds.kms.plugin.kmaas.KmaasException;
import dev.sds.kms.plugin.kmaas.KmaasFailure;
import dev.sds.kms.plugin.kmaas.WrapResult;
import dev.sds.kms.plugin.testing.Fuzz;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.OptionalInt;
import okhttp3.HttpUrl;
import org.junit.jupiter.api.Test;

/**
 * Fuzzes the parsers of KMaaS's answers with mutated valid and near-valid bodies (see {@link Fuzz}
 * for the mutations, the seed and the iteration count; bodies are bounded by {@code
 * HttpKmaasClient.MAX_BODY_BYTES} before they are parsed). Properties: the encrypt and decrypt
 * parsers raise only {@link KmaasFailure#PROTOCOL} with a message naming the endpoint and never the
 * body, the error-code parser never raises, and none of them hangs.
 */
class CryptoApiAdapterFuzzTest {
  private static final Duration PER_INPUT = Duration.ofMillis(2);
  private static final int MAX_BODY = (int) HttpKmaasClient.MAX_BODY_BYTES;

  private final CryptoApiAdapter adapter =
      new CryptoApiAdapter(HttpUrl.get("https://kmaas.example:3000"), "acme");

  private static final List<byte[]> BODIES =
      bodies(
          "{\"ciphertext\":\"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7\",\"kek_id\":\"kek-20261124T054715Z-3f9a1c2b\"}",
          "{\"plaintext\":\"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\"}",
          "{\"errors\":[{\"code\":4001,\"message\":\"invalid api key\"}]}",
          "{\"errors\":[{\"code\":-2147483648,\"message\":\"x\"},{\"code\":1}]}",
          "{\"ciphertext\":\"AA==\",\"kek_id\":\"k\",\"extra\":[1,2.5e300,null,true,{\"a\":{}}]}",
          "{\"plaintext\":\"\\u0041QID/w==\",\"plaintext\":\"AQID\"}",
          "{\"errors\":{\"code\":9999999999999999999999}}",
          "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[{}]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
          "{\"plaintext\":\"AQID\n\"}",
          "\uFEFF{\"kek_id\":\"\u00e9\",\"ciphertext\":\"_-8=\"}");

  @Test
  void encryptResponseParserRaisesOnlyProtocolFailures() {
    fuzz(
        "CryptoApiAdapter.parseEncryptResponse",
        body -> {
          try {
            WrapResult result = adapter.parseEncryptResponse(body);
            assertThat(result.ciphertext()).isNotNull();
            assertThat(result.kekId()).isNotEmpty();
            return true;
          } catch (KmaasException e) {
            assertProtocolFailure(e, adapter.encryptUrl(), body);
            return false;
          }
        });
  }

  @Test
  void decryptResponseParserRaisesOnlyProtocolFailures() {
    fuzz(
        "CryptoApiAdapter.parseDecryptResponse",
        body -> {
          try {
            assertThat(adapter.parseDecryptResponse(body)).isNotNull();
            return true;
          } catch (KmaasException e) {
            assertProtocolFailure(e, adapter.decryptUrl(), body);
            return false;
          }
        });
  }

  @Test
  void errorCodeParserNeverRaises() {
    fuzz(
        "CryptoApiAdapter.parseErrorCode",
        body -> {
          OptionalInt code = adapter.parseErrorCode(body);
          assertThat(code).isNotNull();
          return code.isPresent();
        });
  }

  /** Runs {@code target} (true when it accepted the input) over the mutated bodies. */
  private static void fuzz(String name, ThrowingTarget target) {
    Fuzz fuzz = new Fuzz(name, BODIES, MAX_BODY);
    fuzz.start();
    assertTimeoutPreemptively(
        Duration.ofSeconds(30).plus(PER_INPUT.multipliedBy(fuzz.iterations())),
        () -> {
          for (int i = 0; i < fuzz.iterations(); i++) {
            byte[] body = fuzz.next();
            try {
              fuzz.count(target.apply(body) ? "accepted" : "refused");
            } catch (RuntimeException | StackOverflowError | OutOfMemoryError e) {
              fail("undocumented " + e + ", " + fuzz.where(i, body), e);
            } catch (AssertionError e) {
              throw new AssertionError(e.getMessage() + ", " + fuzz.where(i, body), e);
            }
          }
        },
        () -> name + " fuzzing exceeded its time budget (a hang?), seed in the output");
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
    return List.of(json).stream()
        .map(s -> s.getBytes(StandardCharsets.UTF_8))
        .collect(java.util.stream.Collectors.toList());
  }

  @FunctionalInterface
  private interface ThrowingTarget {
    boolean apply(byte[] body);
  }
}
