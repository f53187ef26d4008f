package dev.sds.kms.plugin.testing;

import dev.sds.kms.plugin.Daemon;
import dev.sds.kms.plugin.config.ConfigLoader;
import dev.sds.kms.plugin.kmaas.KmaasCredentials;
import dev.sds.kms.plugin.kmaas.server.KmaasAdminClient;
import dev.sds.kms.plugin.kmaas.server.StandaloneKmaasServer;
import dev.sds.kms.plugin.kms.KmsV2Client;
import dev.sds.kms.plugin.kms.v2.StatusRequest;
import dev.sds.kms.plugin.server.UnixEndpoint;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The standalone KMaaS over HTTPS (self-signed certificate, API key file) and the daemon in-process
 * on a Unix socket under {@code dir}, configured as an operator would with flags: what the load,
 * fault and soak tests run against.
 */
public final class StandaloneDaemon implements AutoCloseable {
  private final StandaloneKmaasServer kmaas;
  private final Daemon daemon;
  private final UnixEndpoint endpoint;

  private StandaloneDaemon(StandaloneKmaasServer kmaas, Daemon daemon, UnixEndpoint endpoint) {
    this.kmaas = kmaas;
    this.daemon = daemon;
    this.endpoint = endpoint;
  }

  /**
   * Starts both. The daemon gets {@code --bind}, {@code --kmaas-url}, {@code --kmaas-tenant
   * default}, {@code --kmaas-ca-file}, {@code --kmaas-api-key-file}, {@code --http-address
   * 127.0.0.1:0} and text logs, then {@code flags} (which may override them).
   */
  public static StandaloneDaemon start(Path dir, Map<String, String> flags) throws Exception {
    StandaloneKmaasServer kmaas =
        new StandaloneKmaasServer(
            StandaloneKmaasServer.Options.of(
                new InetSocketAddress("127.0.0.1", 0), dir.resolve("kmaas")));
    kmaas.start();
    try {
      UnixEndpoint endpoint = UnixEndpoint.parse("unix://" + dir.resolve("run/kms.sock"));
      Map<String, String> all = new HashMap<>();
      all.put("--bind", endpoint.toString());
      all.put("--kmaas-url", kmaas.url().toString());
      all.put("--kmaas-tenant", "default");
      all.put("--kmaas-ca-file", kmaas.certificateFile().toString());
      all.put("--kmaas-api-key-file", kmaas.apiKeyFile().toString());
      all.put("--http-address", "127.0.0.1:0");
      all.put("--log-format", "text");
      all.putAll(flags);
      return new StandaloneDaemon(kmaas, Daemon.start(ConfigLoader.load(all, Map.of())), endpoint);
    } catch (Exception | Error e) {
      kmaas.close();
      throw e;
    }
  }

  public StandaloneKmaasServer kmaas() {
    return kmaas;
  }

  public Daemon daemon() {
    return daemon;
  }

  public UnixEndpoint endpoint() {
    return endpoint;
  }

  /** A client of the standalone KMaaS's admin API (KEK rotation). */
  public KmaasAdminClient adminClient() throws Exception {
    return new KmaasAdminClient(
        kmaas.url(),
        KmaasCredentials.ApiKey.parse(Files.readString(kmaas.adminKeyFile()).strip()),
        kmaas.certificateFile());
  }

  /** The daemon's Status healthz (answered from memory; the long deadline rides out a busy CPU). */
  public String healthz() {
    try (KmsV2Client client = new KmsV2Client(endpoint, Duration.ofSeconds(10))) {
      return client
          .stub()
          .withDeadlineAfter(10, TimeUnit.SECONDS)
          .status(StatusRequest.getDefaultInstance())
          .getHealthz();
    }
  }

  /** Stops the daemon (drains, removes the socket), then KMaaS. */
  @Override
  public void close() {
    try {
      daemon.close();
    } finally {
      kmaas.close();
    }
  }
}
