package dev.sds.kms.plugin.kmaas.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sds.kms.plugin.kmaas.KmaasCredentials;
import dev.sds.kms.plugin.kmaas.KmaasDescription;
import dev.sds.kms.plugin.kmaas.KmaasException;
import dev.sds.kms.plugin.kmaas.KmaasFailure;
import dev.sds.kms.plugin.kmaas.KmaasSettings;
import dev.sds.kms.plugin.kmaas.WrapResult;
import dev.sds.kms.plugin.kmaas.engine.KekStore;
import io.grpc.Deadline;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedKmaasClientTest {

  @TempDir Path dir;

  private static Deadline soon() {
    return Deadline.after(5, TimeUnit.SECONDS);
  }

  @Test
  void wrapUnwrapAndDescribe() throws Exception {
    Path file = dir.resolve("kek-state.json");
    try (EmbeddedKmaasClient client = new EmbeddedKmaasClient(file, "embedded")) {
      assertThat(Files.exists(file)).isTrue();
      byte[] dek = new byte[32];
      dek[3] = 7;
      WrapResult w = client.wrap(dek, soon());
      assertThat(client.unwrap(w.ciphertext(), w.kekId(), soon())).isEqualTo(dek);
      assertThat(client.describe()).isEqualTo(new KmaasDescription("embedded", null, "embedded"));
    }
  }

  @Test
  void settingsConstructorAndRestartDecrypts() throws Exception {
    Path file = dir.resolve("state/kek-state.json");
    KmaasSettings settings =
        new KmaasSettings(
            null,
            "acme",
            file,
            null,
            null,
            null,
            false,
            new KmaasCredentials.None(),
            Duration.ofSeconds(2));
    WrapResult w;
    byte[] dek = "0123456789abcdef0123456789abcdef".getBytes();
    try (EmbeddedKmaasClient client = new EmbeddedKmaasClient(settings)) {
      w = client.wrap(dek, soon());
      assertThat(client.describe().tenant()).isEqualTo("acme");
    }
    try (EmbeddedKmaasClient again = new EmbeddedKmaasClient(settings)) {
      assertThat(again.unwrap(w.ciphertext(), w.kekId(), soon())).isEqualTo(dek);
    }
  }

  @Test
  void rotationByAnotherProcessIsSeenAndOldCiphertextStillDecrypts() throws Exception {
    Path file = dir.resolve("kek-state.json");
    try (EmbeddedKmaasClient client = new EmbeddedKmaasClient(file, "embedded")) {
      WrapResult before = client.wrap(new byte[32], soon());
      String rotated = new KekStore(file).rotate("embedded").id();
      WrapResult after = client.wrap(new byte[32], soon());
      assertThat(after.kekId()).isEqualTo(rotated).isNotEqualTo(before.kekId());
      assertThat(client.unwrap(before.ciphertext(), before.kekId(), soon())).hasSize(32);
    }
  }

  @Test
  void errorsAreMapped() throws Exception {
    try (EmbeddedKmaasClient client = new EmbeddedKmaasClient(dir.resolve("s.json"), "t")) {
      WrapResult w = client.wrap(new byte[32], soon());
      assertFailure(
          () -> client.unwrap(w.ciphertext(), "kek-unknown", soon()), KmaasFailure.UNKNOWN_KEK);
      byte[] bad = w.ciphertext().clone();
      bad[15] ^= 1;
      assertFailure(() -> client.unwrap(bad, w.kekId(), soon()), KmaasFailure.REJECTED_INPUT);
      assertFailure(() -> client.wrap(new byte[0], soon()), KmaasFailure.REJECTED_INPUT);
      Deadline expired = Deadline.after(-1, TimeUnit.SECONDS);
      assertFailure(() -> client.wrap(new byte[32], expired), KmaasFailure.TIMEOUT);
      assertFailure(() -> client.unwrap(w.ciphertext(), w.kekId(), expired), KmaasFailure.TIMEOUT);
    }
  }

  @Test
  void storageFailureIsServerError() throws Exception {
    Path file = dir.resolve("s.json");
    try (EmbeddedKmaasClient client = new EmbeddedKmaasClient(file, "t")) {
      WrapResult w = client.wrap(new byte[32], soon());
      Files.writeString(file, "garbage");
      assertFailure(
          () -> client.unwrap(w.ciphertext(), w.kekId(), soon()), KmaasFailure.SERVER_ERROR);
    }
  }

  @Test
  void aStateFileDeletedWhileRunningIsNotSilentlyReplacedByANewKek() throws Exception {
    Path file = dir.resolve("s.json");
    try (EmbeddedKmaasClient client = new EmbeddedKmaasClient(file, "t")) {
      WrapResult before = client.wrap(new byte[32], soon());
      Files.delete(file);

      assertThatThrownBy(() -> client.wrap(new byte[32], soon()))
          .isInstanceOfSatisfying(
              KmaasException.class,
              e -> {
                assertThat(e.failure()).isEqualTo(KmaasFailure.SERVER_ERROR);
                assertThat(e.getMessage()).contains(file.toString()).contains("restore it");
              });
      assertThat(file).doesNotExist();
      assertFailure(
          () -> client.unwrap(before.ciphertext(), before.kekId(), soon()),
          KmaasFailure.UNKNOWN_KEK);
    }
  }

  @Test
  void corruptStateFileFailsConstruction() throws Exception {
    Path file = dir.resolve("s.json");
    Files.writeString(file, "not json");
    assertThatThrownBy(() -> new EmbeddedKmaasClient(file, "t"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(file.toString());
    assertThatThrownBy(() -> new EmbeddedKmaasClient(dir.resolve("x.json"), ".."))
        .isInstanceOf(IllegalArgumentException.class);
  }

  interface Call {
    Object run() throws Exception;
  }

  private static void assertFailure(Call call, KmaasFailure failure) {
    assertThatThrownBy(call::run)
        .isInstanceOf(KmaasException.class)
        .extracting(e -> ((KmaasException) e).failure())
        .isEqualTo(failure);
  }
}
