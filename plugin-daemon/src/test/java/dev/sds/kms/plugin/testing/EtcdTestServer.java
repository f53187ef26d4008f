package dev.sds.kms.plugin.testing;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/**
 * A real etcd (Debian's {@code etcd-server}, 3.4) on loopback for the audit tests, started as a
 * process with its data in a temporary directory and killed on {@link #close()}. Filled through the
 * same v3 JSON gateway the audit reads. A machine without etcd fails the tests, with the command
 * that installs it: scripts/test.sh installs it.
 */
public final class EtcdTestServer implements AutoCloseable {
  private static final MediaType JSON = MediaType.get("application/json");
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final int TXN_OPS = 100;

  private final Process process;
  private final Path log;
  private final HttpUrl url;
  private final OkHttpClient http;

  private EtcdTestServer(Process process, Path log, HttpUrl url, OkHttpClient http) {
    this.process = process;
    this.log = log;
    this.url = url;
    this.http = http;
  }

  /** Plain HTTP etcd. */
  public static EtcdTestServer start(Path dir) throws IOException {
    return start(dir, "http", new OkHttpClient(), List.of());
  }

  /**
   * etcd with {@code extraArgs} (e.g. TLS flags); {@code scheme} of its client URL; {@code http}
   * the client the health check and {@link #put} use (with client certificate for TLS).
   */
  public static EtcdTestServer start(
      Path dir, String scheme, OkHttpClient http, List<String> extraArgs) throws IOException {
    String etcd = findEtcd();
    int clientPort = freePort();
    int peerPort = freePort();
    String clientUrl = scheme + "://127.0.0.1:" + clientPort;
    String peerUrl = "http://127.0.0.1:" + peerPort;
    List<String> command = new ArrayList<>();
    command.addAll(
        List.of(
            etcd,
            "--name",
            "default",
            "--data-dir",
            dir.resolve("etcd-data").toString(),
            "--listen-client-urls",
            clientUrl,
            "--advertise-client-urls",
            clientUrl,
            "--listen-peer-urls",
            peerUrl,
            "--initial-advertise-peer-urls",
            peerUrl,
            "--initial-cluster",
            "default=" + peerUrl,
            "--log-level",
            "warn"));
    command.addAll(extraArgs);
    Path log = dir.resolve("etcd.log");
    Process process =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    EtcdTestServer server = new EtcdTestServer(process, log, HttpUrl.get(clientUrl), http);
    try {
      await("etcd at " + clientUrl + " answering /health")
          .atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(100))
          .until(server::healthy);
    } catch (RuntimeException | Error e) {
      String tail = server.logTail();
      server.close();
      throw new AssertionError("etcd did not start: " + e.getMessage() + "\n" + tail, e);
    }
    return server;
  }

  /** The etcd binary: $ETCD_BIN, else etcd on the PATH; fails the test when there is none. */
  static String findEtcd() {
    String configured = System.getenv("ETCD_BIN");
    if (configured != null && !configured.isBlank()) {
      if (!Files.isExecutable(Path.of(configured))) {
        throw new AssertionError("ETCD_BIN=" + configured + " is not an executable etcd");
      }
      return configured;
    }
    String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
    for (String dir : (path + File.pathSeparator + "/usr/bin").split(File.pathSeparator)) {
      Path candidate = Path.of(dir, "etcd");
      if (Files.isExecutable(candidate)) {
        return candidate.toString();
      }
    }
    throw new AssertionError(
        "etcd is not installed: the audit tests need a real etcd. Install it with"
            + " `apt-get install -y etcd-server` (scripts/test.sh does) or set ETCD_BIN");
  }

  private boolean healthy() {
    if (!process.isAlive()) {
      throw new IllegalStateException("etcd exited with " + process.exitValue());
    }
    try (Response r =
        http.newCall(new Request.Builder().url(url.resolve("/health")).build()).execute()) {
      return r.code() == 200 && r.body().string().contains("true");
    } catch (IOException e) {
      return false;
    }
  }

  /** The client URL, e.g. http://127.0.0.1:23791. */
  public HttpUrl url() {
    return url;
  }

  /** Writes the keys and values, {@value #TXN_OPS} per transaction, through /v3/kv/txn. */
  public void put(Map<byte[], byte[]> entries) throws IOException {
    List<Map.Entry<byte[], byte[]>> all = new ArrayList<>(entries.entrySet());
    for (int from = 0; from < all.size(); from += TXN_OPS) {
      ObjectNode txn = MAPPER.createObjectNode();
      ArrayNode success = txn.putArray("success");
      for (Map.Entry<byte[], byte[]> e : all.subList(from, Math.min(all.size(), from + TXN_OPS))) {
        ObjectNode put = success.addObject().putObject("request_put");
        put.put("key", Base64.getEncoder().encodeToString(e.getKey()));
        put.put("value", Base64.getEncoder().encodeToString(e.getValue()));
      }
      post("/v3/kv/txn", txn);
    }
  }

  public void put(String key, byte[] value) throws IOException {
    put(Map.of(key.getBytes(StandardCharsets.UTF_8), value));
  }

  private void post(String path, ObjectNode body) throws IOException {
    Request request =
        new Request.Builder()
            .url(url.resolve(path))
            .post(RequestBody.create(MAPPER.writeValueAsBytes(body), JSON))
            .build();
    try (Response r = http.newCall(request).execute()) {
      if (!r.isSuccessful()) {
        throw new IOException(path + ": HTTP " + r.code() + " " + r.body().string());
      }
    }
  }

  private String logTail() {
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
    } catch (IOException e) {
      return "(no etcd log)";
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    http.connectionPool().evictAll();
  }
}
