package dev.sds.kms.plugin.envelope;

/**
 * The ciphertext handed to Decrypt is not one this daemon made, or was changed: wrong version,
 * truncated, trailing bytes, a field out of bounds, or authentication failed. Maps to {@code
 * INVALID_ARGUMENT}. Messages name the field, never its bytes.
 */
public final class InvalidCiphertextException extends Exception {
  private static final long serialVersionUID = 1L;

  public InvalidCiphertextException(String message) {
    super(message, null, false, false);
  }
}
