package dev.sds.kms.plugin.kmaas.server;

/**
 * Ends the handling of a standalone KMaaS request with an error reply: an HTTP status and a short
 * message for the client (never key material or a credential).
 */
final class RequestFailure extends Exception {
  private static final long serialVersionUID = 1L;

  private final int status;
  private final String allow;

  RequestFailure(int status, String message) {
    this(status, message, null);
  }

  /**
   * @param allow the {@code Allow} header of a 405 reply, else {@code null}
   */
  RequestFailure(int status, String message, String allow) {
    super(message, null, false, false);
    this.status = status;
    this.allow = allow;
  }

  int status() {
    return status;
  }

  String allow() {
    return allow;
  }
}
