package dev.sds.kms.plugin.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** The harness's own crypto, checked before the scenarios rely on it. */
class SeedEnvelopeTest {
  private static final HexFormat HEX = HexFormat.of();

  @Test
  void hkdfExpandMatchesRfc5869TestCase1() throws Exception {
    byte[] prk = HEX.parseHex("077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5");
    byte[] info = HEX.parseHex("f0f1f2f3f4f5f6f7f8f9");
    // the first 32 of the RFC's 42 output bytes
    assertThat(HEX.formatHex(SeedEnvelope.hkdfExpandSha256(prk, info)))
        .isEqualTo("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf");
  }

  @Test
  void sealedDataOpensOnlyUnderTheSameSeedAndKey() throws Exception {
    SecureRandom random = new SecureRandom();
    byte[] seed = new byte[32];
    random.nextBytes(seed);
    byte[] key = "/registry/secrets/ns/a".getBytes(StandardCharsets.UTF_8);
    byte[] sealed = SeedEnvelope.seal(seed, key, "hello".getBytes(StandardCharsets.UTF_8), random);

    assertThat(sealed).hasSize(32 + 12 + 5 + 16);
    assertThat(SeedEnvelope.open(seed, key, sealed)).asString().isEqualTo("hello");
    byte[] otherKey = "/registry/secrets/ns/b".getBytes(StandardCharsets.UTF_8);
    assertThatThrownBy(() -> SeedEnvelope.open(seed, otherKey, sealed))
        .isInstanceOf(GeneralSecurityException.class);
  }
}
