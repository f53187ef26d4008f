package dev.sds.kms.plugin.kms;

import dev.sds.kms.plugin.envelope.InvalidCiphertextException;
import dev.sds.kms.plugin.envelope.InvalidPlaintextException;
import dev.sds.kms.plugin.envelope.KeyIdMismatchException;
import dev.sds.kms.plugin.kmaas.KmaasException;
import io.grpc.Status;

/**
 * The one mapping from the daemon's failures to gRPC status codes (DESIGN.md §2). Descriptions are
 * the exceptions' own messages, which are written to carry no key material and no KMaaS body. An
 * unexpected exception becomes {@code INTERNAL} with a fixed text, never {@code UNKNOWN}.
 */
public final class GrpcErrors {
  private GrpcErrors() {}

  public static Status toStatus(Throwable failure) {
    if (failure instanceof InvalidCiphertextException
        || failure instanceof InvalidPlaintextException) {
      return Status.INVALID_ARGUMENT.withDescription(failure.getMessage());
    }
    if (failure instanceof KeyIdMismatchException) {
      return Status.FAILED_PRECONDITION.withDescription(failure.getMessage());
    }
    if (failure instanceof KmaasException e) {
      return forKmaas(e).withDescription(e.getMessage());
    }
    if (failure instanceof StaleKekException) {
      return Status.UNAVAILABLE.withDescription(failure.getMessage());
    }
    return Status.INTERNAL.withDescription("internal error in the KMS plugin; see its log");
  }

  private static Status forKmaas(KmaasException e) {
    return switch (e.failure()) {
      case UNREACHABLE, TLS, SERVER_ERROR, THROTTLED, PROTOCOL -> Status.UNAVAILABLE;
      case AUTH_REJECTED -> Status.PERMISSION_DENIED;
      case UNKNOWN_KEK, KEK_DISABLED -> Status.FAILED_PRECONDITION;
      case REJECTED_INPUT -> Status.INVALID_ARGUMENT;
      case TIMEOUT -> Status.DEADLINE_EXCEEDED;
    };
  }
}
