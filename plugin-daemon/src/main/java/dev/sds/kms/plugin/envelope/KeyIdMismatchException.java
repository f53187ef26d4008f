package dev.sds.kms.plugin.envelope;

/**
 * The key_id (or annotations) of a Decrypt request does not match the ciphertext. Maps to {@code
 * FAILED_PRECONDITION}. key_ids are public, so the message may name both.
 */
public final class KeyIdMismatchException extends Exception {
  private static final long serialVersionUID = 1L;

  public KeyIdMismatchException(String message) {
    super(message, null, false, false);
  }
}
