package dev.sds.kms.plugin.pem;

import java.io.IOException;

/**
 * A PEM file that cannot be used. The message names the file, never its contents; {@link #reason()}
 * says what is wrong, for callers that word their own message.
 */
public final class PemException extends IOException {
  private static final long serialVersionUID = 1L;

  /** What is wrong with the file. */
  public enum Reason {
    /** The file does not exist or cannot be read; the {@link #getCause() cause} says why. */
    UNREADABLE,
    /** The file holds no certificate (empty, or not certificate data at all). */
    NO_CERTIFICATE,
    /** A {@code BEGIN CERTIFICATE} block is not a valid X.509 certificate. */
    INVALID_CERTIFICATE,
    /** The file holds no unencrypted PKCS#8, PKCS#1 RSA or SEC1 EC private key block. */
    NO_PRIVATE_KEY,
    /** The private key block does not decode to a key of the expected algorithm. */
    INVALID_PRIVATE_KEY
  }

  private final Reason reason;
  private final int certificate;

  PemException(Reason reason, int certificate, String message, IOException cause) {
    super(message, cause);
    this.reason = reason;
    this.certificate = certificate;
  }

  public Reason reason() {
    return reason;
  }

  /** For {@link Reason#INVALID_CERTIFICATE}: the 1-based index of the bad block; else 0. */
  public int certificate() {
    return certificate;
  }
}
