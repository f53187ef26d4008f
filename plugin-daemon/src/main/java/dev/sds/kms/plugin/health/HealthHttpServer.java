package dev.sds.kms.plugin.health;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import dev.sds.kms.plugin.kmaas.KmaasDescription;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Plain HTTP for the kubelet, Prometheus and the operator: {@code /livez} (the process serves),
 * {@code /readyz} (socket serving and the last KMaaS check good), {@code /metrics} (Prometheus
 * text) and {@code /status} (JSON, {@link StatusDocument}). Liveness ignores KMaaS: restarting the
 * daemon cannot fix KMaaS.
 */
public final class HealthHttpServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(HealthHttpServer.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final HttpServer server;
  private final ExecutorService executor;

  public HealthHttpServer(
      InetSocketAddress address,
      PluginState state,
      BooleanSupplier socketServing,
      PrometheusMeterRegistry registry,
      String version,
      String endpoint,
      KmaasDescription kmaas)
      throws IOException {
    server = HttpServer.create(address, 16);
    executor =
        Executors.newFixedThreadPool(
            2,
            runnable -> {
              Thread thread = new Thread(runnable, "health-http");
              thread.setDaemon(true);
              return thread;
            });
    server.setExecutor(executor);
    server.createContext("/livez", get(x -> send(x, 200, "text/plain", "ok\n")));
    server.createContext(
        "/readyz",
        get(
            x -> {
              PluginState.Snapshot s = state.current();
              if (!socketServing.getAsBoolean()) {
                send(x, 503, "text/plain", "gRPC socket not serving\n");
              } else if (!s.healthy()) {
                send(x, 503, "text/plain", s.healthz() + "\n");
              } else {
                send(x, 200, "text/plain", "ok\n");
              }
            }));
    server.createContext(
        "/metrics",
        get(x -> send(x, 200, "text/plain; version=0.0.4; charset=utf-8", registry.scrape())));
    server.createContext(
        "/status",
        get(
            x ->
                send(
                    x,
                    200,
                    "application/json",
                    JSON.writeValueAsString(
                        StatusDocument.of(version, state.current(), endpoint, kmaas)))));
    server.createContext("/", get(x -> send(x, 404, "text/plain", "not found\n")));
  }

  public void start() {
    server.start();
    LOG.debug("health HTTP serving on {}", address());
  }

  /** The bound address (the real port when configured with port 0). */
  public InetSocketAddress address() {
    return server.getAddress();
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }

  private interface Handler {
    void handle(HttpExchange exchange) throws IOException;
  }

  private static HttpHandler get(Handler handler) {
    return exchange -> {
      try (exchange) {
        String method = exchange.getRequestMethod();
        if (!"GET".equals(method) && !"HEAD".equals(method)) {
          exchange.getResponseHeaders().set("Allow", "GET, HEAD");
          send(exchange, 405, "text/plain", "method not allowed\n");
          return;
        }
        handler.handle(exchange);
      } catch (IOException | RuntimeException e) {
        LOG.debug("health HTTP request failed: {}", e.toString());
      }
    };
  }

  private static void send(HttpExchange exchange, int code, String type, String body)
      throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", type);
    boolean head = "HEAD".equals(exchange.getRequestMethod());
    exchange.sendResponseHeaders(code, head ? -1 : bytes.length);
    if (!head) {
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    }
  }
}
