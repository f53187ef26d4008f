package dev.sds.kms.plugin;

import static dev.sds.kms.plugin.testing.KmsCalls.http;
import static dev.sds.kms.plugin.testing.KmsCalls.randomBytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import dev.sds.kms.plugin.config.ConfigLoader;
import dev.sds.kms.plugin.kms.KmsV2Client;
import dev.sds.kms.plugin.kms.v2.EncryptResponse;
import dev.sds.kms.plugin.kms.v2.StatusRequest;
import dev.sds.kms.plugin.server.UnixEndpoint;
import dev.sds.kms.plugin.testing.KmsCalls;
import io.grpc.Status;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.SocketEffect;
import okhttp3.Protocol;
import okhttp3.tls.HandshakeCertificates;
import okhttp3.tls.HeldCertificate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The whole daemon (real Unix socket, real gRPC, real HTTPS) against a KMaaS that misbehaves: one
 * row per fault, each asserting the gRPC code of Encrypt and Decrypt, the Status healthz reason,
 * the {@code /metrics} outcome label of the wraps, and recovery without a restart once KMaaS
 * behaves again. The table of observed results is in docs/SECURITY.md ("Faults").
 *
 * <p>KMaaS is a MockWebServer (HTTP/1.1 over TLS) whose dispatcher switches between a fault and a
 * small fake crypto-api that "wraps" by XOR, so unwrap round-trips.
 */
class KmaasFaultsIT {
  private static final String TENANT = "acme";
  private static final String KEK_ID = "kek-20260101T000000Z-0a0b0c0d";
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final HeldCertificate CA =
      new HeldCertificate.Builder().certificateAuthority(0).commonName("faults CA").build();
  private static final HeldCertificate SERVER_CERT =
      new HeldCertificate.Builder()
          .commonName("localhost")
          .addSubjectAlternativeName("localhost")
          .signedBy(CA)
          .build();

  /** Longer than the 300 ms per-attempt timeout and than the whole 1.5 s client deadline. */
  private static final long SLOW_SECONDS = 2;

  @TempDir Path dir;

  private final SwitchingDispatcher dispatcher = new SwitchingDispatcher();
  private MockWebServer kmaas;
  private Daemon daemon;
  private KmsV2Client client;

  /** One misbehaviour of KMaaS and what the daemon is expected to make of it. */
  record Fault(
      String name,
      Supplier<MockResponse> response,
      Status.Code code,
      String healthz,
      String outcome) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Arguments> faults() {
    return Stream.of(
            new Fault(
                "slower than the deadline",
                () -> healthyShape().headersDelay(SLOW_SECONDS, TimeUnit.SECONDS).build(),
                // every 300 ms attempt times out, the retries use up the deadline: TIMEOUT
                Status.Code.DEADLINE_EXCEEDED,
                "timed out",
                "timeout"),
            new Fault(
                "HTTP 500",
                () -> json(500, "{\"errors\":[{\"code\":5000,\"message\":\"boom\"}]}").build(),
                Status.Code.UNAVAILABLE,
                "KMaaS server error: HTTP 500, KMaaS error code 5000",
                "server_error"),
            new Fault(
                "HTTP 429 with Retry-After 1",
                () -> json(429, "{}").addHeader("Retry-After", "1").build(),
                Status.Code.UNAVAILABLE,
                "KMaaS is throttling requests: HTTP 429",
                "throttled"),
            new Fault(
                "connection reset mid-body",
                () -> healthyShape().onResponseBody(new SocketEffect.CloseSocket()).build(),
                Status.Code.UNAVAILABLE,
                "KMaaS unreachable: connection failed",
                "unreachable"),
            new Fault(
                "truncated JSON",
                () -> json(200, "{\"ciphertext\":\"AAAA\",\"kek_").build(),
                Status.Code.UNAVAILABLE,
                "is not a JSON object",
                "protocol"),
            new Fault(
                "malformed JSON",
                () -> json(200, "{\"ciphertext\" \"AAAA\" kek_id}").build(),
                Status.Code.UNAVAILABLE,
                "is not a JSON object",
                "protocol"),
            new Fault(
                "HTTP 401",
                () -> json(401, "{\"errors\":[{\"code\":4010,\"message\":\"no\"}]}").build(),
                Status.Code.PERMISSION_DENIED,
                "KMaaS rejected the credentials: HTTP 401, KMaaS error code 4010",
                "auth_rejected"))
        .map(Arguments::of);
  }

  @BeforeEach
  void startKmaasAndDaemon() throws Exception {
    kmaas = new MockWebServer();
    kmaas.useHttps(
        new HandshakeCertificates.Builder()
            .heldCertificate(SERVER_CERT)
            .build()
            .sslSocketFactory());
    kmaas.setProtocols(List.of(Protocol.HTTP_1_1));
    kmaas.setDispatcher(dispatcher);
    kmaas.start(InetAddress.getByName("localhost"), 0);

    Path ca = Files.writeString(dir.resolve("ca.pem"), CA.certificatePem());
    Path apiKey = Files.writeString(dir.resolve("api-key"), "kms-plugin:s3cret-key\n");
    Path socket = dir.resolve("run/kms.sock");
    Map<String, String> flags = new HashMap<>();
    flags.put("--bind", "unix://" + socket);
    flags.put("--kmaas-url", "https://localhost:" + kmaas.getPort());
    flags.put("--kmaas-tenant", TENANT);
    flags.put("--kmaas-ca-file", ca.toString());
    flags.put("--kmaas-api-key-file", apiKey.toString());
    flags.put("--kmaas-timeout", "300ms");
    flags.put("--http-address", "127.0.0.1:0");
    flags.put("--check-interval", "1s");
    flags.put("--check-interval-failing", "1s");
    flags.put("--dek-cache-size", "0");
    flags.put("--log-format", "text");
    daemon = Daemon.start(ConfigLoader.load(flags, Map.of()));
    client = new KmsV2Client(UnixEndpoint.parse("unix://" + socket), Duration.ofMillis(1500));
  }

  @AfterEach
  void stopAll() {
    if (client != null) {
      client.close();
    }
    if (daemon != null) {
      daemon.close();
    }
    if (kmaas != null) {
      kmaas.close();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("faults")
  void reportsTheFaultPreciselyAndRecoversWithoutARestart(Fault fault) throws Exception {
    assertThat(healthz()).isEqualTo("ok");
    byte[] seed = randomBytes(32);
    EncryptResponse before = encrypt(seed);

    dispatcher.fault = fault.response().get();

    await()
        .atMost(Duration.ofSeconds(15))
        .untilAsserted(() -> assertThat(healthz()).contains(fault.healthz()));
    assertThat(healthz()).doesNotContain("s3cret-key");
    assertCode(() -> encrypt(randomBytes(32)), fault.code());
    assertCode(() -> decrypt(before), fault.code());
    assertThat(wrapCount(fault.outcome())).as("wraps with outcome " + fault.outcome()).isPositive();
    assertThat(http(daemon, "/readyz").statusCode()).isEqualTo(503);

    dispatcher.fault = null;

    await()
        .atMost(Duration.ofSeconds(15))
        .untilAsserted(() -> assertThat(healthz()).isEqualTo("ok"));
    EncryptResponse after = encrypt(randomBytes(32));
    assertThat(after.getKeyId()).isEqualTo(before.getKeyId());
    assertThat(decrypt(before)).isEqualTo(ByteString.copyFrom(seed));
    assertThat(http(daemon, "/readyz").statusCode()).isEqualTo(200);
  }

  // ---------------------------------------------------------------- fake KMaaS

  /** The fault while one is set, else a fake crypto-api that wraps by XOR with 0x5a. */
  private static final class SwitchingDispatcher extends Dispatcher {
    volatile MockResponse fault;

    @Override
    public MockResponse dispatch(RecordedRequest request) {
      MockResponse f = fault;
      if (f != null) {
        return f;
      }
      try {
        JsonNode body = MAPPER.readTree(request.getBody().toByteArray());
        String path = request.getUrl().encodedPath();
        if (path.equals("/api/v1/" + TENANT + "/crypto/encrypt")) {
          byte[] wrapped = xor(Base64.getDecoder().decode(body.path("plaintext").asText()));
          return json(
                  200,
                  "{\"ciphertext\":\""
                      + Base64.getEncoder().encodeToString(wrapped)
                      + "\",\"kek_id\":\""
                      + KEK_ID
                      + "\"}")
              .build();
        }
        if (path.equals("/api/v1/" + TENANT + "/crypto/decrypt")
            && KEK_ID.equals(body.path("kek_id").asText())) {
          byte[] plain = xor(Base64.getDecoder().decode(body.path("ciphertext").asText()));
          return json(200, "{\"plaintext\":\"" + Base64.getEncoder().encodeToString(plain) + "\"}")
              .build();
        }
        return json(404, "{\"errors\":[{\"code\":4040}]}").build();
      } catch (IOException | RuntimeException e) {
        return json(400, "{\"errors\":[{\"code\":4000}]}").build();
      }
    }
  }

  private static byte[] xor(byte[] in) {
    byte[] out = in.clone();
    for (int i = 0; i < out.length; i++) {
      out[i] ^= 0x5a;
    }
    return out;
  }

  /** A well-formed encrypt answer padded to 16 KiB, so that a fault can strike mid-body. */
  private static MockResponse.Builder healthyShape() {
    String padding = " ".repeat(16 * 1024);
    return json(200, "{\"ciphertext\":\"AAAA\",\"kek_id\":\"" + KEK_ID + "\"}" + padding);
  }

  private static MockResponse.Builder json(int code, String body) {
    return new MockResponse.Builder()
        .code(code)
        .addHeader("Content-Type", "application/json")
        .body(body);
  }

  // ---------------------------------------------------------------- daemon side

  private String healthz() {
    return client.stub().status(StatusRequest.getDefaultInstance()).getHealthz();
  }

  private EncryptResponse encrypt(byte[] plaintext) {
    return KmsCalls.encrypt(client, plaintext);
  }

  private ByteString decrypt(EncryptResponse encrypted) {
    return KmsCalls.decrypt(client, encrypted.getCiphertext(), encrypted.getKeyId());
  }

  private double wrapCount(String outcome) throws Exception {
    Matcher m =
        Pattern.compile(
                "kms_kmaas_requests_seconds_count\\{operation=\"wrap\",outcome=\""
                    + Pattern.quote(outcome)
                    + "\"[^}]*} ([0-9.eE+]+)")
            .matcher(http(daemon, "/metrics").body());
    return m.find() ? Double.parseDouble(m.group(1)) : 0;
  }

  private static void assertCode(Runnable call, Status.Code code) {
    assertThat(KmsCalls.assertCode(call, code).getStatus().getDescription())
        .doesNotContain("s3cret");
  }
}
