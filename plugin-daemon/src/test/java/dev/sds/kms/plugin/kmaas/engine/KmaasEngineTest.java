package dev.sds.kms.plugin.kmaas.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sds.kms.plugin.kmaas.engine.EngineException.Kind;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HexFormat;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KmaasEngineTest {

  @TempDir Path dir;
  KmaasEngine engine;

  @BeforeEach
  void setUp() throws Exception {
    engine = new KmaasEngine(new KekStore(dir.resolve("state.json")));
    engine.ensureTenant("acme");
  }

  @Test
  void roundTrip() throws Exception {
    byte[] dek = bytes(32);
    EngineResult.Wrapped w = engine.encrypt("acme", dek);

    assertThat(w.ciphertext()).hasSize(12 + 32 + 16);
    assertThat(w.kekId()).isEqualTo(engine.active("acme").id());
    assertThat(engine.decrypt("acme", w.ciphertext(), w.kekId())).isEqualTo(dek);
    assertThat(engine.encrypt("acme", dek).ciphertext()).isNotEqualTo(w.ciphertext());
  }

  @Test
  void aContextBoundCiphertextDecryptsOnlyWithTheSameContext() throws Exception {
    byte[] dek = bytes(32);
    byte[] context = "kacls\0acme/doc-1".getBytes(StandardCharsets.UTF_8);
    EngineResult.Wrapped bound = engine.encrypt("acme", dek, context);
    EngineResult.Wrapped free = engine.encrypt("acme", dek);

    assertThat(engine.decrypt("acme", bound.ciphertext(), bound.kekId(), context)).isEqualTo(dek);
    byte[] other = "kacls\0acme/doc-2".getBytes(StandardCharsets.UTF_8);
    assertThatThrownBy(() -> engine.decrypt("acme", bound.ciphertext(), bound.kekId(), other))
        .isInstanceOfSatisfying(
            EngineException.class, e -> assertThat(e.kind()).isEqualTo(Kind.BAD_INPUT));
    assertThatThrownBy(() -> engine.decrypt("acme", bound.ciphertext(), bound.kekId()))
        .isInstanceOfSatisfying(
            EngineException.class, e -> assertThat(e.kind()).isEqualTo(Kind.BAD_INPUT));
    assertThatThrownBy(() -> engine.decrypt("acme", free.ciphertext(), free.kekId(), new byte[0]))
        .isInstanceOfSatisfying(
            EngineException.class, e -> assertThat(e.kind()).isEqualTo(Kind.BAD_INPUT));
  }

  @Test
  void oldKekStillDecryptsAfterRotate() throws Exception {
    byte[] dek = bytes(32);
    EngineResult.Wrapped before = engine.encrypt("acme", dek);
    KekInfo rotated = engine.rotate("acme");

    EngineResult.Wrapped after = engine.encrypt("acme", dek);

    assertThat(after.kekId()).isEqualTo(rotated.id()).isNotEqualTo(before.kekId());
    assertThat(engine.decrypt("acme", before.ciphertext(), before.kekId())).isEqualTo(dek);
    assertThat(engine.decrypt("acme", after.ciphertext(), after.kekId())).isEqualTo(dek);
    assertThat(engine.list("acme"))
        .extracting(KekInfo::id, KekInfo::active)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(before.kekId(), false),
            org.assertj.core.groups.Tuple.tuple(rotated.id(), true));
  }

  @Test
  void tamperedCiphertextIsBadInput() throws Exception {
    EngineResult.Wrapped w = engine.encrypt("acme", bytes(32));
    for (int i : new int[] {0, 12, w.ciphertext().length - 1}) {
      byte[] c = w.ciphertext().clone();
      c[i] ^= 1;
      assertKind(() -> engine.decrypt("acme", c, w.kekId()), Kind.BAD_INPUT)
          .hasMessageContaining("authentication failed");
    }
  }

  @Test
  void wrongKekIdOfSameTenantFailsAuthentication() throws Exception {
    EngineResult.Wrapped w = engine.encrypt("acme", bytes(32));
    KekInfo other = engine.rotate("acme");
    assertKind(() -> engine.decrypt("acme", w.ciphertext(), other.id()), Kind.BAD_INPUT);
  }

  @Test
  void ciphertextIsBoundToTenant() throws Exception {
    engine.ensureTenant("other");
    EngineResult.Wrapped w = engine.encrypt("acme", bytes(32));
    assertKind(() -> engine.decrypt("other", w.ciphertext(), w.kekId()), Kind.UNKNOWN_KEK);
  }

  @Test
  void unknownKek() throws Exception {
    EngineResult.Wrapped w = engine.encrypt("acme", bytes(32));
    assertKind(() -> engine.decrypt("acme", w.ciphertext(), "kek-nope"), Kind.UNKNOWN_KEK);
    assertKind(() -> engine.decrypt("acme", w.ciphertext(), "a/b"), Kind.UNKNOWN_KEK);
    assertKind(() -> engine.decrypt("acme", w.ciphertext(), null), Kind.UNKNOWN_KEK);
  }

  @Test
  void unknownTenant() {
    assertKind(() -> engine.encrypt("nobody", bytes(32)), Kind.UNKNOWN_TENANT);
    assertKind(() -> engine.decrypt("nobody", bytes(40), "kek-x"), Kind.UNKNOWN_TENANT);
    assertKind(() -> engine.rotate("nobody"), Kind.UNKNOWN_TENANT);
    assertKind(() -> engine.list("nobody"), Kind.UNKNOWN_TENANT);
  }

  @Test
  void badSizes() throws Exception {
    String kek = engine.active("acme").id();
    assertKind(() -> engine.encrypt("acme", new byte[0]), Kind.BAD_INPUT);
    assertKind(() -> engine.encrypt("acme", null), Kind.BAD_INPUT);
    assertKind(() -> engine.encrypt("acme", new byte[4097]), Kind.BAD_INPUT);
    assertThat(engine.encrypt("acme", new byte[4096]).ciphertext()).hasSize(4096 + 28);
    assertKind(() -> engine.decrypt("acme", new byte[28], kek), Kind.BAD_INPUT)
        .hasMessageContaining("ciphertext must be");
    assertKind(() -> engine.decrypt("acme", new byte[4096 + 29], kek), Kind.BAD_INPUT);
    assertKind(() -> engine.decrypt(".", new byte[40], kek), Kind.BAD_INPUT);
  }

  @Test
  void messagesCarryNoKeyBytesOrPlaintext() throws Exception {
    byte[] plaintext = "very-secret-plaintext-value-0123".getBytes(StandardCharsets.UTF_8);
    EngineResult.Wrapped w = engine.encrypt("acme", plaintext);
    byte[] key = engine.store().active("acme").key();
    byte[] tampered = w.ciphertext().clone();
    tampered[20] ^= 1;
    for (ThrowingCall call :
        new ThrowingCall[] {
          () -> engine.decrypt("acme", tampered, w.kekId()),
          () -> engine.decrypt("acme", w.ciphertext(), "kek-unknown"),
          () -> engine.encrypt("acme", new byte[5000]),
        }) {
      try {
        call.run();
      } catch (EngineException e) {
        String text = e.toString();
        assertThat(text)
            .doesNotContain(Base64.getEncoder().encodeToString(key))
            .doesNotContain(HexFormat.of().formatHex(key))
            .doesNotContain(new String(plaintext, StandardCharsets.UTF_8))
            .doesNotContain(Base64.getEncoder().encodeToString(plaintext));
        continue;
      }
      throw new AssertionError("expected EngineException");
    }
    assertThat(engine.store().active("acme").toString())
        .doesNotContain(Base64.getEncoder().encodeToString(key))
        .contains("redacted");
  }

  interface ThrowingCall {
    Object run() throws Exception;
  }

  private static AbstractThrowableAssert<?, ? extends Throwable> assertKind(
      ThrowingCall call, Kind kind) {
    AbstractThrowableAssert<?, ? extends Throwable> a =
        assertThatThrownBy(call::run).isInstanceOf(EngineException.class);
    a.extracting(e -> ((EngineException) e).kind()).isEqualTo(kind);
    return a;
  }

  private static byte[] bytes(int n) {
    byte[] b = new byte[n];
    new java.security.SecureRandom().nextBytes(b);
    return b;
  }
}
