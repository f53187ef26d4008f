package dev.sds.kms.operator.status;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.EOFException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.ProtocolException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Reads {@code GET http://<podIp>:<port>/status} of each daemon pod over plain HTTP.
 *
 * <p>Each request has its own timeout (connect, headers and body); at most {@code maxInFlight}
 * requests run at once; pods not yet asked when the total budget is spent are reported as not
 * asked. So one {@link #read} takes at most about {@code totalBudget + timeout}. It never throws:
 * every problem becomes an unreachable {@link DaemonReport} with a short, secret-free error that
 * never quotes the response body.
 */
public class HttpDaemonStatusReader implements DaemonStatusReader {

  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(2);
  public static final int DEFAULT_MAX_IN_FLIGHT = 8;
  public static final Duration DEFAULT_TOTAL_BUDGET = Duration.ofSeconds(10);

  /** The daemon's /status is a few hundred bytes; anything much larger is not it. */
  static final int MAX_BODY_BYTES = 64 * 1024;

  static final String NO_IP = "pod has no IP yet";
  static final String NOT_STATUS_JSON = "not the daemon's /status JSON";

  private static final int MAX_HEALTHZ_CHARS = 256;
  private static final int MAX_KEY_ID_CHARS = 1024;

  private final ObjectMapper mapper = new ObjectMapper();
  private final HttpClient client;
  private final Duration timeout;
  private final int maxInFlight;
  private final Duration totalBudget;
  private final Clock clock;

  /** 2 s per request, 8 in flight, 10 s budget, system clock. */
  public HttpDaemonStatusReader() {
    this(DEFAULT_TIMEOUT, DEFAULT_MAX_IN_FLIGHT, DEFAULT_TOTAL_BUDGET, Clock.systemUTC());
  }

  /**
   * @param timeout per request: connect, response headers and body
   * @param maxInFlight requests running at once
   * @param totalBudget time after which pods not yet asked are reported as not asked
   * @param clock gives {@link DaemonReport#checkedAt()}
   */
  public HttpDaemonStatusReader(
      Duration timeout, int maxInFlight, Duration totalBudget, Clock clock) {
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("timeout must be positive");
    }
    if (maxInFlight < 1) {
      throw new IllegalArgumentException("maxInFlight must be at least 1");
    }
    this.timeout = timeout;
    this.maxInFlight = maxInFlight;
    this.totalBudget = Objects.requireNonNull(totalBudget, "totalBudget");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.client =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(timeout)
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
  }

  @Override
  public List<DaemonReport> read(List<DaemonPod> pods, int port) {
    long deadline = System.nanoTime() + totalBudget.toNanos();
    Semaphore slots = new Semaphore(maxInFlight);
    List<CompletableFuture<DaemonReport>> results = new ArrayList<>(pods.size());
    boolean interrupted = false;
    for (DaemonPod pod : pods) {
      if (pod.podIp() == null || pod.podIp().isBlank()) {
        results.add(CompletableFuture.completedFuture(unreachable(pod, clock.instant(), NO_IP)));
        continue;
      }
      if (interrupted || !acquire(slots, deadline)) {
        interrupted |= Thread.currentThread().isInterrupted();
        String why =
            interrupted
                ? "not asked: the operator is stopping"
                : "not asked: the status read ran out of its " + human(totalBudget) + " budget";
        results.add(CompletableFuture.completedFuture(unreachable(pod, clock.instant(), why)));
        continue;
      }
      results.add(ask(pod, port).whenComplete((r, e) -> slots.release()));
    }
    List<DaemonReport> reports = new ArrayList<>(pods.size());
    for (int i = 0; i < pods.size(); i++) {
      reports.add(await(results.get(i), pods.get(i)));
    }
    return reports;
  }

  /**
   * The URI asked for one pod. Package-private so that tests can point pods at local servers on
   * different ports.
   */
  URI statusUri(DaemonPod pod, int port) {
    String ip = pod.podIp();
    String host = ip.indexOf(':') >= 0 && !ip.startsWith("[") ? "[" + ip + "]" : ip;
    return URI.create("http://" + host + ":" + port + "/status");
  }

  private CompletableFuture<DaemonReport> ask(DaemonPod pod, int port) {
    Instant checkedAt = clock.instant();
    HttpRequest request;
    try {
      request =
          HttpRequest.newBuilder(statusUri(pod, port))
              .timeout(timeout)
              .header("Accept", "application/json")
              .GET()
              .build();
    } catch (IllegalArgumentException e) {
      return CompletableFuture.completedFuture(
          unreachable(pod, checkedAt, "pod IP is not a valid address"));
    }
    CompletableFuture<HttpResponse<byte[]>> exchange;
    try {
      exchange = client.sendAsync(request, info -> limitedBody(info.statusCode()));
    } catch (RuntimeException e) {
      return CompletableFuture.completedFuture(unreachable(pod, checkedAt, describe(e)));
    }
    // the request timeout stops at the response headers; this bounds the body too
    return exchange
        .copy()
        .orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
        .handle(
            (response, failure) -> {
              if (failure != null) {
                exchange.cancel(true);
                return unreachable(pod, checkedAt, describe(failure));
              }
              return interpret(pod, checkedAt, response);
            });
  }

  private DaemonReport interpret(DaemonPod pod, Instant checkedAt, HttpResponse<byte[]> response) {
    if (response.statusCode() != 200) {
      return unreachable(pod, checkedAt, "HTTP " + response.statusCode());
    }
    JsonNode json;
    try {
      json = mapper.readTree(response.body());
    } catch (IOException | RuntimeException e) {
      return unreachable(pod, checkedAt, NOT_STATUS_JSON);
    }
    if (json == null || !json.isObject()) {
      return unreachable(pod, checkedAt, NOT_STATUS_JSON);
    }
    JsonNode healthz = json.get("healthz");
    JsonNode keyId = json.get("keyId");
    JsonNode apiVersion = json.get("kmsApiVersion");
    if (healthz == null || !healthz.isTextual() || keyId == null || !keyId.isTextual()) {
      return unreachable(pod, checkedAt, NOT_STATUS_JSON);
    }
    if (apiVersion == null || !"v2".equals(apiVersion.asText())) {
      return unreachable(pod, checkedAt, "the daemon does not speak KMS API v2");
    }
    String key = keyId.asText();
    return new DaemonReport(
        pod,
        true,
        shorten(healthz.asText(), MAX_HEALTHZ_CHARS),
        key.isEmpty() ? null : shorten(key, MAX_KEY_ID_CHARS),
        checkedAt,
        null);
  }

  private DaemonReport await(CompletableFuture<DaemonReport> result, DaemonPod pod) {
    try {
      // every future completes within its own timeout; the margin only guards against surprises
      return result.get(timeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return unreachable(pod, clock.instant(), "not asked: the operator is stopping");
    } catch (ExecutionException | TimeoutException | CancellationException e) {
      return unreachable(pod, clock.instant(), describe(e));
    }
  }

  private static boolean acquire(Semaphore slots, long deadline) {
    try {
      return slots.tryAcquire(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** One place that turns a failed exchange into a short error; never quotes the response. */
  String describe(Throwable failure) {
    Throwable t = failure;
    while ((t instanceof CompletionException || t instanceof ExecutionException)
        && t.getCause() != null) {
      t = t.getCause();
    }
    if (t instanceof HttpTimeoutException
        || t instanceof TimeoutException
        || t instanceof CancellationException) {
      return "timed out after " + human(timeout);
    }
    if (t instanceof BodyTooLarge) {
      return "response larger than " + (MAX_BODY_BYTES / 1024) + " KiB";
    }
    if (t instanceof ConnectException) {
      String m = String.valueOf(t.getMessage()).toLowerCase(Locale.ROOT);
      if (m.contains("no route")) {
        return "no route to host";
      }
      if (m.contains("unreachable")) {
        return "network unreachable";
      }
      return "connection refused";
    }
    if (t instanceof ProtocolException) {
      return "not an HTTP/1.1 response";
    }
    if (t instanceof EOFException
        || String.valueOf(t.getMessage()).contains("no bytes")
        || String.valueOf(t.getMessage()).contains("EOF")) {
      return "connection closed before a response";
    }
    if (t instanceof IOException) {
      return "I/O error (" + t.getClass().getSimpleName() + ")";
    }
    return "unexpected error (" + t.getClass().getSimpleName() + ")";
  }

  private static DaemonReport unreachable(DaemonPod pod, Instant checkedAt, String error) {
    return new DaemonReport(pod, false, null, null, checkedAt, error);
  }

  private static String shorten(String s, int max) {
    return s.length() <= max ? s : s.substring(0, max - 1) + "…";
  }

  /** {@code 2s}, {@code 500ms}, {@code 1m}. */
  static String human(Duration d) {
    long ms = d.toMillis();
    if (ms % 60_000 == 0 && ms > 0) {
      return ms / 60_000 + "m";
    }
    if (ms % 1000 == 0) {
      return ms / 1000 + "s";
    }
    return ms + "ms";
  }

  private static HttpResponse.BodySubscriber<byte[]> limitedBody(int statusCode) {
    if (statusCode != 200) {
      return HttpResponse.BodySubscribers.replacing(new byte[0]);
    }
    return new LimitedBody(MAX_BODY_BYTES);
  }

  private static final class BodyTooLarge extends IOException {
    BodyTooLarge() {
      super("response body too large");
    }
  }

  /** Collects at most {@code limit} bytes, then gives up instead of growing without bound. */
  private static final class LimitedBody implements HttpResponse.BodySubscriber<byte[]> {
    private final CompletableFuture<byte[]> body = new CompletableFuture<>();
    private final int limit;
    private byte[] bytes = new byte[1024];
    private int size;
    private Flow.Subscription subscription;

    LimitedBody(int limit) {
      this.limit = limit;
    }

    @Override
    public void onSubscribe(Flow.Subscription subscription) {
      this.subscription = subscription;
      subscription.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(List<ByteBuffer> items) {
      for (ByteBuffer item : items) {
        int n = item.remaining();
        if (size + n > limit) {
          subscription.cancel();
          body.completeExceptionally(new BodyTooLarge());
          return;
        }
        if (size + n > bytes.length) {
          bytes = Arrays.copyOf(bytes, Math.min(limit, Math.max(size + n, 2 * size)));
        }
        item.get(bytes, size, n);
        size += n;
      }
    }

    @Override
    public void onError(Throwable throwable) {
      body.completeExceptionally(throwable);
    }

    @Override
    public void onComplete() {
      body.complete(Arrays.copyOf(bytes, size));
    }

    @Override
    public CompletableFuture<byte[]> getBody() {
      return body;
    }
  }
}
