package dev.sds.kms.plugin.kmaas.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sds.kms.plugin.kmaas.KmaasException;
import dev.sds.kms.plugin.kmaas.KmaasFailure;
import dev.sds.kms.plugin.kmaas.WrapResult;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.OptionalInt;
import okhttp3.HttpUrl;
import okhttp3.Request;
import okio.Buffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class CryptoApiAdapterTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final CryptoApiAdapter adapter =
      new CryptoApiAdapter(HttpUrl.get("https://kmaas.example:3000"), "tenant-1");

  @ParameterizedTest(name = "{0} + tenant {1} -> {2}")
  @CsvSource({
    "https://kmaas.example:3000, t1, https://kmaas.example:3000/api/v1/t1/crypto/encrypt",
    "https://kmaas.example:3000/, t1, https://kmaas.example:3000/api/v1/t1/crypto/encrypt",
    "https://kmaas.example/kmaas, t1, https://kmaas.example/kmaas/api/v1/t1/crypto/encrypt",
    "https://kmaas.example/kmaas/, t1, https://kmaas.example/kmaas/api/v1/t1/crypto/encrypt",
    "https://kmaas.example/, team a/b?, https://kmaas.example/api/v1/team%20a%2Fb%3F/crypto/encrypt",
    "https://user:pw@kmaas.example/?q=1#f, t1, https://kmaas.example/api/v1/t1/crypto/encrypt",
  })
  void encryptUrlAppendsTheCryptoApiPathToTheBaseUrl(String base, String tenant, String expected) {
    assertThat(new CryptoApiAdapter(HttpUrl.get(base), tenant).encryptUrl().toString())
        .isEqualTo(expected);
  }

  @Test
  void decryptUrlEndsInCryptoDecrypt() {
    assertThat(adapter.decryptUrl().encodedPath()).isEqualTo("/api/v1/tenant-1/crypto/decrypt");
  }

  @Test
  void encryptRequestPostsBase64PlaintextAsJson() throws Exception {
    Request request = adapter.encryptRequest(new byte[] {1, 2, 3, (byte) 0xff});

    assertThat(request.method()).isEqualTo("POST");
    assertThat(request.url()).isEqualTo(adapter.encryptUrl());
    assertThat(request.body().contentType().toString()).startsWith("application/json");
    assertThat(JSON.readValue(bodyOf(request), Map.class))
        .isEqualTo(Map.of("plaintext", "AQID/w=="));
  }

  @Test
  void decryptRequestPostsBase64CiphertextAndKekId() throws Exception {
    Request request = adapter.decryptRequest(new byte[] {9, 8, 7}, "kek-7");

    assertThat(request.method()).isEqualTo("POST");
    assertThat(request.url()).isEqualTo(adapter.decryptUrl());
    assertThat(JSON.readValue(bodyOf(request), Map.class))
        .isEqualTo(Map.of("ciphertext", "CQgH", "kek_id", "kek-7"));
  }

  @Test
  void parsesEncryptResponse() throws Exception {
    WrapResult result =
        adapter.parseEncryptResponse(bytes("{\"ciphertext\":\"CQgH\",\"kek_id\":\"kek-7\"}"));

    assertThat(result.ciphertext()).containsExactly(9, 8, 7);
    assertThat(result.kekId()).isEqualTo("kek-7");
  }

  @Test
  void parsesDecryptResponse() throws Exception {
    assertThat(adapter.parseDecryptResponse(bytes("{\"plaintext\":\"AQID/w==\",\"extra\":1}")))
        .containsExactly(1, 2, 3, 0xff);
  }

  @ParameterizedTest(name = "encrypt answer {0}")
  @ValueSource(
      strings = {
        "",
        "not json SECRET-BODY",
        "[\"SECRET-BODY\"]",
        "{\"kek_id\":\"SECRET-BODY\"}",
        "{\"ciphertext\":\"CQgH\"}",
        "{\"ciphertext\":\"CQgH\",\"kek_id\":\"\"}",
        "{\"ciphertext\":\"CQgH\",\"kek_id\":7}",
        "{\"ciphertext\":\"SECRET-BODY!!\",\"kek_id\":\"k\"}",
        "{\"ciphertext\":\"\",\"kek_id\":\"k\"}",
      })
  void malformedEncryptAnswersAreProtocolFailuresWithoutTheBody(String body) {
    assertThatThrownBy(() -> adapter.parseEncryptResponse(bytes(body)))
        .isInstanceOfSatisfying(
            KmaasException.class,
            e -> {
              assertThat(e.failure()).isEqualTo(KmaasFailure.PROTOCOL);
              assertThat(e.getMessage())
                  .contains(adapter.encryptUrl().toString())
                  .doesNotContain("SECRET-BODY");
            });
  }

  @ParameterizedTest(name = "decrypt answer {0}")
  @ValueSource(strings = {"{}", "{\"plaintext\":null}", "{\"plaintext\":\"%%%\"}", "<html>"})
  void malformedDecryptAnswersAreProtocolFailures(String body) {
    assertThatThrownBy(() -> adapter.parseDecryptResponse(bytes(body)))
        .isInstanceOfSatisfying(
            KmaasException.class, e -> assertThat(e.failure()).isEqualTo(KmaasFailure.PROTOCOL));
  }

  @Test
  void missingFieldIsNamedInTheMessage() {
    assertThatThrownBy(() -> adapter.parseEncryptResponse(bytes("{\"ciphertext\":\"CQgH\"}")))
        .hasMessageContaining("\"kek_id\"");
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "{\"errors\":[{\"code\":4012,\"message\":\"bad key\"}]}|4012",
        "{\"errors\":[{\"code\":\"4012\"}]}|",
        "{\"errors\":[]}|",
        "{}|",
        "not json|",
      })
  void errorCodeIsTakenFromTheFirstError(String body, Integer expected) {
    OptionalInt code = adapter.parseErrorCode(bytes(body));
    if (expected == null) {
      assertThat(code).isEmpty();
    } else {
      assertThat(code).hasValue(expected);
    }
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static String bodyOf(Request request) throws Exception {
    Buffer buffer = new Buffer();
    request.body().writeTo(buffer);
    return buffer.readUtf8();
  }
}
