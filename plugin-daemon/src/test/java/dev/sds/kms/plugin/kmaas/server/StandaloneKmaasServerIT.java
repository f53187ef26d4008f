package dev.sds.kms.plugin.kmaas.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sds.kms.plugin.kmaas.KmaasCredentials;
import dev.sds.kms.plugin.kmaas.engine.KekInfo;
import dev.sds.kms.plugin.testing.OpenFiles;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import okhttp3.Credentials;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.tls.HandshakeCertificates;
import okhttp3.tls.HeldCertificate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StandaloneKmaasServerIT {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final MediaType JSON = MediaType.get("application/json");

  @TempDir Path dir;
  StandaloneKmaasServer server;

  @AfterEach
  void tearDown() {
    if (server != null) {
      server.close();
    }
  }

  private StandaloneKmaasServer start(StandaloneKmaasServer.Options options) throws IOException {
    server = new StandaloneKmaasServer(options);
    server.start();
    return server;
  }

  private static StandaloneKmaasServer.Options options(Path stateDir) {
    return StandaloneKmaasServer.Options.of(
        new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), stateDir);
  }

  private static OkHttpClient client(Path caFile, HeldCertificate clientCert) throws IOException {
    HandshakeCertificates.Builder b = new HandshakeCertificates.Builder();
    for (X509Certificate c : Pem.readCertificates(caFile)) {
      b.addTrustedCertificate(c);
    }
    if (clientCert != null) {
      b.heldCertificate(clientCert);
    }
    HandshakeCertificates hc = b.build();
    return new OkHttpClient.Builder()
        .sslSocketFactory(hc.sslSocketFactory(), hc.trustManager())
        .callTimeout(Duration.ofSeconds(10))
        .build();
  }

  private OkHttpClient client() throws IOException {
    return client(server.certificateFile(), null);
  }

  private static String basic(KmaasCredentials.ApiKey key) {
    return Credentials.basic(key.name(), key.secret(), StandardCharsets.UTF_8);
  }

  private record Answer(int code, JsonNode body, Response response) {
    String error() {
      return body.path("errors").get(0).path("message").asText();
    }
  }

  private Answer call(OkHttpClient http, String method, String path, String auth, String body)
      throws IOException {
    Request.Builder r = new Request.Builder().url(server.url() + path);
    if (auth != null) {
      r.header("Authorization", auth);
    }
    r.method(method, body == null ? null : RequestBody.create(body, JSON));
    try (Response response = http.newCall(r.build()).execute()) {
      String text = response.body().string();
      JsonNode json = text.isEmpty() ? MAPPER.nullNode() : MAPPER.readTree(text);
      if (response.code() != 200) {
        assertThat(json.path("errors").get(0).path("code").asInt()).isEqualTo(response.code());
      }
      return new Answer(response.code(), json, response);
    }
  }

  private Answer post(String path, String auth, Object body) throws IOException {
    return call(client(), "POST", path, auth, MAPPER.writeValueAsString(body));
  }

  private static String b64(byte[] b) {
    return Base64.getEncoder().encodeToString(b);
  }

  @Test
  void encryptDecryptRoundTripAndFiles() throws Exception {
    start(options(dir.resolve("state")));
    String auth = basic(server.apiKey());
    byte[] dek = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    Answer enc = post("/api/v1/default/crypto/encrypt", auth, Map.of("plaintext", b64(dek)));
    assertThat(enc.code()).isEqualTo(200);
    assertThat(enc.response().header("Content-Type")).startsWith("application/json");
    String kekId = enc.body().path("kek_id").asText();
    assertThat(kekId).startsWith("kek-");

    Answer dec =
        post(
            "/api/v1/default/crypto/decrypt",
            auth,
            Map.of("ciphertext", enc.body().path("ciphertext").asText(), "kek_id", kekId));
    assertThat(dec.code()).isEqualTo(200);
    assertThat(Base64.getDecoder().decode(dec.body().path("plaintext").asText())).isEqualTo(dek);

    Path state = dir.resolve("state");
    assertThat(server.stateFile()).isEqualTo(state.resolve("kek-state.json")).exists();
    assertThat(server.certificateFile()).isEqualTo(state.resolve("tls.crt"));
    for (Path secret :
        List.of(
            server.stateFile(),
            state.resolve("tls.key"),
            server.apiKeyFile(),
            server.adminKeyFile())) {
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(secret)))
          .as(secret.toString())
          .isEqualTo("rw-------");
    }
    assertThat(KmaasCredentials.ApiKey.parse(Files.readString(server.apiKeyFile()).strip()))
        .isEqualTo(server.apiKey());
    assertThat(server.url().toString()).isEqualTo("https://127.0.0.1:" + server.port());
  }

  @Test
  void injectedFaultsStrikeTheCryptoCallsOnlyAndAreCounted() throws Exception {
    start(options(dir.resolve("state")));
    String auth = basic(server.apiKey());
    Map<String, String> body = Map.of("plaintext", b64(new byte[32]));

    server.injectFaults(new StandaloneKmaasServer.InjectedFaults(1, 0, 0, Duration.ZERO));
    Answer failed = post("/api/v1/default/crypto/encrypt", auth, body);
    assertThat(failed.code()).isEqualTo(500);
    assertThat(failed.error()).isEqualTo("injected fault");

    server.injectFaults(new StandaloneKmaasServer.InjectedFaults(0, 1, 0, Duration.ZERO));
    OkHttpClient noRetry = client().newBuilder().retryOnConnectionFailure(false).build();
    String json = MAPPER.writeValueAsString(body);
    assertThatThrownBy(() -> call(noRetry, "POST", "/api/v1/default/crypto/encrypt", auth, json))
        .isInstanceOf(IOException.class);
    assertThat(
            call(client(), "GET", "/api/v1/default/admin/keks", basic(server.adminKey()), null)
                .code())
        .as("admin routes are never faulted")
        .isEqualTo(200);

    server.injectFaults(new StandaloneKmaasServer.InjectedFaults(0, 0, 1, Duration.ofMillis(1)));
    assertThat(post("/api/v1/default/crypto/encrypt", auth, body).code()).isEqualTo(200);

    server.injectFaults(StandaloneKmaasServer.InjectedFaults.none());
    assertThat(post("/api/v1/default/crypto/encrypt", auth, body).code()).isEqualTo(200);
    assertThat(server.injectedFaultCounts())
        .isEqualTo(new StandaloneKmaasServer.InjectedFaultCounts(1, 1, 1));
    assertThat(server.requestCounts().wraps()).isEqualTo(4);
  }

  @Test
  void aClientThatGivesUpBeforeTheAnswerLeavesNoConnectionOpen() throws Exception {
    start(options(dir.resolve("state")));
    server.setAddedLatency(Duration.ofSeconds(1));
    OkHttpClient impatient =
        client()
            .newBuilder()
            .callTimeout(Duration.ofMillis(300))
            .retryOnConnectionFailure(false)
            .build();
    String auth = basic(server.apiKey());
    String json = MAPPER.writeValueAsString(Map.of("plaintext", b64(new byte[32])));
    int before = OpenFiles.now().count("socket:other");

    for (int i = 0; i < 3; i++) {
      assertThatThrownBy(
              () -> call(impatient, "POST", "/api/v1/default/crypto/encrypt", auth, json))
          .isInstanceOf(IOException.class);
    }

    // Each answer goes into a connection the client closed. Once written, the connection leaves
    // the TCP table; its descriptor must be closed too ("socket:other" counts those left open).
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> {
              OpenFiles files = OpenFiles.now();
              assertThat(files.tcpOn(server.port())).as("KMaaS's sockets: the listener").isOne();
              assertThat(files.count("socket:other"))
                  .as("sockets whose connection is gone but whose descriptor is open")
                  .isLessThanOrEqualTo(before);
            });
  }

  @Test
  void droppedConnectionsAreForgottenNotKeptWithTheirTlsBuffers() throws Exception {
    start(options(dir.resolve("state")));
    server.injectFaults(new StandaloneKmaasServer.InjectedFaults(0, 1, 0, Duration.ZERO));
    OkHttpClient noRetry = client().newBuilder().retryOnConnectionFailure(false).build();
    String auth = basic(server.apiKey());
    String json = MAPPER.writeValueAsString(Map.of("plaintext", b64(new byte[32])));
    call(client(), "GET", "/api/v1/default/admin/keks", basic(server.adminKey()), null);
    long before = heapAfterGc();

    for (int i = 0; i < 100; i++) {
      assertThatThrownBy(() -> call(noRetry, "POST", "/api/v1/default/crypto/encrypt", auth, json))
          .isInstanceOf(IOException.class);
    }

    assertThat(server.injectedFaultCounts().resets()).isEqualTo(100);
    // a connection kept with its TLS engine costs about 80 KiB: 100 of them about 8 MiB
    assertThat(heapAfterGc() - before)
        .as("heap growth after 100 dropped connections")
        .isLessThan(4L << 20);
  }

  private static long heapAfterGc() {
    System.gc();
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  @Test
  void injectedFaultSharesAreChecked() {
    assertThatThrownBy(() -> new StandaloneKmaasServer.InjectedFaults(0.6, 0.5, 0, Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("fault shares must add up to at most 1");
    assertThatThrownBy(() -> new StandaloneKmaasServer.InjectedFaults(-0.1, 0, 0, Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("fault shares must be between 0 and 1");
  }

  @Test
  void missingOrWrongCredentialsAre401() throws Exception {
    start(options(dir).withTokens(List.of("tok-123")));
    Map<String, String> body = Map.of("plaintext", b64(new byte[32]));

    Answer none = post("/api/v1/default/crypto/encrypt", null, body);
    assertThat(none.code()).isEqualTo(401);
    assertThat(none.response().headers("WWW-Authenticate")).anyMatch(h -> h.startsWith("Basic"));
    assertThat(none.error()).isEqualTo("missing credentials");

    Answer wrong =
        post(
            "/api/v1/default/crypto/encrypt",
            Credentials.basic(server.apiKey().name(), "wrong-secret"),
            body);
    assertThat(wrong.code()).isEqualTo(401);
    assertThat(post("/api/v1/default/crypto/encrypt", "Basic !!!", body).code()).isEqualTo(401);
    assertThat(post("/api/v1/default/crypto/encrypt", "Bearer nope", body).code()).isEqualTo(401);

    assertThat(post("/api/v1/default/crypto/encrypt", "Bearer tok-123", body).code())
        .isEqualTo(200);
    assertThat(post("/api/v1/default/crypto/encrypt", basic(server.adminKey()), body).code())
        .isEqualTo(200);
  }

  @Test
  void adminRoutesNeedAdminKey() throws Exception {
    start(options(dir).withTokens(List.of("tok-123")));
    Answer withApiKey = post("/api/v1/default/admin/keks/rotate", basic(server.apiKey()), Map.of());
    assertThat(withApiKey.code()).isEqualTo(403);
    assertThat(call(client(), "GET", "/api/v1/default/admin/keks", "Bearer tok-123", null).code())
        .isEqualTo(403);
  }

  @Test
  void rotateListAndOldCiphertextStillDecrypts() throws Exception {
    start(options(dir));
    String auth = basic(server.apiKey());
    byte[] dek = new byte[32];
    dek[0] = 42;
    Answer before = post("/api/v1/default/crypto/encrypt", auth, Map.of("plaintext", b64(dek)));
    String oldKek = before.body().path("kek_id").asText();

    Answer rotated = post("/api/v1/default/admin/keks/rotate", basic(server.adminKey()), Map.of());
    assertThat(rotated.code()).isEqualTo(200);
    String newKek = rotated.body().path("kek_id").asText();
    assertThat(newKek).isNotEqualTo(oldKek);
    assertThat(rotated.body().path("created").asText()).endsWith("Z");

    Answer after = post("/api/v1/default/crypto/encrypt", auth, Map.of("plaintext", b64(dek)));
    assertThat(after.body().path("kek_id").asText()).isEqualTo(newKek);

    Answer old =
        post(
            "/api/v1/default/crypto/decrypt",
            auth,
            Map.of("ciphertext", before.body().path("ciphertext").asText(), "kek_id", oldKek));
    assertThat(old.code()).isEqualTo(200);
    assertThat(Base64.getDecoder().decode(old.body().path("plaintext").asText())).isEqualTo(dek);

    Answer list =
        call(client(), "GET", "/api/v1/default/admin/keks", basic(server.adminKey()), null);
    assertThat(list.code()).isEqualTo(200);
    JsonNode keks = list.body().path("keks");
    assertThat(keks).hasSize(2);
    assertThat(keks.get(0).path("kek_id").asText()).isEqualTo(oldKek);
    assertThat(keks.get(0).path("active").asBoolean()).isFalse();
    assertThat(keks.get(1).path("kek_id").asText()).isEqualTo(newKek);
    assertThat(keks.get(1).path("active").asBoolean()).isTrue();

    try (KmaasAdminClient admin =
        new KmaasAdminClient(server.url(), server.adminKey(), server.certificateFile())) {
      List<KekInfo> infos = admin.list("default");
      assertThat(infos).extracting(KekInfo::id).containsExactly(oldKek, newKek);
      KekInfo third = admin.rotate("default");
      assertThat(admin.list("default")).hasSize(3).last().isEqualTo(third);
    }
  }

  @Test
  void adminClientErrorsCarryStatusAndMessage() throws Exception {
    start(options(dir));
    try (KmaasAdminClient wrongKey =
            new KmaasAdminClient(server.url(), server.apiKey(), server.certificateFile());
        KmaasAdminClient admin =
            new KmaasAdminClient(server.url(), server.adminKey(), server.certificateFile())) {
      assertThatThrownBy(() -> wrongKey.rotate("default"))
          .isInstanceOf(IOException.class)
          .hasMessageContaining("HTTP 403")
          .hasMessageContaining("admin")
          .hasMessageNotContaining(server.apiKey().secret());
      assertThatThrownBy(() -> admin.list("nobody"))
          .isInstanceOf(IOException.class)
          .hasMessageContaining("HTTP 404: unknown tenant nobody");
    }
  }

  @Test
  void unknownTenantKekAndRouteAre404() throws Exception {
    start(options(dir).withTenants(List.of("acme", "beta")));
    String auth = basic(server.apiKey());
    Answer enc = post("/api/v1/acme/crypto/encrypt", auth, Map.of("plaintext", b64(new byte[32])));
    assertThat(enc.code()).isEqualTo(200);

    Answer unknown =
        post("/api/v1/default/crypto/encrypt", auth, Map.of("plaintext", b64(new byte[32])));
    assertThat(unknown.code()).isEqualTo(404);
    assertThat(unknown.error()).contains("unknown tenant");

    Answer unknownKek =
        post(
            "/api/v1/acme/crypto/decrypt",
            auth,
            Map.of("ciphertext", enc.body().path("ciphertext").asText(), "kek_id", "kek-nope"));
    assertThat(unknownKek.code()).isEqualTo(404);

    Answer otherTenant =
        post(
            "/api/v1/beta/crypto/decrypt",
            auth,
            Map.of(
                "ciphertext",
                enc.body().path("ciphertext").asText(),
                "kek_id",
                enc.body().path("kek_id").asText()));
    assertThat(otherTenant.code()).isEqualTo(404);

    assertThat(post("/api/v1/acme/crypto/nothing", auth, Map.of()).code()).isEqualTo(404);
    assertThat(post("/", auth, Map.of()).code()).isEqualTo(404);
  }

  @Test
  void badInputIs400() throws Exception {
    start(options(dir));
    String auth = basic(server.apiKey());
    OkHttpClient http = client();
    Answer badBase64 = post("/api/v1/default/crypto/encrypt", auth, Map.of("plaintext", "%%%"));
    assertThat(badBase64.code()).isEqualTo(400);
    assertThat(badBase64.error()).contains("base64");
    assertThat(call(http, "POST", "/api/v1/default/crypto/encrypt", auth, "{not json").code())
        .isEqualTo(400);
    assertThat(call(http, "POST", "/api/v1/default/crypto/encrypt", auth, "[]").code())
        .isEqualTo(400);
    assertThat(call(http, "POST", "/api/v1/default/crypto/encrypt", auth, "").code())
        .isEqualTo(400);
    assertThat(post("/api/v1/default/crypto/encrypt", auth, Map.of("plaintext", "")).code())
        .isEqualTo(400);

    Answer enc =
        post("/api/v1/default/crypto/encrypt", auth, Map.of("plaintext", b64(new byte[32])));
    byte[] c = Base64.getDecoder().decode(enc.body().path("ciphertext").asText());
    c[c.length - 1] ^= 1;
    Answer tampered =
        post(
            "/api/v1/default/crypto/decrypt",
            auth,
            Map.of("ciphertext", b64(c), "kek_id", enc.body().path("kek_id").asText()));
    assertThat(tampered.code()).isEqualTo(400);
    assertThat(tampered.error()).contains("authentication failed");
    assertThat(post("/api/v1/default/crypto/decrypt", auth, Map.of("ciphertext", b64(c))).code())
        .isEqualTo(400);
  }

  @Test
  void wrongMethodIs405AndLargeBodyIs413() throws Exception {
    start(options(dir));
    String auth = basic(server.apiKey());
    Answer get = call(client(), "GET", "/api/v1/default/crypto/encrypt", auth, null);
    assertThat(get.code()).isEqualTo(405);
    assertThat(get.response().header("Allow")).isEqualTo("POST");
    assertThat(
            call(client(), "POST", "/api/v1/default/admin/keks", basic(server.adminKey()), "{}")
                .code())
        .isEqualTo(405);

    String big = "{\"plaintext\":\"" + "A".repeat(StandaloneKmaasServer.MAX_BODY_BYTES) + "\"}";
    Answer tooBig = call(client(), "POST", "/api/v1/default/crypto/encrypt", auth, big);
    assertThat(tooBig.code()).isEqualTo(413);
  }

  @Test
  void certificateKeysAndKeksAreReusedAcrossRestartsOnTheSamePort() throws Exception {
    start(options(dir));
    int port = server.port();
    String cert = Files.readString(server.certificateFile());
    KmaasCredentials.ApiKey apiKey = server.apiKey();
    String auth = basic(apiKey);
    Answer enc =
        post("/api/v1/default/crypto/encrypt", auth, Map.of("plaintext", b64(new byte[32])));
    OkHttpClient trustingFirstCert = client();
    server.close();

    start(
        StandaloneKmaasServer.Options.of(
            new InetSocketAddress(InetAddress.getLoopbackAddress(), port), dir));
    assertThat(server.port()).isEqualTo(port);
    assertThat(Files.readString(server.certificateFile())).isEqualTo(cert);
    assertThat(server.apiKey()).isEqualTo(apiKey);
    Answer dec =
        call(
            trustingFirstCert,
            "POST",
            "/api/v1/default/crypto/decrypt",
            auth,
            MAPPER.writeValueAsString(
                Map.of(
                    "ciphertext",
                    enc.body().path("ciphertext").asText(),
                    "kek_id",
                    enc.body().path("kek_id").asText())));
    assertThat(dec.code()).isEqualTo(200);
  }

  @Test
  void extraHostnameNotInExistingCertificateRegeneratesIt() throws Exception {
    start(options(dir));
    String first = Files.readString(server.certificateFile());
    server.close();
    start(options(dir).withExtraHostnames(List.of("kmaas.test")));
    X509Certificate cert = Pem.readCertificates(server.certificateFile()).get(0);
    assertThat(Files.readString(server.certificateFile())).isNotEqualTo(first);
    assertThat(cert.getSubjectAlternativeNames())
        .extracting(san -> String.valueOf(san.get(1)))
        .contains("kmaas.test", "localhost", "127.0.0.1");
  }

  @Test
  void givenTlsFilesAreServed() throws Exception {
    HeldCertificate ca = new HeldCertificate.Builder().certificateAuthority(0).build();
    HeldCertificate leaf =
        new HeldCertificate.Builder().addSubjectAlternativeName("127.0.0.1").signedBy(ca).build();
    Path certFile = dir.resolve("server.crt");
    Path keyFile = dir.resolve("server.key");
    Path caFile = dir.resolve("ca.crt");
    Files.writeString(certFile, leaf.certificatePem() + ca.certificatePem());
    Files.writeString(keyFile, leaf.privateKeyPkcs8Pem());
    Files.writeString(caFile, ca.certificatePem());

    start(options(dir.resolve("state")).withTlsFiles(certFile, keyFile));
    assertThat(server.certificateFile()).isEqualTo(certFile.toAbsolutePath());
    assertThat(dir.resolve("state/tls.crt")).doesNotExist();
    Answer enc =
        call(
            client(caFile, null),
            "POST",
            "/api/v1/default/crypto/encrypt",
            basic(server.apiKey()),
            "{\"plaintext\":\"AAAA\"}");
    assertThat(enc.code()).isEqualTo(200);
  }

  @Test
  void mutualTlsRequiresAClientCertificateSignedByTheCa() throws Exception {
    HeldCertificate clientCa = new HeldCertificate.Builder().certificateAuthority(0).build();
    Path clientCaFile = dir.resolve("client-ca.crt");
    Files.writeString(clientCaFile, clientCa.certificatePem());
    start(options(dir.resolve("state")).withClientCaFile(clientCaFile));
    String auth = basic(server.apiKey());
    String body = "{\"plaintext\":\"AAAA\"}";

    OkHttpClient noCert = client(server.certificateFile(), null);
    assertThatThrownBy(() -> call(noCert, "POST", "/api/v1/default/crypto/encrypt", auth, body))
        .isInstanceOf(IOException.class);

    HeldCertificate stranger = new HeldCertificate.Builder().commonName("stranger").build();
    OkHttpClient wrongCert = client(server.certificateFile(), stranger);
    assertThatThrownBy(() -> call(wrongCert, "POST", "/api/v1/default/crypto/encrypt", auth, body))
        .isInstanceOf(IOException.class);

    HeldCertificate good =
        new HeldCertificate.Builder().commonName("kms-plugin").signedBy(clientCa).build();
    OkHttpClient withCert = client(server.certificateFile(), good);
    assertThat(call(withCert, "POST", "/api/v1/default/crypto/encrypt", auth, body).code())
        .isEqualTo(200);

    Path certFile = dir.resolve("client.crt");
    Path keyFile = dir.resolve("client.key");
    Files.writeString(certFile, good.certificatePem());
    Files.writeString(keyFile, good.privateKeyPkcs8Pem());
    try (KmaasAdminClient admin =
        new KmaasAdminClient(
            server.url(), server.adminKey(), server.certificateFile(), certFile, keyFile)) {
      assertThat(admin.list("default")).hasSize(1);
    }
  }

  @Test
  void optionsValidation() {
    StandaloneKmaasServer.Options o = options(dir);
    assertThat(o.tenants()).containsExactly("default");
    assertThatThrownBy(() -> o.withTenants(List.of("..")))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> o.withTenants(List.of())).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> o.withTlsFiles(dir.resolve("a"), null))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(o.withTokens(List.of("secret-token")).toString()).doesNotContain("secret-token");
  }
}
