package dev.sds.kms.operator.rotation;

/** The phases of a KEK rotation, as written to {@code status.rotation.phase}. */
public enum RotationPhase {
  /** No rotation seen yet; the first key id is recorded without migrating anything. */
  Idle,
  /** A ready node reports a key id that is not the current one. */
  Detected,
  /** Every ready node reports the new key id; waiting for the convergence delay and approval. */
  Converging,
  /** Objects are being rewritten under the new key id. */
  Migrating,
  /** The last migration finished; the resting phase until the next rotation. */
  Completed,
  /** The last migration attempt failed; it is retried with backoff. */
  Failed;

  /** The phase written in a status; {@code null} or unknown text reads as {@link #Idle}. */
  public static RotationPhase of(String phase) {
    for (RotationPhase p : values()) {
      if (p.name().equals(phase)) {
        return p;
      }
    }
    return Idle;
  }

  /** Detected, Converging and Migrating: the {@code Rotating} condition is True. */
  public boolean rotating() {
    return this == Detected || this == Converging || this == Migrating;
  }
}
