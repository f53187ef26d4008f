package dev.sds.kms.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sds.kms.plugin.audit.v2.EncryptedObject;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInfo;

/** One {@link E2eSystem} per scenario class, stopped after it whatever happened. */
abstract class E2eBase {
  static E2eSystem system;

  @BeforeAll
  static void startSystem(TestInfo info) throws Exception {
    system = E2eSystem.start(info.getTestClass().orElseThrow().getSimpleName());
  }

  @AfterAll
  static void stopSystem() {
    if (system != null) {
      system.close();
      system = null;
    }
  }

  /** Writes every Secret through {@code api}. */
  static void writeAll(ApiserverStorage api, List<SecretCorpus.Secret> secrets) throws Exception {
    for (SecretCorpus.Secret s : secrets) {
      api.put(s.key(), s.json());
    }
  }

  /** Reads every Secret through {@code api} and checks it is byte for byte what was written. */
  static void assertAllReadBack(ApiserverStorage api, List<SecretCorpus.Secret> secrets)
      throws Exception {
    for (SecretCorpus.Secret s : secrets) {
      assertThat(api.get(s.key())).as(s.key()).isEqualTo(s.json());
    }
  }

  /** The EncryptedObject of a stored value (after the provider prefix). */
  static EncryptedObject parse(byte[] stored) throws Exception {
    byte[] prefix =
        ("k8s:enc:kms:v2:" + E2eSystem.PROVIDER + ":").getBytes(StandardCharsets.US_ASCII);
    assertThat(Arrays.copyOf(stored, Math.min(stored.length, prefix.length))).isEqualTo(prefix);
    return EncryptedObject.parseFrom(Arrays.copyOfRange(stored, prefix.length, stored.length));
  }

  static String seconds(long nanos) {
    return String.format(java.util.Locale.ROOT, "%.1fs", nanos / 1e9);
  }
}
