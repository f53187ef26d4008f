package dev.sds.kms.operator.testing;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * The daemons' {@code /status} as the operator reads it, served by a real HTTP server on 127.0.0.1:
 * every daemon pod of a test (all with pod IP 127.0.0.1) answers what {@link #healthz} and {@link
 * #keyId} say, so a test can make them all switch key id at once.
 */
public final class FakeDaemons implements AutoCloseable {
  private final HttpServer server;
  public volatile String healthz = "ok";
  public volatile String keyId;

  public FakeDaemons(String keyId) throws IOException {
    this.keyId = keyId;
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
    server.createContext(
        "/status",
        exchange -> {
          byte[] body =
              ("{\"version\":\"0.1.0\",\"kmsApiVersion\":\"v2\",\"healthz\":\""
                      + healthz
                      + "\",\"keyId\":\""
                      + this.keyId
                      + "\",\"kekId\":\"kek\",\"lastCheckTime\":null,\"lastSuccessTime\":null,"
                      + "\"endpoint\":\"unix:///var/run/kmsplugin/kms.sock\","
                      + "\"kmaas\":{\"mode\":\"remote\",\"url\":\"https://kmaas:3000\","
                      + "\"tenant\":\"acme\"}}")
                  .getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().set("Content-Type", "application/json");
          exchange.sendResponseHeaders(200, body.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
          }
        });
    server.start();
  }

  /** The port to put in {@code spec.httpPort}. */
  public int port() {
    return server.getAddress().getPort();
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
