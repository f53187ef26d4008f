package dev.sds.kms.operator.rollout;

import dev.sds.kms.operator.crd.v1alpha1.CaBundleRef;
import dev.sds.kms.operator.crd.v1alpha1.ClientCertificateRef;
import dev.sds.kms.operator.crd.v1alpha1.CredentialsRef;
import dev.sds.kms.operator.crd.v1alpha1.KmaasSpec;
import dev.sds.kms.operator.crd.v1alpha1.KmsPlugin;
import dev.sds.kms.operator.crd.v1alpha1.KmsPluginSpec;
import dev.sds.kms.operator.crd.v1alpha1.SocketSpec;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;

/** KmsPlugins for tests, as the CRUD mock server would hold them: no schema defaults applied. */
final class TestPlugins {

  static final String NAMESPACE = "kms-system";
  static final String NAME = "prod";
  static final String IMAGE = "registry.example/sds/kms-plugin:0.1.0";

  private TestPlugins() {}

  /** Only the required fields. */
  static KmsPlugin minimal() {
    KmsPlugin plugin = new KmsPlugin();
    plugin.setMetadata(new ObjectMetaBuilder().withName(NAME).withNamespace(NAMESPACE).build());
    plugin.setSpec(
        new KmsPluginSpec()
            .withImage(IMAGE)
            .withKmaas(
                new KmaasSpec().withUrl("https://kmaas.example:3000").withTenantId("tenant-a")));
    return plugin;
  }

  /** Every field set, API key credentials, CA from a ConfigMap, client certificate. */
  static KmsPlugin full() {
    KmsPlugin plugin = minimal();
    plugin
        .getSpec()
        .withProviderName("sds-prod")
        .withKeyId("prod")
        .withSocket(new SocketSpec().withHostDirectory("/run/kms").withFileName("sds.sock"))
        .withHealthCheckInterval("1m")
        .withLogLevel("debug")
        .withHttpPort(9090)
        .withPriorityClassName("system-cluster-critical")
        .withPaused(false);
    plugin
        .getSpec()
        .getKmaas()
        .withCredentials(
            new CredentialsRef().withSecretName("kmaas-credentials").withType("ApiKey"))
        .withCaBundle(new CaBundleRef().withConfigMapName("kmaas-ca").withKey("bundle.pem"))
        .withClientCertificate(new ClientCertificateRef().withSecretName("kmaas-client"));
    return plugin;
  }
}
