package dev.sds.kms.plugin.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.protobuf.ByteString;
import dev.sds.kms.plugin.Daemon;
import dev.sds.kms.plugin.kms.KmsV2Client;
import dev.sds.kms.plugin.kms.v2.DecryptRequest;
import dev.sds.kms.plugin.kms.v2.EncryptRequest;
import dev.sds.kms.plugin.kms.v2.EncryptResponse;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.regex.Pattern;

/** The calls the daemon integration tests make, as kube-apiserver and a kubelet make them. */
public final class KmsCalls {
  private KmsCalls() {}

  public static EncryptResponse encrypt(KmsV2Client client, byte[] plaintext) {
    return client
        .stub()
        .encrypt(
            EncryptRequest.newBuilder()
                .setPlaintext(ByteString.copyFrom(plaintext))
                .setUid("test")
                .build());
  }

  public static ByteString decrypt(KmsV2Client client, ByteString ciphertext, String keyId) {
    return client
        .stub()
        .decrypt(
            DecryptRequest.newBuilder()
                .setCiphertext(ciphertext)
                .setKeyId(keyId)
                .setUid("test")
                .build())
        .getPlaintext();
  }

  /** One client for every test (a client per request would start a selector thread each). */
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  /** GET {@code path} on the daemon's health HTTP server. */
  public static HttpResponse<String> http(Daemon daemon, String path) throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + daemon.httpAddress().getPort() + path))
            .timeout(Duration.ofSeconds(5))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /**
   * The sum of the daemon's {@code /metrics} samples named {@code name} whose labels include every
   * {@code label="value"} pair given (e.g. {@code "operation", "wrap"}); 0 when there is none.
   */
  public static double metric(Daemon daemon, String name, String... labels) throws Exception {
    double sum = 0;
    for (String line : http(daemon, "/metrics").body().split("\n")) {
      if (line.startsWith("#")) {
        continue;
      }
      int brace = line.indexOf('{');
      int space = line.lastIndexOf(' ');
      String series = brace < 0 ? line.substring(0, Math.max(space, 0)) : line.substring(0, brace);
      if (!series.equals(name)) {
        continue;
      }
      String labelText = brace < 0 ? "" : line.substring(brace, line.lastIndexOf('}') + 1);
      boolean matches = true;
      for (int i = 0; i + 1 < labels.length; i += 2) {
        String pair = labels[i] + "=\"" + labels[i + 1] + "\"";
        matches &= labelText.matches(".*[{,]" + Pattern.quote(pair) + "[,}].*");
      }
      if (matches) {
        sum += Double.parseDouble(line.substring(space + 1));
      }
    }
    return sum;
  }

  /** Asserts that {@code call} fails with {@code code} and a description; returns the failure. */
  public static StatusRuntimeException assertCode(Runnable call, Status.Code code) {
    StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class, call::run);
    assertThat(e).as("the call failed with a gRPC status").isNotNull();
    assertThat(e.getStatus().getCode()).isEqualTo(code);
    assertThat(e.getStatus().getDescription()).isNotBlank();
    return e;
  }

  public static byte[] randomBytes(int n) {
    byte[] bytes = new byte[n];
    new SecureRandom().nextBytes(bytes);
    return bytes;
  }
}
