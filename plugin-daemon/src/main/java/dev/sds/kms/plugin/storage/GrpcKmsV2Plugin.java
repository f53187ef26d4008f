package dev.sds.kms.plugin.storage;

import com.google.protobuf.ByteString;
import dev.sds.kms.plugin.kms.KmsV2Client;
import dev.sds.kms.plugin.kms.v2.DecryptRequest;
import dev.sds.kms.plugin.kms.v2.EncryptRequest;
import dev.sds.kms.plugin.kms.v2.EncryptResponse;
import io.grpc.StatusRuntimeException;
import java.util.Map;
import java.util.UUID;

/**
 * A plugin over its Unix socket, called as kube-apiserver calls it (each call with the client's
 * timeout and a fresh uid). A refusal keeps the {@link StatusRuntimeException} as cause, so {@link
 * StorageException#pluginCode()} tells the gRPC code.
 */
public final class GrpcKmsV2Plugin implements KmsV2Plugin {
  private final KmsV2Client client;

  public GrpcKmsV2Plugin(KmsV2Client client) {
    this.client = client;
  }

  @Override
  public EncryptedSeed encrypt(byte[] seed) throws StorageException {
    try {
      EncryptResponse r =
          client
              .stub()
              .encrypt(
                  EncryptRequest.newBuilder()
                      .setPlaintext(ByteString.copyFrom(seed))
                      .setUid(UUID.randomUUID().toString())
                      .build());
      return new EncryptedSeed(r.getKeyId(), r.getCiphertext(), r.getAnnotationsMap());
    } catch (StatusRuntimeException e) {
      throw new StorageException("plugin Encrypt of a new seed failed: " + e.getStatus(), e);
    }
  }

  @Override
  public byte[] decrypt(String keyId, ByteString ciphertext, Map<String, ByteString> annotations)
      throws StorageException {
    try {
      return client
          .stub()
          .decrypt(
              DecryptRequest.newBuilder()
                  .setCiphertext(ciphertext)
                  .setKeyId(keyId)
                  .putAllAnnotations(annotations)
                  .setUid(UUID.randomUUID().toString())
                  .build())
          .getPlaintext()
          .toByteArray();
    } catch (StatusRuntimeException e) {
      throw new StorageException("plugin Decrypt refused the seed: " + e.getStatus().getCode(), e);
    }
  }
}
