package dev.sds.kms.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sds.kms.plugin.kms.KmsV2Client;
import dev.sds.kms.plugin.server.UnixEndpoint;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/**
 * One plugin daemon, as on one control-plane node: {@code kms-plugin.jar serve} with its own Unix
 * socket and HTTP port (both kept across restarts), against the standalone KMaaS over HTTPS (or the
 * embedded one: {@link #embedded}), with 1-second KMaaS checks so that outages and recoveries show
 * within seconds.
 */
final class DaemonProcess {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final String node;
  private final Path socket;
  private final String httpHost;
  private final int httpPort;
  private final Processes processes;
  private final List<String> args;
  private ManagedProcess process;
  private final OkHttpClient http;

  DaemonProcess(String node, Path socketDir, KmaasProcess kmaas, Processes processes)
      throws IOException {
    this(node, socketDir, kmaas, processes, "127.0.0.1", Processes.freePort());
  }

  /**
   * A daemon serving HTTP on {@code httpHost:httpPort}: as a pod, on its own (loopback) address
   * with the port every daemon pod of a KmsPlugin shares ({@code spec.httpPort}).
   */
  DaemonProcess(
      String node,
      Path socketDir,
      KmaasProcess kmaas,
      Processes processes,
      String httpHost,
      int httpPort) {
    this(
        node,
        socketDir,
        processes,
        httpHost,
        httpPort,
        List.of(
            "--kmaas-url",
            kmaas.url(),
            "--kmaas-tenant",
            KmaasProcess.TENANT,
            "--kmaas-ca-file",
            kmaas.caFile().toString(),
            "--kmaas-api-key-file",
            kmaas.apiKeyFile().toString(),
            "--kmaas-timeout",
            "500ms"));
  }

  /**
   * A daemon on the embedded KMaaS (its KEKs in {@code stateFile}), serving HTTP on 127.0.0.1 and a
   * free port: no KMaaS process needed.
   */
  static DaemonProcess embedded(String node, Path socketDir, Path stateFile, Processes processes)
      throws IOException {
    return new DaemonProcess(
        node,
        socketDir,
        processes,
        "127.0.0.1",
        Processes.freePort(),
        List.of("--state-file", stateFile.toString()));
  }

  private DaemonProcess(
      String node,
      Path socketDir,
      Processes processes,
      String httpHost,
      int httpPort,
      List<String> kmaasArgs) {
    this.node = node;
    this.socket = socketDir.resolve(node + ".sock");
    this.httpHost = httpHost;
    this.httpPort = httpPort;
    this.http =
        new OkHttpClient.Builder()
            .callTimeout(Duration.ofSeconds(2))
            .retryOnConnectionFailure(false)
            .build();
    this.processes = processes;
    List<String> args = new ArrayList<>(List.of("serve", "--bind", endpoint().toString()));
    args.addAll(kmaasArgs);
    args.addAll(
        List.of(
            "--http-address",
            httpHost + ":" + httpPort,
            "--check-interval",
            "1s",
            "--check-interval-failing",
            "1s",
            "--shutdown-grace",
            "2s",
            "--log-format",
            "text"));
    this.args = List.copyOf(args);
    this.process = processes.javaJar("daemon-" + node, args);
  }

  String node() {
    return node;
  }

  /** Starts the daemon and waits until {@code /readyz} answers 200. */
  void start() throws IOException {
    process.start();
    awaitReady();
  }

  void awaitReady() {
    process.awaitUntil("/readyz 200", Duration.ofSeconds(45), () -> readyz() == 200);
  }

  /**
   * Stops the daemon and starts it again with {@code KEY_ID} {@code keyIdPrefix} (what a pod
   * restarted with a new {@code config.yaml} does), then waits until it is ready.
   */
  void restartWithKeyId(String keyIdPrefix) throws IOException {
    process.stop();
    List<String> withKeyId = new java.util.ArrayList<>(args);
    withKeyId.addAll(List.of("--key-id", keyIdPrefix));
    process = processes.javaJar("daemon-" + node, withKeyId);
    start();
  }

  /** SIGTERM: drains, removes the socket. */
  void stop() {
    process.stop();
  }

  /** SIGKILL: the socket file stays behind. */
  void kill() {
    process.kill();
  }

  boolean isAlive() {
    return process.isAlive();
  }

  long pid() {
    return process.pid();
  }

  Path socket() {
    return socket;
  }

  /** {@code host:port} of {@code /livez}, {@code /readyz}, {@code /metrics}, {@code /status}. */
  String httpAddress() {
    return httpHost + ":" + httpPort;
  }

  int httpPort() {
    return httpPort;
  }

  UnixEndpoint endpoint() {
    return UnixEndpoint.parse("unix://" + socket);
  }

  /** A KMS v2 client on this node's socket, as kube-apiserver connects (3 s per call). */
  KmsV2Client client() {
    return new KmsV2Client(endpoint(), Duration.ofSeconds(3));
  }

  /** HTTP status of {@code /readyz}, or -1 when nothing answers. */
  int readyz() {
    try (Response r = http.newCall(get("/readyz")).execute()) {
      return r.code();
    } catch (IOException e) {
      return -1;
    }
  }

  /** The {@code /status} document the operator reads. */
  JsonNode status() throws IOException {
    try (Response r = http.newCall(get("/status")).execute()) {
      return JSON.readTree(r.body().string());
    }
  }

  private Request get(String path) {
    return new Request.Builder().url("http://" + httpHost + ":" + httpPort + path).build();
  }
}
