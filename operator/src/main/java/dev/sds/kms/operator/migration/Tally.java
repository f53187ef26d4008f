package dev.sds.kms.operator.migration;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/** Counts of one resource's run, updated by the workers. */
final class Tally {
  final AtomicLong migrated = new AtomicLong();
  final AtomicLong skipped = new AtomicLong();
  final AtomicLong failed = new AtomicLong();
  private final List<String> firstFailures = new ArrayList<>();

  void record(ObjectRewriter.Outcome outcome, String objectName) {
    switch (outcome) {
      case MIGRATED -> migrated.incrementAndGet();
      case SKIPPED -> skipped.incrementAndGet();
      case FAILED -> {
        failed.incrementAndGet();
        synchronized (firstFailures) {
          if (firstFailures.size() < MigrationResult.MAX_FAILURES_NAMED) {
            firstFailures.add(objectName);
          }
        }
      }
      case CANCELLED -> {}
    }
  }

  MigrationResult result(String resource, boolean done, String continueToken, String error) {
    List<String> names;
    synchronized (firstFailures) {
      names = List.copyOf(firstFailures);
    }
    return new MigrationResult(
        resource,
        migrated.get(),
        skipped.get(),
        failed.get(),
        names,
        done,
        done ? null : continueToken,
        error);
  }
}
