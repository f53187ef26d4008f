package dev.sds.kms.plugin.storage;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/**
 * A read or write the apiserver-side storage refuses: the value does not parse, the plugin refused
 * it (with its gRPC code), the data does not authenticate, or writes have expired.
 */
public final class StorageException extends Exception {
  private static final long serialVersionUID = 1L;

  public StorageException(String message) {
    super(message);
  }

  public StorageException(String message, Throwable cause) {
    super(message, cause);
  }

  /** The plugin's gRPC code when the plugin refused the call, else {@code null}. */
  public Status.Code pluginCode() {
    return getCause() instanceof StatusRuntimeException e ? e.getStatus().getCode() : null;
  }
}
