package dev.sds.kms.plugin.kmaas.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sds.kms.plugin.envelope.KeyIdScheme;
import dev.sds.kms.plugin.kmaas.KmaasCredentials;
import dev.sds.kms.plugin.kmaas.KmaasException;
import dev.sds.kms.plugin.kmaas.KmaasFailure;
import dev.sds.kms.plugin.kmaas.WrapResult;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import okhttp3.HttpUrl;
import okhttp3.Request;
import okio.Buffer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The KACLS wire shape, without a network: what {@link KaclsAdapter} sends and how it reads. */
class KaclsAdapterTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final byte[] DEK = "0123456789abcdef0123456789abcdef".getBytes();
  private static final String DEK_B64 = Base64.getEncoder().encodeToString(DEK);
  private static final String STATUS =
      "{\"server_type\":\"KACLS\",\"vendor_id\":\"SDS\",\"version\":\"kek-7\",\"name\":\"x\","
          + "\"operations_supported\":[\"privilegedwrap\",\"privilegedunwrap\"]}";

  @TempDir Path dir;
  private Path tokenFile;
  private KaclsAdapter adapter;

  @BeforeEach
  void setUp() throws Exception {
    tokenFile = Files.writeString(dir.resolve("token"), "jwt-one\n");
    adapter =
        new KaclsAdapter(
            HttpUrl.get("https://u:p@kacls.example:3000/api/v1/acme/kacls/?q=1"),
            "acme",
            tokenFile);
  }

  @Test
  void endpointsHangOffTheBaseUrlWithoutUserInfoOrQuery() {
    assertThat(adapter.statusUrl().toString())
        .isEqualTo("https://kacls.example:3000/api/v1/acme/kacls/status");
    assertThat(adapter.wrapUrl().toString())
        .isEqualTo("https://kacls.example:3000/api/v1/acme/kacls/privilegedwrap");
    assertThat(adapter.unwrapUrl().toString())
        .isEqualTo("https://kacls.example:3000/api/v1/acme/kacls/privilegedunwrap");
    assertThat(new KaclsAdapter(HttpUrl.get("https://h"), "acme", tokenFile).statusUrl().toString())
        .isEqualTo("https://h/status");
  }

  @Test
  void wrapReadsTheStatusVersionFirstThenPostsTheDocumentedFields() throws Exception {
    FakeExchange exchange = new FakeExchange(STATUS, "{\"wrapped_key\":\"CQgH\"}");

    WrapResult result = adapter.wrap(DEK, exchange);

    assertThat(result.kekId()).isEqualTo("kacls-kek-7");
    assertThat(result.ciphertext()).containsExactly(9, 8, 7);
    assertThat(exchange.requests).hasSize(2);
    Request status = exchange.requests.get(0);
    assertThat(status.method()).isEqualTo("GET");
    assertThat(status.url()).isEqualTo(adapter.statusUrl());
    Request wrap = exchange.requests.get(1);
    assertThat(wrap.method()).isEqualTo("POST");
    assertThat(wrap.url()).isEqualTo(adapter.wrapUrl());
    assertThat(wrap.header("Authorization")).isNull();
    assertThat(wrap.body().contentType().toString()).startsWith("application/json");
    assertThat(body(wrap))
        .isEqualTo(
            Map.of(
                "authentication",
                "jwt-one",
                "key",
                DEK_B64,
                "resource_name",
                "acme/kacls-kek-7",
                "reason",
                KaclsAdapter.REASON));
    assertThat(JSON.readTree(KaclsAdapter.REASON).isObject()).as("reason is JSON").isTrue();
  }

  @Test
  void unwrapPostsTheWrappedKeyForTheSameResourceNameWithTheCurrentToken() throws Exception {
    FakeExchange exchange =
        new FakeExchange("{\"key\":\"" + DEK_B64 + "\"}", "{\"key\":\"" + DEK_B64 + "\"}");

    assertThat(adapter.unwrap(new byte[] {9, 8, 7}, "kacls-kek-7", exchange)).isEqualTo(DEK);
    Files.writeString(tokenFile, "jwt-two-rotated");
    adapter.unwrap(new byte[] {9, 8, 7}, "kacls-kek-7", exchange);

    Request unwrap = exchange.requests.get(0);
    assertThat(unwrap.method()).isEqualTo("POST");
    assertThat(unwrap.url()).isEqualTo(adapter.unwrapUrl());
    assertThat(body(unwrap))
        .isEqualTo(
            Map.of(
                "authentication", "jwt-one",
                "wrapped_key", "CQgH",
                "resource_name", "acme/kacls-kek-7",
                "reason", KaclsAdapter.REASON));
    assertThat(body(exchange.requests.get(1)).get("authentication")).isEqualTo("jwt-two-rotated");
  }

  @Test
  void aCryptoApiKekIdIsRefusedWithoutACall() {
    FakeExchange exchange = new FakeExchange();

    assertThatThrownBy(
            () -> adapter.unwrap(new byte[] {1}, "kek-20261124T054715Z-3f9a1c0b", exchange))
        .isInstanceOfSatisfying(
            KmaasException.class, e -> assertThat(e.failure()).isEqualTo(KmaasFailure.UNKNOWN_KEK))
        .hasMessageContaining("not a KACLS key version");
    assertThatThrownBy(() -> adapter.unwrap(new byte[] {1}, "kacls-" + "x".repeat(120), exchange))
        .isInstanceOfSatisfying(
            KmaasException.class, e -> assertThat(e.failure()).isEqualTo(KmaasFailure.UNKNOWN_KEK));
    assertThat(exchange.requests).isEmpty();
  }

  @Test
  void statusThatIsNotAKaclsOrHasNoVersionIsAProtocolFailure() {
    assertProtocol(
        () -> adapter.parseStatusResponse(bytes("{\"server_type\":\"KMS\",\"version\":\"1\"}")),
        "server_type other than \"KACLS\"");
    assertProtocol(
        () -> adapter.parseStatusResponse(bytes("{\"server_type\":\"KACLS\"}")),
        "lacks a non-empty string \"version\"");
    assertProtocol(
        () -> adapter.parseStatusResponse(bytes("{\"version\":\"\"}")),
        "lacks a non-empty string \"version\"");
    assertProtocol(() -> adapter.parseStatusResponse(bytes("[1]")), "is not a JSON object");
  }

  @Test
  void statusWithoutServerTypeIsAccepted() throws Exception {
    assertThat(adapter.parseStatusResponse(bytes("{\"version\":\"2.1\"}"))).isEqualTo("kacls-2.1");
  }

  @Test
  void answersThatAreNotTheShapeAreProtocolFailuresThatDoNotEchoTheBody() {
    assertProtocol(
        () -> adapter.parseWrapResponse(bytes("{\"wrapped\":\"SECRET-BODY\"}")),
        "lacks a non-empty string \"wrapped_key\"");
    assertProtocol(
        () -> adapter.parseWrapResponse(bytes("{\"wrapped_key\":\"not base64!\"}")),
        "\"wrapped_key\" that is not base64");
    assertProtocol(
        () -> adapter.parseUnwrapResponse(bytes("{\"plaintext\":\"" + DEK_B64 + "\"}")),
        "lacks a non-empty string \"key\"");
    assertProtocol(() -> adapter.parseUnwrapResponse(bytes("SECRET-BODY")), "not a JSON object");
  }

  @Test
  void errorCodeIsReadFromTheStructuredErrorReply() {
    assertThat(adapter.errorCode(bytes("{\"code\":403,\"message\":\"m\",\"details\":\"d\"}")))
        .isEqualTo(OptionalInt.of(403));
    assertThat(adapter.errorCode(bytes("{\"errors\":[{\"code\":4}]}"))).isEmpty();
    assertThat(adapter.errorCode(bytes("{\"code\":\"403\"}"))).isEmpty();
    assertThat(adapter.errorCode(bytes("<html>"))).isEmpty();
    assertThat(adapter.errorCode(new byte[0])).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"1", "2.0.1", "kek-20261124T054715Z-3f9a1c0b", "v_1-rc.2"})
  void simpleVersionsAreKeptVerbatim(String version) {
    assertThat(KaclsAdapter.kekIdForVersion(version)).isEqualTo("kacls-" + version);
    assertThat(KaclsAdapter.kekIdForVersion(" " + version + "\n")).isEqualTo("kacls-" + version);
  }

  @ParameterizedTest
  @ValueSource(strings = {"1.2 (build 5)", "a/b", "ünïcode", "v:1", ""})
  void otherVersionsAreHashedToAValidStableKekId(String version) {
    String kekId = KaclsAdapter.kekIdForVersion(version);

    assertThat(kekId).startsWith("kacls-sha256-").hasSize(6 + 7 + 32);
    assertThat(KeyIdScheme.isValidKekId(kekId)).isTrue();
    assertThat(KaclsAdapter.kekIdForVersion(version)).isEqualTo(kekId);
    assertThat(KaclsAdapter.kekIdForVersion(version + "2")).isNotEqualTo(kekId);
  }

  @Test
  void longVersionsAreHashedSoTheResourceNameFitsKaclsLimit() {
    String tenant = "t".repeat(64);
    String kekId = KaclsAdapter.kekIdForVersion("9".repeat(49));

    assertThat(kekId).startsWith("kacls-sha256-");
    assertThat(KaclsAdapter.kekIdForVersion("9".repeat(48))).isEqualTo("kacls-" + "9".repeat(48));
    assertThat(KaclsAdapter.resourceName(tenant, KaclsAdapter.kekIdForVersion("9".repeat(48))))
        .hasSizeLessThanOrEqualTo(128);
    assertThat(new KeyIdScheme("k".repeat(64), tenant).keyIdFor(kekId))
        .hasSizeLessThanOrEqualTo(KeyIdScheme.MAX_KEY_ID_LENGTH);
  }

  @Test
  void kaclsNeedsATokenFile() {
    HttpUrl url = HttpUrl.get("https://h");
    assertThatThrownBy(
            () -> KaclsAdapter.of(url, "acme", new KmaasCredentials.ApiKey("name", "secret")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--kmaas-token-file")
        .message()
        .doesNotContain("secret");
    assertThatThrownBy(() -> KaclsAdapter.of(url, "acme", new KmaasCredentials.None()))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(KaclsAdapter.of(url, "acme", new KmaasCredentials.TokenFile(tokenFile))).isNotNull();
  }

  private static void assertProtocol(
      org.assertj.core.api.ThrowableAssert.ThrowingCallable call, String message) {
    assertThatThrownBy(call)
        .isInstanceOfSatisfying(
            KmaasException.class, e -> assertThat(e.failure()).isEqualTo(KmaasFailure.PROTOCOL))
        .hasMessageContaining(message)
        .message()
        .doesNotContain("SECRET-BODY");
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static Map<?, ?> body(Request request) throws Exception {
    Buffer buffer = new Buffer();
    request.body().writeTo(buffer);
    return JSON.readValue(buffer.readUtf8(), Map.class);
  }

  /** Answers each exchange with the next canned 2xx body and records the requests. */
  private static final class FakeExchange implements KmaasExchange {
    final List<Request> requests = new ArrayList<>();
    final Deque<String> answers;

    FakeExchange(String... answers) {
      this.answers = new ArrayDeque<>(List.of(answers));
    }

    @Override
    public <T> T call(RequestFactory request, BodyParser<T> parser) throws KmaasException {
      requests.add(request.create());
      return parser.parse(answers.removeFirst().getBytes(StandardCharsets.UTF_8));
    }
  }
}
