package dev.sds.kms.operator.migration;

import dev.sds.kms.operator.crd.v1alpha1.RotationSpec;

/**
 * How hard a migration may push the API server.
 *
 * @param pageSize objects per LIST page
 * @param qps most rewrites per second
 * @param workers concurrent rewrites
 * @param maxConflictRetries how often a rewrite is retried after a 409 on an unchanged object
 */
public record MigrationSettings(int pageSize, int qps, int workers, int maxConflictRetries) {

  /** The defaults of {@link RotationSpec}. */
  public static final MigrationSettings DEFAULTS = new MigrationSettings(500, 50, 4, 3);

  public MigrationSettings {
    if (pageSize < 1 || qps < 1 || workers < 1 || maxConflictRetries < 0) {
      throw new IllegalArgumentException(
          "pageSize, qps and workers must be at least 1, maxConflictRetries at least 0");
    }
  }

  /** The settings of a rotation spec; unset fields take the defaults. */
  public static MigrationSettings from(RotationSpec spec) {
    if (spec == null) {
      return DEFAULTS;
    }
    return new MigrationSettings(
        orDefault(spec.getPageSize(), DEFAULTS.pageSize),
        orDefault(spec.getQps(), DEFAULTS.qps),
        orDefault(spec.getWorkers(), DEFAULTS.workers),
        DEFAULTS.maxConflictRetries);
  }

  public MigrationSettings withPageSize(int pageSize) {
    return new MigrationSettings(pageSize, qps, workers, maxConflictRetries);
  }

  public MigrationSettings withQps(int qps) {
    return new MigrationSettings(pageSize, qps, workers, maxConflictRetries);
  }

  public MigrationSettings withWorkers(int workers) {
    return new MigrationSettings(pageSize, qps, workers, maxConflictRetries);
  }

  private static int orDefault(Integer value, int fallback) {
    return value == null ? fallback : value;
  }
}
