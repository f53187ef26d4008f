package dev.sds.kms.plugin.cli;

import com.google.protobuf.ByteString;
import dev.sds.kms.plugin.kms.KmsV2Client;
import dev.sds.kms.plugin.kms.v2.DecryptRequest;
import dev.sds.kms.plugin.kms.v2.DecryptResponse;
import dev.sds.kms.plugin.kms.v2.EncryptRequest;
import dev.sds.kms.plugin.kms.v2.EncryptResponse;
import dev.sds.kms.plugin.kms.v2.StatusRequest;
import dev.sds.kms.plugin.kms.v2.StatusResponse;
import dev.sds.kms.plugin.server.UnixEndpoint;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.FileNotFoundException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The preflight a user runs before pointing kube-apiserver at a socket: Status, an Encrypt/Decrypt
 * round trip of a 32-byte seed, and a Decrypt with a wrong key_id that must be refused — each
 * checked against what kube-apiserver requires (DESIGN.md §1).
 */
@Command(
    name = "probe",
    mixinStandardHelpOptions = true,
    description = {
      "Check a KMS v2 plugin socket the way kube-apiserver uses it: Status, an Encrypt/Decrypt "
          + "round trip, and refusal of a wrong key_id.",
      "Exit code 0 when every check passes, 1 when one fails, 2 for bad options."
    })
final class ProbeCommand implements Callable<Integer> {
  static final int MAX_KEY_ID_BYTES = 1024;
  static final int MAX_CIPHERTEXT_BYTES = 1024;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--endpoint",
      paramLabel = "unix:///PATH",
      description = "socket of the plugin (default: ${DEFAULT-VALUE})",
      defaultValue = "unix:///tmp/sds-kms-plugin.sock")
  String endpoint;

  @Option(
      names = "--timeout",
      paramLabel = "DURATION",
      description =
          "deadline of each call, like EncryptionConfiguration's timeout (default: ${DEFAULT-VALUE})",
      defaultValue = "3s",
      converter = DurationConverter.class)
  Duration timeout;

  private int failures;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    UnixEndpoint target;
    try {
      target = UnixEndpoint.parse(endpoint);
    } catch (IllegalArgumentException e) {
      spec.commandLine().getErr().println("kms-plugin probe: --endpoint " + e.getMessage());
      return 2;
    }
    out.println("probing " + target + " (timeout " + DurationConverter.format(timeout) + ")");
    try (KmsV2Client client = new KmsV2Client(target, timeout)) {
      StatusResponse status = client.stub().status(StatusRequest.getDefaultInstance());
      checkStatus(out, status);
      byte[] seed = new byte[32];
      new SecureRandom().nextBytes(seed);
      EncryptResponse encrypted =
          client
              .stub()
              .encrypt(
                  EncryptRequest.newBuilder()
                      .setPlaintext(ByteString.copyFrom(seed))
                      .setUid(UUID.randomUUID().toString())
                      .build());
      checkEncrypt(out, encrypted, status.getKeyId());
      DecryptResponse decrypted =
          client.stub().decrypt(decryptRequest(encrypted, encrypted.getKeyId()));
      check(
          out,
          "Decrypt",
          decrypted.getPlaintext().equals(ByteString.copyFrom(seed)),
          "returned the seed that was encrypted",
          "returned a different plaintext than was encrypted");
      checkRefusal(out, client, encrypted);
    } catch (StatusRuntimeException e) {
      fail(out, "call", describe(e.getStatus()));
    }
    if (failures == 0) {
      out.println("PASS: " + target + " answers KMS v2 as kube-apiserver expects");
      return 0;
    }
    out.println("FAIL: " + failures + " check(s) failed for " + target);
    return 1;
  }

  private void checkStatus(PrintWriter out, StatusResponse s) {
    String summary =
        "version=" + s.getVersion() + " healthz=" + s.getHealthz() + " key_id=" + s.getKeyId();
    check(out, "Status", "v2".equals(s.getVersion()), summary, "version must be v2; " + summary);
    check(out, "Healthz", "ok".equals(s.getHealthz()), "ok", "not ok: " + s.getHealthz());
    int keyIdBytes = s.getKeyId().getBytes(StandardCharsets.UTF_8).length;
    check(
        out,
        "KeyID",
        keyIdBytes > 0 && keyIdBytes <= MAX_KEY_ID_BYTES,
        keyIdBytes + " bytes",
        "key_id must be 1 to 1024 bytes, is " + keyIdBytes);
  }

  private void checkEncrypt(PrintWriter out, EncryptResponse e, String statusKeyId) {
    int size = e.getCiphertext().size();
    check(
        out,
        "Encrypt",
        size > 0 && size <= MAX_CIPHERTEXT_BYTES,
        "ciphertext " + size + " bytes",
        "ciphertext must be 1 to 1024 bytes, is " + size);
    check(
        out,
        "Encrypt",
        e.getKeyId().equals(statusKeyId),
        "key_id equals Status key_id",
        "key_id "
            + e.getKeyId()
            + " differs from Status key_id "
            + statusKeyId
            + " (kube-apiserver would discard the result)");
  }

  private void checkRefusal(PrintWriter out, KmsV2Client client, EncryptResponse encrypted) {
    try {
      client.stub().decrypt(decryptRequest(encrypted, encrypted.getKeyId() + "-wrong"));
      fail(out, "Refusal", "Decrypt accepted a key_id that does not match the ciphertext");
    } catch (StatusRuntimeException e) {
      Status.Code code = e.getStatus().getCode();
      check(
          out,
          "Refusal",
          code == Status.Code.INVALID_ARGUMENT || code == Status.Code.FAILED_PRECONDITION,
          "wrong key_id refused with " + code,
          "wrong key_id refused with "
              + describe(e.getStatus())
              + " (want INVALID_ARGUMENT or FAILED_PRECONDITION)");
    }
  }

  private static DecryptRequest decryptRequest(EncryptResponse encrypted, String keyId) {
    return DecryptRequest.newBuilder()
        .setCiphertext(encrypted.getCiphertext())
        .setKeyId(keyId)
        .putAllAnnotations(encrypted.getAnnotationsMap())
        .setUid(UUID.randomUUID().toString())
        .build();
  }

  private void check(PrintWriter out, String step, boolean ok, String good, String bad) {
    if (ok) {
      out.printf("  ok    %-8s %s%n", step, good);
    } else {
      fail(out, step, bad);
    }
  }

  private void fail(PrintWriter out, String step, String message) {
    failures++;
    out.printf("  FAIL  %-8s %s%n", step, message);
  }

  /**
   * The code and description, and for a call that never reached the plugin its cause: {@code no
   * such socket file}, or the connect error such as {@code connect(..) failed with error(-13):
   * Permission denied: /path}, which tells a permission problem from a daemon that is not running.
   */
  static String describe(Status status) {
    String text =
        status.getCode() + (status.getDescription() == null ? "" : ": " + status.getDescription());
    for (Throwable t = status.getCause(); t != null; t = t.getCause()) {
      if (t instanceof FileNotFoundException) {
        return text + " (no such socket file)";
      }
      if (t.getMessage() != null && !t.getMessage().isBlank()) {
        return text + " (" + t.getMessage().strip() + ")";
      }
    }
    return text;
  }
}
