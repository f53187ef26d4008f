package dev.sds.kms.plugin.kms;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sds.kms.plugin.envelope.InvalidCiphertextException;
import dev.sds.kms.plugin.envelope.InvalidPlaintextException;
import dev.sds.kms.plugin.envelope.KeyIdMismatchException;
import dev.sds.kms.plugin.kmaas.KmaasException;
import dev.sds.kms.plugin.kmaas.KmaasFailure;
import io.grpc.Status;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

class GrpcErrorsTest {

  static Stream<Arguments> failures() {
    return Stream.of(
        Arguments.of(
            new InvalidCiphertextException("ciphertext truncated"), Status.Code.INVALID_ARGUMENT),
        Arguments.of(
            new InvalidPlaintextException("plaintext must be 1 to 256 bytes, got 0"),
            Status.Code.INVALID_ARGUMENT),
        Arguments.of(
            new KeyIdMismatchException("key_id 'a' does not match"),
            Status.Code.FAILED_PRECONDITION),
        Arguments.of(new StaleKekException("older KEK"), Status.Code.UNAVAILABLE),
        Arguments.of(kmaas(KmaasFailure.UNREACHABLE), Status.Code.UNAVAILABLE),
        Arguments.of(kmaas(KmaasFailure.TLS), Status.Code.UNAVAILABLE),
        Arguments.of(kmaas(KmaasFailure.SERVER_ERROR), Status.Code.UNAVAILABLE),
        Arguments.of(kmaas(KmaasFailure.THROTTLED), Status.Code.UNAVAILABLE),
        Arguments.of(kmaas(KmaasFailure.PROTOCOL), Status.Code.UNAVAILABLE),
        Arguments.of(kmaas(KmaasFailure.AUTH_REJECTED), Status.Code.PERMISSION_DENIED),
        Arguments.of(kmaas(KmaasFailure.UNKNOWN_KEK), Status.Code.FAILED_PRECONDITION),
        Arguments.of(kmaas(KmaasFailure.KEK_DISABLED), Status.Code.FAILED_PRECONDITION),
        Arguments.of(kmaas(KmaasFailure.REJECTED_INPUT), Status.Code.INVALID_ARGUMENT),
        Arguments.of(kmaas(KmaasFailure.TIMEOUT), Status.Code.DEADLINE_EXCEEDED),
        Arguments.of(new IllegalStateException("bug with secret 0xdeadbeef"), Status.Code.INTERNAL),
        Arguments.of(new NullPointerException(), Status.Code.INTERNAL));
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @MethodSource("failures")
  void mapsEachFailureToItsGrpcCode(Exception failure, Status.Code expected) {
    Status status = GrpcErrors.toStatus(failure);

    assertThat(status.getCode()).isEqualTo(expected);
    assertThat(status.getDescription()).isNotBlank();
  }

  @ParameterizedTest
  @EnumSource(KmaasFailure.class)
  void noKmaasFailureBecomesUnknownOrInternal(KmaasFailure failure) {
    assertThat(GrpcErrors.toStatus(kmaas(failure)).getCode())
        .isNotIn(Status.Code.UNKNOWN, Status.Code.INTERNAL, Status.Code.OK);
  }

  @ParameterizedTest
  @MethodSource("failures")
  void unexpectedFailuresDoNotEchoTheirMessage(Exception failure, Status.Code expected) {
    String description = GrpcErrors.toStatus(failure).getDescription();
    if (expected == Status.Code.INTERNAL) {
      assertThat(description).doesNotContain("deadbeef").contains("see its log");
    } else {
      assertThat(description).isEqualTo(failure.getMessage());
    }
  }

  private static KmaasException kmaas(KmaasFailure failure) {
    return new KmaasException(
        failure, "KMaaS " + failure.label() + " " + Arrays.toString(new int[0]));
  }
}
