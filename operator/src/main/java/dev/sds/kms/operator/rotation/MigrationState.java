package dev.sds.kms.operator.rotation;

import dev.sds.kms.operator.crd.v1alpha1.ResourceProgress;
import java.util.List;
import java.util.Objects;

/**
 * What the reconciler knows about the migration toward {@code status.rotation.toKeyId}: nothing
 * running, running, or finished one way or the other. The progress lists are those of the migration
 * engine (one entry per resource, with its continue token as checkpoint).
 */
public sealed interface MigrationState {

  /** No migration runs for this KmsPlugin (never started, cancelled, or lost on a restart). */
  record NotStarted() implements MigrationState {}

  /** A migration runs; {@code progress} is its latest checkpoint. */
  record Running(List<ResourceProgress> progress) implements MigrationState {
    public Running {
      progress = List.copyOf(Objects.requireNonNullElse(progress, List.of()));
    }
  }

  /** The migration visited every object of every configured resource. */
  record Succeeded(List<ResourceProgress> progress) implements MigrationState {
    public Succeeded {
      progress = List.copyOf(Objects.requireNonNullElse(progress, List.of()));
    }
  }

  /** The migration stopped; {@code reason} is shown to users, so it must carry no secret. */
  record Failed(String reason, List<ResourceProgress> progress) implements MigrationState {
    public Failed {
      progress = List.copyOf(Objects.requireNonNullElse(progress, List.of()));
    }
  }

  static MigrationState notStarted() {
    return new NotStarted();
  }
}
