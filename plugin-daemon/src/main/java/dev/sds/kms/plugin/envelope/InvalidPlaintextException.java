package dev.sds.kms.plugin.envelope;

/**
 * The plaintext handed to Encrypt cannot be sealed: it is empty, longer than {@link
 * CiphertextFormat#MAX_PLAINTEXT} bytes, or would make a ciphertext over kube-apiserver's 1 KiB
 * limit. Maps to {@code INVALID_ARGUMENT}. Messages name sizes, never bytes.
 */
public final class InvalidPlaintextException extends Exception {
  private static final long serialVersionUID = 1L;

  public InvalidPlaintextException(String message) {
    super(message, null, false, false);
  }
}
