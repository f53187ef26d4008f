package dev.sds.kms.plugin.kmaas.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sds.kms.plugin.kmaas.KmaasCredentials;
import dev.sds.kms.plugin.kmaas.KmaasException;
import dev.sds.kms.plugin.kmaas.KmaasFailure;
import dev.sds.kms.plugin.kmaas.KmaasSettings;
import dev.sds.kms.plugin.kmaas.WrapResult;
import io.grpc.Deadline;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okhttp3.tls.HeldCertificate;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link HttpKmaasClient} against a real HTTPS server (mockwebserver3 with throwaway certificates).
 */
class HttpKmaasClientIT {
  private static final TestPki PKI = new TestPki();
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String API_SECRET = "s3cr3t-API-KEY-MARKER";
  private static final KmaasCredentials API_KEY = new KmaasCredentials.ApiKey("key-1", API_SECRET);
  private static final byte[] DEK =
      "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.UTF_8);
  private static final String DEK_B64 = Base64.getEncoder().encodeToString(DEK);
  private static final String KMAAS_MESSAGE_MARKER = "KMAAS-MESSAGE-MARKER";

  @TempDir Path dir;
  private MockWebServer server;
  private final List<HttpKmaasClient> clients = new ArrayList<>();

  @AfterEach
  void tearDown() {
    clients.forEach(HttpKmaasClient::close);
    if (server != null) {
      server.close();
    }
  }

  // ---------------------------------------------------------------- happy paths and wire shape

  @Test
  void wrapPostsBase64PlaintextWithBasicAuthAndReturnsCiphertextAndKekId() throws Exception {
    startServer(PKI.localhostCert);
    server.enqueue(json(200, "{\"ciphertext\":\"CQgH\",\"kek_id\":\"kek-2\"}"));

    WrapResult result = client(API_KEY).wrap(DEK, seconds(5));

    assertThat(result.ciphertext()).containsExactly(9, 8, 7);
    assertThat(result.kekId()).isEqualTo("kek-2");
    RecordedRequest request = server.takeRequest();
    assertThat(request.getMethod()).isEqualTo("POST");
    assertThat(request.getTarget()).isEqualTo("/api/v1/tenant-1/crypto/encrypt");
    assertThat(request.getHeaders().get("Authorization"))
        .isEqualTo(
            "Basic "
                + Base64.getEncoder()
                    .encodeToString(("key-1:" + API_SECRET).getBytes(StandardCharsets.UTF_8)));
    assertThat(request.getHeaders().get("Content-Type")).startsWith("application/json");
    assertThat(JSON.readValue(request.getBody().utf8(), Map.class))
        .isEqualTo(Map.of("plaintext", DEK_B64));
  }

  @Test
  void unwrapPostsCiphertextAndKekIdWithBearerTokenThatFollowsTheFile() throws Exception {
    startServer(PKI.localhostCert);
    Path tokenFile = Files.writeString(dir.resolve("token"), "jwt-one\n");
    HttpKmaasClient client = client(new KmaasCredentials.TokenFile(tokenFile));
    server.enqueue(json(200, "{\"plaintext\":\"" + DEK_B64 + "\"}"));
    server.enqueue(json(200, "{\"plaintext\":\"" + DEK_B64 + "\"}"));

    assertThat(client.unwrap(new byte[] {9, 8, 7}, "kek-2", seconds(5))).isEqualTo(DEK);
    Files.writeString(tokenFile, "jwt-two-rotated");
    assertThat(client.unwrap(new byte[] {9, 8, 7}, "kek-2", seconds(5))).isEqualTo(DEK);

    RecordedRequest first = server.takeRequest();
    assertThat(first.getTarget()).isEqualTo("/api/v1/tenant-1/crypto/decrypt");
    assertThat(first.getHeaders().get("Authorization")).isEqualTo("Bearer jwt-one");
    assertThat(JSON.readValue(first.getBody().utf8(), Map.class))
        .isEqualTo(Map.of("ciphertext", "CQgH", "kek_id", "kek-2"));
    assertThat(server.takeRequest().getHeaders().get("Authorization"))
        .isEqualTo("Bearer jwt-two-rotated");
  }

  @Test
  void pathPrefixAndTenantAreKeptAndEncoded() throws Exception {
    startServer(PKI.localhostCert);
    server.enqueue(json(200, "{\"ciphertext\":\"CQgH\",\"kek_id\":\"kek-2\"}"));
    KmaasSettings settings =
        settings(URI.create(baseUrl() + "/kmaas/"), "team a/1", new KmaasCredentials.None());

    track(new HttpKmaasClient(settings)).wrap(DEK, seconds(5));

    RecordedRequest request = server.takeRequest();
    assertThat(request.getTarget()).isEqualTo("/kmaas/api/v1/team%20a%2F1/crypto/encrypt");
    assertThat(request.getHeaders().get("Authorization")).isNull();
  }

  @Test
  void describeShowsRemoteUrlWithoutUserInfoAndTenant() {
    HttpKmaasClient client =
        track(
            new HttpKmaasClient(
                settings(
                    URI.create("https://user:pw@kmaas.example:3000/prefix"), "tenant-1", API_KEY)));

    assertThat(client.describe().mode()).isEqualTo("remote");
    assertThat(client.describe().url()).isEqualTo("https://kmaas.example:3000/prefix");
    assertThat(client.describe().tenant()).isEqualTo("tenant-1");
  }

  @Test
  void httpUrlIsRefused() {
    assertThatThrownBy(
            () ->
                new HttpKmaasClient(
                    settings(URI.create("http://kmaas.example:3000"), "tenant-1", API_KEY)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--kmaas-url must be https://");
  }

  // ---------------------------------------------------------------- retries and deadlines

  @Test
  void serverErrorIsRetriedUntilKmaasAnswers() throws Exception {
    startServer(PKI.localhostCert);
    server.enqueue(json(500, "{\"errors\":[{\"code\":1,\"message\":\"busy\"}]}"));
    server.enqueue(json(200, "{\"ciphertext\":\"CQgH\",\"kek_id\":\"kek-2\"}"));

    assertThat(client(API_KEY).wrap(DEK, seconds(5)).kekId()).isEqualTo("kek-2");
    assertThat(server.getRequestCount()).isEqualTo(2);
  }

  @Test
  void persistentServerErrorGivesUpWithinTheDeadline() {
    startServer(PKI.localhostCert);
    server.setDispatcher(always(json(503, "{\"errors\":[{\"code\":5031}]}")));
    HttpKmaasClient client = client(API_KEY);
    long start = System.nanoTime();

    KmaasException e = failure(() -> client.wrap(DEK, Deadline.after(1, TimeUnit.SECONDS)));

    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
    assertThat(e.failure()).isIn(KmaasFailure.SERVER_ERROR, KmaasFailure.TIMEOUT);
    assertThat(e.getMessage())
        .startsWith("KMaaS call deadline exceeded after ")
        .contains("HTTP 503, KMaaS error code 5031");
    assertThat(server.getRequestCount()).isGreaterThan(2);
  }

  @Test
  void slowKmaasIsCutOffAtTheDeadline() {
    startServer(PKI.localhostCert);
    server.setDispatcher(
        always(
            new MockResponse.Builder()
                .code(200)
                .headersDelay(10, TimeUnit.SECONDS)
                .body("{}")
                .build()));
    HttpKmaasClient client = client(API_KEY);
    long start = System.nanoTime();

    KmaasException e = failure(() -> client.wrap(DEK, Deadline.after(500, TimeUnit.MILLISECONDS)));

    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(1500));
    assertThat(e.failure()).isEqualTo(KmaasFailure.TIMEOUT);
    assertThat(e.getMessage()).contains("timed out");
  }

  @Test
  void expiredDeadlineMakesNoRequest() {
    startServer(PKI.localhostCert);
    Deadline past = Deadline.after(-1, TimeUnit.SECONDS);

    KmaasException e = failure(() -> client(API_KEY).wrap(DEK, past));

    assertThat(e.failure()).isEqualTo(KmaasFailure.TIMEOUT);
    assertThat(server.getRequestCount()).isZero();
  }

  @Test
  void interruptedCallerGetsTimeoutAndKeepsItsInterruptFlag() {
    startServer(PKI.localhostCert);
    server.setDispatcher(always(json(503, "{}")));
    HttpKmaasClient client = client(API_KEY);

    Thread.currentThread().interrupt();
    KmaasException e;
    try {
      e = failure(() -> client.wrap(DEK, seconds(5)));
    } finally {
      assertThat(Thread.interrupted()).as("interrupt flag restored").isTrue();
    }

    assertThat(e.failure()).isEqualTo(KmaasFailure.TIMEOUT);
    assertThat(e.getMessage()).contains("interrupted");
  }

  @Test
  void throttlingHonoursRetryAfter() throws Exception {
    startServer(PKI.localhostCert);
    server.enqueue(
        new MockResponse.Builder().code(429).addHeader("Retry-After", "1").body("").build());
    server.enqueue(json(200, "{\"ciphertext\":\"CQgH\",\"kek_id\":\"kek-2\"}"));
    long start = System.nanoTime();

    client(API_KEY).wrap(DEK, seconds(5));

    assertThat(Duration.ofNanos(System.nanoTime() - start))
        .isGreaterThanOrEqualTo(Duration.ofSeconds(1));
    assertThat(server.getRequestCount()).isEqualTo(2);
  }

  @Test
  void retryAfterBeyondTheDeadlineFailsAtOnce() {
    startServer(PKI.localhostCert);
    server.setDispatcher(
        always(new MockResponse.Builder().code(429).addHeader("Retry-After", "60").build()));
    long start = System.nanoTime();

    KmaasException e = failure(() -> client(API_KEY).wrap(DEK, seconds(3)));

    assertThat(e.failure()).isEqualTo(KmaasFailure.THROTTLED);
    assertThat(e.getMessage()).contains("HTTP 429").contains("Retry-After 60 s");
    assertThat(server.getRequestCount()).isEqualTo(1);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
  }

  // ---------------------------------------------------------------- answers that are not retried

  @Test
  void rejectedCredentialsAreNotRetried() {
    startServer(PKI.localhostCert);
    server.setDispatcher(
        always(json(401, errorBody(4010, "key " + API_SECRET + " " + KMAAS_MESSAGE_MARKER))));

    KmaasException e = failure(() -> client(API_KEY).wrap(DEK, seconds(5)));

    assertThat(e.failure()).isEqualTo(KmaasFailure.AUTH_REJECTED);
    assertThat(e.getMessage()).contains("HTTP 401").contains("KMaaS error code 4010");
    assertThat(server.getRequestCount()).isEqualTo(1);
    assertNoSecrets(e);
  }

  @Test
  void unknownKekIsReported() {
    startServer(PKI.localhostCert);
    server.enqueue(json(404, errorBody(4040, "no kek " + KMAAS_MESSAGE_MARKER)));

    KmaasException e = failure(() -> client(API_KEY).unwrap(DEK, "kek-gone", seconds(5)));

    assertThat(e.failure()).isEqualTo(KmaasFailure.UNKNOWN_KEK);
    assertThat(server.getRequestCount()).isEqualTo(1);
    assertNoSecrets(e);
  }

  @Test
  void rejectedInputEchoedByKmaasNeverReachesTheMessage() {
    startServer(PKI.localhostCert);
    server.enqueue(
        json(400, errorBody(4000, "bad plaintext " + DEK_B64 + " " + KMAAS_MESSAGE_MARKER)));

    KmaasException e = failure(() -> client(API_KEY).wrap(DEK, seconds(5)));

    assertThat(e.failure()).isEqualTo(KmaasFailure.REJECTED_INPUT);
    assertThat(e.getMessage()).contains("HTTP 400").contains("KMaaS error code 4000");
    assertNoSecrets(e);
  }

  @Test
  void bodyThatIsNotJsonIsAProtocolFailure() {
    startServer(PKI.localhostCert);
    server.enqueue(
        new MockResponse.Builder().code(200).body("<html>" + KMAAS_MESSAGE_MARKER).build());

    KmaasException e = failure(() -> client(API_KEY).wrap(DEK, seconds(5)));

    assertThat(e.failure()).isEqualTo(KmaasFailure.PROTOCOL);
    assertThat(server.getRequestCount()).isEqualTo(1);
    assertNoSecrets(e);
  }

  @Test
  void emptyTokenFileFailsWithoutARequest() throws Exception {
    startServer(PKI.localhostCert);
    Path tokenFile = Files.writeString(dir.resolve("token"), "");

    KmaasException e =
        failure(() -> client(new KmaasCredentials.TokenFile(tokenFile)).wrap(DEK, seconds(5)));

    assertThat(e.failure()).isEqualTo(KmaasFailure.AUTH_REJECTED);
    assertThat(server.getRequestCount()).isZero();
  }

  // ---------------------------------------------------------------- TLS and connectivity

  @Test
  void serverCertificateNotTrustedWithoutCaFile() {
    startServer(PKI.localhostCert);
    KmaasSettings settings = tlsSettings(null, null, null, false);

    KmaasException e = failure(() -> track(new HttpKmaasClient(settings)).wrap(DEK, seconds(5)));

    assertThat(e.failure()).isEqualTo(KmaasFailure.TLS);
    assertThat(e.getMessage())
        .isEqualTo(
            "TLS handshake with "
                + baseUrl()
                + " failed: certificate not trusted (set --kmaas-ca-file)");
    assertThat(server.getRequestCount()).isZero();
  }

  @Test
  void hostnameMismatchIsATlsFailure() throws Exception {
    startServer(PKI.wrongNameCert);

    KmaasException e = failure(() -> client(API_KEY).wrap(DEK, seconds(5)));

    assertThat(e.failure()).isEqualTo(KmaasFailure.TLS);
    assertThat(e.getMessage()).contains("hostname mismatch");
  }

  @Test
  void insecureSkipVerifyAcceptsUntrustedMismatchedCertificate() throws Exception {
    startServer(PKI.wrongNameCert);
    server.enqueue(json(200, "{\"ciphertext\":\"CQgH\",\"kek_id\":\"kek-2\"}"));
    KmaasSettings settings = tlsSettings(null, null, null, true);

    assertThat(track(new HttpKmaasClient(settings)).wrap(DEK, seconds(5)).kekId())
        .isEqualTo("kek-2");
  }

  @Test
  void clientCertificateWithIntermediateIsPresentedForMutualTls() throws Exception {
    startServer(PKI.localhostCert);
    server.requireClientAuth();
    server.enqueue(json(200, "{\"ciphertext\":\"CQgH\",\"kek_id\":\"kek-2\"}"));
    KmaasSettings settings =
        tlsSettings(PKI.serverCaFile(dir), PKI.clientCertFile(dir), PKI.clientKeyFile(dir), false);

    track(new HttpKmaasClient(settings)).wrap(DEK, seconds(5));

    RecordedRequest request = server.takeRequest();
    assertThat(request.getHandshake().peerPrincipal().getName()).contains("kms-plugin-client");
    assertThat(request.getHandshake().peerCertificates()).hasSize(2);
  }

  @Test
  void missingClientCertificateIsRefusedByMutualTlsServer() throws Exception {
    startServer(PKI.localhostCert);
    server.requireClientAuth();
    server.setDispatcher(always(json(200, "{\"ciphertext\":\"CQgH\",\"kek_id\":\"kek-2\"}")));

    KmaasException e =
        failure(() -> client(API_KEY).wrap(DEK, Deadline.after(1, TimeUnit.SECONDS)));

    assertThat(e.failure()).isIn(KmaasFailure.TLS, KmaasFailure.UNREACHABLE);
    assertThat(server.getRequestCount()).isZero();
  }

  @Test
  void closedPortIsUnreachable() throws Exception {
    int port;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("localhost"))) {
      port = socket.getLocalPort();
    }
    KmaasSettings settings = settings(URI.create("https://localhost:" + port), "tenant-1", API_KEY);
    long start = System.nanoTime();

    KmaasException e =
        failure(
            () ->
                track(new HttpKmaasClient(settings))
                    .wrap(DEK, Deadline.after(1, TimeUnit.SECONDS)));

    assertThat(e.failure()).isEqualTo(KmaasFailure.UNREACHABLE);
    assertThat(e.getMessage()).contains("connection refused").contains("localhost:" + port);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
    assertNoSecrets(e);
  }

  // ---------------------------------------------------------------- TLS files changed on disk

  @Test
  void aCaBundleReplacedWhileRunningIsTrustedWithoutARestart() throws Exception {
    HeldCertificate rotatedCa =
        new HeldCertificate.Builder().certificateAuthority(0).commonName("rotated CA").build();
    startServer(
        new HeldCertificate.Builder()
            .commonName("localhost")
            .addSubjectAlternativeName("localhost")
            .signedBy(rotatedCa)
            .build());
    server.setDispatcher(always(json(200, "{\"ciphertext\":\"CQgH\",\"kek_id\":\"kek-2\"}")));
    HttpKmaasClient client = client(API_KEY);
    Path ca = dir.resolve("ca.pem");

    KmaasException untrusted = failure(() -> client.wrap(DEK, seconds(2)));
    assertThat(untrusted.failure()).isEqualTo(KmaasFailure.TLS);
    assertThat(untrusted.getMessage())
        .isEqualTo(
            "TLS handshake with "
                + baseUrl()
                + " failed: certificate not trusted by the CAs in --kmaas-ca-file "
                + ca);

    Files.writeString(ca, "-----BEGIN CERTIFICATE-----\nMIIB");
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThat(failure(() -> client.wrap(DEK, seconds(2))).getMessage())
                    .endsWith(
                        "; changed TLS files not in use: --kmaas-ca-file "
                            + ca
                            + " holds no PEM certificate"));

    Files.writeString(ca, PKI.serverCa.certificatePem() + rotatedCa.certificatePem());
    await()
        .atMost(Duration.ofSeconds(10))
        .ignoreExceptions()
        .untilAsserted(() -> assertThat(client.wrap(DEK, seconds(2)).kekId()).isEqualTo("kek-2"));
  }

  @Test
  void afterACaReloadNewCallsUseNewConnectionsAndPoolThemAgain() throws Exception {
    startServer(PKI.localhostCert);
    server.setDispatcher(always(json(200, "{\"ciphertext\":\"CQgH\",\"kek_id\":\"kek-2\"}")));
    HttpKmaasClient client = client(API_KEY);
    client.wrap(DEK, seconds(2));
    client.wrap(DEK, seconds(2));
    assertThat(server.takeRequest().getConnectionIndex()).isZero();
    assertThat(server.takeRequest().getConnectionIndex()).as("pooled").isZero();

    // the same CAs in another order: new trust material, the same verdict
    Files.writeString(
        dir.resolve("ca.pem"), PKI.serverCa.certificatePem() + PKI.otherCa.certificatePem());

    AtomicInteger afterReload = new AtomicInteger();
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> {
              client.wrap(DEK, seconds(2));
              afterReload.set(server.takeRequest().getConnectionIndex());
              assertThat(afterReload.get()).as("a connection made after the reload").isPositive();
            });
    client.wrap(DEK, seconds(2));
    assertThat(server.takeRequest().getConnectionIndex())
        .as("pooled again")
        .isEqualTo(afterReload.get());
  }

  @Test
  void aClientCertificateRenewedOnDiskIsPresentedWithoutARestart() throws Exception {
    startServer(PKI.localhostCert);
    server.requireClientAuth();
    server.setDispatcher(always(json(200, "{\"ciphertext\":\"CQgH\",\"kek_id\":\"kek-2\"}")));
    HeldCertificate unknownIssuer =
        new HeldCertificate.Builder().commonName("kms-plugin-client").signedBy(PKI.otherCa).build();
    Path cert = TestPki.write(dir, "client.pem", unknownIssuer.certificatePem());
    Path key = TestPki.write(dir, "client-key.pem", unknownIssuer.privateKeyPkcs8Pem());
    HttpKmaasClient client =
        track(new HttpKmaasClient(tlsSettings(PKI.serverCaFile(dir), cert, key, false)));

    KmaasException refused = failure(() -> client.wrap(DEK, seconds(1)));
    assertThat(refused.failure()).isIn(KmaasFailure.TLS, KmaasFailure.UNREACHABLE);
    assertThat(server.getRequestCount()).isZero();

    PKI.clientCertFile(dir);
    PKI.clientKeyFile(dir);

    await()
        .atMost(Duration.ofSeconds(10))
        .ignoreExceptions()
        .untilAsserted(() -> assertThat(client.wrap(DEK, seconds(2)).kekId()).isEqualTo("kek-2"));
    assertThat(server.takeRequest().getHandshake().peerPrincipal().getName())
        .contains("kms-plugin-client");
  }

  // ---------------------------------------------------------------- helpers

  private void startServer(HeldCertificate serverCert) {
    server = new MockWebServer();
    server.useHttps(PKI.server(serverCert).sslSocketFactory());
    try {
      server.start(InetAddress.getByName("localhost"), 0);
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private String baseUrl() {
    return "https://localhost:" + server.getPort();
  }

  private HttpKmaasClient client(KmaasCredentials credentials) {
    try {
      return track(
          new HttpKmaasClient(
              new KmaasSettings(
                  URI.create(baseUrl()),
                  "tenant-1",
                  null,
                  PKI.serverCaFile(dir),
                  null,
                  null,
                  false,
                  credentials,
                  Duration.ofSeconds(2))));
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private KmaasSettings settings(URI url, String tenant, KmaasCredentials credentials) {
    try {
      return new KmaasSettings(
          url,
          tenant,
          null,
          PKI.serverCaFile(dir),
          null,
          null,
          false,
          credentials,
          Duration.ofSeconds(2));
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private KmaasSettings tlsSettings(Path caFile, Path certFile, Path keyFile, boolean insecure) {
    return new KmaasSettings(
        URI.create(baseUrl()),
        "tenant-1",
        null,
        caFile,
        certFile,
        keyFile,
        insecure,
        API_KEY,
        Duration.ofSeconds(2));
  }

  private HttpKmaasClient track(HttpKmaasClient client) {
    clients.add(client);
    return client;
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

  private static String errorBody(int code, String message) {
    return "{\"errors\":[{\"code\":" + code + ",\"message\":\"" + message + "\"}]}";
  }

  private static Dispatcher always(MockResponse response) {
    return new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        return response;
      }
    };
  }

  private static KmaasException failure(ThrowingCallable call) {
    Throwable thrown = org.assertj.core.api.Assertions.catchThrowable(call);
    assertThat(thrown).isInstanceOf(KmaasException.class);
    return (KmaasException) thrown;
  }

  /** Neither the message nor any cause's message carries a secret, the DEK or KMaaS's text. */
  private static void assertNoSecrets(KmaasException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      assertThat(String.valueOf(t.getMessage()))
          .doesNotContain(API_SECRET)
          .doesNotContain("jwt-")
          .doesNotContain(DEK_B64)
          .doesNotContain(new String(DEK, StandardCharsets.UTF_8))
          .doesNotContain(KMAAS_MESSAGE_MARKER);
    }
  }
}
