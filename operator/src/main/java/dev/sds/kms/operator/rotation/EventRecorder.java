package dev.sds.kms.operator.rotation;

import dev.sds.kms.operator.crd.v1alpha1.KmsPlugin;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records a {@link RotationEvent} as a Kubernetes Event on the KmsPlugin ({@code kubectl describe
 * kmsp} shows it) and in the operator's log. An Event that cannot be written is logged, never
 * fatal: Events are a courtesy, the status is the record.
 */
public final class EventRecorder {
  private static final Logger LOG = LoggerFactory.getLogger(EventRecorder.class);
  static final String COMPONENT = "sds-kms-operator";

  public void record(KubernetesClient client, KmsPlugin plugin, RotationEvent event, Instant now) {
    String ns = plugin.getMetadata().getNamespace();
    String name = plugin.getMetadata().getName();
    if (event.type() == RotationEvent.Type.Warning) {
      LOG.warn("KmsPlugin {}/{}: {}: {}", ns, name, event.reason(), event.message());
    } else {
      LOG.info("KmsPlugin {}/{}: {}: {}", ns, name, event.reason(), event.message());
    }
    try {
      client
          .v1()
          .events()
          .inNamespace(ns)
          .resource(
              new EventBuilder()
                  .withNewMetadata()
                  .withGenerateName(name + "-")
                  .withNamespace(ns)
                  .endMetadata()
                  .withNewInvolvedObject()
                  .withApiVersion(plugin.getApiVersion())
                  .withKind(plugin.getKind())
                  .withName(name)
                  .withNamespace(ns)
                  .withUid(plugin.getMetadata().getUid())
                  .endInvolvedObject()
                  .withType(event.type().name())
                  .withReason(event.reason())
                  .withMessage(event.message())
                  .withCount(1)
                  .withFirstTimestamp(now.toString())
                  .withLastTimestamp(now.toString())
                  .withNewSource()
                  .withComponent(COMPONENT)
                  .endSource()
                  .build())
          .create();
    } catch (KubernetesClientException e) {
      LOG.debug(
          "could not record event {} on KmsPlugin {}/{}: {}",
          event.reason(),
          ns,
          name,
          e.getMessage());
    }
  }
}
