package dev.sds.kms.operator.rollout;

import dev.sds.kms.operator.crd.v1alpha1.CaBundleRef;
import dev.sds.kms.operator.crd.v1alpha1.ClientCertificateRef;
import dev.sds.kms.operator.crd.v1alpha1.CredentialsRef;
import dev.sds.kms.operator.crd.v1alpha1.KmaasSpec;
import dev.sds.kms.operator.crd.v1alpha1.KmsPlugin;
import java.util.ArrayList;
import java.util.List;

/**
 * Decides which Secrets and ConfigMaps a KmsPlugin references, with the keys the daemon needs from
 * each, the spec field that names each, and whether the daemon reads the file only at start (so
 * that a change needs a pod restart) or re-reads it (the bearer token).
 */
public final class References {

  /** Kind of a referenced object. */
  public enum Kind {
    SECRET("Secret"),
    CONFIG_MAP("ConfigMap");

    private final String display;

    Kind(String display) {
      this.display = display;
    }

    /** As Kubernetes names the kind: {@code Secret}, {@code ConfigMap}. */
    public String display() {
      return display;
    }
  }

  /**
   * One referenced object.
   *
   * @param kind Secret or ConfigMap
   * @param name object name, in the KmsPlugin's namespace
   * @param keys keys the daemon needs
   * @param nameField the spec field naming the object, e.g. {@code
   *     spec.kmaas.credentials.secretName}
   * @param keyField the spec field naming the key, e.g. {@code spec.kmaas.credentials.key}
   * @param readAtStart whether the daemon reads the files only at start
   */
  public record Reference(
      Kind kind,
      String name,
      List<String> keys,
      String nameField,
      String keyField,
      boolean readAtStart) {
    public Reference {
      keys = List.copyOf(keys);
    }
  }

  private References() {}

  /** The references of a spec, skipping those without a name (the validator reports them). */
  public static List<Reference> of(KmsPlugin plugin) {
    List<Reference> references = new ArrayList<>();
    KmaasSpec kmaas = SpecDefaults.kmaas(plugin);
    CredentialsRef credentials = kmaas.getCredentials();
    if (credentials != null && credentials.getSecretName() != null) {
      boolean token = SpecDefaults.CREDENTIALS_TOKEN.equals(SpecDefaults.credentialsType(plugin));
      references.add(
          new Reference(
              Kind.SECRET,
              credentials.getSecretName(),
              List.of(SpecDefaults.credentialsKey(plugin)),
              "spec.kmaas.credentials.secretName",
              "spec.kmaas.credentials.key",
              !token));
    }
    CaBundleRef ca = kmaas.getCaBundle();
    if (ca != null && (ca.getConfigMapName() != null) != (ca.getSecretName() != null)) {
      boolean configMap = ca.getConfigMapName() != null;
      references.add(
          new Reference(
              configMap ? Kind.CONFIG_MAP : Kind.SECRET,
              configMap ? ca.getConfigMapName() : ca.getSecretName(),
              List.of(SpecDefaults.caBundleKey(plugin)),
              configMap ? "spec.kmaas.caBundle.configMapName" : "spec.kmaas.caBundle.secretName",
              "spec.kmaas.caBundle.key",
              true));
    }
    ClientCertificateRef client = kmaas.getClientCertificate();
    if (client != null && client.getSecretName() != null) {
      references.add(
          new Reference(
              Kind.SECRET,
              client.getSecretName(),
              List.of(DaemonPaths.TLS_CERT_KEY, DaemonPaths.TLS_KEY_KEY),
              "spec.kmaas.clientCertificate.secretName",
              "spec.kmaas.clientCertificate.secretName",
              true));
    }
    return references;
  }
}
