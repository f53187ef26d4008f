package dev.sds.kms.plugin.kmaas.engine;

import dev.sds.kms.plugin.envelope.KeyIdScheme;
import dev.sds.kms.plugin.kmaas.engine.EngineException.Kind;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.List;
import java.util.Objects;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The KMaaS logic shared by the embedded client and the standalone server: AES-256-GCM under the
 * tenant's active KEK, decryption under any KEK the tenant still has, rotation and listing.
 *
 * <p>Ciphertext: {@code nonce(12) || AES-GCM ciphertext || tag(16)}, with the additional
 * authenticated data {@code "<tenant>/<kekId>"} (UTF-8), so a ciphertext does not decrypt under
 * another tenant or with another KEK id. A caller may bind a ciphertext to a further context (the
 * KACLS {@code resource_name}): the AAD is then {@code "<tenant>/<kekId>" NUL <context>}, which no
 * context-free ciphertext has (tenants and KEK ids hold no NUL), so the two never decrypt as each
 * other.
 *
 * <p>Thread-safe. Exception messages never contain key bytes or plaintext.
 */
public final class KmaasEngine {

  /** Largest plaintext accepted by {@link #encrypt}. */
  public static final int MAX_PLAINTEXT_BYTES = 4096;

  static final int NONCE_BYTES = 12;
  static final int TAG_BYTES = 16;

  /** Shortest ciphertext: nonce, one byte, tag. */
  public static final int MIN_CIPHERTEXT_BYTES = NONCE_BYTES + 1 + TAG_BYTES;

  /** Longest ciphertext {@link #encrypt} produces. */
  public static final int MAX_CIPHERTEXT_BYTES = NONCE_BYTES + MAX_PLAINTEXT_BYTES + TAG_BYTES;

  private final KekStore store;
  private final SecureRandom random = new SecureRandom();

  public KmaasEngine(KekStore store) {
    this.store = Objects.requireNonNull(store, "store");
  }

  public KekStore store() {
    return store;
  }

  /** Creates the tenant's first KEK when it has none; returns its active KEK. */
  public KekInfo ensureTenant(String tenant) throws EngineException {
    return store.ensureTenant(tenant);
  }

  /** Encrypts {@code plaintext} (1 to 4096 bytes) under the tenant's active KEK. */
  public EngineResult.Wrapped encrypt(String tenant, byte[] plaintext) throws EngineException {
    return encrypt(tenant, plaintext, null);
  }

  /**
   * Encrypts {@code plaintext} (1 to 4096 bytes) under the tenant's active KEK, bound to {@code
   * context} ({@code null}: none): it decrypts only with the same context.
   */
  public EngineResult.Wrapped encrypt(String tenant, byte[] plaintext, byte[] context)
      throws EngineException {
    if (plaintext == null || plaintext.length == 0 || plaintext.length > MAX_PLAINTEXT_BYTES) {
      throw new EngineException(
          Kind.BAD_INPUT, "plaintext must be 1 to " + MAX_PLAINTEXT_BYTES + " bytes");
    }
    Kek kek = store.active(tenant);
    if (kek.disabled()) {
      throw new EngineException(
          Kind.KEK_DISABLED,
          "the active KEK "
              + kek.id()
              + " of tenant "
              + tenant
              + " is disabled; rotate to a new KEK to encrypt again");
    }
    byte[] out = new byte[NONCE_BYTES + plaintext.length + TAG_BYTES];
    byte[] nonce = new byte[NONCE_BYTES];
    random.nextBytes(nonce);
    System.arraycopy(nonce, 0, out, 0, NONCE_BYTES);
    try {
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(
          Cipher.ENCRYPT_MODE,
          new SecretKeySpec(kek.key(), "AES"),
          new GCMParameterSpec(TAG_BYTES * 8, nonce));
      cipher.updateAAD(aad(tenant, kek.id(), context));
      int n = cipher.doFinal(plaintext, 0, plaintext.length, out, NONCE_BYTES);
      if (n != plaintext.length + TAG_BYTES) {
        throw new IllegalStateException("unexpected AES-GCM output length");
      }
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-256-GCM is not available: " + e.getClass().getName());
    }
    return new EngineResult.Wrapped(out, kek.id());
  }

  /** Decrypts what {@link #encrypt} returned for this tenant under KEK {@code kekId}. */
  public byte[] decrypt(String tenant, byte[] ciphertext, String kekId) throws EngineException {
    return decrypt(tenant, ciphertext, kekId, null);
  }

  /**
   * Decrypts what {@link #encrypt(String, byte[], byte[])} returned for this tenant under KEK
   * {@code kekId} and {@code context}; another context fails like a tampered ciphertext.
   */
  public byte[] decrypt(String tenant, byte[] ciphertext, String kekId, byte[] context)
      throws EngineException {
    KekStore.requireValidTenant(tenant);
    if (!KeyIdScheme.isValidKekId(kekId)) {
      throw new EngineException(Kind.UNKNOWN_KEK, "KEK id is missing or not a valid id");
    }
    if (ciphertext == null
        || ciphertext.length < MIN_CIPHERTEXT_BYTES
        || ciphertext.length > MAX_CIPHERTEXT_BYTES) {
      throw new EngineException(
          Kind.BAD_INPUT,
          "ciphertext must be " + MIN_CIPHERTEXT_BYTES + " to " + MAX_CIPHERTEXT_BYTES + " bytes");
    }
    Kek kek =
        store
            .find(tenant, kekId)
            .orElseThrow(
                () ->
                    new EngineException(
                        Kind.UNKNOWN_KEK, "tenant " + tenant + " has no KEK " + kekId));
    if (kek.disabled()) {
      throw new EngineException(
          Kind.KEK_DISABLED, "KEK " + kekId + " of tenant " + tenant + " is disabled");
    }
    try {
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(
          Cipher.DECRYPT_MODE,
          new SecretKeySpec(kek.key(), "AES"),
          new GCMParameterSpec(TAG_BYTES * 8, ciphertext, 0, NONCE_BYTES));
      cipher.updateAAD(aad(tenant, kek.id(), context));
      return cipher.doFinal(ciphertext, NONCE_BYTES, ciphertext.length - NONCE_BYTES);
    } catch (AEADBadTagException e) {
      throw new EngineException(
          Kind.BAD_INPUT, "ciphertext authentication failed under KEK " + kekId);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-256-GCM is not available: " + e.getClass().getName());
    }
  }

  /** Adds a new active KEK to the tenant; older KEKs keep decrypting. */
  public KekInfo rotate(String tenant) throws EngineException {
    return store.rotate(tenant);
  }

  /** Disables KEK {@code kekId}: it neither encrypts nor decrypts any more. */
  public KekInfo disable(String tenant, String kekId) throws EngineException {
    return store.disable(tenant, kekId);
  }

  /** The tenant's KEKs, oldest first; the last one is active. */
  public List<KekInfo> list(String tenant) throws EngineException {
    return store.list(tenant);
  }

  /** The tenant's active KEK. */
  public KekInfo active(String tenant) throws EngineException {
    return store.active(tenant).info(true);
  }

  private static byte[] aad(String tenant, String kekId, byte[] context) {
    byte[] base = (tenant + "/" + kekId).getBytes(StandardCharsets.UTF_8);
    if (context == null) {
      return base;
    }
    byte[] aad = new byte[base.length + 1 + context.length];
    System.arraycopy(base, 0, aad, 0, base.length);
    System.arraycopy(context, 0, aad, base.length + 1, context.length);
    return aad;
  }

  @Override
  public String toString() {
    return "KmaasEngine[" + store + "]";
  }
}
