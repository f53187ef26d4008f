package dev.sds.kms.plugin.envelope;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import org.junit.jupiter.api.Test;

class SeedCipherTest {

  private final SecureRandom random = new SecureRandom();

  private byte[] random(int n) {
    byte[] b = new byte[n];
    random.nextBytes(b);
    return b;
  }

  private final byte[] dek = random(32);
  private final byte[] nonce = random(12);
  private final byte[] aad = "header".getBytes(StandardCharsets.US_ASCII);
  private final byte[] seed = random(32);

  @Test
  void sealThenOpenReturnsThePlaintext() throws Exception {
    byte[] sealed = SeedCipher.seal(dek, nonce, aad, seed);
    assertThat(sealed).hasSize(seed.length + SeedCipher.TAG_LENGTH);
    assertThat(SeedCipher.open(dek, nonce, aad, sealed)).isEqualTo(seed);
  }

  @Test
  void wrongDekNonceOrAadFailsAuthentication() {
    byte[] sealed = SeedCipher.seal(dek, nonce, aad, seed);
    assertThatThrownBy(() -> SeedCipher.open(random(32), nonce, aad, sealed))
        .isInstanceOf(InvalidCiphertextException.class)
        .hasMessage("ciphertext failed authentication");
    assertThatThrownBy(() -> SeedCipher.open(dek, random(12), aad, sealed))
        .isInstanceOf(InvalidCiphertextException.class)
        .hasMessage("ciphertext failed authentication");
    assertThatThrownBy(() -> SeedCipher.open(dek, nonce, "other".getBytes(), sealed))
        .isInstanceOf(InvalidCiphertextException.class)
        .hasMessage("ciphertext failed authentication");
  }

  @Test
  void everyFlippedBitOfTheSealedSeedFailsAuthentication() {
    byte[] sealed = SeedCipher.seal(dek, nonce, aad, seed);
    for (int i = 0; i < sealed.length; i++) {
      for (int bit = 0; bit < 8; bit++) {
        byte[] changed = sealed.clone();
        changed[i] ^= (byte) (1 << bit);
        assertThatThrownBy(() -> SeedCipher.open(dek, nonce, aad, changed))
            .isInstanceOf(InvalidCiphertextException.class);
      }
    }
  }

  @Test
  void tooShortSealedSeedIsRefused() {
    assertThatThrownBy(() -> SeedCipher.open(dek, nonce, aad, new byte[15]))
        .isInstanceOf(InvalidCiphertextException.class);
  }

  @Test
  void wrongKeyOrNonceLengthIsAProgrammingError() {
    assertThatThrownBy(() -> SeedCipher.seal(random(16), nonce, aad, seed))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> SeedCipher.seal(dek, random(16), aad, seed))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void freshNoncesGiveDifferentCiphertexts() {
    assertThat(SeedCipher.seal(dek, random(12), aad, seed))
        .isNotEqualTo(SeedCipher.seal(dek, random(12), aad, seed));
  }
}
