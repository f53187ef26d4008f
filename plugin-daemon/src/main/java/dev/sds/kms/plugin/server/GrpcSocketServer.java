package dev.sds.kms.plugin.server;

import dev.sds.kms.plugin.config.Durations;
import io.grpc.BindableService;
import io.grpc.Server;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.netty.NettyServerBuilder;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import java.io.IOException;
import java.net.BindException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns the gRPC server on a Unix domain socket (netty epoll): prepares the socket file, binds,
 * restricts its mode, and on {@link #close()} stops accepting, drains in-flight calls for a bounded
 * time and removes the socket. It knows nothing about KMS.
 */
public final class GrpcSocketServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(GrpcSocketServer.class);

  /** Largest request kube-apiserver sends is a small protobuf; refuse anything far larger. */
  private static final int MAX_INBOUND_MESSAGE_BYTES = 64 * 1024;

  /**
   * Event-loop threads for the connections. kube-apiserver keeps one connection to its plugin, and
   * a connection stays on one loop; two serve it and a probe or a second client side by side.
   * netty's default, two per core, is 128 mostly idle threads on a 64-core control-plane node.
   */
  private static final int WORKER_THREADS = 2;

  private final UnixEndpoint endpoint;
  private final SocketFile socketFile;
  private final Duration shutdownGrace;
  private final List<BindableService> services;
  private final List<ServerInterceptor> interceptors;
  private EventLoopGroup boss;
  private EventLoopGroup workers;
  private volatile Server server;

  public GrpcSocketServer(
      UnixEndpoint endpoint,
      String socketGroup,
      Duration shutdownGrace,
      List<BindableService> services,
      List<ServerInterceptor> interceptors) {
    this.endpoint = endpoint;
    this.socketFile =
        endpoint.abstractNamespace() ? null : new SocketFile(endpoint.path(), socketGroup);
    this.shutdownGrace = shutdownGrace;
    this.services = List.copyOf(services);
    this.interceptors = List.copyOf(interceptors);
  }

  /** Binds the socket and starts serving. */
  public synchronized void start() throws IOException, SocketInUseException {
    if (!Epoll.isAvailable()) {
      throw new IOException(
          "netty epoll is not available: "
              + Epoll.unavailabilityCause()
              + "; netty extracts its native library to "
              + System.getProperty("java.io.tmpdir")
              + " (java.io.tmpdir), which must be writable by "
              + ProcessOwner.describe()
              + " and not mounted noexec: with a read-only root file system mount an emptyDir"
              + " or tmpfs there");
    }
    if (socketFile != null) {
      socketFile.prepare();
    }
    boss = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    workers = new MultiThreadIoEventLoopGroup(WORKER_THREADS, EpollIoHandler.newFactory());
    NettyServerBuilder builder =
        NettyServerBuilder.forAddress(address())
            .channelType(EpollServerDomainSocketChannel.class)
            .bossEventLoopGroup(boss)
            .workerEventLoopGroup(workers)
            .maxInboundMessageSize(MAX_INBOUND_MESSAGE_BYTES);
    for (BindableService service : services) {
      builder.addService(ServerInterceptors.intercept(service, interceptors));
    }
    try {
      server = builder.build().start();
    } catch (IOException e) {
      shutdownEventLoops();
      if (e.getCause() instanceof BindException || e instanceof BindException) {
        throw new SocketInUseException(
            "cannot bind " + endpoint + ": address in use; choose another --bind / BIND_STRING");
      }
      throw e;
    }
    if (socketFile != null) {
      try {
        socketFile.restrict();
      } catch (IOException | RuntimeException e) {
        close(); // no socket is left behind with the wrong mode or group
        server = null;
        throw e;
      }
    }
  }

  public UnixEndpoint endpoint() {
    return endpoint;
  }

  /** True while the server accepts calls; never blocks (readiness asks it during a drain). */
  public boolean isServing() {
    Server server = this.server;
    return server != null && !server.isShutdown();
  }

  /** Stops accepting, waits up to the grace period for in-flight calls, removes the socket. */
  @Override
  public synchronized void close() {
    if (server == null) {
      return;
    }
    server.shutdown();
    try {
      if (!server.awaitTermination(shutdownGrace.toMillis(), TimeUnit.MILLISECONDS)) {
        LOG.warn(
            "in-flight calls did not finish within {}; cancelling them",
            Durations.format(shutdownGrace));
        server.shutdownNow();
        server.awaitTermination(1, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      server.shutdownNow();
      Thread.currentThread().interrupt();
    } finally {
      shutdownEventLoops();
      if (socketFile != null) {
        socketFile.remove();
      }
    }
  }

  private void shutdownEventLoops() {
    if (boss != null) {
      boss.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
    if (workers != null) {
      workers.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
  }

  private DomainSocketAddress address() {
    return endpoint.abstractNamespace()
        ? new DomainSocketAddress("\0" + endpoint.name())
        : new DomainSocketAddress(endpoint.path().toFile());
  }
}
