package dev.sds.kms.operator.rollout;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Finds a Secret or ConfigMap a KmsPlugin references and tells which keys it has and its
 * resourceVersion — never its values, so that nothing downstream can leak them. Implement it over
 * an informer cache, the API, or a map in tests.
 */
public interface ReferenceLookup {

  /** What the operator may know about a referenced object. */
  record Referenced(Set<String> keys, String resourceVersion) {
    public Referenced {
      keys = Set.copyOf(keys);
    }
  }

  /** The Secret, or empty when it does not exist. */
  Optional<Referenced> secret(String namespace, String name);

  /** The ConfigMap, or empty when it does not exist. */
  Optional<Referenced> configMap(String namespace, String name);

  /** Looks up through the API with a GET per call. */
  static ReferenceLookup using(KubernetesClient client) {
    return new ReferenceLookup() {
      @Override
      public Optional<Referenced> secret(String namespace, String name) {
        Secret secret = client.secrets().inNamespace(namespace).withName(name).get();
        return Optional.ofNullable(secret)
            .map(
                s ->
                    new Referenced(
                        keys(s.getData(), s.getStringData()),
                        s.getMetadata().getResourceVersion()));
      }

      @Override
      public Optional<Referenced> configMap(String namespace, String name) {
        ConfigMap configMap = client.configMaps().inNamespace(namespace).withName(name).get();
        return Optional.ofNullable(configMap)
            .map(
                c ->
                    new Referenced(
                        keys(c.getData(), c.getBinaryData()),
                        c.getMetadata().getResourceVersion()));
      }
    };
  }

  private static Set<String> keys(Map<String, String> first, Map<String, String> second) {
    Set<String> keys = new TreeSet<>();
    if (first != null) {
      keys.addAll(first.keySet());
    }
    if (second != null) {
      keys.addAll(second.keySet());
    }
    return keys;
  }
}
