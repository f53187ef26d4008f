package dev.sds.kms.operator.migration;

import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * Rewrites a resource through the cluster's own {@code storagemigration.k8s.io} migrator instead of
 * the in-process engine: creates one StorageVersionMigration and follows its conditions. The
 * cluster does not report object counts, so a success counts no objects.
 */
public final class StorageVersionMigrator implements ResourceMigrator {
  private final StorageMigrationApi api;
  private final String plugin;
  private final String toKeyId;
  private final Duration poll;

  public StorageVersionMigrator(
      StorageMigrationApi api, String plugin, String toKeyId, Duration poll) {
    this.api = api;
    this.plugin = plugin;
    this.toKeyId = toKeyId;
    this.poll = poll;
  }

  @Override
  public MigrationResult migrate(
      MigrationTarget target,
      String continueFrom,
      MigrationSettings settings,
      ProgressListener listener,
      BooleanSupplier cancelled) {
    String name = api.create(plugin, target, toKeyId);
    while (!cancelled.getAsBoolean()) {
      StorageMigrationApi.State state = api.state(name);
      switch (state.phase()) {
        case SUCCEEDED -> {
          return new MigrationResult(target.resource(), 0, 0, 0, List.of(), true, null, null);
        }
        case FAILED, MISSING -> {
          return new MigrationResult(
              target.resource(),
              0,
              0,
              0,
              List.of(),
              false,
              null,
              "StorageVersionMigration "
                  + name
                  + " "
                  + state.phase().name().toLowerCase(java.util.Locale.ROOT)
                  + (state.message() == null ? "" : ": " + state.message()));
        }
        default -> sleep();
      }
    }
    return new MigrationResult(target.resource(), 0, 0, 0, List.of(), false, null, "cancelled");
  }

  private void sleep() {
    try {
      Thread.sleep(poll.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
