package dev.sds.kms.operator.rotation;

import dev.sds.kms.operator.crd.v1alpha1.ResourceProgress;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import java.util.stream.Collectors;

/** Sums and one-line descriptions of a migration's per-resource progress. */
final class MigrationProgress {

  private MigrationProgress() {}

  static long migrated(List<ResourceProgress> progress) {
    return sum(progress, ResourceProgress::getMigrated);
  }

  static long failed(List<ResourceProgress> progress) {
    return sum(progress, ResourceProgress::getFailed);
  }

  /** {@code secrets: 1200 rewritten, 3 skipped (done); configmaps: 40 rewritten (in progress)}. */
  static String describe(List<ResourceProgress> progress) {
    if (progress == null || progress.isEmpty()) {
      return "no page finished yet";
    }
    List<String> parts = new ArrayList<>();
    for (ResourceProgress p : progress) {
      StringBuilder s =
          new StringBuilder(Objects.requireNonNullElse(p.getResource(), "?"))
              .append(": ")
              .append(orZero(p.getMigrated()))
              .append(" rewritten");
      if (orZero(p.getSkipped()) > 0) {
        s.append(", ").append(p.getSkipped()).append(" skipped");
      }
      if (orZero(p.getFailed()) > 0) {
        s.append(", ").append(p.getFailed()).append(" failed");
      }
      s.append(done(p) ? " (done)" : " (in progress)");
      parts.add(s.toString());
    }
    return String.join("; ", parts);
  }

  static boolean done(ResourceProgress p) {
    return Boolean.TRUE.equals(p.getDone());
  }

  /** A deep copy, so that the status never shares objects with the migration engine. */
  static List<ResourceProgress> copy(List<ResourceProgress> progress) {
    if (progress == null) {
      return null;
    }
    return progress.stream()
        .map(
            p ->
                new ResourceProgress()
                    .withResource(p.getResource())
                    .withContinueToken(p.getContinueToken())
                    .withMigrated(p.getMigrated())
                    .withSkipped(p.getSkipped())
                    .withFailed(p.getFailed())
                    .withDone(p.getDone()))
        .collect(Collectors.toCollection(ArrayList::new));
  }

  private static long sum(List<ResourceProgress> progress, Function<ResourceProgress, Long> field) {
    if (progress == null) {
      return 0;
    }
    return progress.stream().mapToLong(p -> orZero(field.apply(p))).sum();
  }

  private static long orZero(Long n) {
    return n == null ? 0 : n;
  }
}
