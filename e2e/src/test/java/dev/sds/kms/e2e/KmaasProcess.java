package dev.sds.kms.e2e;

import dev.sds.kms.plugin.kmaas.server.StandaloneKmaasServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The standalone KMaaS ({@code kms-plugin.jar kmaas-server}) as a process on a fixed free loopback
 * port, so that a restart comes back at the same URL. Its state directory keeps the KEKs, the
 * self-signed certificate and the API keys across restarts.
 */
final class KmaasProcess {
  static final String TENANT = "acme";

  private final int port;
  private final Path stateDir;
  private final ManagedProcess process;

  KmaasProcess(Processes processes) throws IOException {
    this.port = Processes.freePort();
    this.stateDir = processes.logDir().resolve("kmaas-state");
    this.process =
        processes.javaJar(
            "kmaas",
            List.of(
                "kmaas-server",
                "--listen",
                "127.0.0.1:" + port,
                "--state-dir",
                stateDir.toString(),
                "--tenant",
                TENANT));
  }

  /** Starts and waits until it accepts connections with its certificate and keys written. */
  void start() throws IOException {
    process.start();
    process.awaitUntil(
        "KMaaS accepting on 127.0.0.1:" + port,
        Duration.ofSeconds(30),
        () -> Files.isRegularFile(apiKeyFile()) && Files.isRegularFile(caFile()) && accepts());
  }

  void stop() {
    process.stop();
  }

  boolean isAlive() {
    return process.isAlive();
  }

  String url() {
    return "https://127.0.0.1:" + port;
  }

  Path caFile() {
    return stateDir.resolve(StandaloneKmaasServer.CERT_FILE);
  }

  Path apiKeyFile() {
    return stateDir.resolve(StandaloneKmaasServer.API_KEY_FILE);
  }

  /** The KEKs of every tenant ({@code kek-state.json}). */
  Path stateFile() {
    return stateDir.resolve(StandaloneKmaasServer.STATE_FILE);
  }

  Path adminKeyFile() {
    return stateDir.resolve(StandaloneKmaasServer.ADMIN_KEY_FILE);
  }

  private boolean accepts() {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 500);
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
