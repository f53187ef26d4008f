package dev.sds.kms.e2e;

import dev.sds.kms.plugin.testing.EtcdTestServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import okhttp3.OkHttpClient;

/**
 * The whole system on one machine: a real etcd, the standalone KMaaS over HTTPS, and two plugin
 * daemons (control-plane nodes A and B), each a separate process; {@link ApiserverStorage}s play
 * the kube-apiservers. {@link #close()} stops everything, also after a failed start.
 */
final class E2eSystem implements AutoCloseable {
  static final String PROVIDER = "sds-kms";

  /** Status polls this often in the tests (kube-apiserver: 60 s, 10 s after a failure). */
  static final Duration STATUS_INTERVAL = Duration.ofMillis(250);

  final Processes processes;
  private final Path socketDir;
  EtcdKv etcd;
  KmaasProcess kmaas;
  DaemonProcess nodeA;
  DaemonProcess nodeB;

  /**
   * When set, the daemons serve HTTP on these two loopback addresses (node A, node B) with one
   * shared port, as daemon pods do on their pod IPs with the KmsPlugin's one {@code spec.httpPort}.
   */
  private final List<String> podAddresses;

  /** The HTTP port both daemons share when started with pod addresses, else 0. */
  int podHttpPort;

  private E2eSystem(String test, List<String> podAddresses) throws IOException {
    this.processes = new Processes(test);
    this.podAddresses = podAddresses;
    // Unix socket paths must stay under 108 bytes: a short directory in /tmp, not target/
    this.socketDir = Files.createTempDirectory("kms-e2e-");
  }

  /** Starts etcd, KMaaS and both daemons; logs under {@code target/e2e-logs/<test>/}. */
  static E2eSystem start(String test) throws Exception {
    return start(test, List.of());
  }

  /**
   * As {@link #start(String)}, with node A's and node B's daemon serving HTTP on {@code
   * podAddresses} (two loopback addresses, Linux routes all of 127/8 to lo) and one shared port.
   */
  static E2eSystem start(String test, List<String> podAddresses) throws Exception {
    E2eSystem system = new E2eSystem(test, podAddresses);
    try {
      system.startAll();
      return system;
    } catch (Exception | Error e) {
      system.close();
      throw e;
    }
  }

  private void startAll() throws Exception {
    Path etcdDir = processes.logDir().resolve("etcd");
    Files.createDirectories(etcdDir);
    OkHttpClient http = new OkHttpClient();
    EtcdTestServer server = processes.track(EtcdTestServer.start(etcdDir));
    etcd = new EtcdKv(server.url(), http);
    kmaas = new KmaasProcess(processes);
    kmaas.start();
    if (podAddresses.isEmpty()) {
      nodeA = new DaemonProcess("node-a", socketDir, kmaas, processes);
      nodeB = new DaemonProcess("node-b", socketDir, kmaas, processes);
    } else {
      podHttpPort = Processes.freePort(); // bound on the wildcard address: free on every one
      nodeA =
          new DaemonProcess(
              "node-a", socketDir, kmaas, processes, podAddresses.get(0), podHttpPort);
      nodeB =
          new DaemonProcess(
              "node-b", socketDir, kmaas, processes, podAddresses.get(1), podHttpPort);
    }
    // the two JVMs start side by side
    startDaemons();
  }

  /** Starts both daemons, side by side, and waits until both are ready. */
  void startDaemons() {
    CompletableFuture<Void> b = CompletableFuture.runAsync(() -> startUnchecked(nodeB));
    startUnchecked(nodeA);
    b.join();
  }

  /** A kube-apiserver on {@code node}, polling Status, with its own empty seed cache. */
  ApiserverStorage apiserver(DaemonProcess node, Duration writeExpiry) {
    ApiserverStorage storage =
        new ApiserverStorage(
            node.client(),
            etcd,
            new ApiserverStorage.Settings(PROVIDER, STATUS_INTERVAL, writeExpiry));
    return processes.track(storage).start();
  }

  /** {@link #apiserver(DaemonProcess, Duration)} with kube-apiserver's 3-minute write expiry. */
  ApiserverStorage apiserver(DaemonProcess node) {
    return apiserver(node, Duration.ofMinutes(3));
  }

  private static void startUnchecked(DaemonProcess node) {
    try {
      node.start();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    processes.close();
    try {
      Processes.deleteTree(socketDir);
      // etcd preallocates 60+ MB of WAL per run; its log stays beside the daemons' logs
      Processes.deleteTree(processes.logDir().resolve("etcd").resolve("etcd-data"));
    } catch (IOException e) {
      System.err.println("e2e cleanup: " + e);
    }
  }
}
