package dev.sds.kms.plugin.recover;

import dev.sds.kms.plugin.audit.Classification;
import dev.sds.kms.plugin.audit.ValueClassifier;
import dev.sds.kms.plugin.etcd.EtcdException;
import dev.sds.kms.plugin.etcd.EtcdGateway;
import dev.sds.kms.plugin.storage.KmsV2Plugin;
import dev.sds.kms.plugin.storage.KmsV2Transformer;
import dev.sds.kms.plugin.storage.SecretDecoder;
import dev.sds.kms.plugin.storage.StorageException;
import dev.sds.kms.plugin.storage.StoredSecret;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;

/**
 * Reads one Secret straight from etcd and decrypts it the way kube-apiserver would: the value at
 * {@code <prefix>/secrets/<namespace>/<name>}, a KMS v2 value opened with {@link KmsV2Transformer}
 * (its seed decrypted by the plugin or KMaaS), or a plaintext ({@code identity}) value as it is;
 * then decoded with {@link SecretDecoder}. Nothing is written anywhere.
 */
public final class SecretReader {

  /**
   * One Secret as read.
   *
   * @param key its etcd key
   * @param modRevision the etcd revision that last wrote it (its resourceVersion)
   * @param storage how it was stored (kind, provider, key id) — public information
   */
  public record Recovered(
      String key, long modRevision, Classification storage, StoredSecret secret) {}

  private final EtcdGateway etcd;
  private final String prefix;
  private final KmsV2Plugin plugin;
  private final String expectedProvider;

  /**
   * @param prefix kube-apiserver's {@code --etcd-prefix}, e.g. {@code /registry}
   * @param expectedProvider the KMS provider name the value must carry, or {@code null} for any
   */
  public SecretReader(
      EtcdGateway etcd, String prefix, KmsV2Plugin plugin, String expectedProvider) {
    this.etcd = etcd;
    this.prefix = prefix.endsWith("/") ? prefix.substring(0, prefix.length() - 1) : prefix;
    this.plugin = plugin;
    this.expectedProvider = expectedProvider;
  }

  /** The etcd key of Secret {@code namespace/name}. */
  public String key(String namespace, String name) {
    return prefix + "/secrets/" + namespace + "/" + name;
  }

  public Recovered read(String namespace, String name) throws RecoverException {
    String key = key(namespace, name);
    EtcdGateway.KeyValue kv;
    try {
      kv = etcd.get(utf8(key));
      if (kv == null) {
        throw new RecoverException(notFound(namespace, name, key));
      }
    } catch (EtcdException e) {
      throw new RecoverException(e.getMessage(), e);
    }
    Classification storage = ValueClassifier.classify(kv.value());
    byte[] plaintext = plaintext(key, kv.value(), storage);
    try {
      return new Recovered(key, kv.modRevision(), storage, SecretDecoder.decode(plaintext));
    } catch (StorageException e) {
      throw new RecoverException(key + ": " + e.getMessage(), e);
    } finally {
      Arrays.fill(plaintext, (byte) 0);
    }
  }

  private byte[] plaintext(String key, byte[] value, Classification storage)
      throws RecoverException {
    switch (storage.kind()) {
      case Classification.IDENTITY:
        return value.clone();
      case Classification.KMS_V2:
        break;
      case Classification.UNKNOWN:
        throw new RecoverException(
            key
                + ": the stored value is not one kube-apiserver writes (or is damaged);"
                + " kms-plugin audit counts it as unknown");
      default:
        throw new RecoverException(
            key
                + ": stored with "
                + storage.kind()
                + (storage.provider() != null ? " provider " + storage.provider() : "")
                + (storage.keyId() != null ? " key " + storage.keyId() : "")
                + "; recover decrypts only KMS v2 values (this plugin's)");
    }
    if (expectedProvider != null && !expectedProvider.equals(storage.provider())) {
      throw new RecoverException(
          key
              + ": stored by KMS provider "
              + storage.provider()
              + ", not "
              + expectedProvider
              + " (--provider)");
    }
    KmsV2Transformer transformer =
        new KmsV2Transformer(storage.provider(), plugin, new SecureRandom());
    try {
      return transformer.decode(key, value);
    } catch (StorageException e) {
      throw new RecoverException(e.getMessage(), e);
    } finally {
      transformer.dropCache();
    }
  }

  /** Says whether the namespace has no Secrets at all, which points at a wrong namespace. */
  private String notFound(String namespace, String name, String key) throws EtcdException {
    byte[] from = utf8(prefix + "/secrets/" + namespace + "/");
    byte[] end = Arrays.copyOf(from, from.length);
    end[end.length - 1]++;
    boolean namespaceHasSecrets = !etcd.range(from, end, 1, 0).kvs().isEmpty();
    return "secret "
        + namespace
        + "/"
        + name
        + " not found in etcd (no key "
        + key
        + (namespaceHasSecrets
            ? ")"
            : "; etcd holds no Secret in namespace "
                + namespace
                + " at all: check --namespace and --prefix)");
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
