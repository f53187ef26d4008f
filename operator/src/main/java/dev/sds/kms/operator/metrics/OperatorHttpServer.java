package dev.sds.kms.operator.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;

/** The operator's {@code /metrics} (Prometheus text) and {@code /healthz} for the kubelet. */
public final class OperatorHttpServer implements AutoCloseable {
  private final HttpServer server;

  public OperatorHttpServer(
      InetSocketAddress address, OperatorMetrics metrics, BooleanSupplier healthy)
      throws IOException {
    server = HttpServer.create(address, 16);
    server.setExecutor(
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "operator-http");
              t.setDaemon(true);
              return t;
            }));
    server.createContext(
        "/metrics",
        x -> send(x, 200, "text/plain; version=0.0.4; charset=utf-8", metrics.registry().scrape()));
    server.createContext(
        "/healthz",
        x ->
            send(
                x,
                healthy.getAsBoolean() ? 200 : 503,
                "text/plain",
                healthy.getAsBoolean() ? "ok\n" : "not running\n"));
  }

  public void start() {
    server.start();
  }

  public InetSocketAddress address() {
    return server.getAddress();
  }

  @Override
  public void close() {
    server.stop(0);
  }

  private static void send(HttpExchange exchange, int code, String type, String body)
      throws IOException {
    try (exchange) {
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", type);
      exchange.sendResponseHeaders(code, bytes.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    }
  }
}
