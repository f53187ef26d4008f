package dev.sds.kms.plugin;

import static dev.sds.kms.plugin.testing.KmsCalls.assertCode;
import static dev.sds.kms.plugin.testing.KmsCalls.http;
import static dev.sds.kms.plugin.testing.KmsCalls.randomBytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.google.protobuf.ByteString;
import dev.sds.kms.plugin.config.ConfigLoader;
import dev.sds.kms.plugin.kmaas.KmaasCredentials;
import dev.sds.kms.plugin.kmaas.server.KmaasAdminClient;
import dev.sds.kms.plugin.kmaas.server.StandaloneKmaasServer;
import dev.sds.kms.plugin.kms.KmsV2Client;
import dev.sds.kms.plugin.kms.v2.EncryptResponse;
import dev.sds.kms.plugin.kms.v2.StatusRequest;
import dev.sds.kms.plugin.kms.v2.StatusResponse;
import dev.sds.kms.plugin.server.UnixEndpoint;
import dev.sds.kms.plugin.testing.KmsCalls;
import io.grpc.Status;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The daemon with {@code KMAAS_PROTOCOL=kacls}: kube-apiserver's calls over a real Unix socket, the
 * standalone KMaaS's KACLS routes over real HTTPS, the JWT from a token file.
 */
class DaemonKaclsIT {
  private static final String TENANT = "acme";

  @TempDir Path dir;

  private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
  private StandaloneKmaasServer kmaas;
  private Daemon daemon;
  private KmsV2Client client;
  private Path tokenFile;
  private Level sdsLevelBefore;

  @BeforeEach
  void start() throws Exception {
    logs.start();
    rootLogger().addAppender(logs);
    // an earlier test in this JVM may have left the root logger at WARN (RecoverCommand sets it)
    sdsLevelBefore = sds().getLevel();
    sds().setLevel(Level.INFO);
    kmaas =
        new StandaloneKmaasServer(
            StandaloneKmaasServer.Options.of(
                    new InetSocketAddress("127.0.0.1", 0), dir.resolve("kmaas"))
                .withTenants(List.of(TENANT)));
    kmaas.start();
    tokenFile = dir.resolve("kacls.jwt");
    Files.copy(kmaas.kaclsTokenFile(), tokenFile);
    Path socket = dir.resolve("run/kms.sock");
    Map<String, String> env = new HashMap<>();
    env.put("KMAAS_PROTOCOL", "kacls");
    env.put("KMAAS_URL", kmaas.kaclsUrl(TENANT).toString());
    env.put("KMAAS_TENANT_ID", TENANT);
    env.put("KMAAS_TOKEN_FILE", tokenFile.toString());
    env.put("KMAAS_CA_FILE", kmaas.certificateFile().toString());
    env.put("BIND_STRING", "unix://" + socket);
    env.put("HTTP_ADDRESS", "127.0.0.1:0");
    env.put("CHECK_INTERVAL", "1s");
    env.put("CHECK_INTERVAL_FAILING", "1s");
    env.put("LOG_FORMAT", "text");
    env.put("DEK_CACHE_SIZE", "0"); // every Decrypt really unwraps through KACLS
    daemon = Daemon.start(ConfigLoader.load(Map.of(), env));
    client = new KmsV2Client(UnixEndpoint.parse("unix://" + socket), Duration.ofSeconds(5));
  }

  @AfterEach
  void stop() throws Exception {
    String token = Files.readString(kmaas.kaclsTokenFile()).strip();
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
    sds().setLevel(sdsLevelBefore);
    StringBuilder logged = new StringBuilder();
    logs.list.forEach(e -> logged.append(e.getFormattedMessage()).append('\n'));
    assertThat(logged.toString()).as("log lines").isNotEmpty().doesNotContain(token);
  }

  @Test
  void answersStatusEncryptAndDecryptWithKeyIdFromTheKaclsStatusVersion() throws Exception {
    StatusResponse status = status();
    assertThat(status.getHealthz()).isEqualTo("ok");
    assertThat(status.getKeyId()).isEqualTo("sds:" + TENANT + "/kacls-" + activeKek());

    byte[] seed = randomBytes(32);
    EncryptResponse encrypted = KmsCalls.encrypt(client, seed);

    assertThat(encrypted.getKeyId()).isEqualTo(status.getKeyId());
    assertThat(encrypted.getCiphertext().size()).isBetween(1, 1024);
    assertThat(KmsCalls.decrypt(client, encrypted.getCiphertext(), encrypted.getKeyId()))
        .isEqualTo(ByteString.copyFrom(seed));
    String statusJson = http(daemon, "/status").body();
    assertThat(statusJson)
        .contains("\"protocol\":\"kacls\"")
        .contains("\"url\":\"" + kmaas.kaclsUrl(TENANT) + "\"")
        .contains("\"kekId\":\"kacls-" + activeKek() + "\"");
  }

  @Test
  void followsARotationOnTheKeyServiceAndStillDecryptsOldSeeds() throws Exception {
    String before = status().getKeyId();
    byte[] seed = randomBytes(32);
    EncryptResponse old = KmsCalls.encrypt(client, seed);

    String rotated;
    try (KmaasAdminClient admin = adminClient()) {
      rotated = admin.rotate(TENANT).id();
    }

    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> assertThat(status().getKeyId()).isEqualTo("sds:" + TENANT + "/kacls-" + rotated));
    assertThat(status().getKeyId()).isNotEqualTo(before);
    assertThat(KmsCalls.encrypt(client, randomBytes(32)).getKeyId()).isEqualTo(status().getKeyId());
    assertThat(KmsCalls.decrypt(client, old.getCiphertext(), before))
        .isEqualTo(ByteString.copyFrom(seed));
  }

  @Test
  void anExpiredTokenIsPermissionDeniedUntilTheFileHoldsAValidOne() throws Exception {
    EncryptResponse encrypted = KmsCalls.encrypt(client, randomBytes(32));
    Files.writeString(tokenFile, kmaas.issueKaclsToken(Instant.now().minusSeconds(60)));

    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(status().getHealthz()).contains("credentials"));
    assertThat(http(daemon, "/readyz").statusCode()).isEqualTo(503);
    assertCode(() -> KmsCalls.encrypt(client, randomBytes(32)), Status.Code.PERMISSION_DENIED);
    assertCode(
        () -> KmsCalls.decrypt(client, encrypted.getCiphertext(), encrypted.getKeyId()),
        Status.Code.PERMISSION_DENIED);

    Files.writeString(tokenFile, kmaas.issueKaclsToken(Instant.now().plusSeconds(3600)));

    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(status().getHealthz()).isEqualTo("ok"));
    assertThat(KmsCalls.decrypt(client, encrypted.getCiphertext(), encrypted.getKeyId()).size())
        .isEqualTo(32);
  }

  private StatusResponse status() {
    return client.stub().status(StatusRequest.getDefaultInstance());
  }

  private String activeKek() throws Exception {
    try (KmaasAdminClient admin = adminClient()) {
      return admin.list(TENANT).stream().filter(k -> k.active()).findFirst().orElseThrow().id();
    }
  }

  private KmaasAdminClient adminClient() throws Exception {
    return new KmaasAdminClient(
        kmaas.url(),
        KmaasCredentials.ApiKey.parse(Files.readString(kmaas.adminKeyFile()).strip()),
        kmaas.certificateFile());
  }

  private static ch.qos.logback.classic.Logger sds() {
    return (ch.qos.logback.classic.Logger) LoggerFactory.getLogger("dev.sds");
  }

  private static ch.qos.logback.classic.Logger rootLogger() {
    return (ch.qos.logback.classic.Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME);
  }
}
