package dev.sds.kms.plugin;

import dev.sds.kms.plugin.config.DaemonConfig;
import dev.sds.kms.plugin.envelope.DekCache;
import dev.sds.kms.plugin.envelope.EnvelopeService;
import dev.sds.kms.plugin.envelope.KeyIdScheme;
import dev.sds.kms.plugin.health.HealthHttpServer;
import dev.sds.kms.plugin.health.KmaasHealthCheck;
import dev.sds.kms.plugin.health.PluginMetrics;
import dev.sds.kms.plugin.health.PluginState;
import dev.sds.kms.plugin.kmaas.KmaasClient;
import dev.sds.kms.plugin.kmaas.KmaasDescription;
import dev.sds.kms.plugin.kmaas.KmaasSettings;
import dev.sds.kms.plugin.kmaas.MeteredKmaasClient;
import dev.sds.kms.plugin.kmaas.embedded.EmbeddedKmaasClient;
import dev.sds.kms.plugin.kmaas.http.HttpKmaasClient;
import dev.sds.kms.plugin.kms.GrpcMetricsInterceptor;
import dev.sds.kms.plugin.kms.KeyManagementService;
import dev.sds.kms.plugin.server.GrpcSocketServer;
import dev.sds.kms.plugin.server.SocketInUseException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.List;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running plugin: assembles the parts from a {@link DaemonConfig}, starts them in order (KMaaS
 * client, first check, gRPC socket, JVM metrics, health HTTP, background checks) and stops them in
 * reverse. Only what Status needs comes before the socket: kube-apiserver may call as soon as it
 * can connect, and the first check must have set the key_id by then. {@code main} only wires and
 * waits; everything here can be started by a test.
 */
public final class Daemon implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Daemon.class);

  private final DaemonConfig config;
  private final PluginState state = new PluginState(Clock.systemUTC());
  private final PluginMetrics metrics = new PluginMetrics(state);
  private final KmaasClient kmaas;
  private final DekCache dekCache;
  private final KmaasHealthCheck healthCheck;
  private final GrpcSocketServer grpcServer;
  private HealthHttpServer httpServer;

  private Daemon(DaemonConfig config, Function<KmaasSettings, KmaasClient> remoteClient) {
    this.config = config;
    KmaasSettings settings = config.kmaas();
    this.kmaas =
        new MeteredKmaasClient(createKmaasClient(settings, remoteClient), metrics.registry());
    KeyIdScheme scheme = new KeyIdScheme(config.keyIdPrefix(), config.kmaas().tenant());
    this.dekCache = new DekCache(config.dekCacheSize(), config.dekCacheTtl());
    dekCache.bindMetrics(metrics.registry());
    EnvelopeService envelope = new EnvelopeService(kmaas, scheme, dekCache, new SecureRandom());
    this.healthCheck =
        new KmaasHealthCheck(
            kmaas, scheme, state, config.checkInterval(), config.checkIntervalFailing());
    this.grpcServer =
        new GrpcSocketServer(
            config.endpoint(),
            config.socketGroup(),
            config.shutdownGrace(),
            List.of(new KeyManagementService(envelope, state)),
            List.of(new GrpcMetricsInterceptor(metrics.registry())));
  }

  /** Starts a daemon; on failure everything already started is stopped again. */
  public static Daemon start(DaemonConfig config) throws IOException, SocketInUseException {
    return start(config, HttpKmaasClient::new);
  }

  /**
   * Starts a daemon whose remote KMaaS client is made by {@code remoteClient} (tests: a client with
   * its own DNS resolver).
   */
  static Daemon start(DaemonConfig config, Function<KmaasSettings, KmaasClient> remoteClient)
      throws IOException, SocketInUseException {
    Daemon daemon = new Daemon(config, remoteClient);
    try {
      daemon.startParts();
      return daemon;
    } catch (IOException | SocketInUseException | RuntimeException e) {
      daemon.close();
      throw e;
    }
  }

  private void startParts() throws IOException, SocketInUseException {
    healthCheck.checkNow();
    grpcServer.start();
    metrics.bindJvmMetrics();
    if (config.httpAddress() != null) {
      httpServer =
          new HealthHttpServer(
              config.httpAddress(),
              state,
              grpcServer::isServing,
              metrics.registry(),
              version(),
              config.endpoint().toString(),
              kmaas.describe());
      httpServer.start();
    }
    healthCheck.start(healthyNow() ? config.checkInterval() : config.checkIntervalFailing());
    KmaasDescription d = kmaas.describe();
    PluginState.Snapshot s = state.current();
    LOG.info(
        "KMS v2 plugin {} serving on {}; KMaaS {} {}{} tenant {}; key_id {}; healthz {}; http {}",
        version(),
        config.endpoint(),
        d.mode(),
        d.url() == null ? "(in-process)" : d.url(),
        d.protocol() == null ? "" : " (" + d.protocol() + ")",
        d.tenant(),
        s.keyId().isEmpty() ? "(unknown until KMaaS answers)" : s.keyId(),
        s.healthz(),
        httpServer == null ? "off" : "http://" + hostPort(httpServer.address()));
  }

  private boolean healthyNow() {
    return state.current().healthy();
  }

  public PluginState state() {
    return state;
  }

  /** Bound address of the health HTTP server ({@code null} when disabled). */
  public InetSocketAddress httpAddress() {
    return httpServer == null ? null : httpServer.address();
  }

  /** Stops accepting, drains in-flight calls, removes the socket, then stops the rest. */
  @Override
  public void close() {
    boolean wasServing = grpcServer.isServing();
    grpcServer.close();
    healthCheck.close();
    if (httpServer != null) {
      httpServer.close();
    }
    kmaas.close();
    dekCache.clear();
    if (wasServing) {
      LOG.info("KMS v2 plugin stopped; socket {} removed", config.endpoint());
    }
  }

  /** The daemon's version from the jar manifest ({@code dev} when run from classes). */
  public static String version() {
    String v = Daemon.class.getPackage().getImplementationVersion();
    return v == null ? "dev" : v;
  }

  /**
   * The KMaaS client for {@code settings}: HTTPS to a remote KMaaS, or the embedded one on its
   * state file. {@code serve} and {@code recover} both reach KMaaS through this.
   */
  public static KmaasClient createKmaasClient(KmaasSettings settings) {
    return createKmaasClient(settings, HttpKmaasClient::new);
  }

  private static KmaasClient createKmaasClient(
      KmaasSettings settings, Function<KmaasSettings, KmaasClient> remoteClient) {
    return settings.embedded() ? new EmbeddedKmaasClient(settings) : remoteClient.apply(settings);
  }

  private static String hostPort(InetSocketAddress address) {
    String host = address.getAddress().getHostAddress();
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + address.getPort();
  }
}
