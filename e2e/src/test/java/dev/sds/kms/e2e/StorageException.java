package dev.sds.kms.e2e;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/**
 * A read or write the apiserver-side storage refuses: the value does not parse, the plugin refused
 * it (with its gRPC code), the data does not authenticate, or writes have expired.
 */
final class StorageException extends Exception {
  private static final long serialVersionUID = 1L;

  StorageException(String message) {
    super(message);
  }

  StorageException(String message, Throwable cause) {
    super(message, cause);
  }

  /** The plugin's gRPC code when the plugin refused the call, else {@code null}. */
  Status.Code pluginCode() {
    return getCause() instanceof StatusRuntimeException e ? e.getStatus().getCode() : null;
  }
}
