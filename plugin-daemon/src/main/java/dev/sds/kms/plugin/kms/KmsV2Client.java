package dev.sds.kms.plugin.kms;

import dev.sds.kms.plugin.kms.v2.KeyManagementServiceGrpc;
import dev.sds.kms.plugin.server.UnixEndpoint;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.DomainSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A KMS v2 client over a Unix socket, as kube-apiserver connects: plaintext gRPC on {@code
 * unix:///path} or {@code unix:///@name}. Used by {@code probe} and by tests.
 */
public final class KmsV2Client implements AutoCloseable {
  private final EventLoopGroup group;
  private final ManagedChannel channel;
  private final Duration timeout;

  public KmsV2Client(UnixEndpoint endpoint, Duration timeout) {
    this.timeout = timeout;
    this.group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    DomainSocketAddress address =
        endpoint.abstractNamespace()
            ? new DomainSocketAddress("\0" + endpoint.name())
            : new DomainSocketAddress(endpoint.path().toFile());
    this.channel =
        NettyChannelBuilder.forAddress(address)
            .channelType(EpollDomainSocketChannel.class)
            .eventLoopGroup(group)
            .usePlaintext()
            .build();
  }

  /** A blocking stub whose every call carries the configured timeout as its deadline. */
  public KeyManagementServiceGrpc.KeyManagementServiceBlockingStub stub() {
    return KeyManagementServiceGrpc.newBlockingStub(channel)
        .withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** An async stub (for load tests); deadlines are the caller's business. */
  public KeyManagementServiceGrpc.KeyManagementServiceStub asyncStub() {
    return KeyManagementServiceGrpc.newStub(channel);
  }

  @Override
  public void close() {
    channel.shutdownNow();
    try {
      channel.awaitTermination(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }
}
