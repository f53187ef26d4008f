package dev.sds.kms.plugin.audit;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.sds.kms.plugin.audit.v2.EncryptedObject;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Classifies an etcd value by the prefix kube-apiserver's value transformers write (DESIGN.md §1),
 * without decrypting:
 *
 * <ul>
 *   <li>{@code k8s:enc:kms:v2:<provider>:} + protobuf {@code EncryptedObject} → {@code kms-v2} with
 *       the provider and the object's {@code keyID}; a value whose EncryptedObject does not parse
 *       or lacks encryptedData, keyID or encryptedDEKSource (kube-apiserver could not read it
 *       either) → {@code unknown};
 *   <li>{@code k8s:enc:kms:v1:<provider>:} → {@code kms-v1} with the provider;
 *   <li>{@code k8s:enc:aescbc:v1:<key>:}, {@code k8s:enc:aesgcm:v1:<key>:}, {@code
 *       k8s:enc:secretbox:v1:<key>:} → that kind with the key name;
 *   <li>{@code k8s\0} (protobuf-encoded object) or {@code {} (JSON) → {@code identity}: plaintext;
 *   <li>anything else → {@code unknown}.
 * </ul>
 */
public final class ValueClassifier {
  private static final byte[] KMS_V2 = ascii("k8s:enc:kms:v2:");
  private static final byte[] KMS_V1 = ascii("k8s:enc:kms:v1:");
  private static final byte[] AESCBC = ascii("k8s:enc:aescbc:v1:");
  private static final byte[] AESGCM = ascii("k8s:enc:aesgcm:v1:");
  private static final byte[] SECRETBOX = ascii("k8s:enc:secretbox:v1:");
  private static final byte[] K8S_PROTOBUF = {'k', '8', 's', 0};

  /** Longest provider or key name looked for; a longer one is not a name kube-apiserver wrote. */
  private static final int MAX_NAME = 1024;

  private ValueClassifier() {}

  public static Classification classify(byte[] value) {
    if (value == null || value.length == 0) {
      return Classification.UNKNOWN_VALUE;
    }
    if (startsWith(value, KMS_V2)) {
      return kmsV2(value);
    }
    if (startsWith(value, KMS_V1)) {
      String provider = segment(value, KMS_V1.length);
      return provider == null
          ? Classification.UNKNOWN_VALUE
          : new Classification(Classification.KMS_V1, provider, null);
    }
    if (startsWith(value, AESCBC)) {
      return keyed(Classification.AESCBC, value, AESCBC.length);
    }
    if (startsWith(value, AESGCM)) {
      return keyed(Classification.AESGCM, value, AESGCM.length);
    }
    if (startsWith(value, SECRETBOX)) {
      return keyed(Classification.SECRETBOX, value, SECRETBOX.length);
    }
    if (startsWith(value, K8S_PROTOBUF) || value[0] == '{') {
      return Classification.IDENTITY_VALUE;
    }
    return Classification.UNKNOWN_VALUE;
  }

  private static Classification kmsV2(byte[] value) {
    int colon = colon(value, KMS_V2.length);
    if (colon < 0) {
      return Classification.UNKNOWN_VALUE;
    }
    String provider = text(value, KMS_V2.length, colon);
    int body = colon + 1;
    EncryptedObject object;
    try {
      object = EncryptedObject.parseFrom(Arrays.copyOfRange(value, body, value.length));
    } catch (InvalidProtocolBufferException e) {
      return Classification.UNKNOWN_VALUE;
    }
    if (object.getKeyID().isEmpty()
        || object.getEncryptedData().isEmpty()
        || object.getEncryptedDEKSource().isEmpty()) {
      return Classification.UNKNOWN_VALUE;
    }
    return new Classification(Classification.KMS_V2, provider, object.getKeyID());
  }

  private static Classification keyed(String kind, byte[] value, int from) {
    String key = segment(value, from);
    return key == null ? Classification.UNKNOWN_VALUE : new Classification(kind, null, key);
  }

  /** The non-empty text from {@code from} up to the next ':'; null when there is none. */
  private static String segment(byte[] value, int from) {
    int colon = colon(value, from);
    return colon < 0 ? null : text(value, from, colon);
  }

  /** Index of the ':' ending a non-empty name that starts at {@code from}, or -1. */
  private static int colon(byte[] value, int from) {
    for (int i = from; i < value.length && i - from <= MAX_NAME; i++) {
      if (value[i] == ':') {
        return i == from ? -1 : i;
      }
    }
    return -1;
  }

  private static String text(byte[] value, int from, int to) {
    return new String(value, from, to - from, StandardCharsets.UTF_8);
  }

  private static boolean startsWith(byte[] value, byte[] prefix) {
    return value.length >= prefix.length
        && Arrays.equals(value, 0, prefix.length, prefix, 0, prefix.length);
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }
}
