package dev.sds.kms.operator;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.Set;

/**
 * The operator's own settings, from the environment (the Deployment in {@code config/manager} sets
 * them).
 *
 * @param namespace namespace of the operator, where its leader-election Lease lives ({@code
 *     OPERATOR_NAMESPACE})
 * @param leaderElection whether to take a Lease before reconciling ({@code LEADER_ELECTION}), so
 *     that several replicas are safe
 * @param watchNamespaces namespaces whose KmsPlugins to reconcile ({@code WATCH_NAMESPACES},
 *     comma-separated; empty: all)
 * @param statusInterval how often each daemon's /status is read ({@code STATUS_INTERVAL})
 * @param metricsAddress where {@code /metrics} and {@code /healthz} listen ({@code
 *     METRICS_ADDRESS}, default {@code 0.0.0.0:8080}; {@code off}: nowhere)
 * @param identity who holds the Lease ({@code POD_NAME}, else {@code HOSTNAME}); must differ
 *     between replicas
 */
public record OperatorSettings(
    String namespace,
    boolean leaderElection,
    Set<String> watchNamespaces,
    Duration statusInterval,
    InetSocketAddress metricsAddress,
    String identity) {

  public static final String LEASE_NAME = "sds-kms-operator";

  /** Reads the settings; a bad value is an {@link IllegalArgumentException} naming the variable. */
  public static OperatorSettings fromEnv(Map<String, String> env) {
    String namespace = env.getOrDefault("OPERATOR_NAMESPACE", "sds-kms-system").strip();
    boolean leaderElection = bool(env, "LEADER_ELECTION", false);
    String watch = env.getOrDefault("WATCH_NAMESPACES", "").strip();
    Set<String> watchNamespaces = watch.isEmpty() ? Set.of() : Set.of(watch.split("\\s*,\\s*"));
    Duration statusInterval = duration(env, "STATUS_INTERVAL", Duration.ofSeconds(30));
    String identity =
        env.getOrDefault("POD_NAME", env.getOrDefault("HOSTNAME", "kms-operator")).strip();
    InetSocketAddress metricsAddress = address(env, "METRICS_ADDRESS", "0.0.0.0:8080");
    return new OperatorSettings(
        namespace, leaderElection, watchNamespaces, statusInterval, metricsAddress, identity);
  }

  private static InetSocketAddress address(Map<String, String> env, String name, String fallback) {
    String value = env.getOrDefault(name, fallback).strip();
    if (value.equals("off")) {
      return null;
    }
    int colon = value.lastIndexOf(':');
    try {
      return new InetSocketAddress(
          value.substring(0, colon).replace("[", "").replace("]", ""),
          Integer.parseInt(value.substring(colon + 1)));
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(name + " must be host:port or off");
    }
  }

  private static boolean bool(Map<String, String> env, String name, boolean fallback) {
    String value = env.get(name);
    if (value == null || value.isBlank()) {
      return fallback;
    }
    return switch (value.strip().toLowerCase(java.util.Locale.ROOT)) {
      case "true", "1", "yes" -> true;
      case "false", "0", "no" -> false;
      default -> throw new IllegalArgumentException(name + " must be true or false");
    };
  }

  private static Duration duration(Map<String, String> env, String name, Duration fallback) {
    String value = env.get(name);
    if (value == null || value.isBlank()) {
      return fallback;
    }
    try {
      Duration d = Duration.parse("PT" + value.strip().toUpperCase(java.util.Locale.ROOT));
      if (d.compareTo(Duration.ofSeconds(1)) < 0) {
        throw new IllegalArgumentException(name + " must be at least 1s");
      }
      return d;
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException(name + " must be a duration such as 30s or 2m");
    }
  }
}
