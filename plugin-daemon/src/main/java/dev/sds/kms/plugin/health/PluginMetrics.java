package dev.sds.kms.plugin.health;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The daemon's Prometheus registry and the gauges that describe {@link PluginState}: whether the
 * last KMaaS check succeeded, when KMaaS was last reached, and the current key_id as a hashed label
 * ({@code kms_key_id_info{key_id_hash="sha256:…"} 1}), hashed exactly as kube-apiserver's {@code
 * apiserver_envelope_encryption_key_id_hash_*} metrics are so the two can be joined.
 */
public final class PluginMetrics {
  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private Meter keyIdGauge;

  public PluginMetrics(PluginState state) {
    Gauge.builder("kms.kmaas.check.healthy", state, s -> s.current().healthy() ? 1 : 0)
        .description("1 when the last background KMaaS check succeeded")
        .register(registry);
    Gauge.builder(
            "kms.kmaas.last.success.timestamp",
            state,
            s ->
                s.current().lastSuccessTime() == null
                    ? 0
                    : s.current().lastSuccessTime().getEpochSecond())
        .description("Unix time of the last successful KMaaS check")
        .baseUnit("seconds")
        .register(registry);
    state.onKeyIdChange(this::keyIdChanged);
    if (!state.current().keyId().isEmpty()) {
      keyIdChanged(state.current().keyId());
    }
  }

  /**
   * Adds the JVM's memory, GC, thread, processor and uptime meters. Apart from the constructor
   * because nothing needs them before the first scrape: the daemon binds them once its socket
   * serves (about 90 classes and a GC notification listener less before the first Status).
   */
  public void bindJvmMetrics() {
    new JvmMemoryMetrics().bindTo(registry);
    new JvmGcMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /**
   * {@code "sha256:"} + lowercase hex SHA-256 of the key_id's bytes, as kube-apiserver labels it.
   */
  public static String keyIdHash(String keyId) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(keyId.getBytes(StandardCharsets.UTF_8));
      return "sha256:" + HexFormat.of().formatHex(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private synchronized void keyIdChanged(String keyId) {
    if (keyIdGauge != null) {
      registry.remove(keyIdGauge);
    }
    keyIdGauge =
        Gauge.builder("kms.key.id.info", () -> 1)
            .description("the current key_id, as sha256:<hex> like kube-apiserver's metrics")
            .tag("key_id_hash", keyIdHash(keyId))
            .register(registry);
  }
}
