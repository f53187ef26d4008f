package dev.sds.kms.plugin.envelope;

import java.util.Arrays;
import java.util.Objects;

/**
 * The result of Encrypt: the self-describing {@code ciphertext} (see {@link CiphertextFormat}) that
 * kube-apiserver stores, the {@code keyId} it reports in {@code EncryptResponse.key_id}, and the
 * KMaaS {@code kekId} that wrapped the DEK (for logs, metrics and {@code /status}).
 *
 * <p>The ciphertext carries no secret in the clear, but {@link #toString()} still prints only its
 * length. The array is copied on the way in and out.
 */
public record SealedSeed(byte[] ciphertext, String keyId, String kekId) {

  public SealedSeed {
    ciphertext = Objects.requireNonNull(ciphertext, "ciphertext").clone();
    Objects.requireNonNull(keyId, "keyId");
    Objects.requireNonNull(kekId, "kekId");
  }

  @Override
  public byte[] ciphertext() {
    return ciphertext.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SealedSeed other
        && Arrays.equals(ciphertext, other.ciphertext)
        && keyId.equals(other.keyId)
        && kekId.equals(other.kekId);
  }

  @Override
  public int hashCode() {
    return Objects.hash(Arrays.hashCode(ciphertext), keyId, kekId);
  }

  @Override
  public String toString() {
    return "SealedSeed[ciphertext="
        + ciphertext.length
        + " bytes, keyId="
        + keyId
        + ", kekId="
        + kekId
        + "]";
  }
}
