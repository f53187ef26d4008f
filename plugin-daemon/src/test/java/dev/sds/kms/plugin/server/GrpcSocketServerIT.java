package dev.sds.kms.plugin.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.sds.kms.plugin.kms.KmsV2Client;
import dev.sds.kms.plugin.kms.v2.KeyManagementServiceGrpc;
import dev.sds.kms.plugin.kms.v2.StatusRequest;
import dev.sds.kms.plugin.kms.v2.StatusResponse;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The socket's life over a real Unix socket with netty epoll. */
class GrpcSocketServerIT {
  @TempDir Path dir;

  private final StatusService service = new StatusService();
  private GrpcSocketServer server;

  @AfterEach
  void stop() {
    service.release.countDown();
    if (server != null) {
      server.close();
    }
  }

  @Test
  void servesOnASocketFileWithMode0600InADirectoryItCreates() throws Exception {
    Path socket = dir.resolve("run/kmsplugin/kms.sock");
    server = start("unix://" + socket);

    assertThat(Files.getPosixFilePermissions(socket))
        .isEqualTo(PosixFilePermissions.fromString("rw-------"));
    assertThat(Files.getPosixFilePermissions(socket.getParent()))
        .isEqualTo(PosixFilePermissions.fromString("rwx------"));
    assertThat(status(socket.toString()).getVersion()).isEqualTo("v2");
  }

  @Test
  void servesOnAnAbstractSocket() throws Exception {
    String endpoint = "unix:///@sds-kms-test-" + UUID.randomUUID();
    server = start(endpoint);

    try (KmsV2Client client =
        new KmsV2Client(UnixEndpoint.parse(endpoint), Duration.ofSeconds(3))) {
      assertThat(client.stub().status(StatusRequest.getDefaultInstance()).getVersion())
          .isEqualTo("v2");
    }
  }

  @Test
  void removesAStaleSocketFileThatNothingAnswersOn() throws Exception {
    Path socket = dir.resolve("kms.sock");
    try (ServerSocketChannel crashed = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      crashed.bind(UnixDomainSocketAddress.of(socket));
    }
    assertThat(socket).exists();

    server = start("unix://" + socket);

    assertThat(status(socket.toString()).getVersion()).isEqualTo("v2");
  }

  @Test
  void refusesToStartWhenAnotherProcessAnswersOnTheSocket() throws Exception {
    Path socket = dir.resolve("kms.sock");
    try (ServerSocketChannel live = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      live.bind(UnixDomainSocketAddress.of(socket));
      GrpcSocketServer second = server("unix://" + socket);

      assertThatThrownBy(second::start)
          .isInstanceOf(SocketInUseException.class)
          .hasMessageContaining("another process is serving on unix://" + socket)
          .hasMessageContaining("BIND_STRING");
      assertThat(socket).exists();
    }
  }

  @Test
  void refusesToReplaceAFileThatIsNotASocket() throws Exception {
    Path file = dir.resolve("kms.sock");
    Files.writeString(file, "precious");

    assertThatThrownBy(() -> start("unix://" + file)).hasMessageContaining("is not a socket");
    assertThat(Files.readString(file)).isEqualTo("precious");
  }

  @Test
  void aRestartOverTheSameSocketPathServesAgain() throws Exception {
    Path socket = dir.resolve("kms.sock");
    start("unix://" + socket).close();
    server = start("unix://" + socket);

    assertThat(status(socket.toString()).getVersion()).isEqualTo("v2");
  }

  @Test
  void closeDrainsInFlightCallsRefusesNewOnesAndRemovesTheSocket() throws Exception {
    Path socket = dir.resolve("kms.sock");
    server = start("unix://" + socket);
    service.block = true;
    CompletableFuture<StatusResponse> inFlight =
        CompletableFuture.supplyAsync(() -> status(socket.toString()));
    await().atMost(Duration.ofSeconds(5)).until(() -> service.entered.get() == 1);

    CompletableFuture<Void> closing = CompletableFuture.runAsync(server::close);
    await().atMost(Duration.ofSeconds(5)).until(() -> !server.isServing());
    service.release.countDown();

    assertThat(inFlight.get(5, TimeUnit.SECONDS).getVersion()).isEqualTo("v2");
    closing.get(5, TimeUnit.SECONDS);
    assertThat(socket).doesNotExist();
    assertThatThrownBy(() -> status(socket.toString())).isInstanceOf(StatusRuntimeException.class);
  }

  private GrpcSocketServer start(String endpoint) throws Exception {
    GrpcSocketServer s = server(endpoint);
    s.start();
    return s;
  }

  private GrpcSocketServer server(String endpoint) {
    return new GrpcSocketServer(
        UnixEndpoint.parse(endpoint), null, Duration.ofSeconds(5), List.of(service), List.of());
  }

  private static StatusResponse status(String path) {
    try (KmsV2Client client =
        new KmsV2Client(UnixEndpoint.parse("unix://" + path), Duration.ofSeconds(5))) {
      return client.stub().status(StatusRequest.getDefaultInstance());
    }
  }

  /** Answers Status, optionally holding the call until released. */
  private static final class StatusService
      extends KeyManagementServiceGrpc.KeyManagementServiceImplBase {
    volatile boolean block;
    final AtomicInteger entered = new AtomicInteger();
    final CountDownLatch release = new CountDownLatch(1);

    @Override
    public void status(StatusRequest request, StreamObserver<StatusResponse> responses) {
      entered.incrementAndGet();
      if (block) {
        try {
          release.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      responses.onNext(StatusResponse.newBuilder().setVersion("v2").setHealthz("ok").build());
      responses.onCompleted();
    }
  }
}
