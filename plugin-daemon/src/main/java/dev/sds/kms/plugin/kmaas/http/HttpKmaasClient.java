package dev.sds.kms.plugin.kmaas.http;

import dev.failsafe.Failsafe;
import dev.failsafe.FailsafeException;
import dev.failsafe.RetryPolicy;
import dev.failsafe.RetryPolicyBuilder;
import dev.sds.kms.plugin.kmaas.KmaasClient;
import dev.sds.kms.plugin.kmaas.KmaasDescription;
import dev.sds.kms.plugin.kmaas.KmaasException;
import dev.sds.kms.plugin.kmaas.KmaasFailure;
import dev.sds.kms.plugin.kmaas.KmaasSettings;
import dev.sds.kms.plugin.kmaas.WrapResult;
import io.grpc.Deadline;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import okhttp3.Call;
import okhttp3.ConnectionPool;
import okhttp3.Dns;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.Response;
import okio.BufferedSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link KmaasClient} for a KMaaS over HTTPS: the shared transport, with the wire protocol ({@link
 * KmaasSettings#protocol()}: SDS KMaaS's crypto-api or the KACLS API) plugged in as a {@link
 * ProtocolAdapter}.
 *
 * <p>One {@link OkHttpClient} (connection pool, HTTP/2 and HTTP/1.1, no redirects, no retries of
 * its own) serves every call; it is rebuilt when a TLS file changes on disk ({@link
 * ReloadingTlsClient}). Each wrap/unwrap retries failures that a retry can fix ({@link
 * KmaasFailure#retryable()}, and an attempt's own timeout while the deadline has time left) with
 * exponential backoff and jitter (100 ms up to 2 s, or KMaaS's {@code Retry-After}), never past the
 * caller's {@link Deadline}: every attempt's call timeout is the smaller of {@link
 * KmaasSettings#callTimeout()} and the time left. Other failures fail at once. When the deadline
 * runs out the exception reads {@code "KMaaS call deadline exceeded after N attempts: <last
 * failure>"}; its class is the last failure's when that was retryable ({@code UNREACHABLE}, {@code
 * SERVER_ERROR}, {@code THROTTLED}), else {@code TIMEOUT}.
 *
 * <p>Failures are not logged here (the metering decorator does that); exception messages never
 * carry credentials, key material or KMaaS's bodies.
 */
public final class HttpKmaasClient implements KmaasClient {
  /**
   * Idle connections kept to KMaaS. kube-apiserver sends bursts of concurrent calls (a restart
   * decrypts many seeds at once); with fewer, each burst would pay new TLS handshakes.
   */
  static final int MAX_IDLE_CONNECTIONS = 64;

  static final Duration FIRST_RETRY_DELAY = Duration.ofMillis(100);
  static final Duration MAX_RETRY_DELAY = Duration.ofSeconds(2);
  static final double JITTER = 0.25;
  static final Duration DEFAULT_CALL_TIMEOUT = Duration.ofSeconds(5);
  static final long MAX_BODY_BYTES = 64 * 1024;

  private static final Logger LOG = LoggerFactory.getLogger(HttpKmaasClient.class);

  private final ReloadingTlsClient http;
  private final ProtocolAdapter protocol;
  private final Duration callTimeout;
  private final KmaasDescription description;

  /**
   * @throws IllegalArgumentException when the URL is not {@code https://}, the tenant is empty or a
   *     TLS file is unusable (the message names the setting)
   */
  public HttpKmaasClient(KmaasSettings settings) {
    this(settings, Dns.SYSTEM);
  }

  /**
   * With a resolver other than the system's (tests use it to make KMaaS's host name stop and start
   * resolving).
   *
   * @throws IllegalArgumentException as {@link #HttpKmaasClient(KmaasSettings)}
   */
  public HttpKmaasClient(KmaasSettings settings, Dns dns) {
    Objects.requireNonNull(settings, "settings");
    Objects.requireNonNull(dns, "dns");
    URI url = requireHttpsUrl(settings.url());
    if (settings.tenant() == null || settings.tenant().isBlank()) {
      throw new IllegalArgumentException("the KMaaS tenant (KMAAS_TENANT_ID) must not be empty");
    }
    this.callTimeout = callTimeout(settings.callTimeout());
    this.description =
        new KmaasDescription(
            "remote", withoutUserInfo(url), settings.tenant(), settings.protocol().wireName());
    this.protocol = ProtocolAdapter.of(settings, HttpUrl.get(url));
    this.http = new ReloadingTlsClient(settings, httpClient(dns, callTimeout));
  }

  private static URI requireHttpsUrl(URI url) {
    if (url == null) {
      throw new IllegalArgumentException("--kmaas-url is required for the remote KMaaS client");
    }
    if (!"https".equalsIgnoreCase(url.getScheme()) || url.getHost() == null) {
      String scheme = url.getScheme() == null ? "none" : url.getScheme();
      throw new IllegalArgumentException(
          "--kmaas-url must be https://<host>[:<port>][/<prefix>] (got scheme " + scheme + ")");
    }
    return url;
  }

  private static Duration callTimeout(Duration configured) {
    if (configured == null) {
      return DEFAULT_CALL_TIMEOUT;
    }
    if (configured.isNegative() || configured.isZero()) {
      throw new IllegalArgumentException("the KMaaS call timeout must be positive");
    }
    return configured;
  }

  private static String withoutUserInfo(URI url) {
    try {
      return new URI(url.getScheme(), null, url.getHost(), url.getPort(), url.getPath(), null, null)
          .toString();
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("--kmaas-url is not a valid URL");
    }
  }

  /** Everything but TLS, which {@link ReloadingTlsClient} adds and renews. */
  private static OkHttpClient httpClient(Dns dns, Duration callTimeout) {
    return new OkHttpClient.Builder()
        .dns(dns)
        .connectionPool(new ConnectionPool(MAX_IDLE_CONNECTIONS, 5, TimeUnit.MINUTES))
        .protocols(List.of(Protocol.HTTP_2, Protocol.HTTP_1_1))
        .retryOnConnectionFailure(false)
        .followRedirects(false)
        .followSslRedirects(false)
        .connectTimeout(callTimeout)
        .readTimeout(callTimeout)
        .writeTimeout(callTimeout)
        .build();
  }

  @Override
  public WrapResult wrap(byte[] plaintext, Deadline deadline) throws KmaasException {
    Objects.requireNonNull(plaintext, "plaintext");
    Objects.requireNonNull(deadline, "deadline");
    return protocol.wrap(plaintext, new Exchange(deadline));
  }

  @Override
  public byte[] unwrap(byte[] ciphertext, String kekId, Deadline deadline) throws KmaasException {
    Objects.requireNonNull(ciphertext, "ciphertext");
    Objects.requireNonNull(kekId, "kekId");
    Objects.requireNonNull(deadline, "deadline");
    return protocol.unwrap(ciphertext, kekId, new Exchange(deadline));
  }

  @Override
  public KmaasDescription describe() {
    return description;
  }

  @Override
  public void close() {
    http.base().dispatcher().executorService().shutdown();
    http.base().connectionPool().evictAll();
  }

  /** The transport for one wrap or unwrap: its exchanges share the caller's deadline. */
  private final class Exchange implements KmaasExchange {
    private final Deadline deadline;

    Exchange(Deadline deadline) {
      this.deadline = deadline;
    }

    @Override
    public <T> T call(RequestFactory request, BodyParser<T> parser) throws KmaasException {
      return HttpKmaasClient.this.call(deadline, request, parser);
    }
  }

  private <T> T call(
      Deadline deadline, KmaasExchange.RequestFactory request, KmaasExchange.BodyParser<T> parser)
      throws KmaasException {
    Attempts<T> attempts = new Attempts<>(deadline, request, parser);
    long remaining = deadline.timeRemaining(TimeUnit.NANOSECONDS);
    if (remaining <= 0) {
      throw attempts.deadlineExceeded();
    }
    try {
      return Failsafe.with(retryPolicy(remaining)).get(attempts::attempt);
    } catch (AttemptFailure failure) {
      throw attempts.finalFailure(failure);
    } catch (FailsafeException e) {
      if (e.getCause() instanceof InterruptedException) {
        throw attempts.interrupted();
      }
      throw new KmaasException(KmaasFailure.PROTOCOL, "KMaaS call failed unexpectedly", e);
    }
  }

  private static <T> RetryPolicy<T> retryPolicy(long remainingNanos) {
    RetryPolicyBuilder<T> builder =
        RetryPolicy.<T>builder()
            .handleIf(e -> e instanceof AttemptFailure failure && failure.retry())
            .withBackoff(FIRST_RETRY_DELAY, MAX_RETRY_DELAY)
            .withJitter(JITTER)
            .withDelayFnOn(
                context -> ((AttemptFailure) context.getLastException()).jitteredRetryAfter(),
                AttemptFailure.class)
            .onRetryScheduled(
                event ->
                    LOG.debug(
                        "KMaaS attempt {} failed ({}); retrying in {} ms",
                        event.getAttemptCount(),
                        ((AttemptFailure) event.getLastException()).exception().failure().label(),
                        event.getDelay().toMillis()));
    if (remainingNanos > FIRST_RETRY_DELAY.toNanos()) {
      // Failsafe shortens the last delay so that no retry starts after the deadline.
      builder.withMaxRetries(-1).withMaxDuration(Duration.ofNanos(remainingNanos));
    } else {
      builder.withMaxRetries(0); // not even the shortest backoff fits before the deadline
    }
    return builder.build();
  }

  /** The attempts of one wrap or unwrap call. */
  private final class Attempts<T> {
    private final Deadline deadline;
    private final KmaasExchange.RequestFactory request;
    private final KmaasExchange.BodyParser<T> parser;
    private int count;
    private KmaasException last;

    Attempts(
        Deadline deadline,
        KmaasExchange.RequestFactory request,
        KmaasExchange.BodyParser<T> parser) {
      this.deadline = deadline;
      this.request = request;
      this.parser = parser;
    }

    T attempt() {
      long left = deadline.timeRemaining(TimeUnit.NANOSECONDS);
      if (left <= 0) {
        throw AttemptFailure.fatal(deadlineExceeded());
      }
      Request authorized = request();
      count++;
      Call call = http.current().newCall(authorized);
      call.timeout().timeout(Math.min(callTimeout.toNanos(), left), TimeUnit.NANOSECONDS);
      try (Response response = call.execute()) {
        byte[] body = readBounded(response.body().source());
        if (response.isSuccessful()) {
          if (body == null) {
            throw AttemptFailure.fatal(
                new KmaasException(
                    KmaasFailure.PROTOCOL,
                    "KMaaS answer from " + authorized.url() + " is larger than 64 KiB"));
          }
          return parser.parse(body);
        }
        throw statusFailure(response, body, authorized.url());
      } catch (IOException e) {
        if (Thread.currentThread().isInterrupted()) {
          throw AttemptFailure.fatal(interrupted());
        }
        KmaasException failure =
            KmaasErrorClassifier.forIOException(
                e, authorized.url(), http.caFile(), http.reloadProblem());
        if (failure.failure() == KmaasFailure.TIMEOUT) {
          if (!deadline.isExpired()) {
            throw remember(failure, true); // this attempt's own timeout; time is left for another
          }
          if (last != null) {
            // A retry cut short by the deadline explains less than the failure that caused it.
            throw AttemptFailure.fatal(deadlineExceeded());
          }
        }
        throw remember(failure, failure.failure().retryable());
      } catch (KmaasException e) {
        throw AttemptFailure.fatal(e);
      }
    }

    private Request request() {
      try {
        return request.create();
      } catch (KmaasException e) {
        throw AttemptFailure.fatal(e);
      }
    }

    private AttemptFailure statusFailure(Response response, byte[] body, HttpUrl url) {
      KmaasException failure =
          KmaasErrorClassifier.forStatus(
              response.code(), body == null ? OptionalInt.empty() : protocol.errorCode(body), url);
      if (response.code() != 429) {
        return remember(failure, failure.failure().retryable());
      }
      Optional<Duration> retryAfter =
          KmaasErrorClassifier.retryAfter(response.header("Retry-After"));
      if (retryAfter.isPresent()
          && retryAfter.get().toNanos() >= deadline.timeRemaining(TimeUnit.NANOSECONDS)) {
        last = failure;
        return AttemptFailure.fatal(
            new KmaasException(
                KmaasFailure.THROTTLED,
                failure.getMessage()
                    + "; Retry-After "
                    + retryAfter.get().toSeconds()
                    + " s is beyond the deadline"));
      }
      last = failure;
      return new AttemptFailure(failure, true, retryAfter.orElse(null));
    }

    private AttemptFailure remember(KmaasException failure, boolean retry) {
      last = failure;
      return new AttemptFailure(failure, retry, null);
    }

    KmaasException finalFailure(AttemptFailure failure) {
      boolean outOfTime = failure.retry() || failure.exception().failure() == KmaasFailure.TIMEOUT;
      if (outOfTime && failure.exception() == last) {
        return deadlineExceeded();
      }
      return failure.exception();
    }

    /**
     * The deadline ran out. A retryable last failure keeps its class (KMaaS unreachable for the
     * whole deadline is {@code UNREACHABLE}, not a mere timeout); otherwise {@code TIMEOUT}.
     */
    KmaasException deadlineExceeded() {
      if (last == null) {
        return new KmaasException(
            KmaasFailure.TIMEOUT, "KMaaS call deadline exceeded before the first attempt");
      }
      return new KmaasException(
          last.failure().retryable() ? last.failure() : KmaasFailure.TIMEOUT,
          "KMaaS call deadline exceeded after "
              + count
              + (count == 1 ? " attempt: " : " attempts: ")
              + last.getMessage(),
          last);
    }

    KmaasException interrupted() {
      Thread.currentThread().interrupt();
      return new KmaasException(
          KmaasFailure.TIMEOUT, "KMaaS call interrupted after " + count + " attempt(s)", last);
    }
  }

  /** The body, or {@code null} when it is larger than {@link #MAX_BODY_BYTES}. */
  private static byte[] readBounded(BufferedSource source) throws IOException {
    if (source.request(MAX_BODY_BYTES + 1)) {
      return null;
    }
    return source.getBuffer().readByteArray();
  }

  /** One failed attempt, as Failsafe sees it; never leaves this class. */
  private static final class AttemptFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private static final Duration USE_BACKOFF = Duration.ofNanos(-1);

    private final transient KmaasException exception;
    private final boolean retry;
    private final Duration retryAfter;

    AttemptFailure(KmaasException exception, boolean retry, Duration retryAfter) {
      super(exception.getMessage(), null, false, false);
      this.exception = exception;
      this.retry = retry;
      this.retryAfter = retryAfter;
    }

    static AttemptFailure fatal(KmaasException exception) {
      return new AttemptFailure(exception, false, null);
    }

    KmaasException exception() {
      return exception;
    }

    boolean retry() {
      return retry;
    }

    /**
     * KMaaS's Retry-After, scaled so that Failsafe's jitter (applied to every delay) never brings
     * it below what KMaaS asked for; negative (Failsafe then uses the backoff) when KMaaS did not
     * ask.
     */
    Duration jitteredRetryAfter() {
      if (retryAfter == null || retryAfter.isZero()) {
        return USE_BACKOFF;
      }
      return Duration.ofNanos((long) (retryAfter.toNanos() / (1 - JITTER)));
    }
  }
}
