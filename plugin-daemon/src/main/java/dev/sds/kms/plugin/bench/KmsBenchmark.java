package dev.sds.kms.plugin.bench;

import com.google.protobuf.ByteString;
import dev.sds.kms.plugin.kms.v2.DecryptRequest;
import dev.sds.kms.plugin.kms.v2.EncryptRequest;
import dev.sds.kms.plugin.kms.v2.EncryptResponse;
import dev.sds.kms.plugin.kms.v2.KeyManagementServiceGrpc;
import dev.sds.kms.plugin.kms.v2.KeyManagementServiceGrpc.KeyManagementServiceBlockingStub;
import dev.sds.kms.plugin.kms.v2.KeyManagementServiceGrpc.KeyManagementServiceStub;
import dev.sds.kms.plugin.kms.v2.StatusRequest;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.DomainSocketAddress;
import java.io.PrintWriter;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * Drives a KMS v2 socket with a closed loop of {@code concurrency} clients for a warm-up and then a
 * measured period, printing a progress line every second, and returns the figures. Decrypt replays
 * ciphertexts made by a few Encrypts before the run, as kube-apiserver decrypts what it stored.
 *
 * <pre>{@code
 * BenchResult r = new KmsBenchmark(settings, progress).run();
 * }</pre>
 */
public final class KmsBenchmark {
  /** Distinct ciphertexts that Decrypt cycles through. */
  public static final int DECRYPT_CIPHERTEXTS = 8;

  private static final long TICK_NANOS = TimeUnit.SECONDS.toNanos(1);

  private final BenchSettings settings;
  private final PrintWriter progress;
  private final Map<BenchOp, OpStats> stats = new EnumMap<>(BenchOp.class);
  private volatile boolean measuring;
  private volatile boolean stopped;
  private EncryptRequest encryptRequest;
  private List<DecryptRequest> decryptRequests = List.of();

  /**
   * @param progress where the per-second progress lines go ({@code null}: nowhere)
   */
  public KmsBenchmark(BenchSettings settings, PrintWriter progress) {
    this.settings = settings;
    this.progress = progress;
    for (BenchOp op : settings.ops()) {
      stats.put(op, new OpStats(op));
    }
  }

  /**
   * Runs the benchmark.
   *
   * @throws StatusRuntimeException if the Encrypts that prepare Decrypt fail
   * @throws InterruptedException if interrupted while running
   */
  public BenchResult run() throws InterruptedException {
    EventLoopGroup group =
        new MultiThreadIoEventLoopGroup(settings.channels(), EpollIoHandler.newFactory());
    List<ManagedChannel> channels = new ArrayList<>();
    try {
      for (int i = 0; i < settings.channels(); i++) {
        channels.add(channel(group));
      }
      prepare(channels.get(0));
      CountDownLatch finished = new CountDownLatch(settings.concurrency());
      List<Thread> threads = new ArrayList<>();
      for (int client = 0; client < settings.concurrency(); client++) {
        ManagedChannel channel = channels.get(client % channels.size());
        int first = client % settings.ops().size();
        if (settings.driver() == BenchSettings.Driver.ASYNC) {
          new AsyncClient(KeyManagementServiceGrpc.newStub(channel), first, finished).next();
        } else {
          Thread t =
              new Thread(
                  () -> blockingClient(KeyManagementServiceGrpc.newBlockingStub(channel), first),
                  "bench-client-" + client);
          t.setDaemon(true);
          t.start();
          threads.add(t);
        }
      }
      double seconds = pace();
      stopped = true;
      for (Thread t : threads) {
        t.join(settings.callTimeout().toMillis() + 1000);
      }
      if (settings.driver() == BenchSettings.Driver.ASYNC) {
        finished.await(settings.callTimeout().toMillis() + 1000, TimeUnit.MILLISECONDS);
      }
      List<OpResult> results = new ArrayList<>();
      for (OpStats s : stats.values()) {
        results.add(s.result(seconds));
      }
      return new BenchResult(settings, seconds, results);
    } finally {
      stopped = true;
      for (ManagedChannel c : channels) {
        c.shutdownNow();
        c.awaitTermination(2, TimeUnit.SECONDS);
      }
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
  }

  private ManagedChannel channel(EventLoopGroup group) {
    DomainSocketAddress address =
        settings.endpoint().abstractNamespace()
            ? new DomainSocketAddress("\0" + settings.endpoint().name())
            : new DomainSocketAddress(settings.endpoint().path().toFile());
    return NettyChannelBuilder.forAddress(address)
        .channelType(EpollDomainSocketChannel.class)
        .eventLoopGroup(group)
        .usePlaintext()
        .build();
  }

  /** Builds the requests; for Decrypt, encrypts a few seeds first. */
  private void prepare(ManagedChannel channel) {
    SecureRandom random = new SecureRandom();
    byte[] seed = new byte[32];
    random.nextBytes(seed);
    encryptRequest =
        EncryptRequest.newBuilder()
            .setPlaintext(ByteString.copyFrom(seed))
            .setUid(UUID.randomUUID().toString())
            .build();
    if (!settings.ops().contains(BenchOp.DECRYPT)) {
      return;
    }
    List<DecryptRequest> requests = new ArrayList<>();
    for (int i = 0; i < DECRYPT_CIPHERTEXTS; i++) {
      random.nextBytes(seed);
      EncryptResponse encrypted =
          KeyManagementServiceGrpc.newBlockingStub(channel)
              .withDeadlineAfter(settings.callTimeout().toMillis(), TimeUnit.MILLISECONDS)
              .encrypt(
                  EncryptRequest.newBuilder()
                      .setPlaintext(ByteString.copyFrom(seed))
                      .setUid(UUID.randomUUID().toString())
                      .build());
      requests.add(
          DecryptRequest.newBuilder()
              .setCiphertext(encrypted.getCiphertext())
              .setKeyId(encrypted.getKeyId())
              .setUid(UUID.randomUUID().toString())
              .build());
    }
    decryptRequests = List.copyOf(requests);
  }

  /** Warm-up, then the measured period; returns the measured seconds. */
  private double pace() throws InterruptedException {
    long start = System.nanoTime();
    long warmupEnd = start + settings.warmup().toNanos();
    tickUntil(start, warmupEnd, "warmup");
    for (OpStats s : stats.values()) {
      s.reset();
    }
    measuring = true;
    long measureStart = System.nanoTime();
    tickUntil(measureStart, measureStart + settings.duration().toNanos(), "run");
    measuring = false;
    long measureEnd = System.nanoTime();
    return (measureEnd - measureStart) / 1e9;
  }

  private void tickUntil(long start, long end, String phase) throws InterruptedException {
    long next = start + TICK_NANOS;
    while (true) {
      long now = System.nanoTime();
      long until = Math.min(next, end);
      if (until > now) {
        TimeUnit.NANOSECONDS.sleep(until - now);
      }
      report(phase, System.nanoTime() - start);
      if (until >= end) {
        return;
      }
      next += TICK_NANOS;
    }
  }

  /** Takes each operation's interval (adding it to the total) and prints one progress line. */
  private void report(String phase, long elapsedNanos) {
    StringBuilder line =
        new StringBuilder(String.format(Locale.ROOT, "[%-6s %5.1fs]", phase, elapsedNanos / 1e9));
    for (OpStats s : stats.values()) {
      Histogram h = s.takeInterval();
      line.append(
          String.format(
              Locale.ROOT,
              "  %s %d calls p99 %.3fms",
              s.op().label(),
              h.getTotalCount(),
              h.getValueAtPercentile(99) / 1e6));
      long errors = s.errorCount();
      if (errors > 0) {
        line.append(" errors ").append(errors);
      }
    }
    if (progress != null) {
      progress.println(line);
      progress.flush();
    }
  }

  private void record(BenchOp op, long startNanos, Throwable error) {
    OpStats s = stats.get(op);
    if (error == null) {
      s.success(System.nanoTime() - startNanos);
    } else if (measuring) {
      s.failure(Status.fromThrowable(error));
    }
  }

  private DecryptRequest decryptRequest(int n) {
    return decryptRequests.get(Math.floorMod(n, decryptRequests.size()));
  }

  private void blockingClient(KeyManagementServiceBlockingStub stub, int first) {
    int n = first;
    while (!stopped) {
      BenchOp op = settings.ops().get(n % settings.ops().size());
      KeyManagementServiceBlockingStub s =
          stub.withDeadlineAfter(settings.callTimeout().toMillis(), TimeUnit.MILLISECONDS);
      long start = System.nanoTime();
      try {
        switch (op) {
          case STATUS -> s.status(StatusRequest.getDefaultInstance());
          case ENCRYPT -> s.encrypt(encryptRequest);
          case DECRYPT -> s.decrypt(decryptRequest(n));
        }
        record(op, start, null);
      } catch (StatusRuntimeException e) {
        record(op, start, e);
      }
      n++;
    }
  }

  /** One client of the async driver: a chain of calls, each started when the previous ends. */
  private final class AsyncClient {
    private final KeyManagementServiceStub stub;
    private final CountDownLatch finished;
    private int n;

    AsyncClient(KeyManagementServiceStub stub, int first, CountDownLatch finished) {
      this.stub = stub;
      this.n = first;
      this.finished = finished;
    }

    void next() {
      if (stopped) {
        finished.countDown();
        return;
      }
      BenchOp op = settings.ops().get(n % settings.ops().size());
      KeyManagementServiceStub s =
          stub.withDeadlineAfter(settings.callTimeout().toMillis(), TimeUnit.MILLISECONDS);
      long start = System.nanoTime();
      switch (op) {
        case STATUS -> s.status(StatusRequest.getDefaultInstance(), observer(op, start));
        case ENCRYPT -> s.encrypt(encryptRequest, observer(op, start));
        case DECRYPT -> s.decrypt(decryptRequest(n), observer(op, start));
      }
      n++;
    }

    private <T> StreamObserver<T> observer(BenchOp op, long start) {
      return new StreamObserver<>() {
        @Override
        public void onNext(T value) {}

        @Override
        public void onError(Throwable t) {
          record(op, start, t);
          next();
        }

        @Override
        public void onCompleted() {
          record(op, start, null);
          next();
        }
      };
    }
  }
}
