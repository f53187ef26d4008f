package dev.sds.kms.operator.rotation.start;

import dev.sds.kms.operator.crd.v1alpha1.AdminCredentialsRef;
import dev.sds.kms.operator.crd.v1alpha1.CaBundleRef;
import dev.sds.kms.operator.crd.v1alpha1.KmsPlugin;
import dev.sds.kms.operator.rollout.SpecDefaults;
import dev.sds.kms.operator.rotation.start.KmaasAdminApi.KmaasAdminException;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;

/** Opens the admin API of the key service a KmsPlugin uses. */
@FunctionalInterface
public interface KmaasAdminApis {

  String DEFAULT_ADMIN_KEY = "admin-key";

  /**
   * The admin API for {@code plugin}; fails with a one-line message naming the setting when {@code
   * spec.rotation.kmaasAdmin} is missing or its Secret cannot be read.
   */
  KmaasAdminApi open(KmsPlugin plugin, KubernetesClient client) throws KmaasAdminException;

  /**
   * Over HTTPS ({@link HttpKmaasAdminApi}) at {@code spec.kmaas.url} for {@code
   * spec.kmaas.tenantId}, with the admin key from the Secret {@code spec.rotation.kmaasAdmin} and
   * the CA bundle of {@code spec.kmaas.caBundle}. The operator reads that Secret's value only at
   * the moment of a call and keeps it nowhere.
   */
  static KmaasAdminApis overHttps() {
    return (plugin, client) -> {
      String ns = plugin.getMetadata().getNamespace();
      AdminCredentialsRef ref =
          plugin.getSpec().getRotation() == null
              ? null
              : plugin.getSpec().getRotation().getKmaasAdmin();
      if (ref == null || ref.getSecretName() == null) {
        throw new KmaasAdminException("spec.rotation.kmaasAdmin is not set: no KMaaS admin key");
      }
      String key = ref.getKey() == null ? DEFAULT_ADMIN_KEY : ref.getKey();
      String adminKey =
          secretValue(client, ns, ref.getSecretName(), key, "spec.rotation.kmaasAdmin");
      if (adminKey.isBlank() || !adminKey.strip().contains(":")) {
        throw new KmaasAdminException(
            "spec.rotation.kmaasAdmin: key "
                + key
                + " of Secret "
                + ref.getSecretName()
                + " must hold name:secret");
      }
      String caPem = null;
      CaBundleRef ca = plugin.getSpec().getKmaas().getCaBundle();
      if (ca != null) {
        String caKey = SpecDefaults.caBundleKey(plugin);
        caPem =
            ca.getConfigMapName() != null
                ? configMapValue(client, ns, ca.getConfigMapName(), caKey)
                : secretValue(client, ns, ca.getSecretName(), caKey, "spec.kmaas.caBundle");
      }
      return new HttpKmaasAdminApi(
          plugin.getSpec().getKmaas().getUrl(),
          plugin.getSpec().getKmaas().getTenantId(),
          adminKey.strip(),
          caPem);
    };
  }

  private static String secretValue(
      KubernetesClient client, String ns, String name, String key, String field)
      throws KmaasAdminException {
    Secret secret;
    try {
      secret = client.secrets().inNamespace(ns).withName(name).get();
    } catch (KubernetesClientException e) {
      throw new KmaasAdminException(
          field + ": cannot read Secret " + name + " (HTTP " + e.getCode() + ")");
    }
    Map<String, String> data = secret == null ? null : secret.getData();
    if (data == null || data.get(key) == null) {
      throw new KmaasAdminException(
          field + ": Secret " + name + (secret == null ? " does not exist" : " has no key " + key));
    }
    try {
      return new String(Base64.getDecoder().decode(data.get(key)), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw new KmaasAdminException(
          field + ": key " + key + " of Secret " + name + " is not base64");
    }
  }

  private static String configMapValue(KubernetesClient client, String ns, String name, String key)
      throws KmaasAdminException {
    ConfigMap map;
    try {
      map = client.configMaps().inNamespace(ns).withName(name).get();
    } catch (KubernetesClientException e) {
      throw new KmaasAdminException(
          "spec.kmaas.caBundle: cannot read ConfigMap " + name + " (HTTP " + e.getCode() + ")");
    }
    if (map == null || map.getData() == null || map.getData().get(key) == null) {
      throw new KmaasAdminException(
          "spec.kmaas.caBundle: ConfigMap "
              + name
              + (map == null ? " does not exist" : " has no key " + key));
    }
    return map.getData().get(key);
  }
}
