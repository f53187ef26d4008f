package dev.sds.kms.operator.rotation;

/**
 * What the reconciler must do to the migration after a step.
 *
 * @param kind what to do
 * @param toKeyId for {@link Kind#START_MIGRATION}: the key id the objects must end up on
 */
public record RotationAction(Kind kind, String toKeyId) {

  /** The kinds of action. */
  public enum Kind {
    /** Leave any running migration as it is. */
    NONE,
    /**
     * Start (or resume from {@code status.rotation.resources}) the migration of every configured
     * resource toward {@code toKeyId}.
     */
    START_MIGRATION,
    /**
     * Stop the running migration, if any, and forget its result: a newer key id appeared, so the
     * objects will be rewritten again by the next migration.
     */
    CANCEL_MIGRATION
  }

  public static final RotationAction NONE = new RotationAction(Kind.NONE, null);
  public static final RotationAction CANCEL_MIGRATION =
      new RotationAction(Kind.CANCEL_MIGRATION, null);

  public static RotationAction startMigration(String toKeyId) {
    return new RotationAction(Kind.START_MIGRATION, toKeyId);
  }
}
