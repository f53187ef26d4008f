package dev.sds.kms.plugin.envelope;

import java.security.GeneralSecurityException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * AES-256-GCM sealing and opening of the apiserver's seed under a DEK, with a 96-bit nonce, a
 * 128-bit tag and the ciphertext header as additional authenticated data. Stateless and
 * thread-safe: every call uses its own {@link Cipher}. It never keeps, logs or prints the DEK; the
 * caller owns (and wipes) the arrays it passes in.
 */
public final class SeedCipher {

  /** AES-256 key length in bytes. */
  public static final int DEK_LENGTH = 32;

  /** GCM nonce length in bytes. */
  public static final int NONCE_LENGTH = 12;

  /** GCM tag length in bytes. */
  public static final int TAG_LENGTH = 16;

  private static final String TRANSFORMATION = "AES/GCM/NoPadding";

  private SeedCipher() {}

  /** Returns AES-256-GCM ciphertext ‖ tag of {@code plaintext}. */
  public static byte[] seal(byte[] dek, byte[] nonce, byte[] aad, byte[] plaintext) {
    try {
      return cipher(Cipher.ENCRYPT_MODE, dek, nonce, aad).doFinal(plaintext);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-256-GCM is not available: " + e.getClass().getName());
    }
  }

  /**
   * Opens {@code sealed} (ciphertext ‖ tag).
   *
   * @throws InvalidCiphertextException if authentication fails (wrong DEK, nonce, AAD or a changed
   *     byte)
   */
  public static byte[] open(byte[] dek, byte[] nonce, byte[] aad, byte[] sealed)
      throws InvalidCiphertextException {
    if (sealed.length < TAG_LENGTH) {
      throw new InvalidCiphertextException("sealed seed is shorter than the GCM tag");
    }
    Cipher cipher;
    try {
      cipher = cipher(Cipher.DECRYPT_MODE, dek, nonce, aad);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-256-GCM is not available: " + e.getClass().getName());
    }
    try {
      return cipher.doFinal(sealed);
    } catch (GeneralSecurityException e) { // AEADBadTagException: wrong DEK, nonce, AAD or bytes
      throw new InvalidCiphertextException("ciphertext failed authentication");
    }
  }

  private static Cipher cipher(int mode, byte[] dek, byte[] nonce, byte[] aad)
      throws GeneralSecurityException {
    if (dek.length != DEK_LENGTH) {
      throw new IllegalArgumentException("DEK must be " + DEK_LENGTH + " bytes");
    }
    if (nonce.length != NONCE_LENGTH) {
      throw new IllegalArgumentException("nonce must be " + NONCE_LENGTH + " bytes");
    }
    Cipher cipher = Cipher.getInstance(TRANSFORMATION);
    cipher.init(mode, new SecretKeySpec(dek, "AES"), new GCMParameterSpec(TAG_LENGTH * 8, nonce));
    cipher.updateAAD(aad);
    return cipher;
  }
}
