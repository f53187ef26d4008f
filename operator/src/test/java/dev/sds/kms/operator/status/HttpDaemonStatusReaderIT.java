package dev.sds.kms.operator.status;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Real HTTP servers on 127.0.0.1 playing daemon pods, each on its own port. */
class HttpDaemonStatusReaderIT {

  private static final Instant NOW = Instant.parse("2026-03-01T10:00:00Z");
  private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
  private static final String KEY_ID = "sds:acme/kek-2";
  private static final String KMAAS_DOWN =
      "KMaaS unreachable: connection refused (https://kmaas:3000)";
  private static final String SECRETISH = "BODY-MUST-NOT-LEAK";

  private final List<HttpServer> servers = new ArrayList<>();
  private final List<ExecutorService> executors = new ArrayList<>();
  private final CountDownLatch never = new CountDownLatch(1);
  private final Map<String, Integer> ports = new HashMap<>();

  @AfterEach
  void stopServers() {
    never.countDown();
    servers.forEach(s -> s.stop(0));
    executors.forEach(ExecutorService::shutdownNow);
  }

  // --- daemons ---

  private static String statusJson(String apiVersion, String healthz, String keyId) {
    return """
        {"version":"0.1.0","kmsApiVersion":"%s","healthz":"%s","keyId":"%s","kekId":"kek-2",\
        "lastCheckTime":"2026-03-01T09:59:30Z","lastSuccessTime":"2026-03-01T09:59:30Z",\
        "endpoint":"unix:///var/run/kmsplugin/kms.sock",\
        "kmaas":{"mode":"remote","url":"https://kmaas:3000","tenant":"acme"}}"""
        .formatted(apiVersion, healthz, keyId);
  }

  private static HttpHandler answering(int code, String body) {
    return exchange -> respond(exchange, code, body);
  }

  private static void respond(HttpExchange exchange, int code, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().add("Content-Type", "application/json");
    exchange.sendResponseHeaders(code, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  private HttpHandler neverAnswering() {
    return exchange -> {
      try {
        never.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      exchange.close();
    };
  }

  /** Starts a server for the pod on its own port; returns the pod. */
  private DaemonPod daemon(String node, HttpHandler handler) throws IOException {
    HttpServer server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    ExecutorService executor = Executors.newCachedThreadPool();
    executors.add(executor);
    server.setExecutor(executor);
    server.createContext("/status", handler);
    server.start();
    servers.add(server);
    return pod(node, server.getAddress().getPort());
  }

  private DaemonPod pod(String node, int port) {
    DaemonPod pod = new DaemonPod("kms-plugin-" + node, node, "127.0.0.1", true);
    ports.put(pod.podName(), port);
    return pod;
  }

  private static int closedPort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  /** The production reader, except that each pod's port comes from {@link #ports}. */
  private HttpDaemonStatusReader reader(Duration timeout, int maxInFlight) {
    return new HttpDaemonStatusReader(timeout, maxInFlight, Duration.ofSeconds(10), CLOCK) {
      @Override
      URI statusUri(DaemonPod pod, int port) {
        return super.statusUri(pod, ports.getOrDefault(pod.podName(), port));
      }
    };
  }

  // --- tests ---

  @Test
  void reportsEveryKindOfDaemonInTheOrderGiven() throws IOException {
    List<DaemonPod> pods =
        List.of(
            daemon("healthy", answering(200, statusJson("v2", "ok", KEY_ID))),
            daemon("kmaas-down", answering(200, statusJson("v2", KMAAS_DOWN, KEY_ID))),
            daemon("http-503", answering(503, "{\"error\":\"" + SECRETISH + "\"}")),
            daemon("garbage", answering(200, "<html>" + SECRETISH + "</html>")),
            daemon("no-key-id", answering(200, "{\"kmsApiVersion\":\"v2\",\"healthz\":\"ok\"}")),
            daemon("kms-v1", answering(200, statusJson("v1", "ok", KEY_ID))),
            pod("refusing", closedPort()),
            new DaemonPod("kms-plugin-pending", "pending", null, false));

    List<DaemonReport> reports = reader(Duration.ofSeconds(2), 8).read(pods, 8083);

    assertThat(reports).extracting(DaemonReport::pod).containsExactlyElementsOf(pods);
    assertThat(reports).allSatisfy(r -> assertThat(r.checkedAt()).isEqualTo(NOW));
    assertThat(reports.get(0))
        .isEqualTo(new DaemonReport(pods.get(0), true, "ok", KEY_ID, NOW, null));
    assertThat(reports.get(0).healthy()).isTrue();
    assertThat(reports.get(1))
        .isEqualTo(new DaemonReport(pods.get(1), true, KMAAS_DOWN, KEY_ID, NOW, null));
    assertThat(reports.get(1).healthy()).isFalse();
    assertThat(reports.subList(2, 8))
        .extracting(DaemonReport::reachable, DaemonReport::healthz, DaemonReport::keyId)
        .containsOnly(tuple(false, null, null));
    assertThat(reports.subList(2, 8))
        .extracting(DaemonReport::error)
        .containsExactly(
            "HTTP 503",
            "not the daemon's /status JSON",
            "not the daemon's /status JSON",
            "the daemon does not speak KMS API v2",
            "connection refused",
            "pod has no IP yet");
    assertThat(reports)
        .extracting(DaemonReport::error)
        .noneMatch(e -> e != null && e.contains(SECRETISH));
  }

  @Test
  void daemonsThatNeverAnswerTimeOutTogetherNotOneAfterAnother() throws IOException {
    DaemonPod first = daemon("slow-0", neverAnswering());
    int port = ports.get(first.podName());
    List<DaemonPod> pods = new ArrayList<>(List.of(first));
    IntStream.range(1, 5).forEach(i -> pods.add(pod("slow-" + i, port)));

    long start = System.nanoTime();
    List<DaemonReport> reports = reader(Duration.ofMillis(500), 8).read(pods, 8083);
    Duration took = Duration.ofNanos(System.nanoTime() - start);

    assertThat(reports)
        .hasSize(5)
        .allSatisfy(
            r -> {
              assertThat(r.reachable()).isFalse();
              assertThat(r.error()).isEqualTo("timed out after 500ms");
            });
    assertThat(took).isLessThan(Duration.ofSeconds(3));
  }

  @Test
  void neverHasMoreRequestsInFlightThanAllowed() throws IOException {
    AtomicInteger inHandler = new AtomicInteger();
    AtomicInteger arrived = new AtomicInteger();
    AtomicInteger mostAtOnce = new AtomicInteger();
    Semaphore gate = new Semaphore(0);
    HttpHandler gated =
        exchange -> {
          arrived.incrementAndGet();
          mostAtOnce.accumulateAndGet(inHandler.incrementAndGet(), Math::max);
          try {
            gate.acquire();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          inHandler.decrementAndGet();
          respond(exchange, 200, statusJson("v2", "ok", KEY_ID));
        };
    DaemonPod first = daemon("gated-0", gated);
    int port = ports.get(first.podName());
    List<DaemonPod> pods = new ArrayList<>(List.of(first));
    IntStream.range(1, 6).forEach(i -> pods.add(pod("gated-" + i, port)));
    HttpDaemonStatusReader reader = reader(Duration.ofSeconds(5), 2);

    CompletableFuture<List<DaemonReport>> reading =
        CompletableFuture.supplyAsync(() -> reader.read(pods, 8083));
    await().atMost(Duration.ofSeconds(5)).until(() -> arrived.get() >= 2);
    gate.release(pods.size());
    List<DaemonReport> reports = reading.join();

    assertThat(reports).allSatisfy(r -> assertThat(r.healthy()).isTrue());
    assertThat(arrived.get()).isEqualTo(6);
    assertThat(mostAtOnce.get()).isEqualTo(2);
  }

  @Test
  void aBodyLargerThanAnyStatusIsRefusedWithoutReadingItAll() throws IOException {
    DaemonPod pod = daemon("huge", answering(200, "{\"x\":\"" + "a".repeat(200_000) + "\"}"));

    List<DaemonReport> reports = reader(Duration.ofSeconds(2), 8).read(List.of(pod), 8083);

    assertThat(reports.get(0).error()).isEqualTo("response larger than 64 KiB");
  }

  @Test
  void statusUriBracketsIpv6PodIps() {
    HttpDaemonStatusReader reader = new HttpDaemonStatusReader();

    assertThat(reader.statusUri(new DaemonPod("p", "n", "fd00:10:244::7", true), 8083))
        .hasToString("http://[fd00:10:244::7]:8083/status");
    assertThat(reader.statusUri(new DaemonPod("p", "n", "10.244.0.7", true), 8083))
        .hasToString("http://10.244.0.7:8083/status");
  }

  @Test
  void anEmptyListReadsNothing() {
    assertThat(new HttpDaemonStatusReader().read(List.of(), 8083)).isEmpty();
  }

  @Test
  void aStoppingOperatorGetsAnswersInsteadOfAnException() throws Exception {
    DaemonPod pod = daemon("slow", neverAnswering());
    CompletableFuture<List<DaemonReport>> result = new CompletableFuture<>();
    Thread reading =
        new Thread(
            () -> {
              Thread.currentThread().interrupt();
              result.complete(reader(Duration.ofMillis(300), 1).read(List.of(pod, pod), 8083));
            });
    reading.start();

    List<DaemonReport> reports = result.get(5, TimeUnit.SECONDS);

    assertThat(reports).hasSize(2).allSatisfy(r -> assertThat(r.reachable()).isFalse());
  }
}
