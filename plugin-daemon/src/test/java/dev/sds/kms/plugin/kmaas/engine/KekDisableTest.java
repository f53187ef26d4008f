package dev.sds.kms.plugin.kmaas.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A disabled KEK neither wraps nor unwraps, stays disabled across restarts, and is never reused.
 */
class KekDisableTest {
  @TempDir Path dir;
  private Path file;
  private KmaasEngine engine;

  @BeforeEach
  void setUp() throws Exception {
    file = dir.resolve("state.json");
    engine = new KmaasEngine(new KekStore(file));
    engine.ensureTenant("acme");
  }

  @Test
  void aDisabledKekRefusesToUnwrapWhatItWrapped() throws Exception {
    EngineResult.Wrapped old = engine.encrypt("acme", bytes("dek"));
    engine.rotate("acme");

    KekInfo disabled = engine.disable("acme", old.kekId());

    assertThat(disabled.disabled()).isTrue();
    assertThat(disabled.active()).isFalse();
    assertThatThrownBy(() -> engine.decrypt("acme", old.ciphertext(), old.kekId()))
        .isInstanceOf(EngineException.class)
        .hasMessage("KEK " + old.kekId() + " of tenant acme is disabled")
        .extracting(e -> ((EngineException) e).kind())
        .isEqualTo(EngineException.Kind.KEK_DISABLED);
    // the active KEK still works both ways
    EngineResult.Wrapped fresh = engine.encrypt("acme", bytes("dek2"));
    assertThat(engine.decrypt("acme", fresh.ciphertext(), fresh.kekId())).isEqualTo(bytes("dek2"));
  }

  @Test
  void aDisabledActiveKekRefusesToWrapUntilARotation() throws Exception {
    String active = engine.active("acme").id();

    engine.disable("acme", active);

    assertThatThrownBy(() -> engine.encrypt("acme", bytes("dek")))
        .isInstanceOf(EngineException.class)
        .hasMessage(
            "the active KEK "
                + active
                + " of tenant acme is disabled; rotate to a new KEK to encrypt again");
    engine.rotate("acme");
    assertThat(engine.encrypt("acme", bytes("dek")).kekId()).isNotEqualTo(active);
  }

  @Test
  void disablingIsPersistedIdempotentAndNamesUnknownKeks() throws Exception {
    EngineResult.Wrapped old = engine.encrypt("acme", bytes("dek"));
    engine.rotate("acme");
    engine.disable("acme", old.kekId());
    engine.disable("acme", old.kekId());

    KmaasEngine restarted = new KmaasEngine(new KekStore(file));
    assertThat(restarted.list("acme")).extracting(KekInfo::disabled).containsExactly(true, false);
    assertThatThrownBy(() -> restarted.decrypt("acme", old.ciphertext(), old.kekId()))
        .hasMessageContaining("is disabled");
    assertThatThrownBy(() -> restarted.disable("acme", "kek-nope"))
        .hasMessage("tenant acme has no KEK kek-nope")
        .extracting(e -> ((EngineException) e).kind())
        .isEqualTo(EngineException.Kind.UNKNOWN_KEK);
    assertThatThrownBy(() -> restarted.disable("zzz", old.kekId()))
        .extracting(e -> ((EngineException) e).kind())
        .isEqualTo(EngineException.Kind.UNKNOWN_TENANT);
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
