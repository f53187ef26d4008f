package dev.sds.kms.plugin.storage;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * The fields of a Secret that a break-glass read needs, as decoded from its stored plaintext.
 *
 * @param data the Secret's data, keys in order, values raw (not base64)
 * @param encoding how kube-apiserver had serialized it: {@code protobuf} or {@code json}
 */
public record StoredSecret(
    String namespace,
    String name,
    String type,
    boolean immutable,
    Map<String, String> labels,
    Map<String, String> annotations,
    Map<String, byte[]> data,
    String encoding) {

  public StoredSecret {
    labels = Collections.unmodifiableMap(new TreeMap<>(labels));
    annotations = Collections.unmodifiableMap(new TreeMap<>(annotations));
    data = Collections.unmodifiableMap(new TreeMap<>(data));
  }

  /** Never prints values: only names and sizes. */
  @Override
  public String toString() {
    return "StoredSecret["
        + namespace
        + "/"
        + name
        + ", type="
        + type
        + ", data keys="
        + data.keySet()
        + "]";
  }
}
