package dev.sds.kms.plugin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import dev.sds.kms.plugin.config.ConfigLoader;
import dev.sds.kms.plugin.kms.KmsV2Client;
import dev.sds.kms.plugin.kms.v2.DecryptRequest;
import dev.sds.kms.plugin.kms.v2.EncryptRequest;
import dev.sds.kms.plugin.kms.v2.EncryptResponse;
import dev.sds.kms.plugin.kms.v2.StatusRequest;
import dev.sds.kms.plugin.server.UnixEndpoint;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The embedded KMaaS's state file is the only copy of its KEKs: a corrupt or unwritable one must
 * stop the daemon (or make it unhealthy) with a message naming the file, and must never be replaced
 * by a fresh KEK that would orphan every existing ciphertext.
 */
class EmbeddedStateFileIT {
  @TempDir Path dir;

  private Daemon daemon;
  private KmsV2Client client;

  @AfterEach
  void stop() {
    if (client != null) {
      client.close();
    }
    if (daemon != null) {
      daemon.close();
    }
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"garbage", "truncated", "empty", "wrong version", "short key"})
  void corruptStateFileStopsTheStartAndIsLeftUntouched(String corruption) throws Exception {
    Path stateFile = dir.resolve("kmaas/state.json");
    startDaemon(stateFile);
    encrypt();
    stop();
    daemon = null;
    client = null;
    byte[] corrupt = corrupt(Files.readAllBytes(stateFile), corruption);
    Files.write(stateFile, corrupt);

    assertThatThrownBy(() -> startDaemon(stateFile))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("KMaaS state file " + stateFile)
        .hasMessageContaining("is corrupt");

    assertThat(Files.readAllBytes(stateFile)).isEqualTo(corrupt);
    assertThat(socket()).doesNotExist();
    try (Stream<Path> files = Files.list(stateFile.getParent())) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .containsExactlyInAnyOrder("state.json", "state.json.lock");
    }
  }

  @Test
  void stateFileCorruptedWhileRunningMakesTheDaemonUnhealthyNotForgetful() throws Exception {
    Path stateFile = dir.resolve("kmaas/state.json");
    startDaemon(stateFile);
    EncryptResponse before = encrypt();
    byte[] good = Files.readAllBytes(stateFile);
    byte[] corrupt = "{\"version\":1,\"tenants\":".getBytes(StandardCharsets.UTF_8);
    Files.write(stateFile, corrupt);

    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThat(healthz())
                    .contains("KMaaS state file " + stateFile + " is corrupt")
                    .contains("not valid JSON"));
    assertCode(this::encrypt, Status.Code.UNAVAILABLE);
    assertCode(() -> decrypt(before), Status.Code.UNAVAILABLE);
    assertThat(Files.readAllBytes(stateFile)).isEqualTo(corrupt);

    Files.write(stateFile, good);

    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(healthz()).isEqualTo("ok"));
    assertThat(decrypt(before).size()).isEqualTo(32);
    assertThat(encrypt().getKeyId()).isEqualTo(before.getKeyId());
  }

  @Test
  void stateDirectoryThatCannotBeCreatedStopsTheStart() throws Exception {
    Path notADirectory = Files.writeString(dir.resolve("kmaas"), "a file, not a directory");
    Path stateFile = notADirectory.resolve("state.json");

    assertThatThrownBy(() -> startDaemon(stateFile))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("cannot read KMaaS state file " + stateFile)
        .hasMessageContaining("Not a directory");
    assertThat(socket()).doesNotExist();
  }

  @Test
  void readOnlyStateDirectoryStopsTheStart() throws Exception {
    Path readOnly = Files.createDirectory(dir.resolve("kmaas"));
    Files.setPosixFilePermissions(readOnly, PosixFilePermissions.fromString("r-x------"));
    assumeThat(Files.isWritable(readOnly)).as("not running as root").isFalse();
    Path stateFile = readOnly.resolve("state.json");
    try {
      assertThatThrownBy(() -> startDaemon(stateFile))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("KMaaS state file " + stateFile);
      assertThat(socket()).doesNotExist();
    } finally {
      Files.setPosixFilePermissions(readOnly, PosixFilePermissions.fromString("rwx------"));
    }
  }

  private static byte[] corrupt(byte[] good, String how) {
    String text = new String(good, StandardCharsets.UTF_8);
    return switch (how) {
      case "garbage" -> "\u0000\u00ffnot json at all".getBytes(StandardCharsets.ISO_8859_1);
      case "truncated" -> Arrays.copyOf(good, good.length / 2);
      case "empty" -> new byte[0];
      case "wrong version" ->
          text.replace("\"version\" : 1", "\"version\" : 2").getBytes(StandardCharsets.UTF_8);
      case "short key" ->
          text.replaceFirst("\"key\" : \"[^\"]*\"", "\"key\" : \"AAAA\"")
              .getBytes(StandardCharsets.UTF_8);
      default -> throw new IllegalArgumentException(how);
    };
  }

  private Path socket() {
    return dir.resolve("run/kms.sock");
  }

  private void startDaemon(Path stateFile) throws Exception {
    Map<String, String> flags = new HashMap<>();
    flags.put("--bind", "unix://" + socket());
    flags.put("--state-file", stateFile.toString());
    flags.put("--check-interval", "1s");
    flags.put("--check-interval-failing", "1s");
    flags.put("--dek-cache-size", "0");
    flags.put("--log-format", "text");
    daemon = Daemon.start(ConfigLoader.load(flags, Map.of()));
    client = new KmsV2Client(UnixEndpoint.parse("unix://" + socket()), Duration.ofSeconds(5));
  }

  private String healthz() {
    return client.stub().status(StatusRequest.getDefaultInstance()).getHealthz();
  }

  private EncryptResponse encrypt() {
    return client
        .stub()
        .encrypt(
            EncryptRequest.newBuilder()
                .setPlaintext(ByteString.copyFrom(new byte[32]))
                .setUid("state")
                .build());
  }

  private ByteString decrypt(EncryptResponse encrypted) {
    return client
        .stub()
        .decrypt(
            DecryptRequest.newBuilder()
                .setCiphertext(encrypted.getCiphertext())
                .setKeyId(encrypted.getKeyId())
                .build())
        .getPlaintext();
  }

  private static void assertCode(Runnable call, Status.Code code) {
    assertThatThrownBy(call::run)
        .isInstanceOfSatisfying(
            StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode()).isEqualTo(code));
  }
}
