package dev.sds.kms.operator.rollout;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** A ReferenceLookup over maps: add the objects a test needs. */
final class FakeLookup implements ReferenceLookup {

  private final Map<String, Referenced> secrets = new HashMap<>();
  private final Map<String, Referenced> configMaps = new HashMap<>();

  FakeLookup secret(String name, String resourceVersion, String... keys) {
    secrets.put(TestPlugins.NAMESPACE + "/" + name, new Referenced(Set.of(keys), resourceVersion));
    return this;
  }

  FakeLookup configMap(String name, String resourceVersion, String... keys) {
    configMaps.put(
        TestPlugins.NAMESPACE + "/" + name, new Referenced(Set.of(keys), resourceVersion));
    return this;
  }

  /** Every object the full test plugin references, with every key it needs. */
  static FakeLookup complete() {
    return new FakeLookup()
        .secret("kmaas-credentials", "1", "api-key")
        .configMap("kmaas-ca", "2", "bundle.pem")
        .secret("kmaas-client", "3", "tls.crt", "tls.key");
  }

  @Override
  public Optional<Referenced> secret(String namespace, String name) {
    return Optional.ofNullable(secrets.get(namespace + "/" + name));
  }

  @Override
  public Optional<Referenced> configMap(String namespace, String name) {
    return Optional.ofNullable(configMaps.get(namespace + "/" + name));
  }
}
