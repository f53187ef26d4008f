package dev.sds.kms.plugin.envelope;

import dev.sds.kms.plugin.kmaas.KmaasClient;
import dev.sds.kms.plugin.kmaas.KmaasException;
import dev.sds.kms.plugin.kmaas.KmaasFailure;
import dev.sds.kms.plugin.kmaas.WrapResult;
import io.grpc.Deadline;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The envelope crypto behind Encrypt and Decrypt. {@link #seal} makes a fresh AES-256 DEK, seals
 * the apiserver's seed with it (AES-256-GCM, random nonce, the ciphertext header as AAD), has KMaaS
 * wrap the DEK under the active KEK and returns one {@link CiphertextFormat} ciphertext. {@link
 * #open} parses it strictly, checks the request's key_id and annotations, gets the DEK from the
 * {@link DekCache} or KMaaS, and opens the seed.
 *
 * <p>DEKs are wiped after use; no message carries a seed, DEK or other key material. Thread-safe if
 * the {@link KmaasClient} is.
 */
public final class EnvelopeService {

  private final KmaasClient kmaas;
  private final KeyIdScheme scheme;
  private final DekCache cache;
  private final SecureRandom random;
  private final ConcurrentMap<String, CompletableFuture<Void>> inFlight = new ConcurrentHashMap<>();

  public EnvelopeService(
      KmaasClient kmaas, KeyIdScheme scheme, DekCache cache, SecureRandom random) {
    this.kmaas = Objects.requireNonNull(kmaas, "kmaas");
    this.scheme = Objects.requireNonNull(scheme, "scheme");
    this.cache = Objects.requireNonNull(cache, "cache");
    this.random = Objects.requireNonNull(random, "random");
  }

  /**
   * Seals {@code plaintext} (the apiserver's seed) under a fresh DEK wrapped by KMaaS's active KEK.
   *
   * @throws InvalidPlaintextException if the plaintext is not 1 to 256 bytes or the ciphertext
   *     would exceed 1024 bytes
   * @throws KmaasException if KMaaS fails, or answers with a KEK id or wrapped DEK out of bounds
   *     ({@link KmaasFailure#PROTOCOL})
   */
  public SealedSeed seal(byte[] plaintext, Deadline deadline)
      throws InvalidPlaintextException, KmaasException {
    int size = plaintext == null ? 0 : plaintext.length;
    if (size < CiphertextFormat.MIN_PLAINTEXT || size > CiphertextFormat.MAX_PLAINTEXT) {
      throw new InvalidPlaintextException(
          "plaintext is "
              + size
              + " bytes; it must be "
              + CiphertextFormat.MIN_PLAINTEXT
              + " to "
              + CiphertextFormat.MAX_PLAINTEXT
              + " bytes (kube-apiserver sends a 32-byte seed)");
    }
    byte[] dek = new byte[SeedCipher.DEK_LENGTH];
    try {
      random.nextBytes(dek);
      WrapResult wrapped = kmaas.wrap(dek, deadline);
      if (wrapped == null) {
        throw new KmaasException(KmaasFailure.PROTOCOL, "KMaaS returned no wrap result");
      }
      String kekId = wrapped.kekId();
      if (!KeyIdScheme.isValidKekId(kekId)) {
        throw new KmaasException(
            KmaasFailure.PROTOCOL,
            "KMaaS returned a KEK id that is not 1 to "
                + CiphertextFormat.MAX_KEK_ID
                + " visible ASCII characters without '/'");
      }
      byte[] wrappedDek = wrapped.ciphertext();
      int wrappedLength = wrappedDek == null ? 0 : wrappedDek.length;
      if (wrappedLength < 1 || wrappedLength > CiphertextFormat.MAX_WRAPPED_DEK) {
        throw new KmaasException(
            KmaasFailure.PROTOCOL,
            "KMaaS returned a wrapped DEK of "
                + wrappedLength
                + " bytes; expected 1 to "
                + CiphertextFormat.MAX_WRAPPED_DEK);
      }
      String keyId = scheme.keyIdFor(kekId);
      if (keyId.length() > KeyIdScheme.MAX_KEY_ID_LENGTH) {
        throw new KmaasException(
            KmaasFailure.PROTOCOL,
            "KMaaS returned KEK id "
                + kekId
                + " whose key_id would be "
                + keyId.length()
                + " characters, over the limit of "
                + KeyIdScheme.MAX_KEY_ID_LENGTH);
      }
      int sealedLength = size + SeedCipher.TAG_LENGTH;
      int total =
          CiphertextFormat.encodedLength(
              keyId.length(), kekId.length(), wrappedLength, sealedLength);
      if (total > CiphertextFormat.MAX_CIPHERTEXT) {
        throw new InvalidPlaintextException(
            "plaintext of "
                + size
                + " bytes does not fit: with a "
                + wrappedLength
                + "-byte wrapped DEK the ciphertext would be "
                + total
                + " bytes, over kube-apiserver's "
                + CiphertextFormat.MAX_CIPHERTEXT
                + "-byte limit");
      }
      byte[] nonce = new byte[SeedCipher.NONCE_LENGTH];
      random.nextBytes(nonce);
      byte[] aad = CiphertextFormat.aad(keyId, kekId, wrappedDek, nonce);
      byte[] sealedSeed = SeedCipher.seal(dek, nonce, aad, plaintext);
      byte[] ciphertext =
          CiphertextFormat.encode(new Envelope(keyId, kekId, wrappedDek, nonce, sealedSeed));
      cache.put(kekId, wrappedDek, dek);
      return new SealedSeed(ciphertext, keyId, kekId);
    } finally {
      Arrays.fill(dek, (byte) 0);
    }
  }

  /**
   * Opens {@code ciphertext} made by {@link #seal} (by this or an earlier daemon, under any KEY_ID
   * prefix) and returns the seed.
   *
   * @param requestKeyId {@code DecryptRequest.key_id}; must equal the key_id in the ciphertext
   * @param annotations {@code DecryptRequest.annotations}; must be empty (this plugin sets none)
   * @throws InvalidCiphertextException if the ciphertext is empty, malformed or fails
   *     authentication
   * @throws KeyIdMismatchException if the request's key_id or annotations do not match
   * @throws KmaasException if KMaaS cannot unwrap the DEK
   */
  public byte[] open(
      byte[] ciphertext, String requestKeyId, Map<String, byte[]> annotations, Deadline deadline)
      throws InvalidCiphertextException, KeyIdMismatchException, KmaasException {
    if (ciphertext == null || ciphertext.length == 0) {
      throw new InvalidCiphertextException("ciphertext is empty");
    }
    Envelope envelope = CiphertextFormat.decode(ciphertext);
    if (requestKeyId == null || requestKeyId.isEmpty()) {
      throw new KeyIdMismatchException(
          "DecryptRequest.key_id is empty; it must be the key_id the ciphertext was made with ("
              + envelope.keyId()
              + ")");
    }
    if (!requestKeyId.equals(envelope.keyId())) {
      throw new KeyIdMismatchException(
          "DecryptRequest.key_id "
              + printable(requestKeyId)
              + " does not match the ciphertext's key_id "
              + envelope.keyId());
    }
    if (annotations != null && !annotations.isEmpty()) {
      throw new KeyIdMismatchException(
          "this plugin sets no annotations; the request carries " + annotations.size());
    }
    String kekId = envelope.kekId();
    byte[] wrappedDek = envelope.wrappedDek();
    byte[] dek = dek(kekId, wrappedDek, deadline);
    try {
      return SeedCipher.open(
          dek, envelope.nonce(), CiphertextFormat.aad(envelope), envelope.sealedSeed());
    } finally {
      Arrays.fill(dek, (byte) 0);
    }
  }

  /** A request-supplied key_id for a message: bounded and with non-printable characters masked. */
  private static String printable(String s) {
    StringBuilder out = new StringBuilder("\"");
    int limit = Math.min(s.length(), KeyIdScheme.MAX_KEY_ID_LENGTH);
    for (int i = 0; i < limit; i++) {
      char c = s.charAt(i);
      out.append(c >= 0x20 && c < 0x7f ? c : '?');
    }
    if (s.length() > limit) {
      out.append("...");
    }
    return out.append('"').toString();
  }

  /**
   * The DEK of a wrapped DEK: from the cache, else from KMaaS. Concurrent Decrypts of the same
   * uncached ciphertext share one KMaaS call: the first asks, the others wait for it (within their
   * own deadline) and then read the cache; if it failed they ask themselves.
   */
  private byte[] dek(String kekId, byte[] wrappedDek, Deadline deadline) throws KmaasException {
    byte[] cached = cache.get(kekId, wrappedDek);
    if (cached != null || !cache.enabled()) {
      return cached != null ? cached : unwrap(kekId, wrappedDek, deadline);
    }
    String key = DekCache.key(kekId, wrappedDek);
    CompletableFuture<Void> mine = new CompletableFuture<>();
    CompletableFuture<Void> leader = inFlight.putIfAbsent(key, mine);
    if (leader == null) {
      try {
        byte[] dek = unwrap(kekId, wrappedDek, deadline);
        cache.put(kekId, wrappedDek, dek);
        return dek;
      } finally {
        inFlight.remove(key, mine);
        mine.complete(null);
      }
    }
    awaitLeader(leader, deadline);
    cached = cache.get(kekId, wrappedDek);
    return cached != null ? cached : unwrap(kekId, wrappedDek, deadline);
  }

  private static void awaitLeader(CompletableFuture<Void> leader, Deadline deadline)
      throws KmaasException {
    try {
      leader.get(Math.max(0, deadline.timeRemaining(TimeUnit.MILLISECONDS)), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new KmaasException(
          KmaasFailure.TIMEOUT, "deadline exceeded waiting for KMaaS to unwrap the DEK");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new KmaasException(KmaasFailure.TIMEOUT, "interrupted waiting for KMaaS");
    } catch (ExecutionException e) {
      // never completed exceptionally; the caller falls back to its own unwrap
    }
  }

  /** One KMaaS unwrap, checked to give a DEK of the right size. */
  private byte[] unwrap(String kekId, byte[] wrappedDek, Deadline deadline) throws KmaasException {
    byte[] dek = kmaas.unwrap(wrappedDek, kekId, deadline);
    if (dek == null || dek.length != SeedCipher.DEK_LENGTH) {
      int length = dek == null ? 0 : dek.length;
      if (dek != null) {
        Arrays.fill(dek, (byte) 0);
      }
      throw new KmaasException(
          KmaasFailure.PROTOCOL,
          "KMaaS returned an unwrapped DEK of "
              + length
              + " bytes; expected "
              + SeedCipher.DEK_LENGTH);
    }
    return dek;
  }
}
