package dev.sds.kms.operator.metrics;

import dev.sds.kms.operator.crd.v1alpha1.KmsPlugin;
import dev.sds.kms.operator.crd.v1alpha1.KmsPluginStatus;
import dev.sds.kms.operator.crd.v1alpha1.ResourceProgress;
import dev.sds.kms.operator.crd.v1alpha1.RotationSpec;
import dev.sds.kms.operator.crd.v1alpha1.RotationStatus;
import dev.sds.kms.operator.rotation.RotationCoordinator;
import dev.sds.kms.operator.rotation.RotationPhase;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The operator's Prometheus metrics, read from the status it last wrote for each KmsPlugin: {@code
 * kms_operator_rotation_phase{namespace,name,phase}} (1 for the current phase), {@code
 * kms_operator_migration_objects{namespace,name,resource,outcome}} (migrated, skipped, failed) and
 * {@code kms_operator_migration_duration_seconds{namespace,name}} (the last finished migration),
 * plus {@code kms_operator_ready_nodes} and JVM metrics.
 *
 * <p>Every series of a KmsPlugin exists from its first reconcile on, so that dashboards and alerts
 * see them before the first rotation: the migration counts of each resource of {@code
 * spec.rotation.resources} (default {@code secrets}) read 0 until a migration reports progress.
 */
public final class OperatorMetrics {
  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Map<String, KmsPluginStatus> latest = new ConcurrentHashMap<>();
  private final Map<String, Boolean> registered = new ConcurrentHashMap<>();

  public OperatorMetrics() {
    new JvmMemoryMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /** Records the status just computed for {@code plugin}. */
  public void record(KmsPlugin plugin, KmsPluginStatus status) {
    String ns = plugin.getMetadata().getNamespace();
    String name = plugin.getMetadata().getName();
    String key = ns + "/" + name;
    latest.put(key, status);
    Tags tags = Tags.of("namespace", ns, "name", name);
    registerOnce(key, () -> registerPlugin(key, tags));
    Set<String> resources = new TreeSet<>(configuredResources(plugin));
    RotationStatus rotation = status.getRotation();
    if (rotation != null && rotation.getResources() != null) {
      for (ResourceProgress p : rotation.getResources()) {
        if (p.getResource() != null) {
          resources.add(p.getResource());
        }
      }
    }
    for (String resource : resources) {
      registerOnce(key + "/" + resource, () -> registerResource(key, resource, tags));
    }
  }

  private static List<String> configuredResources(KmsPlugin plugin) {
    RotationSpec rotation = plugin.getSpec() == null ? null : plugin.getSpec().getRotation();
    List<String> given = rotation == null ? null : rotation.getResources();
    return given == null || given.isEmpty() ? RotationCoordinator.DEFAULT_RESOURCES : given;
  }

  /** Forgets a deleted KmsPlugin (its series then read NaN and disappear on the next scrape). */
  public void forget(KmsPlugin plugin) {
    latest.remove(plugin.getMetadata().getNamespace() + "/" + plugin.getMetadata().getName());
  }

  private void registerOnce(String key, Runnable registration) {
    if (registered.putIfAbsent(key, Boolean.TRUE) == null) {
      registration.run();
    }
  }

  private void registerPlugin(String key, Tags tags) {
    for (RotationPhase phase : RotationPhase.values()) {
      Gauge.builder(
              "kms.operator.rotation.phase",
              latest,
              m -> {
                KmsPluginStatus s = m.get(key);
                if (s == null) {
                  return Double.NaN;
                }
                String current = s.getRotation() == null ? null : s.getRotation().getPhase();
                return RotationPhase.of(current) == phase ? 1 : 0;
              })
          .description("1 for the KmsPlugin's current rotation phase")
          .tags(tags.and("phase", phase.name()))
          .register(registry);
    }
    Gauge.builder("kms.operator.migration.duration", latest, m -> duration(m.get(key)))
        .description("duration of the last finished migration")
        .baseUnit("seconds")
        .tags(tags)
        .register(registry);
    Gauge.builder(
            "kms.operator.ready.nodes",
            latest,
            m -> {
              KmsPluginStatus s = m.get(key);
              if (s == null || s.getReadyNodes() == null) {
                return Double.NaN;
              }
              return Double.parseDouble(s.getReadyNodes().split("/")[0]);
            })
        .description("daemons that are ready and healthy")
        .tags(tags)
        .register(registry);
  }

  private void registerResource(String key, String resource, Tags tags) {
    for (String outcome : new String[] {"migrated", "skipped", "failed"}) {
      Gauge.builder(
              "kms.operator.migration.objects", latest, m -> count(m.get(key), resource, outcome))
          .description("objects of the current (or last) migration by outcome")
          .tags(tags.and("resource", resource, "outcome", outcome))
          .register(registry);
    }
  }

  private static double count(KmsPluginStatus status, String resource, String outcome) {
    if (status == null) {
      return Double.NaN;
    }
    if (status.getRotation() == null || status.getRotation().getResources() == null) {
      return 0;
    }
    return status.getRotation().getResources().stream()
        .filter(p -> resource.equals(p.getResource()))
        .mapToDouble(
            p -> {
              Long value =
                  switch (outcome) {
                    case "migrated" -> p.getMigrated();
                    case "skipped" -> p.getSkipped();
                    default -> p.getFailed();
                  };
              return value == null ? 0 : value;
            })
        .sum();
  }

  private static double duration(KmsPluginStatus status) {
    if (status == null || status.getRotation() == null) {
      return Double.NaN;
    }
    RotationStatus r = status.getRotation();
    if (r.getStartedAt() == null || r.getCompletedAt() == null) {
      return Double.NaN;
    }
    try {
      return Duration.between(Instant.parse(r.getStartedAt()), Instant.parse(r.getCompletedAt()))
              .toMillis()
          / 1000.0;
    } catch (DateTimeParseException e) {
      return Double.NaN;
    }
  }
}
