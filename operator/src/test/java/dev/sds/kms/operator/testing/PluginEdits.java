package dev.sds.kms.operator.testing;

import static org.awaitility.Awaitility.await;

import dev.sds.kms.operator.crd.v1alpha1.KmsPlugin;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.HashMap;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * A user's edits of a KmsPlugin while the operator writes its status: a read-modify-write that
 * meets the operator's latest write (409 Conflict) is read and applied again, as one runs {@code
 * kubectl edit} again.
 */
public final class PluginEdits {
  private PluginEdits() {}

  public static void edit(KubernetesClient client, String name, UnaryOperator<KmsPlugin> change) {
    await()
        .atMost(Fixtures.WAIT)
        .ignoreExceptionsMatching(
            e -> e instanceof KubernetesClientException k && k.getCode() == 409)
        .until(
            () -> {
              client
                  .resources(KmsPlugin.class)
                  .inNamespace(Fixtures.NS)
                  .withName(name)
                  .edit(change);
              return true;
            });
  }

  /** {@code kubectl annotate --overwrite kmsp/<name> <key>=<value>}. */
  public static void annotate(KubernetesClient client, String name, String key, String value) {
    edit(
        client,
        name,
        p -> {
          Map<String, String> a = new HashMap<>();
          if (p.getMetadata().getAnnotations() != null) {
            a.putAll(p.getMetadata().getAnnotations());
          }
          a.put(key, value);
          p.getMetadata().setAnnotations(a);
          return p;
        });
  }
}
