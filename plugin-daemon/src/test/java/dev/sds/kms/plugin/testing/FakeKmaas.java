package dev.sds.kms.plugin.testing;

import dev.sds.kms.plugin.kmaas.KmaasClient;
import dev.sds.kms.plugin.kmaas.KmaasDescription;
import dev.sds.kms.plugin.kmaas.KmaasException;
import dev.sds.kms.plugin.kmaas.KmaasFailure;
import dev.sds.kms.plugin.kmaas.WrapResult;
import io.grpc.Deadline;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * In-memory KMaaS for tests: AES-256-GCM wrapping with one key per KEK id (nonce ‖ ciphertext ‖
 * tag, KEK id as AAD), a rotatable active KEK, call counters, an injectable failure and injectable
 * malformed answers.
 */
public final class FakeKmaas implements KmaasClient {
  private final SecureRandom random;
  private final Map<String, byte[]> keks = new LinkedHashMap<>();
  private String active;

  public final AtomicInteger wrapCalls = new AtomicInteger();
  public final AtomicInteger unwrapCalls = new AtomicInteger();

  /** Every DEK this fake was asked to wrap (copies), so tests can look for leaks. */
  public final List<byte[]> wrappedDeks = new ArrayList<>();

  /** When set, every call fails with this. */
  public volatile KmaasFailure failWith;

  /** When set, wrap returns this instead of a real result. */
  public volatile WrapResult wrapAnswer;

  /** When set, unwrap returns this instead of the real DEK. */
  public volatile byte[] unwrapAnswer;

  public FakeKmaas(String firstKekId) {
    this(firstKekId, new SecureRandom());
  }

  /** With a given source of KEKs and nonces, e.g. a seeded one so that a fuzz run repeats. */
  public FakeKmaas(String firstKekId, SecureRandom random) {
    this.random = random;
    rotate(firstKekId);
  }

  /** Makes a new KEK the active one; older KEKs stay usable for unwrap. */
  public synchronized void rotate(String kekId) {
    byte[] key = new byte[32];
    random.nextBytes(key);
    keks.put(kekId, key);
    active = kekId;
  }

  @Override
  public synchronized WrapResult wrap(byte[] plaintext, Deadline deadline) throws KmaasException {
    wrapCalls.incrementAndGet();
    failIfAsked();
    wrappedDeks.add(plaintext.clone());
    if (wrapAnswer != null) {
      return wrapAnswer;
    }
    byte[] nonce = new byte[12];
    random.nextBytes(nonce);
    byte[] ct = gcm(Cipher.ENCRYPT_MODE, keks.get(active), nonce, active, plaintext);
    byte[] out = Arrays.copyOf(nonce, 12 + ct.length);
    System.arraycopy(ct, 0, out, 12, ct.length);
    return new WrapResult(out, active);
  }

  @Override
  public synchronized byte[] unwrap(byte[] ciphertext, String kekId, Deadline deadline)
      throws KmaasException {
    unwrapCalls.incrementAndGet();
    failIfAsked();
    if (unwrapAnswer != null) {
      return unwrapAnswer.clone();
    }
    byte[] key = keks.get(kekId);
    if (key == null) {
      throw new KmaasException(KmaasFailure.UNKNOWN_KEK, "KMaaS does not know KEK " + kekId);
    }
    if (ciphertext.length < 12 + 16) {
      throw new KmaasException(KmaasFailure.REJECTED_INPUT, "KMaaS refused the wrapped DEK");
    }
    byte[] plain =
        gcm(
            Cipher.DECRYPT_MODE,
            key,
            Arrays.copyOf(ciphertext, 12),
            kekId,
            Arrays.copyOfRange(ciphertext, 12, ciphertext.length));
    if (plain == null) {
      throw new KmaasException(KmaasFailure.REJECTED_INPUT, "KMaaS refused the wrapped DEK");
    }
    return plain;
  }

  private void failIfAsked() throws KmaasException {
    KmaasFailure failure = failWith;
    if (failure != null) {
      throw new KmaasException(failure, "fake KMaaS fails with " + failure.label());
    }
  }

  private static byte[] gcm(int mode, byte[] key, byte[] nonce, String kekId, byte[] input) {
    try {
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      c.init(mode, new SecretKeySpec(key, "AES"), new GCMParameterSpec(128, nonce));
      c.updateAAD(kekId.getBytes(StandardCharsets.US_ASCII));
      return c.doFinal(input);
    } catch (GeneralSecurityException e) {
      return null;
    }
  }

  @Override
  public KmaasDescription describe() {
    return new KmaasDescription("fake", null, "acme");
  }

  @Override
  public void close() {}
}
