package dev.sds.kms.plugin;

import static dev.sds.kms.plugin.testing.KmsCalls.assertCode;
import static dev.sds.kms.plugin.testing.KmsCalls.http;
import static dev.sds.kms.plugin.testing.KmsCalls.randomBytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.read.ListAppender;
import com.google.protobuf.ByteString;
import dev.sds.kms.plugin.config.ConfigLoader;
import dev.sds.kms.plugin.health.PluginMetrics;
import dev.sds.kms.plugin.kmaas.KmaasCredentials;
import dev.sds.kms.plugin.kmaas.server.KmaasAdminClient;
import dev.sds.kms.plugin.kmaas.server.StandaloneKmaasServer;
import dev.sds.kms.plugin.kms.KmsV2Client;
import dev.sds.kms.plugin.kms.v2.DecryptRequest;
import dev.sds.kms.plugin.kms.v2.EncryptResponse;
import dev.sds.kms.plugin.kms.v2.StatusRequest;
import dev.sds.kms.plugin.kms.v2.StatusResponse;
import dev.sds.kms.plugin.server.SocketInUseException;
import dev.sds.kms.plugin.server.UnixEndpoint;
import dev.sds.kms.plugin.testing.KmsCalls;
import io.grpc.Status;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The whole daemon as kube-apiserver and an operator see it: a real Unix socket, real gRPC, a
 * standalone KMaaS over real HTTPS with a self-signed certificate, and the health HTTP server.
 */
class DaemonIT {
  private static final String TENANT = "acme";

  @TempDir Path dir;

  private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
  private StandaloneKmaasServer kmaas;
  private Daemon daemon;
  private KmsV2Client client;
  private Path socket;

  @BeforeEach
  void startKmaasAndDaemon() throws Exception {
    logs.start();
    rootLogger().addAppender(logs);
    kmaas = startKmaas(0);
    socket = dir.resolve("run/kms.sock");
    daemon = Daemon.start(ConfigLoader.load(remoteFlags(kmaas.apiKeyFile()), Map.of()));
    client = new KmsV2Client(UnixEndpoint.parse("unix://" + socket), Duration.ofSeconds(5));
  }

  @AfterEach
  void stopAll() throws Exception {
    String apiKey = Files.readString(kmaas.apiKeyFile()).strip().split(":", 2)[1];
    String adminKey = Files.readString(kmaas.adminKeyFile()).strip().split(":", 2)[1];
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
    String logged = loggedText();
    assertThat(logged).as("log lines").isNotEmpty().doesNotContain(apiKey).doesNotContain(adminKey);
  }

  private static ch.qos.logback.classic.Logger rootLogger() {
    return (ch.qos.logback.classic.Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME);
  }

  private String loggedText() {
    StringBuilder text = new StringBuilder();
    for (ILoggingEvent event : logs.list) {
      text.append(event.getFormattedMessage()).append('\n');
      for (IThrowableProxy t = event.getThrowableProxy(); t != null; t = t.getCause()) {
        text.append(t.getMessage()).append('\n');
      }
    }
    return text.toString();
  }

  @Test
  void answersStatusEncryptAndDecryptAsKubeApiserverRequires() {
    StatusResponse status = status();
    assertThat(status.getVersion()).isEqualTo("v2");
    assertThat(status.getHealthz()).isEqualTo("ok");
    assertThat(status.getKeyId()).startsWith("sds:" + TENANT + "/kek-");

    byte[] seed = randomBytes(32);
    EncryptResponse encrypted = encrypt(seed);

    assertThat(encrypted.getKeyId()).isEqualTo(status.getKeyId());
    assertThat(encrypted.getCiphertext().size()).isBetween(1, 1024);
    assertThat(encrypted.getAnnotationsMap()).isEmpty();
    assertThat(decrypt(encrypted.getCiphertext(), encrypted.getKeyId()))
        .isEqualTo(ByteString.copyFrom(seed));
  }

  @Test
  void followsAKekRotationInKmaasAndStillDecryptsOldCiphertexts() throws Exception {
    String before = status().getKeyId();
    byte[] seed = randomBytes(32);
    EncryptResponse old = encrypt(seed);

    String newKek = adminClient().rotate(TENANT).id();

    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(status().getKeyId()).endsWith("/" + newKek));
    assertThat(status().getKeyId()).isNotEqualTo(before);
    assertThat(encrypt(randomBytes(32)).getKeyId()).isEqualTo(status().getKeyId());
    assertThat(decrypt(old.getCiphertext(), before)).isEqualTo(ByteString.copyFrom(seed));
  }

  @Test
  void reportsKmaasOutageInHealthzAndRecoversWhenItIsBack() throws Exception {
    byte[] seed = randomBytes(32);
    EncryptResponse before = encrypt(seed);
    int port = kmaas.port();
    kmaas.close();

    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(status().getHealthz()).isNotEqualTo("ok"));
    assertThat(status().getHealthz()).containsIgnoringCase("unreachable");
    assertThat(status().getKeyId()).isEqualTo(before.getKeyId());
    assertThat(http(daemon, "/readyz").statusCode()).isEqualTo(503);
    assertThat(http(daemon, "/livez").statusCode()).isEqualTo(200);
    assertCode(() -> encrypt(randomBytes(32)), Status.Code.UNAVAILABLE);

    kmaas = startKmaas(port);

    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(status().getHealthz()).isEqualTo("ok"));
    assertThat(http(daemon, "/readyz").statusCode()).isEqualTo(200);
    assertThat(decrypt(before.getCiphertext(), before.getKeyId()))
        .isEqualTo(ByteString.copyFrom(seed));
  }

  @Test
  void refusesBadDecryptInputWithPreciseCodesAndKeepsServing() {
    EncryptResponse good = encrypt(randomBytes(32));
    byte[] ct = good.getCiphertext().toByteArray();
    String keyId = good.getKeyId();
    byte[] tampered = ct.clone();
    tampered[ct.length - 1] ^= 1;
    byte[] trailing = java.util.Arrays.copyOf(ct, ct.length + 1);
    byte[] truncated = java.util.Arrays.copyOf(ct, ct.length - 5);
    Map<String, Object[]> cases = new HashMap<>();
    cases.put("empty", new Object[] {new byte[0], keyId, Status.Code.INVALID_ARGUMENT});
    cases.put("garbage", new Object[] {randomBytes(200), keyId, Status.Code.INVALID_ARGUMENT});
    cases.put("tampered", new Object[] {tampered, keyId, Status.Code.INVALID_ARGUMENT});
    cases.put("trailing", new Object[] {trailing, keyId, Status.Code.INVALID_ARGUMENT});
    cases.put("truncated", new Object[] {truncated, keyId, Status.Code.INVALID_ARGUMENT});
    cases.put("wrong key_id", new Object[] {ct, keyId + "x", Status.Code.FAILED_PRECONDITION});
    cases.put("empty key_id", new Object[] {ct, "", Status.Code.FAILED_PRECONDITION});

    cases.forEach(
        (name, c) ->
            assertCode(
                () -> decrypt(ByteString.copyFrom((byte[]) c[0]), (String) c[1]),
                (Status.Code) c[2]));

    assertCode(
        () ->
            client
                .stub()
                .decrypt(
                    DecryptRequest.newBuilder()
                        .setCiphertext(good.getCiphertext())
                        .setKeyId(keyId)
                        .putAnnotations("example.com/x", ByteString.copyFromUtf8("y"))
                        .build()),
        Status.Code.FAILED_PRECONDITION);
    assertCode(() -> encrypt(new byte[0]), Status.Code.INVALID_ARGUMENT);
    assertCode(() -> encrypt(new byte[4096]), Status.Code.INVALID_ARGUMENT);
    assertCode(() -> encrypt(new byte[100_000]), Status.Code.RESOURCE_EXHAUSTED);

    assertThat(status().getHealthz()).isEqualTo("ok");
    assertThat(decrypt(good.getCiphertext(), keyId).size()).isEqualTo(32);
  }

  @Test
  void servesHealthStatusAndMetricsOverHttp() throws Exception {
    String keyId = status().getKeyId();
    encrypt(randomBytes(32));

    assertThat(http(daemon, "/livez").statusCode()).isEqualTo(200);
    assertThat(http(daemon, "/readyz").body()).isEqualTo("ok\n");
    String statusJson = http(daemon, "/status").body();
    assertThat(statusJson)
        .contains("\"kmsApiVersion\":\"v2\"")
        .contains("\"healthz\":\"ok\"")
        .contains("\"keyId\":\"" + keyId + "\"")
        .contains("\"mode\":\"remote\"")
        .contains("\"tenant\":\"" + TENANT + "\"");
    String metrics = http(daemon, "/metrics").body();
    assertThat(metrics)
        .contains("kms_key_id_info{key_id_hash=\"" + PluginMetrics.keyIdHash(keyId) + "\"} 1")
        .contains("kms_kmaas_check_healthy 1")
        .contains("kms_grpc_requests_seconds_count{code=\"OK\",method=\"Encrypt\"")
        .contains("kms_kmaas_requests_seconds_count{operation=\"wrap\",outcome=\"success\"")
        .contains("jvm_memory_used_bytes{")
        .contains("jvm_gc_memory_allocated_bytes_total")
        .contains("jvm_threads_live_threads")
        .contains("process_uptime_seconds");
    assertThat(http(daemon, "/nope").statusCode()).isEqualTo(404);
    String secret = Files.readString(kmaas.apiKeyFile()).strip().split(":", 2)[1];
    assertThat(statusJson + metrics).doesNotContain(secret);
  }

  @Test
  void reportsRefusedCredentialsAsPermissionDenied() throws Exception {
    Path wrongKey = dir.resolve("wrong-key");
    Files.writeString(wrongKey, "kms-plugin:not-the-key\n");
    restartDaemon(remoteFlags(wrongKey));

    assertThat(status().getHealthz()).containsIgnoringCase("credentials");
    assertCode(() -> encrypt(randomBytes(32)), Status.Code.PERMISSION_DENIED);
    assertThat(http(daemon, "/readyz").statusCode()).isEqualTo(503);
  }

  @Test
  void reportsAnUntrustedKmaasCertificateWithAHint() throws Exception {
    Map<String, String> flags = remoteFlags(kmaas.apiKeyFile());
    flags.remove("--kmaas-ca-file");
    restartDaemon(flags);

    assertThat(status().getHealthz()).containsIgnoringCase("TLS").contains("--kmaas-ca-file");
    assertCode(() -> encrypt(randomBytes(32)), Status.Code.UNAVAILABLE);
  }

  @Test
  void refusesToStartOnASocketALiveDaemonServes() {
    assertThatThrownBy(
            () -> Daemon.start(ConfigLoader.load(remoteFlags(kmaas.apiKeyFile()), Map.of())))
        .isInstanceOf(SocketInUseException.class);
    assertThat(status().getHealthz()).isEqualTo("ok");
  }

  @Test
  void removesItsSocketOnCloseAndStartsAgainOnTheSamePath() throws Exception {
    EncryptResponse encrypted = encrypt(randomBytes(32));
    daemon.close();
    assertThat(socket).doesNotExist();

    daemon = Daemon.start(ConfigLoader.load(remoteFlags(kmaas.apiKeyFile()), Map.of()));

    assertThat(decrypt(encrypted.getCiphertext(), encrypted.getKeyId()).size()).isEqualTo(32);
  }

  private void restartDaemon(Map<String, String> flags) throws Exception {
    daemon.close();
    daemon = Daemon.start(ConfigLoader.load(flags, Map.of()));
  }

  private StandaloneKmaasServer startKmaas(int port) throws Exception {
    StandaloneKmaasServer server =
        new StandaloneKmaasServer(
            StandaloneKmaasServer.Options.of(
                    new InetSocketAddress("127.0.0.1", port), dir.resolve("kmaas"))
                .withTenants(java.util.List.of(TENANT)));
    server.start();
    return server;
  }

  private KmaasAdminClient adminClient() throws Exception {
    return new KmaasAdminClient(
        kmaas.url(),
        KmaasCredentials.ApiKey.parse(Files.readString(kmaas.adminKeyFile()).strip()),
        kmaas.certificateFile());
  }

  private Map<String, String> remoteFlags(Path apiKeyFile) {
    Map<String, String> flags = new HashMap<>();
    flags.put("--bind", "unix://" + dir.resolve("run/kms.sock"));
    flags.put("--kmaas-url", kmaas.url().toString());
    flags.put("--kmaas-tenant", TENANT);
    flags.put("--kmaas-ca-file", kmaas.certificateFile().toString());
    flags.put("--kmaas-api-key-file", apiKeyFile.toString());
    flags.put("--http-address", "127.0.0.1:0");
    flags.put("--check-interval", "1s");
    flags.put("--check-interval-failing", "1s");
    flags.put("--log-format", "text");
    // every Decrypt goes to KMaaS, so old ciphertexts really are unwrapped by the old KEK
    flags.put("--dek-cache-size", "0");
    return flags;
  }

  private StatusResponse status() {
    return client.stub().status(StatusRequest.getDefaultInstance());
  }

  private EncryptResponse encrypt(byte[] plaintext) {
    return KmsCalls.encrypt(client, plaintext);
  }

  private ByteString decrypt(ByteString ciphertext, String keyId) {
    return KmsCalls.decrypt(client, ciphertext, keyId);
  }
}
