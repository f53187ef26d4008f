package dev.sds.kms.operator.testing;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One fake daemon {@code /status} per node, each on its own loopback address (127.0.0.2, .3, …;
 * Linux routes all of 127/8 to lo) and one shared port, as daemon pods on their pod IPs with one
 * {@code spec.httpPort}: unlike {@link FakeDaemons}, each node can report its own key id, as during
 * a rolling restart.
 */
public final class FakeNodeDaemons implements AutoCloseable {
  private final List<HttpServer> servers = new ArrayList<>();
  private final List<String> nodes;
  private final List<String> ips = new ArrayList<>();
  private final Map<String, String> keyIds = new ConcurrentHashMap<>();
  private final int port;

  public FakeNodeDaemons(List<String> nodes, String keyId) throws IOException {
    this.nodes = List.copyOf(nodes);
    int p;
    try (ServerSocket probe = new ServerSocket(0)) {
      p = probe.getLocalPort();
    }
    this.port = p;
    for (int i = 0; i < nodes.size(); i++) {
      String node = nodes.get(i);
      String ip = "127.0.0." + (2 + i);
      ips.add(ip);
      keyIds.put(node, keyId);
      HttpServer server = HttpServer.create(new InetSocketAddress(ip, port), 16);
      server.createContext(
          "/status",
          exchange -> {
            byte[] body =
                ("{\"version\":\"0.1.0\",\"kmsApiVersion\":\"v2\",\"healthz\":\"ok\",\"keyId\":\""
                        + keyIds.get(node)
                        + "\",\"kekId\":\"kek\",\"endpoint\":\"unix:///var/run/kmsplugin/kms.sock\","
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
      servers.add(server);
    }
  }

  public int port() {
    return port;
  }

  public List<String> nodes() {
    return nodes;
  }

  /** The pod IPs, in node order. */
  public List<String> podIps() {
    return List.copyOf(ips);
  }

  public String keyId(String node) {
    return keyIds.get(node);
  }

  public void setKeyId(String node, String keyId) {
    keyIds.put(node, keyId);
  }

  @Override
  public void close() {
    servers.forEach(s -> s.stop(0));
  }
}
