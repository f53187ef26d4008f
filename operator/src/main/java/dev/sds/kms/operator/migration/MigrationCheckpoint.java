package dev.sds.kms.operator.migration;

import dev.sds.kms.operator.crd.v1alpha1.ResourceProgress;

/**
 * Where the migration of one resource stands, with counts over every run so far; the reconciler
 * keeps it in {@code status.rotation} as a {@link ResourceProgress} so that a restarted operator
 * resumes from {@link #continueToken()}.
 */
public record MigrationCheckpoint(
    String resource, String continueToken, long migrated, long skipped, long failed, boolean done) {

  /** Nothing done yet. */
  public static MigrationCheckpoint start(String resource) {
    return new MigrationCheckpoint(resource, null, 0, 0, 0, false);
  }

  public static MigrationCheckpoint fromStatus(ResourceProgress progress) {
    return new MigrationCheckpoint(
        progress.getResource(),
        progress.getContinueToken(),
        orZero(progress.getMigrated()),
        orZero(progress.getSkipped()),
        orZero(progress.getFailed()),
        Boolean.TRUE.equals(progress.getDone()));
  }

  public ResourceProgress toStatus() {
    return new ResourceProgress()
        .withResource(resource)
        .withContinueToken(continueToken)
        .withMigrated(migrated)
        .withSkipped(skipped)
        .withFailed(failed)
        .withDone(done);
  }

  /** This checkpoint plus counts of the current run, which started from this checkpoint. */
  MigrationCheckpoint advancedBy(
      String token, long runMigrated, long runSkipped, long runFailed, boolean isDone) {
    return new MigrationCheckpoint(
        resource, token, migrated + runMigrated, skipped + runSkipped, failed + runFailed, isDone);
  }

  private static long orZero(Long value) {
    return value == null ? 0 : value;
  }
}
