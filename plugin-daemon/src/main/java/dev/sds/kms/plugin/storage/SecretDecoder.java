package dev.sds.kms.plugin.storage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.sds.kms.plugin.storage.k8s.ObjectMeta;
import dev.sds.kms.plugin.storage.k8s.Secret;
import dev.sds.kms.plugin.storage.k8s.Unknown;
import java.io.IOException;
import java.util.Arrays;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Decodes the plaintext kube-apiserver stores for a Secret (what is left after decryption, or a
 * value stored with {@code identity}):
 *
 * <ul>
 *   <li>{@code k8s\0} + protobuf {@code runtime.Unknown} whose {@code raw} is a protobuf {@code
 *       core/v1 Secret} — how kube-apiserver stores built-in resources (see {@code
 *       kubernetes_secret.proto});
 *   <li>a JSON object — how objects are stored when the apiserver's storage media type is JSON (and
 *       how the e2e tests' apiserver stores Secrets).
 * </ul>
 *
 * Error messages name what is wrong with the structure, never a value.
 */
public final class SecretDecoder {
  private static final byte[] K8S_PROTOBUF = {'k', '8', 's', 0};
  private static final ObjectMapper JSON = new ObjectMapper();

  private SecretDecoder() {}

  /**
   * @throws StorageException when the plaintext is neither, or is not a Secret
   */
  public static StoredSecret decode(byte[] plaintext) throws StorageException {
    if (plaintext.length >= K8S_PROTOBUF.length
        && Arrays.equals(plaintext, 0, K8S_PROTOBUF.length, K8S_PROTOBUF, 0, K8S_PROTOBUF.length)) {
      return protobuf(Arrays.copyOfRange(plaintext, K8S_PROTOBUF.length, plaintext.length));
    }
    if (plaintext.length > 0 && plaintext[0] == '{') {
      return json(plaintext);
    }
    throw new StorageException(
        "the stored object is neither Kubernetes protobuf (k8s\\0 …) nor JSON");
  }

  private static StoredSecret protobuf(byte[] body) throws StorageException {
    Secret secret;
    try {
      Unknown unknown = Unknown.parseFrom(body);
      String kind = unknown.getTypeMeta().getKind();
      if (!kind.equals("Secret")) {
        throw new StorageException(
            "the stored object is a "
                + (kind.isEmpty() ? "(kind not set)" : kind)
                + ", not a Secret");
      }
      if (!unknown.getContentEncoding().isEmpty()) {
        throw new StorageException(
            "the stored Secret has content encoding " + unknown.getContentEncoding());
      }
      secret = Secret.parseFrom(unknown.getRaw());
    } catch (InvalidProtocolBufferException e) {
      throw new StorageException("the stored Secret does not parse as Kubernetes protobuf");
    }
    ObjectMeta meta = secret.getMetadata();
    Map<String, byte[]> data = new LinkedHashMap<>();
    for (Map.Entry<String, ByteString> e : secret.getDataMap().entrySet()) {
      data.put(e.getKey(), e.getValue().toByteArray());
    }
    return new StoredSecret(
        meta.getNamespace(),
        meta.getName(),
        secret.getType(),
        secret.getImmutable(),
        meta.getLabelsMap(),
        meta.getAnnotationsMap(),
        data,
        "protobuf");
  }

  private static StoredSecret json(byte[] plaintext) throws StorageException {
    JsonNode root;
    try {
      root = JSON.readTree(plaintext);
    } catch (IOException e) {
      throw new StorageException("the stored object does not parse as JSON");
    }
    String kind = root.path("kind").asText("");
    if (!kind.isEmpty() && !kind.equals("Secret")) {
      throw new StorageException("the stored object is a " + kind + ", not a Secret");
    }
    JsonNode meta = root.path("metadata");
    Map<String, byte[]> data = new LinkedHashMap<>();
    Iterator<Map.Entry<String, JsonNode>> fields = root.path("data").fields();
    while (fields.hasNext()) {
      Map.Entry<String, JsonNode> e = fields.next();
      try {
        data.put(e.getKey(), Base64.getDecoder().decode(e.getValue().asText("")));
      } catch (IllegalArgumentException bad) {
        throw new StorageException(
            "data key " + e.getKey() + " of the stored Secret is not base64");
      }
    }
    return new StoredSecret(
        meta.path("namespace").asText(""),
        meta.path("name").asText(""),
        root.path("type").asText(""),
        root.path("immutable").asBoolean(false),
        strings(meta.path("labels")),
        strings(meta.path("annotations")),
        data,
        "json");
  }

  private static Map<String, String> strings(JsonNode object) {
    Map<String, String> out = new LinkedHashMap<>();
    object.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText("")));
    return out;
  }
}
