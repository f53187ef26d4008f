package dev.sds.kms.plugin.kmaas.engine;

/**
 * A KMaaS engine operation failed. The message is a short sentence for operators and API clients;
 * it never contains key bytes or plaintext.
 */
public final class EngineException extends Exception {
  private static final long serialVersionUID = 1L;

  /** What went wrong; drives the HTTP status of the standalone server and the client mapping. */
  public enum Kind {
    /** The tenant has no KEKs (or is not served). */
    UNKNOWN_TENANT,
    /** The tenant has no KEK with the given id. */
    UNKNOWN_KEK,
    /** The KEK is disabled: it neither encrypts nor decrypts any more. */
    KEK_DISABLED,
    /**
     * The input is not acceptable: empty or too long plaintext, short ciphertext, failed
     * authentication, bad tenant name.
     */
    BAD_INPUT,
    /** The state file could not be read or written. */
    STORAGE
  }

  private final Kind kind;

  public EngineException(Kind kind, String message) {
    super(message);
    this.kind = kind;
  }

  public EngineException(Kind kind, String message, Throwable cause) {
    super(message, cause);
    this.kind = kind;
  }

  public Kind kind() {
    return kind;
  }
}
