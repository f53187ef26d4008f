package dev.sds.kms.plugin.kmaas.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sds.kms.plugin.kmaas.KmaasCredentials;
import dev.sds.kms.plugin.kmaas.KmaasException;
import dev.sds.kms.plugin.kmaas.KmaasFailure;
import dev.sds.kms.plugin.kmaas.KmaasSettings;
import dev.sds.kms.plugin.kmaas.WrapResult;
import dev.sds.kms.plugin.kmaas.engine.KekInfo;
import dev.sds.kms.plugin.kmaas.http.HttpKmaasClient;
import io.grpc.Deadline;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code POST /api/v1/{tenant}/admin/keks/{id}/disable} of the standalone KMaaS over real HTTPS:
 * the daemon's KMaaS client then gets a clear {@link KmaasFailure#KEK_DISABLED} for unwraps under
 * that KEK (and for wraps when the active KEK is disabled), and only the admin key may disable.
 */
class KekDisableIT {
  private static final byte[] DEK =
      "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.UTF_8);

  @TempDir Path dir;
  private StandaloneKmaasServer server;
  private KmaasAdminClient admin;
  private HttpKmaasClient daemon;

  @BeforeEach
  void start() throws IOException {
    server =
        new StandaloneKmaasServer(
            StandaloneKmaasServer.Options.of(
                    new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), dir)
                .withTenants(List.of("acme")));
    server.start();
    admin = new KmaasAdminClient(server.url(), server.adminKey(), server.certificateFile());
    daemon =
        new HttpKmaasClient(
            new KmaasSettings(
                server.url(),
                "acme",
                null,
                server.certificateFile(),
                null,
                null,
                false,
                server.apiKey(),
                Duration.ofSeconds(5)));
  }

  @AfterEach
  void stop() {
    daemon.close();
    admin.close();
    server.close();
  }

  @Test
  void anUnwrapUnderADisabledKekFailsClearlyAndTheListSaysDisabled() throws Exception {
    WrapResult old = daemon.wrap(DEK, deadline());
    KekInfo next = admin.rotate("acme");

    admin.disable("acme", old.kekId());

    assertThatThrownBy(() -> daemon.unwrap(old.ciphertext(), old.kekId(), deadline()))
        .isInstanceOf(KmaasException.class)
        .hasMessageContaining("KMaaS has disabled the KEK: HTTP 410")
        .extracting(e -> ((KmaasException) e).failure())
        .isEqualTo(KmaasFailure.KEK_DISABLED);
    WrapResult fresh = daemon.wrap(DEK, deadline());
    assertThat(fresh.kekId()).isEqualTo(next.id());
    assertThat(daemon.unwrap(fresh.ciphertext(), fresh.kekId(), deadline())).isEqualTo(DEK);
    assertThat(admin.list("acme"))
        .extracting(KekInfo::id, KekInfo::disabled)
        .containsExactly(
            org.assertj.core.api.Assertions.tuple(old.kekId(), true),
            org.assertj.core.api.Assertions.tuple(next.id(), false));
  }

  @Test
  void aWrapUnderADisabledActiveKekFailsClearly() throws Exception {
    String active = daemon.wrap(DEK, deadline()).kekId();

    admin.disable("acme", active);

    assertThatThrownBy(() -> daemon.wrap(DEK, deadline()))
        .isInstanceOf(KmaasException.class)
        .extracting(e -> ((KmaasException) e).failure())
        .isEqualTo(KmaasFailure.KEK_DISABLED);
  }

  @Test
  void onlyTheAdminKeyMayDisableAndTheMessagesSayWhy() throws Exception {
    String active = daemon.wrap(DEK, deadline()).kekId();
    KmaasCredentials.ApiKey apiKey = server.apiKey();
    try (KmaasAdminClient notAdmin =
        new KmaasAdminClient(server.url(), apiKey, server.certificateFile())) {
      assertThatThrownBy(() -> notAdmin.disable("acme", active))
          .hasMessageContaining("HTTP 403")
          .hasMessageNotContaining(apiKey.secret());
    }
    assertThatThrownBy(() -> admin.disable("acme", "kek-nope"))
        .hasMessage(
            "cannot disable KEK kek-nope of tenant acme: KMaaS answered HTTP 404: tenant acme has"
                + " no KEK kek-nope");
    assertThat(daemon.unwrap(daemon.wrap(DEK, deadline()).ciphertext(), active, deadline()))
        .isEqualTo(DEK);
  }

  private static Deadline deadline() {
    return Deadline.after(5, TimeUnit.SECONDS);
  }
}
