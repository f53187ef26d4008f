package dev.sds.kms.plugin.kmaas;

import io.grpc.Deadline;

/**
 * The remote key service as the daemon sees it: wrap a DEK under the tenant's active KEK, unwrap it
 * again under the KEK that wrapped it. Implementations: {@code HttpKmaasClient} (a KMaaS over
 * HTTPS, speaking SDS KMaaS's crypto-api or the KACLS API) and {@code EmbeddedKmaasClient}
 * (in-process, development default).
 *
 * <p>Every method either returns or throws {@link KmaasException} with a {@link KmaasFailure}; no
 * implementation lets another exception type escape, and no message carries key material or a KMaaS
 * response body.
 */
public interface KmaasClient extends AutoCloseable {

  /** Wraps {@code plaintext} (a DEK) under the tenant's active KEK, within {@code deadline}. */
  WrapResult wrap(byte[] plaintext, Deadline deadline) throws KmaasException;

  /**
   * Unwraps {@code ciphertext} that was wrapped under KEK {@code kekId}, within {@code deadline}.
   */
  byte[] unwrap(byte[] ciphertext, String kekId, Deadline deadline) throws KmaasException;

  /** What this client talks to, for logs and {@code /status}; never carries credentials. */
  KmaasDescription describe();

  @Override
  void close();
}
