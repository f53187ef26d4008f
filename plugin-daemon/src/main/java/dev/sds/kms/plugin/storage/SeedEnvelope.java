package dev.sds.kms.plugin.storage;

import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * kube-apiserver's KMS v2 data encryption with an {@code HKDF_SHA256_XNONCE_AES_GCM_SEED}
 * (DESIGN.md §1): per write a 32-byte random {@code info}, DEK = HKDF-Expand(SHA-256, PRK = seed,
 * info), 32 bytes; {@code encryptedData} = info ‖ 12-byte random nonce ‖ AES-256-GCM(plaintext) ‖
 * tag, with the etcd key as additional authenticated data.
 *
 * <p>The one implementation of this format: {@link KmsV2Transformer} (and through it {@code
 * kms-plugin recover} and the e2e tests' kube-apiserver) uses it.
 */
public final class SeedEnvelope {
  public static final int SEED_BYTES = 32;
  public static final int INFO_BYTES = 32;
  public static final int NONCE_BYTES = 12;
  public static final int TAG_BITS = 128;

  private SeedEnvelope() {}

  public static byte[] seal(byte[] seed, byte[] aad, byte[] plaintext, SecureRandom random)
      throws GeneralSecurityException {
    byte[] info = new byte[INFO_BYTES];
    byte[] nonce = new byte[NONCE_BYTES];
    random.nextBytes(info);
    random.nextBytes(nonce);
    byte[] dek = hkdfExpandSha256(seed, info);
    try {
      Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
      gcm.init(
          Cipher.ENCRYPT_MODE,
          new SecretKeySpec(dek, "AES"),
          new GCMParameterSpec(TAG_BITS, nonce));
      gcm.updateAAD(aad);
      byte[] sealed = gcm.doFinal(plaintext);
      byte[] out = new byte[INFO_BYTES + NONCE_BYTES + sealed.length];
      System.arraycopy(info, 0, out, 0, INFO_BYTES);
      System.arraycopy(nonce, 0, out, INFO_BYTES, NONCE_BYTES);
      System.arraycopy(sealed, 0, out, INFO_BYTES + NONCE_BYTES, sealed.length);
      return out;
    } finally {
      Arrays.fill(dek, (byte) 0);
    }
  }

  /** Opens {@link #seal}'s output; a wrong seed, key (AAD) or a changed byte fails. */
  public static byte[] open(byte[] seed, byte[] aad, byte[] encryptedData)
      throws GeneralSecurityException {
    if (encryptedData.length < INFO_BYTES + NONCE_BYTES + TAG_BITS / 8) {
      throw new GeneralSecurityException(
          "encryptedData too short: " + encryptedData.length + " bytes");
    }
    byte[] dek = hkdfExpandSha256(seed, Arrays.copyOfRange(encryptedData, 0, INFO_BYTES));
    try {
      Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
      gcm.init(
          Cipher.DECRYPT_MODE,
          new SecretKeySpec(dek, "AES"),
          new GCMParameterSpec(TAG_BITS, encryptedData, INFO_BYTES, NONCE_BYTES));
      gcm.updateAAD(aad);
      int offset = INFO_BYTES + NONCE_BYTES;
      return gcm.doFinal(encryptedData, offset, encryptedData.length - offset);
    } finally {
      Arrays.fill(dek, (byte) 0);
    }
  }

  /**
   * HKDF-Expand (RFC 5869 §2.3) for one SHA-256 block: T(1) = HMAC(PRK, info ‖ 0x01), which is the
   * whole 32-byte output.
   */
  public static byte[] hkdfExpandSha256(byte[] prk, byte[] info) throws GeneralSecurityException {
    Mac hmac = Mac.getInstance("HmacSHA256");
    hmac.init(new SecretKeySpec(prk, "HmacSHA256"));
    hmac.update(info);
    return hmac.doFinal(new byte[] {1});
  }
}
