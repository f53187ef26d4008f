package dev.sds.kms.operator.rotation.start;

/**
 * The KEK administration a key service offers the operator: create a new active KEK, disable an old
 * one. Messages of the exceptions name the call and the service's answer, never a credential.
 */
public interface KmaasAdminApi {

  /** Creates a new active KEK for the tenant; returns its id. */
  String rotate() throws KmaasAdminException;

  /** Disables KEK {@code kekId}: it no longer wraps nor unwraps. */
  void disable(String kekId) throws KmaasAdminException;

  /** A call failed; the message is one line fit for a status. */
  final class KmaasAdminException extends Exception {
    private static final long serialVersionUID = 1L;

    public KmaasAdminException(String message) {
      super(message);
    }
  }
}
