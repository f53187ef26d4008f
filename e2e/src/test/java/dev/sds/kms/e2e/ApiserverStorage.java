package dev.sds.kms.e2e;

import com.google.protobuf.ByteString;
import dev.sds.kms.plugin.kms.KmsV2Client;
import dev.sds.kms.plugin.kms.v2.StatusRequest;
import dev.sds.kms.plugin.kms.v2.StatusResponse;
import dev.sds.kms.plugin.storage.GrpcKmsV2Plugin;
import dev.sds.kms.plugin.storage.KmsV2Plugin;
import dev.sds.kms.plugin.storage.KmsV2Transformer;
import dev.sds.kms.plugin.storage.StorageException;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What kube-apiserver does between the API and etcd, against one plugin (DESIGN.md §1): polls the
 * plugin's Status and lets writes through only while the last good Status is younger than the write
 * expiry (3 min in kube-apiserver); reads go on. The envelope itself (one seed per key_id,
 * HKDF-derived DEKs, AES-256-GCM, {@code k8s:enc:kms:v2:<provider>:} + EncryptedObject, the seed
 * cache) is the daemon's {@link KmsV2Transformer}, the same code {@code kms-plugin recover} reads
 * with.
 */
final class ApiserverStorage implements AutoCloseable {
  /**
   * @param providerName the EncryptionConfiguration's kms provider name
   * @param statusInterval time between Status polls (60 s healthy / 10 s failing in kube-apiserver)
   * @param writeExpiry how long after the last good Status writes are still allowed
   */
  record Settings(String providerName, Duration statusInterval, Duration writeExpiry) {}

  private record GoodStatus(String keyId, Instant at) {}

  private final KmsV2Client client;
  private final EtcdKv etcd;
  private final Settings settings;
  private final KmsV2Transformer transformer;
  private final Clock clock = Clock.systemUTC();
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

  ApiserverStorage(KmsV2Client client, EtcdKv etcd, Settings settings) {
    this.client = client;
    this.etcd = etcd;
    this.settings = settings;
    this.transformer =
        new KmsV2Transformer(
            settings.providerName(), counting(new GrpcKmsV2Plugin(client)), new SecureRandom());
  }

  /** Counts the plugin calls, so that tests can see when the seed cache is used. */
  private KmsV2Plugin counting(KmsV2Plugin plugin) {
    return new KmsV2Plugin() {
      @Override
      public EncryptedSeed encrypt(byte[] seed) throws StorageException {
        encryptCalls.incrementAndGet();
        return plugin.encrypt(seed);
      }

      @Override
      public byte[] decrypt(
          String keyId, ByteString ciphertext, Map<String, ByteString> annotations)
          throws StorageException {
        decryptCalls.incrementAndGet();
        return plugin.decrypt(keyId, ciphertext, annotations);
      }
    };
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
      StatusResponse s = client.stub().status(StatusRequest.getDefaultInstance());
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
    return transformer.valuePrefix();
  }

  /** Encrypts {@code plaintext} for {@code key} and stores it in etcd. */
  void put(String key, byte[] plaintext) throws StorageException, IOException {
    etcd.put(key, encode(key, plaintext));
  }

  /**
   * The etcd value for {@code plaintext} under {@code key}: sealed with the seed of the current
   * key_id (a new seed when Status reported a new one); refused once writes have expired.
   */
  byte[] encode(String key, byte[] plaintext) throws StorageException {
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
    return transformer.encode(key, plaintext, good.keyId());
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
  void dropCache() {
    transformer.dropCache();
  }

  int encryptCalls() {
    return encryptCalls.get();
  }

  int decryptCalls() {
    return decryptCalls.get();
  }

  /** The plaintext of the etcd value {@code stored} under {@code key}. */
  byte[] decode(String key, byte[] stored) throws StorageException {
    return transformer.decode(key, stored);
  }

  /** Stops polling and closes the plugin connection. */
  @Override
  public void close() {
    poller.shutdownNow();
    client.close();
    dropCache();
  }
}
