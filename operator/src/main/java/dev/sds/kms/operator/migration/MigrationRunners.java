package dev.sds.kms.operator.migration;

import dev.sds.kms.operator.crd.v1alpha1.KmsPlugin;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Supplier;

/** The migration runner of each KmsPlugin, by {@code namespace/name}; at most one per plugin. */
public final class MigrationRunners {
  private final ConcurrentMap<String, MigrationRunner> runners = new ConcurrentHashMap<>();

  public static String key(KmsPlugin plugin) {
    return plugin.getMetadata().getNamespace() + "/" + plugin.getMetadata().getName();
  }

  /**
   * Starts a runner for {@code key} unless one is already there (running or finished and not yet
   * {@linkplain #forget forgotten}); returns the one that is there.
   */
  public MigrationRunner start(String key, Supplier<MigrationRunner> runner) {
    MigrationRunner current = runners.computeIfAbsent(key, k -> runner.get());
    current.start();
    return current;
  }

  public Optional<MigrationRunner> get(String key) {
    return Optional.ofNullable(runners.get(key));
  }

  /** Asks the runner to stop; it stays registered so its final state can be read. */
  public void cancel(String key) {
    get(key).ifPresent(MigrationRunner::cancel);
  }

  /** Cancels and removes the runner (its result was recorded, or the plugin is gone). */
  public void forget(String key) {
    MigrationRunner removed = runners.remove(key);
    if (removed != null) {
      removed.cancel();
    }
  }

  /** Cancels every runner (operator shutdown). */
  public void cancelAll() {
    runners.values().forEach(MigrationRunner::cancel);
  }
}
