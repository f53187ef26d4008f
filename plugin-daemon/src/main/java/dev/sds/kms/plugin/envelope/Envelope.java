package dev.sds.kms.plugin.envelope;

import java.util.Arrays;
import java.util.Objects;

/**
 * The fields of one ciphertext (see {@link CiphertextFormat}): the {@code keyId} reported to
 * kube-apiserver when it was made, the KMaaS {@code kekId} that wrapped the DEK, the {@code
 * wrappedDek}, the 12-byte GCM {@code nonce} and the {@code sealedSeed} (AES-256-GCM ciphertext and
 * tag of the apiserver's seed).
 *
 * <p>None of these is secret in the clear, but {@link #toString()} prints only lengths. Arrays are
 * copied on the way in and out. Bounds are checked by {@link CiphertextFormat}, not here.
 */
public record Envelope(
    String keyId, String kekId, byte[] wrappedDek, byte[] nonce, byte[] sealedSeed) {

  public Envelope {
    Objects.requireNonNull(keyId, "keyId");
    Objects.requireNonNull(kekId, "kekId");
    wrappedDek = Objects.requireNonNull(wrappedDek, "wrappedDek").clone();
    nonce = Objects.requireNonNull(nonce, "nonce").clone();
    sealedSeed = Objects.requireNonNull(sealedSeed, "sealedSeed").clone();
  }

  @Override
  public byte[] wrappedDek() {
    return wrappedDek.clone();
  }

  @Override
  public byte[] nonce() {
    return nonce.clone();
  }

  @Override
  public byte[] sealedSeed() {
    return sealedSeed.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Envelope other
        && keyId.equals(other.keyId)
        && kekId.equals(other.kekId)
        && Arrays.equals(wrappedDek, other.wrappedDek)
        && Arrays.equals(nonce, other.nonce)
        && Arrays.equals(sealedSeed, other.sealedSeed);
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        keyId,
        kekId,
        Arrays.hashCode(wrappedDek),
        Arrays.hashCode(nonce),
        Arrays.hashCode(sealedSeed));
  }

  @Override
  public String toString() {
    return "Envelope[keyId="
        + keyId
        + ", kekId="
        + kekId
        + ", wrappedDek="
        + wrappedDek.length
        + " bytes, nonce="
        + nonce.length
        + " bytes, sealedSeed="
        + sealedSeed.length
        + " bytes]";
  }
}
