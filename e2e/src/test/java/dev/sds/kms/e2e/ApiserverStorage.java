package dev.sds.kms.e2e;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.sds.kms.plugin.audit.v2.EncryptedDEKSourceType;
import dev.sds.kms.plugin.audit.v2.EncryptedObject;
import dev.sds.kms.plugin.kms.KmsV2Client;
import dev.sds.kms.plugin.kms.v2.DecryptRequest;
import dev.sds.kms.plugin.kms.v2.EncryptRequest;
import dev.sds.kms.plugin.kms.v2.EncryptResponse;
import dev.sds.kms.plugin.kms.v2.StatusRequest;
import dev.sds.kms.plugin.kms.v2.StatusResponse;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What kube-apiserver's KMS v2 envelope transformer does between the API and etcd, against one
 * plugin (DESIGN.md §1): polls the plugin's Status; keeps one 32-byte seed per current key_id,
 * encrypted once by the plugin (a new seed when Status reports a new key_id); per write derives a
 * DEK from the seed with HKDF-Expand and seals the object with AES-256-GCM under its etcd key;
 * stores {@code k8s:enc:kms:v2:<provider>:} + {@link EncryptedObject}. Reads decrypt a seed through
 * the plugin only when it is not cached. Writes fail once the last good Status is older than the
 * write expiry (3 min in kube-apiserver); reads go on.
 */
final class ApiserverStorage implements AutoCloseable {
  /**
   * @param providerName the EncryptionConfiguration's kms provider name
   * @param statusInterval time between Status polls (60 s healthy / 10 s failing in kube-apiserver)
   * @param writeExpiry how long after the last good Status writes are still allowed
   */
  record Settings(String providerName, Duration statusInterval, Duration writeExpiry) {}

  /** The seed writes use: its key_id and the plugin's ciphertext of it. */
  private record WriteSeed(
      String keyId, byte[] seed, ByteString encryptedSource, Map<String, ByteString> annotations) {}

  private record GoodStatus(String keyId, Instant at) {}

  private final KmsV2Client plugin;
  private final EtcdKv etcd;
  private final Settings settings;
  private final String prefix;
  private final Clock clock = Clock.systemUTC();
  private final SecureRandom random = new SecureRandom();
  private final Map<String, byte[]> seeds = new ConcurrentHashMap<>();
  private final ScheduledExecutorService poller =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "apiserver-status-poll");
            t.setDaemon(true);
            return t;
          });
  private final AtomicInteger encryptCalls = new AtomicInteger();
  private final AtomicInteger decryptCalls = new AtomicInteger();
  private volatile GoodStatus lastGood;
  private volatile String lastProblem = "no Status yet";
  private WriteSeed writeSeed;

  ApiserverStorage(KmsV2Client plugin, EtcdKv etcd, Settings settings) {
    this.plugin = plugin;
    this.etcd = etcd;
    this.settings = settings;
    this.prefix = "k8s:enc:kms:v2:" + settings.providerName() + ":";
  }

  /** Polls Status now and then every {@code statusInterval}. */
  ApiserverStorage start() {
    pollStatus();
    long every = settings.statusInterval().toMillis();
    poller.scheduleWithFixedDelay(this::pollStatus, every, every, TimeUnit.MILLISECONDS);
    return this;
  }

  /** One Status call; a good answer (healthz "ok", version v2, a key_id) refreshes writes. */
  void pollStatus() {
    try {
      StatusResponse s = plugin.stub().status(StatusRequest.getDefaultInstance());
      if (!s.getHealthz().equals("ok")) {
        lastProblem = "plugin healthz: " + s.getHealthz();
      } else if (!s.getVersion().equals("v2")) {
        lastProblem = "plugin version " + s.getVersion() + ", not v2";
      } else if (s.getKeyId().isEmpty() || s.getKeyId().length() > 1024) {
        lastProblem = "invalid key_id from Status";
      } else {
        lastGood = new GoodStatus(s.getKeyId(), clock.instant());
      }
    } catch (StatusRuntimeException e) {
      lastProblem = "Status failed: " + e.getStatus().getCode();
    }
  }

  /** The key_id of the last good Status, or {@code null}. */
  String currentKeyId() {
    GoodStatus g = lastGood;
    return g == null ? null : g.keyId();
  }

  String providerPrefix() {
    return prefix;
  }

  /** Encrypts {@code plaintext} for {@code key} and stores it in etcd. */
  void put(String key, byte[] plaintext) throws StorageException, IOException {
    etcd.put(key, encode(key, plaintext));
  }

  /**
   * The etcd value for {@code plaintext} under {@code key}: sealed with the seed of the current
   * key_id (a new seed when Status reported a new one).
   */
  byte[] encode(String key, byte[] plaintext) throws StorageException {
    WriteSeed seed = seedForWrite();
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
            .setEncryptedDEKSource(seed.encryptedSource())
            .putAllAnnotations(seed.annotations())
            .setEncryptedDEKSourceType(EncryptedDEKSourceType.HKDF_SHA256_XNONCE_AES_GCM_SEED)
            .build();
    return concat(prefix.getBytes(StandardCharsets.US_ASCII), object.toByteArray());
  }

  /** Reads {@code key} from etcd and decrypts it. */
  byte[] get(String key) throws StorageException, IOException {
    byte[] stored = etcd.get(key);
    if (stored == null) {
      throw new StorageException(key + ": not found");
    }
    return decode(key, stored);
  }

  /** Forgets every seed, as a restarted apiserver: the next reads ask the plugin to Decrypt. */
  synchronized void dropCache() {
    seeds.clear();
    writeSeed = null;
  }

  int encryptCalls() {
    return encryptCalls.get();
  }

  int decryptCalls() {
    return decryptCalls.get();
  }

  /** The plaintext of the etcd value {@code stored} under {@code key}. */
  byte[] decode(String key, byte[] stored) throws StorageException {
    byte[] p = prefix.getBytes(StandardCharsets.US_ASCII);
    if (stored.length < p.length || !Arrays.equals(stored, 0, p.length, p, 0, p.length)) {
      throw new StorageException(
          key + ": not a KMS v2 value of provider " + settings.providerName());
    }
    EncryptedObject object;
    try {
      object = EncryptedObject.parseFrom(Arrays.copyOfRange(stored, p.length, stored.length));
    } catch (InvalidProtocolBufferException e) {
      throw new StorageException(key + ": EncryptedObject does not parse", e);
    }
    if (object.getKeyID().isEmpty()
        || object.getEncryptedDEKSource().isEmpty()
        || object.getEncryptedDEKSourceType()
            != EncryptedDEKSourceType.HKDF_SHA256_XNONCE_AES_GCM_SEED) {
      throw new StorageException(key + ": EncryptedObject lacks keyID, DEK source or seed type");
    }
    byte[] seed = seedFor(key, object);
    try {
      return SeedEnvelope.open(seed, aad(key), object.getEncryptedData().toByteArray());
    } catch (GeneralSecurityException e) {
      throw new StorageException(key + ": data does not authenticate under its seed", e);
    }
  }

  private byte[] seedFor(String key, EncryptedObject object) throws StorageException {
    String cacheKey = cacheKey(object);
    byte[] cached = seeds.get(cacheKey);
    if (cached != null) {
      return cached;
    }
    decryptCalls.incrementAndGet();
    try {
      byte[] seed =
          plugin
              .stub()
              .decrypt(
                  DecryptRequest.newBuilder()
                      .setCiphertext(object.getEncryptedDEKSource())
                      .setKeyId(object.getKeyID())
                      .putAllAnnotations(object.getAnnotationsMap())
                      .setUid(UUID.randomUUID().toString())
                      .build())
              .getPlaintext()
              .toByteArray();
      if (seed.length != SeedEnvelope.SEED_BYTES) {
        throw new StorageException(key + ": plugin returned a " + seed.length + "-byte seed");
      }
      seeds.put(cacheKey, seed);
      return seed;
    } catch (StatusRuntimeException e) {
      throw new StorageException(
          key + ": plugin Decrypt refused the seed: " + e.getStatus().getCode(), e);
    }
  }

  private synchronized WriteSeed seedForWrite() throws StorageException {
    GoodStatus good = lastGood;
    Instant now = clock.instant();
    if (good == null || Duration.between(good.at(), now).compareTo(settings.writeExpiry()) > 0) {
      throw new StorageException(
          "writes refused: no good Status from the KMS plugin within the write expiry of "
              + settings.writeExpiry()
              + " ("
              + lastProblem
              + ")");
    }
    if (writeSeed == null || !writeSeed.keyId().equals(good.keyId())) {
      writeSeed = newSeed(good.keyId());
    }
    return writeSeed;
  }

  /** A new random seed, encrypted by the plugin; kube-apiserver does this per key_id. */
  private WriteSeed newSeed(String keyId) throws StorageException {
    byte[] seed = new byte[SeedEnvelope.SEED_BYTES];
    random.nextBytes(seed);
    encryptCalls.incrementAndGet();
    EncryptResponse r;
    try {
      r =
          plugin
              .stub()
              .encrypt(
                  EncryptRequest.newBuilder()
                      .setPlaintext(ByteString.copyFrom(seed))
                      .setUid(UUID.randomUUID().toString())
                      .build());
    } catch (StatusRuntimeException e) {
      throw new StorageException("plugin Encrypt of a new seed failed: " + e.getStatus(), e);
    }
    if (!r.getKeyId().equals(keyId)) {
      throw new StorageException(
          "plugin Encrypt answered key_id " + r.getKeyId() + " while Status says " + keyId);
    }
    if (r.getCiphertext().isEmpty() || r.getCiphertext().size() > 1024) {
      throw new StorageException(
          "plugin Encrypt ciphertext of " + r.getCiphertext().size() + " bytes");
    }
    WriteSeed w = new WriteSeed(keyId, seed, r.getCiphertext(), r.getAnnotationsMap());
    seeds.put(
        cacheKey(
            EncryptedObject.newBuilder()
                .setKeyID(keyId)
                .setEncryptedDEKSource(w.encryptedSource())
                .putAllAnnotations(w.annotations())
                .build()),
        seed);
    return w;
  }

  /** Seeds are cached by their ciphertext, key_id and annotations, as kube-apiserver does. */
  private static String cacheKey(EncryptedObject o) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      update(sha, o.getKeyID().getBytes(StandardCharsets.UTF_8));
      update(sha, o.getEncryptedDEKSource().toByteArray());
      for (Map.Entry<String, ByteString> a : new TreeMap<>(o.getAnnotationsMap()).entrySet()) {
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

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  /** Stops polling and closes the plugin connection. */
  @Override
  public void close() {
    poller.shutdownNow();
    plugin.close();
    dropCache();
  }
}
