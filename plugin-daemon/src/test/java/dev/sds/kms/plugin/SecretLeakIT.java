package dev.sds.kms.plugin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.StackTraceElementProxy;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import dev.sds.kms.plugin.config.ConfigLoader;
import dev.sds.kms.plugin.envelope.CiphertextFormat;
import dev.sds.kms.plugin.envelope.Envelope;
import dev.sds.kms.plugin.kmaas.KmaasCredentials;
import dev.sds.kms.plugin.kmaas.engine.KekStore;
import dev.sds.kms.plugin.kmaas.engine.KmaasEngine;
import dev.sds.kms.plugin.kmaas.server.KmaasAdminClient;
import dev.sds.kms.plugin.kmaas.server.StandaloneKmaasServer;
import dev.sds.kms.plugin.kms.KmsV2Client;
import dev.sds.kms.plugin.kms.v2.DecryptRequest;
import dev.sds.kms.plugin.kms.v2.EncryptRequest;
import dev.sds.kms.plugin.kms.v2.EncryptResponse;
import dev.sds.kms.plugin.kms.v2.StatusRequest;
import dev.sds.kms.plugin.server.UnixEndpoint;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * No secret reaches anything an operator or attacker can read: a full scenario (standalone KMaaS
 * over HTTPS, the daemon in-process, Status/Encrypt/Decrypt with known seeds, refused inputs, a KEK
 * rotation through the admin client, a KMaaS outage, a wrong API key) while every log event
 * (dev.sds.* at DEBUG), every gRPC error description and message, every healthz and every /status,
 * /metrics, /livez and /readyz body is captured. Then none of the seeds, DEKs (unwrapped afterwards
 * from the ciphertexts with the KMaaS state, so production code needs no hook), KEKs, API key,
 * wrong API key, admin key or Basic authorization header may appear in any of it, neither raw
 * (ISO-8859-1), nor as hex (either case), nor as base64 (standard or URL-safe, with or without
 * padding). DaemonIT checks the API key in logs for its scenarios; this extends that to every
 * secret and every output.
 */
class SecretLeakIT {
  private static final String TENANT = "acme";
  private static final String WRONG_SECRET = "wrong-secret-7c1e0b5a9d2f4e63";

  @TempDir Path dir;

  private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
  private final List<String> seen = new ArrayList<>();
  private final List<byte[]> ciphertexts = new ArrayList<>();
  private ch.qos.logback.classic.Logger sds;
  private Level sdsLevelBefore;
  private StandaloneKmaasServer kmaas;
  private Daemon daemon;
  private KmsV2Client client;

  @BeforeEach
  void captureLogs() {
    logs.start();
    rootLogger().addAppender(logs);
    sds = (ch.qos.logback.classic.Logger) LoggerFactory.getLogger("dev.sds");
    sdsLevelBefore = sds.getLevel();
    sds.setLevel(Level.DEBUG);
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
    rootLogger().detachAppender(logs);
    sds.setLevel(sdsLevelBefore);
  }

  @Test
  void noSeedDekKekOrCredentialAppearsInLogsErrorsStatusOrMetrics() throws Exception {
    kmaas = startKmaas(0);
    String apiKey = Files.readString(kmaas.apiKeyFile()).strip();
    startDaemon(Map.of("KMAAS_API_KEY", apiKey));
    List<byte[]> seeds = knownSeeds(6);

    // normal service, and refused inputs
    String keyId = client.stub().status(StatusRequest.getDefaultInstance()).getKeyId();
    EncryptResponse first = encrypt(seeds.get(0));
    encrypt(seeds.get(1));
    assertThat(decrypt(first.getCiphertext().toByteArray(), keyId)).isEqualTo(seeds.get(0));
    byte[] tampered = first.getCiphertext().toByteArray();
    tampered[tampered.length - 1] ^= 1;
    expectError(() -> decrypt(tampered, keyId), Status.Code.INVALID_ARGUMENT);
    expectError(
        () -> decrypt(first.getCiphertext().toByteArray(), keyId + "x"),
        Status.Code.FAILED_PRECONDITION);
    expectError(() -> encrypt(new byte[4096]), Status.Code.INVALID_ARGUMENT);
    observeEverything();

    // KEK rotation through the admin client
    String newKek;
    try (KmaasAdminClient admin =
        new KmaasAdminClient(
            kmaas.url(),
            KmaasCredentials.ApiKey.parse(Files.readString(kmaas.adminKeyFile()).strip()),
            kmaas.certificateFile())) {
      newKek = admin.rotate(TENANT).id();
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> healthzAndKeyId().endsWith("/" + newKek));
    EncryptResponse rotated = encrypt(seeds.get(2));
    assertThat(rotated.getKeyId()).isNotEqualTo(keyId);
    assertThat(decrypt(first.getCiphertext().toByteArray(), keyId)).isEqualTo(seeds.get(0));
    observeEverything();

    // KMaaS outage
    int port = kmaas.port();
    kmaas.close();
    await().atMost(Duration.ofSeconds(10)).until(() -> !healthzAndKeyId().startsWith("ok "));
    expectError(() -> encrypt(seeds.get(3)), Status.Code.UNAVAILABLE);
    observeEverything();
    kmaas = startKmaas(port);
    await().atMost(Duration.ofSeconds(10)).until(() -> healthzAndKeyId().startsWith("ok "));
    encrypt(seeds.get(4));

    // a wrong API key: a fresh daemon (empty DEK cache) that KMaaS refuses
    restartDaemon(Map.of("KMAAS_API_KEY", "kms-plugin:" + WRONG_SECRET));
    healthzAndKeyId();
    expectError(() -> encrypt(seeds.get(5)), Status.Code.PERMISSION_DENIED);
    expectError(
        () -> decrypt(rotated.getCiphertext().toByteArray(), rotated.getKeyId()),
        Status.Code.PERMISSION_DENIED);
    observeEverything();
    daemon.close();
    daemon = null;

    Map<String, byte[]> secrets = new LinkedHashMap<>();
    for (int i = 0; i < seeds.size(); i++) {
      secrets.put("seed " + i, seeds.get(i));
    }
    captureDeks(secrets);
    captureKeks(secrets);
    addCredential(secrets, "API key", apiKey);
    addCredential(secrets, "wrong API key", "kms-plugin:" + WRONG_SECRET);
    addCredential(secrets, "admin key", Files.readString(kmaas.adminKeyFile()).strip());

    String observed = observedText();
    assertThat(logs.list).as("captured log events").hasSizeGreaterThan(5);
    assertThat(logs.list).anyMatch(e -> e.getLevel() == Level.DEBUG || e.getLevel() == Level.WARN);
    assertThat(observed).contains("kms_grpc_requests_seconds_count").contains("\"kekId\"");
    assertThat(secrets.keySet()).contains("DEK 3", "KEK 1"); // 4 seeds sealed, 2 KEKs made
    for (Map.Entry<String, byte[]> secret : secrets.entrySet()) {
      for (Map.Entry<String, String> form : encodings(secret.getValue()).entrySet()) {
        assertThat(observed)
            .as("%s as %s in logs, errors, status or metrics", secret.getKey(), form.getKey())
            .doesNotContain(form.getValue());
      }
    }
  }

  /** 32-byte seeds that are fixed (so a failure reproduces) but look random (so no false hits). */
  private static List<byte[]> knownSeeds(int n) throws Exception {
    List<byte[]> seeds = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      seeds.add(
          MessageDigest.getInstance("SHA-256")
              .digest(("SecretLeakIT seed " + i).getBytes(StandardCharsets.US_ASCII)));
    }
    return seeds;
  }

  /** What KMaaS was asked to wrap: the DEK inside every ciphertext the daemon returned. */
  private void captureDeks(Map<String, byte[]> secrets) throws Exception {
    KmaasEngine engine = new KmaasEngine(new KekStore(kmaas.stateFile()));
    for (int i = 0; i < ciphertexts.size(); i++) {
      Envelope envelope = CiphertextFormat.decode(ciphertexts.get(i));
      secrets.put("DEK " + i, engine.decrypt(TENANT, envelope.wrappedDek(), envelope.kekId()));
    }
  }

  private void captureKeks(Map<String, byte[]> secrets) throws Exception {
    JsonNode keks =
        new ObjectMapper().readTree(kmaas.stateFile().toFile()).path("tenants").path(TENANT);
    int i = 0;
    for (JsonNode kek : keks.path("keks")) {
      secrets.put("KEK " + i++, Base64.getDecoder().decode(kek.path("key").asText()));
    }
  }

  /** A {@code name:secret} credential: the secret, and the HTTP Basic value that carries it. */
  private static void addCredential(Map<String, byte[]> secrets, String what, String nameSecret) {
    secrets.put(
        what + " secret",
        nameSecret.substring(nameSecret.indexOf(':') + 1).getBytes(StandardCharsets.UTF_8));
    secrets.put(what + " as name:secret", nameSecret.getBytes(StandardCharsets.UTF_8));
  }

  private static Map<String, String> encodings(byte[] secret) {
    Map<String, String> forms = new LinkedHashMap<>();
    forms.put("raw bytes", new String(secret, StandardCharsets.ISO_8859_1));
    forms.put("lower-case hex", HexFormat.of().formatHex(secret));
    forms.put("upper-case hex", HexFormat.of().formatHex(secret).toUpperCase(Locale.ROOT));
    forms.put("base64", Base64.getEncoder().withoutPadding().encodeToString(secret));
    forms.put("url-safe base64", Base64.getUrlEncoder().withoutPadding().encodeToString(secret));
    return forms;
  }

  /** /status, /metrics, /livez and /readyz bodies as they are now. */
  private void observeEverything() throws Exception {
    InetSocketAddress address = daemon.httpAddress();
    for (String path : List.of("/status", "/metrics", "/livez", "/readyz")) {
      HttpResponse<String> response =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + address.getPort() + path))
                      .timeout(Duration.ofSeconds(5))
                      .build(),
                  HttpResponse.BodyHandlers.ofString(StandardCharsets.ISO_8859_1));
      seen.add(path + " " + response.statusCode() + "\n" + response.body());
    }
  }

  private String healthzAndKeyId() {
    var status = client.stub().status(StatusRequest.getDefaultInstance());
    String text = status.getHealthz() + " " + status.getKeyId();
    seen.add(text);
    return text;
  }

  private void expectError(Runnable call, Status.Code code) {
    try {
      call.run();
    } catch (StatusRuntimeException e) {
      seen.add(e.getMessage() + "\n" + e.getStatus().getDescription());
      assertThat(e.getStatus().getCode()).isEqualTo(code);
      return;
    }
    throw new AssertionError("expected " + code);
  }

  private EncryptResponse encrypt(byte[] plaintext) {
    EncryptResponse response =
        client
            .stub()
            .encrypt(
                EncryptRequest.newBuilder()
                    .setPlaintext(ByteString.copyFrom(plaintext))
                    .setUid("leak")
                    .build());
    ciphertexts.add(response.getCiphertext().toByteArray());
    return response;
  }

  private byte[] decrypt(byte[] ciphertext, String keyId) {
    return client
        .stub()
        .decrypt(
            DecryptRequest.newBuilder()
                .setCiphertext(ByteString.copyFrom(ciphertext))
                .setKeyId(keyId)
                .build())
        .getPlaintext()
        .toByteArray();
  }

  private String observedText() {
    StringBuilder text = new StringBuilder(String.join("\n", seen)).append('\n');
    for (ILoggingEvent event : List.copyOf(logs.list)) {
      text.append(event.getLoggerName()).append(' ').append(event.getFormattedMessage());
      text.append(' ').append(event.getMDCPropertyMap()).append('\n');
      if (event.getArgumentArray() != null) {
        for (Object argument : event.getArgumentArray()) {
          text.append(
              argument instanceof byte[] b ? new String(b, StandardCharsets.ISO_8859_1) : argument);
          text.append('\n');
        }
      }
      for (IThrowableProxy t = event.getThrowableProxy(); t != null; t = t.getCause()) {
        text.append(t.getClassName()).append(": ").append(t.getMessage()).append('\n');
        for (StackTraceElementProxy frame : t.getStackTraceElementProxyArray()) {
          text.append(frame.getSTEAsString()).append('\n');
        }
      }
    }
    return text.toString();
  }

  private StandaloneKmaasServer startKmaas(int port) throws Exception {
    StandaloneKmaasServer server =
        new StandaloneKmaasServer(
            StandaloneKmaasServer.Options.of(
                    new InetSocketAddress("127.0.0.1", port), dir.resolve("kmaas"))
                .withTenants(List.of(TENANT)));
    server.start();
    return server;
  }

  private void startDaemon(Map<String, String> env) throws Exception {
    Map<String, String> flags = new HashMap<>();
    flags.put("--bind", "unix://" + dir.resolve("run/kms.sock"));
    flags.put("--kmaas-url", kmaas.url().toString());
    flags.put("--kmaas-tenant", TENANT);
    flags.put("--kmaas-ca-file", kmaas.certificateFile().toString());
    flags.put("--http-address", "127.0.0.1:0");
    flags.put("--check-interval", "1s");
    flags.put("--check-interval-failing", "1s");
    flags.put("--log-format", "text");
    flags.put("--log-level", "debug");
    daemon = Daemon.start(ConfigLoader.load(flags, env));
    client =
        new KmsV2Client(
            UnixEndpoint.parse("unix://" + dir.resolve("run/kms.sock")), Duration.ofSeconds(5));
  }

  private void restartDaemon(Map<String, String> env) throws Exception {
    client.close();
    daemon.close();
    startDaemon(env);
  }

  private static ch.qos.logback.classic.Logger rootLogger() {
    return (ch.qos.logback.classic.Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME);
  }
}
