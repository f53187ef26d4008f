package dev.sds.kms.plugin.recover;

/**
 * A break-glass read that cannot be done: the Secret is not in etcd, is stored in a way this tool
 * does not decrypt, KMaaS refuses, the data does not authenticate, or etcd cannot be read or
 * started. The message is one line for an operator; it never holds a value or key material.
 */
public final class RecoverException extends Exception {
  private static final long serialVersionUID = 1L;

  public RecoverException(String message) {
    super(message);
  }

  public RecoverException(String message, Throwable cause) {
    super(message, cause);
  }
}
