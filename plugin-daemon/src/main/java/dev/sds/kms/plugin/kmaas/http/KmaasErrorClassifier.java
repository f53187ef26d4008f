package dev.sds.kms.plugin.kmaas.http;

import dev.sds.kms.plugin.kmaas.KmaasException;
import dev.sds.kms.plugin.kmaas.KmaasFailure;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalInt;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLPeerUnverifiedException;
import okhttp3.HttpUrl;

/**
 * The one place that maps what went wrong on the wire (an HTTP status or an {@link IOException}) to
 * a {@link KmaasFailure} and an operator-facing message.
 *
 * <p>Messages name the URL (never credentials), the HTTP status and KMaaS's numeric error code, but
 * never KMaaS's error message text or body, which may echo the request.
 */
public final class KmaasErrorClassifier {

  private KmaasErrorClassifier() {}

  /** The failure class of a non-2xx HTTP status. */
  public static KmaasFailure failureForStatus(int status) {
    return switch (status) {
      case 401, 403 -> KmaasFailure.AUTH_REJECTED;
      case 404 -> KmaasFailure.UNKNOWN_KEK;
      case 410 -> KmaasFailure.KEK_DISABLED;
      case 400, 422 -> KmaasFailure.REJECTED_INPUT;
      case 429 -> KmaasFailure.THROTTLED;
      default -> status >= 500 && status <= 599 ? KmaasFailure.SERVER_ERROR : KmaasFailure.PROTOCOL;
    };
  }

  /**
   * A non-2xx answer from {@code url}.
   *
   * @param kmaasCode KMaaS's {@code errors[0].code}, when the body had one
   */
  public static KmaasException forStatus(int status, OptionalInt kmaasCode, HttpUrl url) {
    KmaasFailure failure = failureForStatus(status);
    String what =
        switch (failure) {
          case AUTH_REJECTED -> "KMaaS rejected the credentials";
          case UNKNOWN_KEK -> "KMaaS does not know the KEK or tenant";
          case KEK_DISABLED -> "KMaaS has disabled the KEK";
          case REJECTED_INPUT -> "KMaaS refused the request";
          case THROTTLED -> "KMaaS is throttling requests";
          case SERVER_ERROR -> "KMaaS server error";
          default -> "KMaaS gave an unexpected answer";
        };
    String code = kmaasCode.isPresent() ? ", KMaaS error code " + kmaasCode.getAsInt() : "";
    return new KmaasException(failure, what + ": HTTP " + status + code + " from " + url);
  }

  /**
   * The delay a {@code Retry-After} header asks for; only the delta-seconds form is understood (an
   * HTTP date or garbage gives empty).
   */
  public static Optional<Duration> retryAfter(String header) {
    if (header == null) {
      return Optional.empty();
    }
    try {
      long seconds = Long.parseLong(header.strip());
      return seconds < 0 ? Optional.empty() : Optional.of(Duration.ofSeconds(seconds));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }

  /** A call to {@code url} that failed without an HTTP answer. */
  public static KmaasException forIOException(IOException e, HttpUrl url) {
    return forIOException(e, url, null, null);
  }

  /**
   * A call to {@code url} that failed without an HTTP answer, with what a TLS failure's message
   * should say about the daemon's own TLS settings.
   *
   * @param caFile the CA bundle trusted instead of the JDK's, or {@code null}
   * @param tlsReloadProblem why changed TLS files are not in use, or {@code null}
   */
  public static KmaasException forIOException(
      IOException e, HttpUrl url, Path caFile, String tlsReloadProblem) {
    String origin = origin(url);
    if (e instanceof SSLException) {
      String notLoaded =
          tlsReloadProblem == null ? "" : "; changed TLS files not in use: " + tlsReloadProblem;
      return new KmaasException(
          KmaasFailure.TLS,
          "TLS handshake with " + origin + " failed: " + tlsHint(e, caFile) + notLoaded,
          e);
    }
    if (e instanceof InterruptedIOException) {
      // SocketTimeoutException and OkHttp's call timeout ("timeout") are both
      // InterruptedIOException.
      return new KmaasException(KmaasFailure.TIMEOUT, "KMaaS call to " + origin + " timed out", e);
    }
    if (e instanceof UnknownHostException) {
      return new KmaasException(
          KmaasFailure.UNREACHABLE,
          "KMaaS unreachable: cannot resolve KMaaS host "
              + url.host()
              + " (DNS lookup failed for --kmaas-url "
              + origin
              + ")",
          e);
    }
    return new KmaasException(
        KmaasFailure.UNREACHABLE,
        "KMaaS unreachable: " + unreachableReason(e) + " (" + origin + ")",
        e);
  }

  private static String unreachableReason(IOException e) {
    if (e instanceof NoRouteToHostException) {
      return "no route to host";
    }
    if (e instanceof ConnectException) {
      return "connection refused";
    }
    String message = lower(e.getMessage());
    if (e instanceof SocketException && message.contains("reset")) {
      return "connection reset";
    }
    if (e instanceof SocketException && message.contains("broken pipe")) {
      return "connection closed by KMaaS";
    }
    return "connection failed (" + e.getClass().getSimpleName() + ")";
  }

  /** What an operator should look at, derived from the cause chain of a TLS failure. */
  static String tlsHint(Throwable e) {
    return tlsHint(e, null);
  }

  /**
   * What an operator should look at, derived from the cause chain of a TLS failure.
   *
   * @param caFile the CA bundle in use ({@code null}: the JDK trust store)
   */
  static String tlsHint(Throwable e, Path caFile) {
    String validity = validityHint(e);
    if (validity != null) {
      return validity;
    }
    for (Throwable t = e; t != null; t = t.getCause()) {
      String message = lower(t.getMessage());
      if (t instanceof CertPathBuilderException
          || t instanceof CertPathValidatorException
          || message.contains("unable to find valid certification path")) {
        return caFile == null
            ? "certificate not trusted (set --kmaas-ca-file)"
            : "certificate not trusted by the CAs in --kmaas-ca-file " + caFile;
      }
      if ((t instanceof SSLPeerUnverifiedException && message.contains("not verified"))
          || message.contains("subject alternative")
          || message.contains("no name matching")) {
        return "hostname mismatch (the certificate does not name the host in --kmaas-url)";
      }
      if (message.contains("certificate_expired")) {
        return "KMaaS refused the client certificate as expired (renew --kmaas-client-cert-file)";
      }
      if (message.contains("bad_certificate")
          || message.contains("certificate_required")
          || message.contains("unknown_ca")
          || message.contains("certificate_unknown")) {
        return "KMaaS refused the client certificate"
            + " (check --kmaas-client-cert-file and --kmaas-client-key-file)";
      }
      if (message.contains("protocol_version") || message.contains("no appropriate protocol")) {
        return "no common TLS version (TLS 1.2 or newer is required)";
      }
    }
    return "handshake failed (" + e.getClass().getSimpleName() + ")";
  }

  /**
   * Whether the certificate path failed on a validity period, most precisely: the JDK wraps the
   * {@link CertificateExpiredException} of the certificate at fault in a {@link
   * CertPathValidatorException} with reason {@code EXPIRED}; {@code null} when validity was not the
   * problem.
   */
  private static String validityHint(Throwable e) {
    String hint = null;
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof CertificateExpiredException) {
        return "certificate expired (renew the certificate KMaaS presents)";
      }
      if (t instanceof CertificateNotYetValidException) {
        return "certificate not yet valid (check the clocks of KMaaS and this node)";
      }
      if (t instanceof CertPathValidatorException v
          && (v.getReason() == CertPathValidatorException.BasicReason.EXPIRED
              || v.getReason() == CertPathValidatorException.BasicReason.NOT_YET_VALID)) {
        hint = "certificate expired or not yet valid";
      }
    }
    return hint;
  }

  /** {@code scheme://host:port} of {@code url}. */
  static String origin(HttpUrl url) {
    String host = url.host().contains(":") ? "[" + url.host() + "]" : url.host();
    return url.scheme() + "://" + host + ":" + url.port();
  }

  private static String lower(String s) {
    return s == null ? "" : s.toLowerCase(Locale.ROOT);
  }
}
