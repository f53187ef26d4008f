package dev.sds.kms.plugin.storage;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.sds.kms.plugin.audit.v2.EncryptedDEKSourceType;
import dev.sds.kms.plugin.audit.v2.EncryptedObject;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * kube-apiserver's KMS v2 envelope transformer for one provider (DESIGN.md §1), between the
 * plaintext of an object and its etcd value {@code k8s:enc:kms:v2:<provider>:} + {@link
 * EncryptedObject}:
 *
 * <ul>
 *   <li>writes use one 32-byte seed per key_id, encrypted once by the plugin (a new seed when the
 *       key_id changes); per write a DEK is derived from the seed with HKDF-Expand and the object
 *       sealed with AES-256-GCM under its etcd key ({@link SeedEnvelope});
 *   <li>reads parse the value strictly and decrypt its seed through the plugin only when it is not
 *       cached (cached by key_id, DEK source and annotations, as kube-apiserver does).
 * </ul>
 *
 * Status polling and write expiry are the caller's (the e2e tests' kube-apiserver). Seeds stay in
 * memory only, until {@link #dropCache()}.
 */
public final class KmsV2Transformer {
  /** What every KMS v2 value starts with, before the provider name and ':'. */
  public static final String KMS_V2_PREFIX = "k8s:enc:kms:v2:";

  /** Largest plugin ciphertext kube-apiserver accepts. */
  public static final int MAX_CIPHERTEXT = 1024;

  /** A parsed value: its provider name and EncryptedObject. */
  public record StoredValue(String providerName, EncryptedObject object) {}

  /** The seed writes use: its key_id and the plugin's answer for it. */
  private record WriteSeed(String keyId, byte[] seed, KmsV2Plugin.EncryptedSeed encrypted) {}

  private final String providerName;
  private final KmsV2Plugin plugin;
  private final SecureRandom random;
  private final Map<String, byte[]> seeds = new ConcurrentHashMap<>();
  private WriteSeed writeSeed;

  /**
   * @param providerName the EncryptionConfiguration's kms provider name (no ':')
   */
  public KmsV2Transformer(String providerName, KmsV2Plugin plugin, SecureRandom random) {
    if (providerName.isEmpty() || providerName.contains(":")) {
      throw new IllegalArgumentException("provider name must be non-empty and without ':'");
    }
    this.providerName = providerName;
    this.plugin = plugin;
    this.random = random;
  }

  public String providerName() {
    return providerName;
  }

  /** {@code k8s:enc:kms:v2:<provider>:}. */
  public String valuePrefix() {
    return KMS_V2_PREFIX + providerName + ":";
  }

  /**
   * The etcd value for {@code plaintext} under {@code key}, sealed with the seed of {@code keyId}
   * (the key_id of the plugin's last good Status): a new seed, encrypted by the plugin, when the
   * key_id differs from the current write seed's.
   *
   * @throws StorageException when the plugin refuses the new seed, or answers a different key_id or
   *     an unusable ciphertext
   */
  public byte[] encode(String key, byte[] plaintext, String keyId) throws StorageException {
    WriteSeed seed = seedForWrite(keyId);
    byte[] encryptedData;
    try {
      encryptedData = SeedEnvelope.seal(seed.seed(), aad(key), plaintext, random);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
    EncryptedObject object =
        EncryptedObject.newBuilder()
            .setEncryptedData(ByteString.copyFrom(encryptedData))
            .setKeyID(seed.keyId())
            .setEncryptedDEKSource(seed.encrypted().ciphertext())
            .putAllAnnotations(seed.encrypted().annotations())
            .setEncryptedDEKSourceType(EncryptedDEKSourceType.HKDF_SHA256_XNONCE_AES_GCM_SEED)
            .build();
    byte[] prefix = valuePrefix().getBytes(StandardCharsets.US_ASCII);
    byte[] body = object.toByteArray();
    byte[] out = Arrays.copyOf(prefix, prefix.length + body.length);
    System.arraycopy(body, 0, out, prefix.length, body.length);
    return out;
  }

  /**
   * The plaintext of the etcd value {@code stored} under {@code key}.
   *
   * @throws StorageException naming {@code key} when the value is not this provider's, does not
   *     parse, the plugin refuses its seed, or the data does not authenticate under its key
   */
  public byte[] decode(String key, byte[] stored) throws StorageException {
    StoredValue value;
    try {
      value = parse(stored);
    } catch (StorageException e) {
      throw new StorageException(key + ": " + e.getMessage(), e.getCause());
    }
    if (value == null || !value.providerName().equals(providerName)) {
      throw new StorageException(key + ": not a KMS v2 value of provider " + providerName);
    }
    return open(key, value.object());
  }

  /**
   * Parses a KMS v2 value of any provider: {@code null} when {@code stored} does not start with
   * {@value #KMS_V2_PREFIX}{@code <provider>:}.
   *
   * @throws StorageException when it does, but what follows is no usable EncryptedObject
   */
  public static StoredValue parse(byte[] stored) throws StorageException {
    byte[] p = KMS_V2_PREFIX.getBytes(StandardCharsets.US_ASCII);
    if (stored.length < p.length || !Arrays.equals(stored, 0, p.length, p, 0, p.length)) {
      return null;
    }
    int colon = -1;
    for (int i = p.length; i < stored.length && i <= p.length + 1024; i++) {
      if (stored[i] == ':') {
        colon = i;
        break;
      }
    }
    if (colon <= p.length) {
      return null;
    }
    String provider = new String(stored, p.length, colon - p.length, StandardCharsets.UTF_8);
    EncryptedObject object;
    try {
      object = EncryptedObject.parseFrom(Arrays.copyOfRange(stored, colon + 1, stored.length));
    } catch (InvalidProtocolBufferException e) {
      throw new StorageException("EncryptedObject does not parse", e);
    }
    if (object.getKeyID().isEmpty()
        || object.getEncryptedDEKSource().isEmpty()
        || object.getEncryptedDEKSourceType()
            != EncryptedDEKSourceType.HKDF_SHA256_XNONCE_AES_GCM_SEED) {
      throw new StorageException("EncryptedObject lacks keyID, DEK source or seed type");
    }
    return new StoredValue(provider, object);
  }

  /** Opens a parsed value of this provider stored under {@code key}. */
  public byte[] open(String key, EncryptedObject object) throws StorageException {
    byte[] seed = seedFor(key, object);
    try {
      return SeedEnvelope.open(seed, aad(key), object.getEncryptedData().toByteArray());
    } catch (GeneralSecurityException e) {
      throw new StorageException(key + ": data does not authenticate under its seed", e);
    }
  }

  /** Forgets every seed, as a restarted apiserver: the next reads ask the plugin to Decrypt. */
  public synchronized void dropCache() {
    seeds.clear();
    writeSeed = null;
  }

  private byte[] seedFor(String key, EncryptedObject object) throws StorageException {
    String cacheKey =
        cacheKey(object.getKeyID(), object.getEncryptedDEKSource(), object.getAnnotationsMap());
    byte[] cached = seeds.get(cacheKey);
    if (cached != null) {
      return cached;
    }
    byte[] seed;
    try {
      seed =
          plugin.decrypt(
              object.getKeyID(), object.getEncryptedDEKSource(), object.getAnnotationsMap());
    } catch (StorageException e) {
      throw new StorageException(key + ": " + e.getMessage(), e.getCause());
    }
    if (seed.length != SeedEnvelope.SEED_BYTES) {
      int length = seed.length;
      Arrays.fill(seed, (byte) 0);
      throw new StorageException(key + ": plugin returned a " + length + "-byte seed");
    }
    seeds.put(cacheKey, seed);
    return seed;
  }

  private synchronized WriteSeed seedForWrite(String keyId) throws StorageException {
    if (writeSeed == null || !writeSeed.keyId().equals(keyId)) {
      writeSeed = newSeed(keyId);
    }
    return writeSeed;
  }

  /** A new random seed, encrypted by the plugin; kube-apiserver does this per key_id. */
  private WriteSeed newSeed(String keyId) throws StorageException {
    byte[] seed = new byte[SeedEnvelope.SEED_BYTES];
    random.nextBytes(seed);
    KmsV2Plugin.EncryptedSeed r = plugin.encrypt(seed);
    if (!r.keyId().equals(keyId)) {
      throw new StorageException(
          "plugin Encrypt answered key_id " + r.keyId() + " while Status says " + keyId);
    }
    if (r.ciphertext().isEmpty() || r.ciphertext().size() > MAX_CIPHERTEXT) {
      throw new StorageException(
          "plugin Encrypt ciphertext of " + r.ciphertext().size() + " bytes");
    }
    seeds.put(cacheKey(keyId, r.ciphertext(), r.annotations()), seed);
    return new WriteSeed(keyId, seed, r);
  }

  /** Seeds are cached by their ciphertext, key_id and annotations, as kube-apiserver does. */
  private static String cacheKey(String keyId, ByteString source, Map<String, ByteString> ann) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      update(sha, keyId.getBytes(StandardCharsets.UTF_8));
      update(sha, source.toByteArray());
      for (Map.Entry<String, ByteString> a : new TreeMap<>(ann).entrySet()) {
        update(sha, a.getKey().getBytes(StandardCharsets.UTF_8));
        update(sha, a.getValue().toByteArray());
      }
      return Base64.getEncoder().encodeToString(sha.digest());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void update(MessageDigest sha, byte[] field) {
    sha.update(
        new byte[] {
          (byte) (field.length >>> 24),
          (byte) (field.length >>> 16),
          (byte) (field.length >>> 8),
          (byte) field.length
        });
    sha.update(field);
  }

  private static byte[] aad(String key) {
    return key.getBytes(StandardCharsets.UTF_8);
  }
}
