package dev.sds.kms.plugin.kmaas;

/**
 * A KMaaS call failed. The message is a short, operator-facing sentence (for example {@code "KMaaS
 * unreachable: connection refused (https://kmaas:3000)"}); it never contains key material,
 * credentials or a KMaaS response body.
 */
public final class KmaasException extends Exception {
  private static final long serialVersionUID = 1L;

  private final KmaasFailure failure;

  public KmaasException(KmaasFailure failure, String message) {
    super(message, null, false, false);
    this.failure = failure;
  }

  public KmaasException(KmaasFailure failure, String message, Throwable cause) {
    super(message, cause, false, false);
    this.failure = failure;
  }

  public KmaasFailure failure() {
    return failure;
  }
}
