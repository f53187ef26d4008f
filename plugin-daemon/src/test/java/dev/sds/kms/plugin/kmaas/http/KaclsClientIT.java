package dev.sds.kms.plugin.kmaas.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sds.kms.plugin.kmaas.KmaasCredentials;
import dev.sds.kms.plugin.kmaas.KmaasException;
import dev.sds.kms.plugin.kmaas.KmaasFailure;
import dev.sds.kms.plugin.kmaas.KmaasProtocol;
import dev.sds.kms.plugin.kmaas.KmaasSettings;
import dev.sds.kms.plugin.kmaas.WrapResult;
import dev.sds.kms.plugin.kms.GrpcErrors;
import io.grpc.Deadline;
import io.grpc.Status;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link HttpKmaasClient} with {@code --kmaas-protocol kacls} against a real HTTPS server
 * (mockwebserver3): the KACLS requests on the wire, and how KACLS's structured error replies map to
 * a {@link KmaasFailure} and a gRPC code.
 */
class KaclsClientIT {
  private static final TestPki PKI = new TestPki();
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final byte[] DEK =
      "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.UTF_8);
  private static final String DEK_B64 = Base64.getEncoder().encodeToString(DEK);
  private static final String TOKEN = "eyJhbGciOiJIUzI1NiJ9.jwt-MARKER.sig";
  private static final String MARKER = "KACLS-TEXT-MARKER";
  private static final String STATUS = "{\"server_type\":\"KACLS\",\"version\":\"kek-7\"}";

  @TempDir Path dir;
  private MockWebServer server;
  private HttpKmaasClient client;
  private Path tokenFile;

  @BeforeEach
  void start() throws IOException {
    server = new MockWebServer();
    server.useHttps(PKI.server(PKI.localhostCert).sslSocketFactory());
    server.start(InetAddress.getByName("localhost"), 0);
    tokenFile = Files.writeString(dir.resolve("token"), TOKEN + "\n");
    client =
        new HttpKmaasClient(
            new KmaasSettings(
                URI.create("https://localhost:" + server.getPort() + "/api/v1/acme/kacls"),
                "acme",
                null,
                PKI.serverCaFile(dir),
                null,
                null,
                false,
                new KmaasCredentials.TokenFile(tokenFile),
                Duration.ofSeconds(2),
                KmaasProtocol.KACLS));
  }

  @AfterEach
  void stop() {
    client.close();
    server.close();
  }

  @Test
  void wrapAndUnwrapSpeakKaclsOverHttps() throws Exception {
    server.enqueue(json(200, STATUS));
    server.enqueue(json(200, "{\"wrapped_key\":\"CQgH\"}"));
    server.enqueue(json(200, "{\"key\":\"" + DEK_B64 + "\"}"));

    WrapResult wrapped = client.wrap(DEK, seconds(5));
    byte[] unwrapped = client.unwrap(wrapped.ciphertext(), wrapped.kekId(), seconds(5));

    assertThat(wrapped.kekId()).isEqualTo("kacls-kek-7");
    assertThat(unwrapped).isEqualTo(DEK);
    assertThat(client.describe().protocol()).isEqualTo("kacls");
    RecordedRequest status = server.takeRequest();
    assertThat(status.getMethod()).isEqualTo("GET");
    assertThat(status.getTarget()).isEqualTo("/api/v1/acme/kacls/status");
    RecordedRequest wrap = server.takeRequest();
    assertThat(wrap.getTarget()).isEqualTo("/api/v1/acme/kacls/privilegedwrap");
    assertThat(wrap.getHeaders().get("Authorization")).isNull();
    assertThat(JSON.readValue(wrap.getBody().utf8(), Map.class))
        .containsEntry("authentication", TOKEN)
        .containsEntry("key", DEK_B64)
        .containsEntry("resource_name", "acme/kacls-kek-7");
    RecordedRequest unwrap = server.takeRequest();
    assertThat(unwrap.getTarget()).isEqualTo("/api/v1/acme/kacls/privilegedunwrap");
    assertThat(JSON.readValue(unwrap.getBody().utf8(), Map.class))
        .containsEntry("authentication", TOKEN)
        .containsEntry("wrapped_key", "CQgH")
        .containsEntry("resource_name", "acme/kacls-kek-7");
  }

  @ParameterizedTest(name = "HTTP {0} -> {1} -> {2}")
  @CsvSource({
    "400, REJECTED_INPUT, INVALID_ARGUMENT",
    "401, AUTH_REJECTED, PERMISSION_DENIED",
    "403, AUTH_REJECTED, PERMISSION_DENIED",
    "404, UNKNOWN_KEK, FAILED_PRECONDITION",
    "429, THROTTLED, UNAVAILABLE",
    "500, SERVER_ERROR, UNAVAILABLE",
  })
  void structuredErrorRepliesMapToAFailureClassAndAGrpcCode(
      int status, KmaasFailure failure, Status.Code code) {
    MockResponse.Builder reply =
        new MockResponse.Builder()
            .code(status)
            .addHeader("Content-Type", "application/json")
            .body(
                "{\"code\":"
                    + status
                    + ",\"message\":\"no "
                    + MARKER
                    + " "
                    + DEK_B64
                    + "\",\"details\":\"at Kacls.java:1 "
                    + MARKER
                    + "\"}");
    if (status == 429) {
      reply.addHeader("Retry-After", "60"); // beyond the deadline: fails at once
    }
    server.setDispatcher(always(reply.build()));

    KmaasException e =
        failure(() -> client.unwrap(new byte[] {9, 8, 7}, "kacls-kek-7", seconds(1)));

    assertThat(e.failure()).isEqualTo(failure);
    assertThat(GrpcErrors.toStatus(e).getCode()).isEqualTo(code);
    assertThat(e.getMessage())
        .contains("HTTP " + status + ", KMaaS error code " + status)
        .contains("/api/v1/acme/kacls/privilegedunwrap")
        .doesNotContain(MARKER)
        .doesNotContain(DEK_B64)
        .doesNotContain("jwt-MARKER");
    if (!failure.retryable()) {
      assertThat(server.getRequestCount()).isEqualTo(1);
    }
  }

  @Test
  void aStatusOutageFailsTheWrapAsUnavailableAndIsRetried() throws Exception {
    server.enqueue(json(503, "{\"code\":503,\"message\":\"down\",\"details\":\"\"}"));
    server.enqueue(json(200, STATUS));
    server.enqueue(json(200, "{\"wrapped_key\":\"CQgH\"}"));

    assertThat(client.wrap(DEK, seconds(5)).kekId()).isEqualTo("kacls-kek-7");
    assertThat(server.getRequestCount()).isEqualTo(3);
  }

  @Test
  void theTokenFileIsReReadWhenItChanges() throws Exception {
    server.setDispatcher(always(json(200, "{\"key\":\"" + DEK_B64 + "\"}")));

    client.unwrap(new byte[] {9}, "kacls-kek-7", seconds(5));
    Files.writeString(tokenFile, "second-token-rotated");
    client.unwrap(new byte[] {9}, "kacls-kek-7", seconds(5));

    assertThat(JSON.readValue(server.takeRequest().getBody().utf8(), Map.class))
        .containsEntry("authentication", TOKEN);
    assertThat(JSON.readValue(server.takeRequest().getBody().utf8(), Map.class))
        .containsEntry("authentication", "second-token-rotated");
  }

  @Test
  void anEmptyTokenFileFailsWithoutAWrapRequest() throws Exception {
    Files.writeString(tokenFile, "");
    server.enqueue(json(200, STATUS));

    KmaasException e = failure(() -> client.wrap(DEK, seconds(5)));

    assertThat(e.failure()).isEqualTo(KmaasFailure.AUTH_REJECTED);
    assertThat(e.getMessage()).contains("is empty");
    assertThat(server.getRequestCount()).as("only the status request").isEqualTo(1);
  }

  private static Deadline seconds(long seconds) {
    return Deadline.after(seconds, TimeUnit.SECONDS);
  }

  private static MockResponse json(int code, String body) {
    return new MockResponse.Builder()
        .code(code)
        .addHeader("Content-Type", "application/json")
        .body(body)
        .build();
  }

  private static Dispatcher always(MockResponse response) {
    return new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        return response;
      }
    };
  }

  private static KmaasException failure(
      org.assertj.core.api.ThrowableAssert.ThrowingCallable call) {
    Throwable thrown = org.assertj.core.api.Assertions.catchThrowable(call);
    assertThat(thrown).isInstanceOf(KmaasException.class);
    return (KmaasException) thrown;
  }
}
