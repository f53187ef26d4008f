package dev.sds.kms.plugin.kmaas.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sds.kms.plugin.kmaas.KmaasException;
import dev.sds.kms.plugin.kmaas.KmaasFailure;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.time.Duration;
import java.util.OptionalInt;
import java.util.stream.Stream;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLPeerUnverifiedException;
import okhttp3.HttpUrl;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

class KmaasErrorClassifierTest {
  private static final HttpUrl URL =
      HttpUrl.get("https://kmaas.example:3000/api/v1/t/crypto/encrypt");

  @ParameterizedTest(name = "HTTP {0} -> {1}")
  @CsvSource({
    "400, REJECTED_INPUT",
    "401, AUTH_REJECTED",
    "403, AUTH_REJECTED",
    "404, UNKNOWN_KEK",
    "409, PROTOCOL",
    "422, REJECTED_INPUT",
    "429, THROTTLED",
    "500, SERVER_ERROR",
    "502, SERVER_ERROR",
    "503, SERVER_ERROR",
    "504, SERVER_ERROR",
    "599, SERVER_ERROR",
    "301, PROTOCOL",
    "302, PROTOCOL",
    "418, PROTOCOL",
    "600, PROTOCOL",
  })
  void statusIsMappedToFailure(int status, KmaasFailure expected) {
    KmaasException e = KmaasErrorClassifier.forStatus(status, OptionalInt.empty(), URL);

    assertThat(KmaasErrorClassifier.failureForStatus(status)).isEqualTo(expected);
    assertThat(e.failure()).isEqualTo(expected);
    assertThat(e.getMessage()).contains("HTTP " + status).contains(URL.toString());
  }

  @Test
  void statusMessageCarriesKmaasErrorCode() {
    KmaasException e = KmaasErrorClassifier.forStatus(403, OptionalInt.of(4031), URL);

    assertThat(e.getMessage())
        .isEqualTo("KMaaS rejected the credentials: HTTP 403, KMaaS error code 4031 from " + URL);
  }

  static Stream<Arguments> ioFailures() {
    return Stream.of(
        Arguments.of(
            new ConnectException("Connection refused"),
            KmaasFailure.UNREACHABLE,
            "connection refused"),
        Arguments.of(
            new UnknownHostException("kmaas.example"),
            KmaasFailure.UNREACHABLE,
            "cannot resolve KMaaS host kmaas.example"),
        Arguments.of(
            new NoRouteToHostException("No route"), KmaasFailure.UNREACHABLE, "no route to host"),
        Arguments.of(
            new SocketException("Connection reset"), KmaasFailure.UNREACHABLE, "connection reset"),
        Arguments.of(
            new IOException("unexpected end of stream"),
            KmaasFailure.UNREACHABLE,
            "connection failed"),
        Arguments.of(
            new SocketTimeoutException("Read timed out"), KmaasFailure.TIMEOUT, "timed out"),
        Arguments.of(new InterruptedIOException("timeout"), KmaasFailure.TIMEOUT, "timed out"),
        Arguments.of(
            new SSLHandshakeException("PKIX path building failed")
                .initCause(
                    new CertPathBuilderException(
                        "unable to find valid certification path to requested target")),
            KmaasFailure.TLS,
            "certificate not trusted (set --kmaas-ca-file)"),
        Arguments.of(
            new SSLHandshakeException(
                "PKIX path building failed: unable to find valid certification path to requested target"),
            KmaasFailure.TLS,
            "certificate not trusted (set --kmaas-ca-file)"),
        Arguments.of(
            new SSLHandshakeException("validity check failed")
                .initCause(new CertificateExpiredException("NotAfter: ...")),
            KmaasFailure.TLS,
            "certificate expired"),
        Arguments.of(
            // the JDK's chain for an expired server certificate
            new SSLHandshakeException(
                    "PKIX path validation failed: java.security.cert.CertPathValidatorException:"
                        + " validity check failed")
                .initCause(
                    new CertPathValidatorException(
                        "validity check failed",
                        new CertificateExpiredException("NotAfter: Tue Nov 24 16:04:19 UTC 2026"),
                        null,
                        -1,
                        CertPathValidatorException.BasicReason.EXPIRED)),
            KmaasFailure.TLS,
            "certificate expired (renew the certificate KMaaS presents)"),
        Arguments.of(
            new SSLHandshakeException("validity check failed")
                .initCause(
                    new CertPathValidatorException(
                        "validity check failed",
                        null,
                        null,
                        -1,
                        CertPathValidatorException.BasicReason.NOT_YET_VALID)),
            KmaasFailure.TLS,
            "certificate expired or not yet valid"),
        Arguments.of(
            new SSLPeerUnverifiedException("Hostname kmaas.example not verified: certificate: ..."),
            KmaasFailure.TLS,
            "hostname mismatch"),
        Arguments.of(
            new SSLHandshakeException(
                "No subject alternative DNS name matching kmaas.example found."),
            KmaasFailure.TLS,
            "hostname mismatch"),
        Arguments.of(
            new SSLHandshakeException("Received fatal alert: bad_certificate"),
            KmaasFailure.TLS,
            "client certificate"),
        Arguments.of(
            new SSLException("Received fatal alert: certificate_required"),
            KmaasFailure.TLS,
            "client certificate"),
        Arguments.of(
            new SSLHandshakeException("validity check failed")
                .initCause(new CertificateNotYetValidException("NotBefore: ...")),
            KmaasFailure.TLS,
            "certificate not yet valid (check the clocks"),
        Arguments.of(
            new SSLHandshakeException("Received fatal alert: certificate_expired"),
            KmaasFailure.TLS,
            "KMaaS refused the client certificate as expired"),
        Arguments.of(
            new SSLHandshakeException("Received fatal alert: protocol_version"),
            KmaasFailure.TLS,
            "TLS 1.2 or newer"),
        Arguments.of(new SSLException("something else"), KmaasFailure.TLS, "handshake failed"));
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @MethodSource("ioFailures")
  void ioExceptionIsMappedToFailure(Throwable cause, KmaasFailure expected, String hint) {
    KmaasException e = KmaasErrorClassifier.forIOException((IOException) cause, URL);

    assertThat(e.failure()).isEqualTo(expected);
    assertThat(e.getMessage()).contains(hint).contains("https://kmaas.example:3000");
    assertThat(e.getCause()).isSameAs(cause);
  }

  @Test
  void tlsMessageNamesTheOriginAndTheHint() {
    KmaasException e =
        KmaasErrorClassifier.forIOException(
            (IOException)
                new SSLHandshakeException("PKIX")
                    .initCause(
                        new CertPathBuilderException("unable to find valid certification path")),
            URL);

    assertThat(e.getMessage())
        .isEqualTo(
            "TLS handshake with https://kmaas.example:3000 failed: certificate not trusted (set"
                + " --kmaas-ca-file)");
  }

  @Test
  void untrustedCertificateNamesTheCaFileInUseAndAChangedFileThatCouldNotBeLoaded() {
    IOException untrusted =
        (IOException)
            new SSLHandshakeException("PKIX")
                .initCause(new CertPathBuilderException("unable to find valid certification path"));

    KmaasException e =
        KmaasErrorClassifier.forIOException(
            untrusted,
            URL,
            Path.of("/etc/kms/ca.pem"),
            "--kmaas-ca-file /etc/kms/ca.pem holds no PEM certificate");

    assertThat(e.failure()).isEqualTo(KmaasFailure.TLS);
    assertThat(e.getMessage())
        .isEqualTo(
            "TLS handshake with https://kmaas.example:3000 failed: certificate not trusted by the"
                + " CAs in --kmaas-ca-file /etc/kms/ca.pem; changed TLS files not in use:"
                + " --kmaas-ca-file /etc/kms/ca.pem holds no PEM certificate");
  }

  @Test
  void unresolvableHostIsUnreachableAndNamesTheHostAndTheSetting() {
    KmaasException e =
        KmaasErrorClassifier.forIOException(
            new UnknownHostException("kmaas.example: Name or service not known"), URL);

    assertThat(e.failure()).isEqualTo(KmaasFailure.UNREACHABLE);
    assertThat(e.getMessage())
        .isEqualTo(
            "KMaaS unreachable: cannot resolve KMaaS host kmaas.example (DNS lookup failed for"
                + " --kmaas-url https://kmaas.example:3000)");
  }

  @ParameterizedTest(name = "Retry-After \"{0}\" -> {1} s")
  @CsvSource(
      delimiter = '|',
      value = {"1|1", " 30 |30", "0|0", "-1|", "soon|", "Wed, 21 Oct 2015 07:28:00 GMT|", "|"})
  void retryAfterSecondsAreParsed(String header, Long expectedSeconds) {
    if (expectedSeconds == null) {
      assertThat(KmaasErrorClassifier.retryAfter(header)).isEmpty();
    } else {
      assertThat(KmaasErrorClassifier.retryAfter(header))
          .contains(Duration.ofSeconds(expectedSeconds));
    }
  }
}
