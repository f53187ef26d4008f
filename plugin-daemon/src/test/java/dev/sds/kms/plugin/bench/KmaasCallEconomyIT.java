package dev.sds.kms.plugin.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.sds.kms.plugin.Daemon;
import dev.sds.kms.plugin.config.ConfigLoader;
import dev.sds.kms.plugin.kmaas.server.StandaloneKmaasServer;
import dev.sds.kms.plugin.kmaas.server.StandaloneKmaasServer.RequestCounts;
import dev.sds.kms.plugin.kms.KmsV2Client;
import dev.sds.kms.plugin.kms.v2.DecryptRequest;
import dev.sds.kms.plugin.kms.v2.EncryptRequest;
import dev.sds.kms.plugin.kms.v2.EncryptResponse;
import dev.sds.kms.plugin.kms.v2.StatusRequest;
import dev.sds.kms.plugin.server.UnixEndpoint;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the plugin costs KMaaS, counted by the standalone KMaaS itself: one wrap per Encrypt, one
 * unwrap per distinct DEK while it is cached, nothing for Status. A correctness property of the DEK
 * cache and of Status, not a timing.
 */
class KmaasCallEconomyIT {
  private static final int DISTINCT = 5;
  private static final int REPEATS = 20;

  @TempDir Path dir;

  private StandaloneKmaasServer kmaas;
  private UnixEndpoint socket;

  @BeforeEach
  void startKmaas() throws Exception {
    kmaas =
        new StandaloneKmaasServer(
            StandaloneKmaasServer.Options.of(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), dir.resolve("kmaas")));
    kmaas.start();
    socket = UnixEndpoint.parse("unix://" + dir.resolve("kms.sock"));
  }

  @AfterEach
  void stopKmaas() {
    kmaas.close();
  }

  private Daemon startDaemon() throws Exception {
    return Daemon.start(
        ConfigLoader.load(
            Map.of(
                "--bind", socket.toString(),
                "--http-address", "off",
                "--check-interval", "1h",
                "--kmaas-url", kmaas.url().toString(),
                "--kmaas-tenant", "default",
                "--kmaas-api-key-file", kmaas.apiKeyFile().toString(),
                "--kmaas-ca-file", kmaas.certificateFile().toString()),
            Map.of()));
  }

  private static EncryptResponse encrypt(KmsV2Client client, int n) {
    return client
        .stub()
        .encrypt(
            EncryptRequest.newBuilder()
                .setPlaintext(ByteString.copyFromUtf8("seed-" + n))
                .setUid("uid-" + n)
                .build());
  }

  private static DecryptRequest decryptRequest(EncryptResponse e) {
    return DecryptRequest.newBuilder()
        .setCiphertext(e.getCiphertext())
        .setKeyId(e.getKeyId())
        .setUid("d")
        .build();
  }

  @Test
  void statusCallsKmaasNever() throws Exception {
    try (Daemon daemon = startDaemon();
        KmsV2Client client = new KmsV2Client(socket, Duration.ofSeconds(5))) {
      RequestCounts before = kmaas.requestCounts();
      for (int i = 0; i < 50; i++) {
        client.stub().status(StatusRequest.getDefaultInstance());
      }
      assertThat(kmaas.requestCounts().since(before)).isEqualTo(new RequestCounts(0, 0));
    }
  }

  @Test
  void eachEncryptWrapsExactlyOnce() throws Exception {
    try (Daemon daemon = startDaemon();
        KmsV2Client client = new KmsV2Client(socket, Duration.ofSeconds(5))) {
      RequestCounts before = kmaas.requestCounts();
      for (int i = 0; i < 30; i++) {
        encrypt(client, i);
      }
      assertThat(kmaas.requestCounts().since(before)).isEqualTo(new RequestCounts(30, 0));
    }
  }

  @Test
  void distinctCiphertextsDecryptedRepeatedlyUnwrapOnceEach() throws Exception {
    List<EncryptResponse> ciphertexts = new ArrayList<>();
    try (Daemon daemon = startDaemon();
        KmsV2Client client = new KmsV2Client(socket, Duration.ofSeconds(5))) {
      for (int i = 0; i < DISTINCT; i++) {
        ciphertexts.add(encrypt(client, i));
      }
    }
    // a fresh daemon has an empty DEK cache, as after a restart
    try (Daemon daemon = startDaemon();
        KmsV2Client client = new KmsV2Client(socket, Duration.ofSeconds(5))) {
      RequestCounts before = kmaas.requestCounts();
      for (int r = 0; r < REPEATS; r++) {
        for (int i = 0; i < DISTINCT; i++) {
          ByteString plaintext =
              client.stub().decrypt(decryptRequest(ciphertexts.get(i))).getPlaintext();
          assertThat(plaintext.toStringUtf8()).isEqualTo("seed-" + i);
        }
      }
      assertThat(kmaas.requestCounts().since(before)).isEqualTo(new RequestCounts(0, DISTINCT));
    }
  }
}
