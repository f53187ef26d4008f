package dev.sds.kms.plugin.kms;

/**
 * KMaaS wrapped a DEK under a KEK older than the one the daemon already reports as current; the
 * result is refused so that key_id never goes back. Maps to {@code UNAVAILABLE} (retry later).
 */
final class StaleKekException extends Exception {
  private static final long serialVersionUID = 1L;

  StaleKekException(String message) {
    super(message, null, false, false);
  }
}
