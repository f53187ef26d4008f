package dev.sds.kms.operator.rotation.retire;

import java.util.Optional;

/**
 * The KMaaS tenant and KEK a key id names: the daemon's key ids are {@code
 * <KEY_ID>:<tenant>/<kekId>} (plugin-daemon KeyIdScheme).
 */
public record KekRef(String tenant, String kekId) {

  public static Optional<KekRef> of(String keyId) {
    if (keyId == null) {
      return Optional.empty();
    }
    int colon = keyId.indexOf(':');
    int slash = keyId.lastIndexOf('/');
    if (colon < 1 || slash <= colon + 1 || slash == keyId.length() - 1) {
      return Optional.empty();
    }
    return Optional.of(new KekRef(keyId.substring(colon + 1, slash), keyId.substring(slash + 1)));
  }
}
