package dev.sds.kms.plugin;

import static dev.sds.kms.plugin.testing.KmsCalls.http;
import static dev.sds.kms.plugin.testing.KmsCalls.randomBytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import dev.sds.kms.plugin.config.ConfigLoader;
import dev.sds.kms.plugin.kmaas.KmaasClient;
import dev.sds.kms.plugin.kmaas.KmaasSettings;
import dev.sds.kms.plugin.kmaas.http.HttpKmaasClient;
import dev.sds.kms.plugin.kms.KmsV2Client;
import dev.sds.kms.plugin.kms.v2.EncryptResponse;
import dev.sds.kms.plugin.kms.v2.StatusRequest;
import dev.sds.kms.plugin.server.UnixEndpoint;
import dev.sds.kms.plugin.testing.KmsCalls;
import io.grpc.Status;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Stream;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.SocketEffect;
import okhttp3.Dns;
import okhttp3.Protocol;
import okhttp3.tls.HandshakeCertificates;
import okhttp3.tls.HeldCertificate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The whole daemon (real Unix socket, real gRPC, real HTTPS) against a KMaaS that misbehaves: one
 * row per fault, each asserting the gRPC code of Encrypt and Decrypt, the Status healthz reason,
 * the {@code /metrics} outcome label, and recovery without a restart once KMaaS behaves again (or
 * the operator fixes what the daemon reads: its CA bundle file). Faults: every answer (slow, 5xx,
 * 429, reset, bad JSON, 401), unwrap answers only while wrap works, KMaaS restarted with a
 * certificate from an untrusted CA or with an expired one, and KMaaS's host name no longer
 * resolving. The table of observed results is in docs/SECURITY.md ("Faults").
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
  private static final HeldCertificate SERVER_CERT = serverCert(CA, 0, Duration.ofDays(1));

  /** A CA the daemon does not trust until its CA bundle is updated. */
  private static final HeldCertificate OTHER_CA =
      new HeldCertificate.Builder().certificateAuthority(0).commonName("other CA").build();

  /** The host name that resolves only through {@link #dns}. */
  private static final String KMAAS_HOST = "kmaas.faults.test";

  /** Longer than the 300 ms per-attempt timeout and than the whole 1.5 s client deadline. */
  private static final long SLOW_SECONDS = 2;

  @TempDir Path dir;

  private final SwitchingDispatcher dispatcher = new SwitchingDispatcher();
  private final SwitchableDns dns = new SwitchableDns();
  private MockWebServer kmaas;
  private Daemon daemon;
  private KmsV2Client client;
  private Path caFile;

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
    startKmaas(SERVER_CERT, freePort());
    caFile = Files.writeString(dir.resolve("ca.pem"), CA.certificatePem());
    startDaemon("localhost", HttpKmaasClient::new);
  }

  /**
   * A port free now. KMaaS binds it explicitly, never port 0: MockWebServer sets SO_REUSEADDR only
   * on an explicit port, and Linux lets the restarted KMaaS bind the port while the first one's
   * closed connections linger only when those had it too.
   */
  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("localhost"))) {
      return socket.getLocalPort();
    }
  }

  /** (Re)starts KMaaS presenting {@code cert}, on {@code port}. */
  private void startKmaas(HeldCertificate cert, int port) throws IOException {
    kmaas = new MockWebServer();
    kmaas.useHttps(
        new HandshakeCertificates.Builder().heldCertificate(cert).build().sslSocketFactory());
    kmaas.setProtocols(List.of(Protocol.HTTP_1_1));
    kmaas.setDispatcher(dispatcher);
    kmaas.start(InetAddress.getByName("localhost"), port);
  }

  /**
   * KMaaS restarted on the same port presenting {@code cert}: its connections are closed, so the
   * daemon's next calls connect (resolve, handshake) again.
   */
  private void restartKmaas(HeldCertificate cert) throws IOException {
    int port = kmaas.getPort();
    kmaas.close();
    startKmaas(cert, port);
  }

  private void startDaemon(String kmaasHost, Function<KmaasSettings, KmaasClient> remoteClient)
      throws Exception {
    Path apiKey = Files.writeString(dir.resolve("api-key"), "kms-plugin:s3cret-key\n");
    Path socket = dir.resolve("run/kms.sock");
    Map<String, String> flags = new HashMap<>();
    flags.put("--bind", "unix://" + socket);
    flags.put("--kmaas-url", "https://" + kmaasHost + ":" + kmaas.getPort());
    flags.put("--kmaas-tenant", TENANT);
    flags.put("--kmaas-ca-file", caFile.toString());
    flags.put("--kmaas-api-key-file", apiKey.toString());
    flags.put("--kmaas-timeout", "300ms");
    flags.put("--http-address", "127.0.0.1:0");
    flags.put("--check-interval", "1s");
    flags.put("--check-interval-failing", "1s");
    flags.put("--dek-cache-size", "0");
    flags.put("--log-format", "text");
    daemon = Daemon.start(ConfigLoader.load(flags, Map.of()), remoteClient);
    client = new KmsV2Client(UnixEndpoint.parse("unix://" + socket), Duration.ofMillis(1500));
  }

  private void stopDaemon() {
    client.close();
    daemon.close();
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
    faultThenRecovery(
        new Expected(fault.code(), fault.code(), fault.healthz(), "wrap", fault.outcome()),
        () -> dispatcher.fault = fault.response().get(),
        () -> dispatcher.fault = null);
  }

  static Stream<Arguments> unwrapFaults() {
    return Stream.of(
            new Fault(
                "unwrap slower than the deadline",
                () ->
                    json(200, "{\"plaintext\":\"AAAA\"}")
                        .headersDelay(SLOW_SECONDS, TimeUnit.SECONDS)
                        .build(),
                Status.Code.DEADLINE_EXCEEDED,
                "timed out",
                "timeout"),
            new Fault(
                "unwrap HTTP 503",
                () -> json(503, "{\"errors\":[{\"code\":5030}]}").build(),
                Status.Code.UNAVAILABLE,
                "KMaaS server error: HTTP 503, KMaaS error code 5030",
                "server_error"),
            new Fault(
                "unwrap HTTP 403 (the key may wrap but not unwrap)",
                () -> json(403, "{\"errors\":[{\"code\":4030}]}").build(),
                Status.Code.PERMISSION_DENIED,
                "KMaaS rejected the credentials: HTTP 403, KMaaS error code 4030",
                "auth_rejected"),
            new Fault(
                "unwrap HTTP 404 (KEK gone)",
                () -> json(404, "{\"errors\":[{\"code\":4040}]}").build(),
                Status.Code.FAILED_PRECONDITION,
                "KMaaS does not know the KEK or tenant: HTTP 404, KMaaS error code 4040",
                "unknown_kek"))
        .map(Arguments::of);
  }

  /** Faults on crypto/decrypt only, while crypto/encrypt works: Encrypt keeps working. */
  @ParameterizedTest(name = "{0}")
  @MethodSource("unwrapFaults")
  void unwrapFaultsFailDecryptOnlyAndShowInHealthz(Fault fault) throws Exception {
    faultThenRecovery(
        new Expected(null, fault.code(), fault.healthz(), "unwrap", fault.outcome()),
        () -> dispatcher.unwrapFault = fault.response().get(),
        () -> dispatcher.unwrapFault = null);
  }

  @Test
  void kmaasSwitchingToAnUntrustedCaIsATlsFaultUntilTheCaBundleFileIsUpdated() throws Exception {
    HeldCertificate untrusted = serverCert(OTHER_CA, 0, Duration.ofDays(1));
    faultThenRecovery(
        new Expected(
            Status.Code.UNAVAILABLE,
            Status.Code.UNAVAILABLE,
            "TLS handshake with https://localhost:"
                + kmaas.getPort()
                + " failed: certificate not trusted by the CAs in --kmaas-ca-file "
                + caFile,
            "wrap",
            "tls"),
        () -> restartKmaas(untrusted),
        () -> {
          // as a Secret volume updates it: the new bundle appears at once (rename)
          Path staged =
              Files.writeString(
                  dir.resolve("ca.pem.new"), CA.certificatePem() + OTHER_CA.certificatePem());
          Files.move(
              staged, caFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        });
  }

  @Test
  void anExpiredKmaasCertificateIsReportedUntilKmaasPresentsAValidOne() throws Exception {
    HeldCertificate expired = serverCert(CA, -2, Duration.ofDays(1));
    faultThenRecovery(
        new Expected(
            Status.Code.UNAVAILABLE,
            Status.Code.UNAVAILABLE,
            "TLS handshake with https://localhost:"
                + kmaas.getPort()
                + " failed: certificate expired (renew the certificate KMaaS presents)",
            "wrap",
            "tls"),
        () -> restartKmaas(expired),
        () -> restartKmaas(SERVER_CERT));
  }

  @Test
  void anUnresolvableKmaasHostIsUnavailableUntilItResolvesAgain() throws Exception {
    stopDaemon();
    startDaemon(KMAAS_HOST, settings -> new HttpKmaasClient(settings, dns));
    faultThenRecovery(
        new Expected(
            Status.Code.UNAVAILABLE,
            Status.Code.UNAVAILABLE,
            "cannot resolve KMaaS host "
                + KMAAS_HOST
                + " (DNS lookup failed for --kmaas-url https://"
                + KMAAS_HOST
                + ":"
                + kmaas.getPort()
                + ")",
            "wrap",
            "unreachable"),
        () -> {
          dns.resolves = false;
          restartKmaas(SERVER_CERT); // pooled connections need no lookup; new ones do
        },
        () -> dns.resolves = true);
  }

  /**
   * What the daemon must show while a fault lasts.
   *
   * @param encrypt Encrypt's code, {@code null}: Encrypt works
   * @param decrypt Decrypt's code (of a ciphertext made before the fault)
   * @param healthz part of the Status healthz reason
   * @param operation the KMaaS operation whose metric counts {@code outcome}
   */
  record Expected(
      Status.Code encrypt, Status.Code decrypt, String healthz, String operation, String outcome) {}

  @FunctionalInterface
  interface Step {
    void run() throws Exception;
  }

  /**
   * Makes a ciphertext, injects the fault, checks codes, healthz, metric and readiness, heals it
   * and checks that the daemon recovers without a restart and still opens the old ciphertext.
   */
  private void faultThenRecovery(Expected expected, Step inject, Step heal) throws Exception {
    assertThat(healthz()).isEqualTo("ok");
    byte[] seed = randomBytes(32);
    EncryptResponse before = encrypt(seed);

    inject.run();

    await()
        .atMost(Duration.ofSeconds(15))
        .untilAsserted(() -> assertThat(healthz()).contains(expected.healthz()));
    assertThat(healthz()).doesNotContain("s3cret-key");
    if (expected.encrypt() == null) {
      assertThat(encrypt(randomBytes(32)).getKeyId()).isEqualTo(before.getKeyId());
    } else {
      assertCode(() -> encrypt(randomBytes(32)), expected.encrypt());
    }
    assertCode(() -> decrypt(before), expected.decrypt());
    assertThat(kmaasCount(expected.operation(), expected.outcome()))
        .as(expected.operation() + " calls with outcome " + expected.outcome())
        .isPositive();
    assertThat(http(daemon, "/readyz").statusCode()).isEqualTo(503);

    heal.run();

    await()
        .atMost(Duration.ofSeconds(15))
        .untilAsserted(() -> assertThat(healthz()).isEqualTo("ok"));
    EncryptResponse after = encrypt(randomBytes(32));
    assertThat(after.getKeyId()).isEqualTo(before.getKeyId());
    assertThat(decrypt(before)).isEqualTo(ByteString.copyFrom(seed));
    assertThat(http(daemon, "/readyz").statusCode()).isEqualTo(200);
  }

  // ---------------------------------------------------------------- DNS

  /** Resolves {@link #KMAAS_HOST} to the loopback address while {@link #resolves} is set. */
  private static final class SwitchableDns implements Dns {
    volatile boolean resolves = true;

    @Override
    public List<InetAddress> lookup(String hostname) throws UnknownHostException {
      if (!resolves || !hostname.equals(KMAAS_HOST)) {
        throw new UnknownHostException(hostname + ": Name or service not known");
      }
      return Dns.SYSTEM.lookup("localhost");
    }
  }

  // ---------------------------------------------------------------- fake KMaaS

  /** The fault while one is set, else a fake crypto-api that wraps by XOR with 0x5a. */
  private static final class SwitchingDispatcher extends Dispatcher {
    volatile MockResponse fault;
    volatile MockResponse unwrapFault;

    @Override
    public MockResponse dispatch(RecordedRequest request) {
      MockResponse f = fault;
      if (f != null) {
        return f;
      }
      MockResponse u = unwrapFault;
      if (u != null && request.getUrl().encodedPath().endsWith("/crypto/decrypt")) {
        return u;
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
    // Status answers from memory; the long deadline only rides out a loaded test machine
    return client
        .stub()
        .withDeadlineAfter(10, TimeUnit.SECONDS)
        .status(StatusRequest.getDefaultInstance())
        .getHealthz();
  }

  private EncryptResponse encrypt(byte[] plaintext) {
    return KmsCalls.encrypt(client, plaintext);
  }

  private ByteString decrypt(EncryptResponse encrypted) {
    return KmsCalls.decrypt(client, encrypted.getCiphertext(), encrypted.getKeyId());
  }

  private double kmaasCount(String operation, String outcome) throws Exception {
    return KmsCalls.metric(
        daemon, "kms_kmaas_requests_seconds_count", "operation", operation, "outcome", outcome);
  }

  /**
   * A certificate for localhost and {@link #KMAAS_HOST}, valid for {@code validity} from an hour
   * before {@code startDays} from now.
   */
  private static HeldCertificate serverCert(HeldCertificate ca, int startDays, Duration validity) {
    long start =
        System.currentTimeMillis()
            + Duration.ofDays(startDays).toMillis()
            - Duration.ofHours(1).toMillis();
    return new HeldCertificate.Builder()
        .commonName("localhost")
        .addSubjectAlternativeName("localhost")
        .addSubjectAlternativeName(KMAAS_HOST)
        .validityInterval(start, start + validity.toMillis())
        .signedBy(ca)
        .build();
  }

  private static void assertCode(Runnable call, Status.Code code) {
    assertThat(KmsCalls.assertCode(call, code).getStatus().getDescription())
        .doesNotContain("s3cret");
  }
}
