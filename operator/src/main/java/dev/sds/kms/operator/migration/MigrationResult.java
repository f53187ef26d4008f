package dev.sds.kms.operator.migration;

import java.util.List;

/**
 * The outcome of migrating one resource in one run (counts are of this run only).
 *
 * @param resource the {@code spec.rotation.resources} entry
 * @param migrated objects rewritten
 * @param skipped objects gone (404) or rewritten by someone else (409 with a new resourceVersion)
 * @param failed objects that could not be rewritten
 * @param firstFailures {@code namespace/name} of the first failed objects (at most {@value
 *     #MAX_FAILURES_NAMED})
 * @param done every object was visited
 * @param continueToken checkpoint to resume from when not done (null: from the beginning)
 * @param error why the resource could not be migrated (listing failed, cancelled); null otherwise
 */
public record MigrationResult(
    String resource,
    long migrated,
    long skipped,
    long failed,
    List<String> firstFailures,
    boolean done,
    String continueToken,
    String error) {

  public static final int MAX_FAILURES_NAMED = 10;

  public MigrationResult {
    firstFailures = List.copyOf(firstFailures);
  }

  /** A resource that could not even start (for example not served by the cluster). */
  public static MigrationResult notStarted(String resource, String continueToken, String error) {
    return new MigrationResult(resource, 0, 0, 0, List.of(), false, continueToken, error);
  }

  /** Done, with nothing failed: every object is now on the current key. */
  public boolean succeeded() {
    return done && failed == 0 && error == null;
  }

  /** One line for a status message or a log. */
  public String summary() {
    if (error != null && migrated + skipped + failed == 0) {
      return resource + ": " + error;
    }
    StringBuilder line =
        new StringBuilder(resource)
            .append(": ")
            .append(migrated)
            .append(" rewritten, ")
            .append(skipped)
            .append(" skipped, ")
            .append(failed)
            .append(" failed");
    if (!firstFailures.isEmpty()) {
      line.append(" (").append(String.join(", ", firstFailures));
      line.append(failed > firstFailures.size() ? ", ...)" : ")");
    }
    if (error != null) {
      line.append("; ").append(error);
    }
    return line.toString();
  }
}
