package dev.sds.kms.plugin.kmaas;

/**
 * The one classification of KMaaS failures. It drives the gRPC code ({@code GrpcErrors}), the
 * metric label ({@link #label()}) and whether a retry can help ({@link #retryable()}).
 */
public enum KmaasFailure {
  /** Connection refused, reset, DNS failure: KMaaS is not there. */
  UNREACHABLE(true),
  /**
   * TLS handshake failed (untrusted certificate, hostname mismatch, client certificate refused).
   */
  TLS(false),
  /** KMaaS answered 5xx. */
  SERVER_ERROR(true),
  /** KMaaS answered 429. */
  THROTTLED(true),
  /** KMaaS answered 401 or 403: the API key, token or client certificate is not accepted. */
  AUTH_REJECTED(false),
  /** KMaaS does not know the KEK (or tenant) the request names. */
  UNKNOWN_KEK(false),
  /** KMaaS has disabled (retired) the KEK the request names: it neither wraps nor unwraps. */
  KEK_DISABLED(false),
  /** KMaaS refused the request's content (for example a wrapped DEK it cannot unwrap). */
  REJECTED_INPUT(false),
  /** The call did not finish within its deadline. */
  TIMEOUT(false),
  /** KMaaS answered with something that is not the documented shape. */
  PROTOCOL(false);

  private final boolean retryable;

  KmaasFailure(boolean retryable) {
    this.retryable = retryable;
  }

  public boolean retryable() {
    return retryable;
  }

  /** Lower-case label for metrics and logs. */
  public String label() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
