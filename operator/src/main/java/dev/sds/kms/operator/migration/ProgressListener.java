package dev.sds.kms.operator.migration;

/** Told about a migration's progress; the reconciler checkpoints what it hears in status. */
public interface ProgressListener {

  /** Ignores everything. */
  ProgressListener NONE =
      new ProgressListener() {
        @Override
        public void pageDone(
            String resource, String continueToken, long migrated, long skipped, long failed) {}

        @Override
        public void resourceDone(MigrationResult result) {}
      };

  /**
   * Every object of a page was visited.
   *
   * @param continueToken where to resume; null after the last page
   * @param migrated objects rewritten so far in this run (likewise {@code skipped}, {@code failed})
   */
  void pageDone(String resource, String continueToken, long migrated, long skipped, long failed);

  /** The run of one resource ended (done, failed or cancelled). */
  void resourceDone(MigrationResult result);
}
