package dev.sds.kms.plugin.storage;

import com.google.protobuf.ByteString;
import java.util.Map;

/**
 * A KMS v2 plugin as kube-apiserver's envelope transformer uses it: Encrypt of a new 32-byte seed,
 * Decrypt of a stored seed. {@link GrpcKmsV2Plugin} calls a plugin over its Unix socket, as
 * kube-apiserver does; {@link EnvelopeKmsV2Plugin} runs the daemon's envelope in-process against
 * KMaaS (for {@code kms-plugin recover}, when no daemon is needed).
 */
public interface KmsV2Plugin {

  /**
   * The plugin's answer to Encrypt: stored in etcd as {@code keyID}, {@code encryptedDEKSource} and
   * {@code annotations} of every object sealed with that seed.
   */
  record EncryptedSeed(String keyId, ByteString ciphertext, Map<String, ByteString> annotations) {
    public EncryptedSeed {
      annotations = Map.copyOf(annotations);
    }
  }

  /**
   * Encrypts a new seed.
   *
   * @throws StorageException when the plugin refuses or cannot be reached
   */
  EncryptedSeed encrypt(byte[] seed) throws StorageException;

  /**
   * Decrypts a stored seed.
   *
   * @throws StorageException when the plugin refuses (its message says why, never with key
   *     material)
   */
  byte[] decrypt(String keyId, ByteString ciphertext, Map<String, ByteString> annotations)
      throws StorageException;
}
