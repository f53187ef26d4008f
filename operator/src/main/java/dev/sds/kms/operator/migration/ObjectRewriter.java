package dev.sds.kms.operator.migration;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceList;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.MixedOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import java.util.Objects;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rewrites one object with a no-op UPDATE: the object is PUT back as it was read, resourceVersion
 * included, and kube-apiserver stores it again under the current key (DESIGN.md §1, staleness). The
 * raw object is sent, so fields this operator does not know survive.
 */
final class ObjectRewriter {
  private static final Logger LOG = LoggerFactory.getLogger(ObjectRewriter.class);

  enum Outcome {
    MIGRATED,
    SKIPPED,
    FAILED,
    CANCELLED
  }

  private final MigrationTarget target;
  private final MixedOperation<
          GenericKubernetesResource,
          GenericKubernetesResourceList,
          Resource<GenericKubernetesResource>>
      objects;
  private final int maxConflictRetries;
  private final RateLimit rateLimit;
  private final BooleanSupplier cancelled;

  ObjectRewriter(
      KubernetesClient client,
      MigrationTarget target,
      int maxConflictRetries,
      RateLimit rateLimit,
      BooleanSupplier cancelled) {
    this.target = target;
    this.objects = client.genericKubernetesResources(target.context());
    this.maxConflictRetries = maxConflictRetries;
    this.rateLimit = rateLimit;
    this.cancelled = cancelled;
  }

  Outcome rewrite(GenericKubernetesResource listed) {
    String listedVersion = listed.getMetadata().getResourceVersion();
    GenericKubernetesResource item = withTypeMeta(listed);
    int conflicts = 0;
    int throttled = 0;
    while (true) {
      if (cancelled.getAsBoolean()) {
        return Outcome.CANCELLED;
      }
      try {
        rateLimit.acquire();
        object(item).update();
        return Outcome.MIGRATED;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return Outcome.CANCELLED;
      } catch (KubernetesClientException e) {
        if (e.getCode() == 404) {
          return Outcome.SKIPPED;
        }
        if (e.getCode() == 409) {
          GenericKubernetesResource fresh = reread(item);
          if (fresh == null
              || !Objects.equals(fresh.getMetadata().getResourceVersion(), listedVersion)) {
            // gone, or written by someone else since the LIST: it is on the current key already
            return Outcome.SKIPPED;
          }
          if (++conflicts > maxConflictRetries) {
            return failed(item, e);
          }
          item = withTypeMeta(fresh);
        } else if (Throttling.isThrottled(e) && ++throttled <= Throttling.MAX_THROTTLED) {
          if (!Throttling.pause(Throttling.backoff(e, throttled), cancelled)) {
            return Outcome.CANCELLED;
          }
        } else {
          return failed(item, e);
        }
      }
    }
  }

  static String nameOf(GenericKubernetesResource object) {
    String namespace = object.getMetadata().getNamespace();
    String name = object.getMetadata().getName();
    return namespace == null ? name : namespace + "/" + name;
  }

  private Outcome failed(GenericKubernetesResource item, KubernetesClientException e) {
    LOG.warn(
        "Could not rewrite {} {}: HTTP {} {}",
        target.resource(),
        nameOf(item),
        e.getCode(),
        e.getStatus() == null ? e.getClass().getSimpleName() : e.getStatus().getReason());
    return Outcome.FAILED;
  }

  private GenericKubernetesResource reread(GenericKubernetesResource item) {
    try {
      return byName(item).get();
    } catch (KubernetesClientException e) {
      if (e.getCode() == 404) {
        return null;
      }
      throw e;
    }
  }

  private Resource<GenericKubernetesResource> object(GenericKubernetesResource item) {
    return target.namespaced()
        ? objects.inNamespace(item.getMetadata().getNamespace()).resource(item)
        : objects.resource(item);
  }

  private Resource<GenericKubernetesResource> byName(GenericKubernetesResource item) {
    String name = item.getMetadata().getName();
    return target.namespaced()
        ? objects.inNamespace(item.getMetadata().getNamespace()).withName(name)
        : objects.withName(name);
  }

  /** LIST items carry no apiVersion and kind on a real API server; a PUT body needs them. */
  private GenericKubernetesResource withTypeMeta(GenericKubernetesResource item) {
    if (item.getApiVersion() == null) {
      item.setApiVersion(target.apiVersion());
    }
    if (item.getKind() == null) {
      item.setKind(target.kind());
    }
    return item;
  }
}
