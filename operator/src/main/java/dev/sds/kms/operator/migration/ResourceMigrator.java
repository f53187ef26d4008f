package dev.sds.kms.operator.migration;

import java.util.function.BooleanSupplier;

/** Rewrites every object of one resource; {@link MigrationEngine} is the in-process one. */
@FunctionalInterface
public interface ResourceMigrator {

  /**
   * @param continueFrom checkpoint of an earlier run (a LIST continue token); null or empty to
   *     start from the beginning
   * @param cancelled looked at between objects; when true the run stops and returns a result with
   *     {@code done == false} and the last checkpoint
   */
  MigrationResult migrate(
      MigrationTarget target,
      String continueFrom,
      MigrationSettings settings,
      ProgressListener listener,
      BooleanSupplier cancelled);
}
