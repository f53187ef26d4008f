package dev.sds.kms.plugin.storage;

import com.google.protobuf.ByteString;
import dev.sds.kms.plugin.envelope.EnvelopeService;
import dev.sds.kms.plugin.envelope.InvalidCiphertextException;
import dev.sds.kms.plugin.envelope.InvalidPlaintextException;
import dev.sds.kms.plugin.envelope.KeyIdMismatchException;
import dev.sds.kms.plugin.envelope.SealedSeed;
import dev.sds.kms.plugin.kmaas.KmaasException;
import io.grpc.Deadline;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The daemon's own envelope ({@link EnvelopeService}) in-process, talking to KMaaS directly: what
 * {@code kms-plugin recover} uses, so that a break-glass read needs neither a running daemon nor a
 * kube-apiserver. Same checks and messages as the daemon's Encrypt and Decrypt, each call with
 * {@code timeout} as its deadline.
 */
public final class EnvelopeKmsV2Plugin implements KmsV2Plugin {
  private final EnvelopeService envelope;
  private final Duration timeout;

  public EnvelopeKmsV2Plugin(EnvelopeService envelope, Duration timeout) {
    this.envelope = envelope;
    this.timeout = timeout;
  }

  @Override
  public EncryptedSeed encrypt(byte[] seed) throws StorageException {
    try {
      SealedSeed sealed = envelope.seal(seed, deadline());
      return new EncryptedSeed(sealed.keyId(), ByteString.copyFrom(sealed.ciphertext()), Map.of());
    } catch (InvalidPlaintextException | KmaasException e) {
      throw new StorageException("encrypting a new seed failed: " + e.getMessage(), e);
    }
  }

  @Override
  public byte[] decrypt(String keyId, ByteString ciphertext, Map<String, ByteString> annotations)
      throws StorageException {
    Map<String, byte[]> plain = new LinkedHashMap<>();
    annotations.forEach((k, v) -> plain.put(k, v.toByteArray()));
    try {
      return envelope.open(ciphertext.toByteArray(), keyId, plain, deadline());
    } catch (KmaasException e) {
      throw new StorageException("KMaaS could not unwrap the seed's DEK: " + e.getMessage(), e);
    } catch (InvalidCiphertextException | KeyIdMismatchException e) {
      throw new StorageException("the stored seed does not open: " + e.getMessage(), e);
    }
  }

  private Deadline deadline() {
    return Deadline.after(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }
}
