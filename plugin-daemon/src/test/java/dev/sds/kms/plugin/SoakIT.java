package dev.sds.kms.plugin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sds.kms.plugin.config.Durations;
import dev.sds.kms.plugin.kmaas.server.KmaasAdminClient;
import dev.sds.kms.plugin.kmaas.server.StandaloneKmaasServer;
import dev.sds.kms.plugin.testing.KmsCalls;
import dev.sds.kms.plugin.testing.KmsLoad;
import dev.sds.kms.plugin.testing.OpenFiles;
import dev.sds.kms.plugin.testing.StandaloneDaemon;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.ToDoubleFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Soak: sustained concurrent Encrypt/Decrypt against the daemon over its Unix socket, the
 * standalone KMaaS over HTTPS injecting a steady share of faults (HTTP 500, connections closed
 * without an answer, answers slower than one attempt's timeout) and rotating its KEK at a steady
 * pace. At the end: no Decrypt returned a wrong plaintext, failures are only the codes a KMaaS
 * fault may give (UNAVAILABLE, DEADLINE_EXCEEDED), ciphertexts under older KEKs still open, and the
 * process's heap after a full GC, live threads and open file descriptors ({@code /proc/self/fd})
 * are flat (the last window compared with the first, after a warm-up), and the DEK cache stays
 * within its bound. The daemon, KMaaS and the clients share this JVM, so a leak in any of them
 * shows.
 *
 * <p>Bounded in time: {@code -Dsoak.duration} (default 25s in the normal build; the {@code soak}
 * profile runs 10m: {@code ./mvnw -B -ntp -o -Psoak -pl plugin-daemon -am verify}), {@code
 * -Dsoak.clients} (16). The summary is printed and written to {@code target/soak/summary.txt}, the
 * samples to {@code target/soak/samples.csv}.
 */
class SoakIT {
  private static final int DEK_CACHE_SIZE = 256;
  private static final Duration DEADLINE = Duration.ofSeconds(3);
  private static final StandaloneKmaasServer.InjectedFaults FAULTS =
      new StandaloneKmaasServer.InjectedFaults(0.02, 0.01, 0.01, Duration.ofMillis(1500));

  private static final long HEAP_TOLERANCE_BYTES = 16L << 20;
  private static final double HEAP_TOLERANCE_SHARE = 0.25;
  private static final int THREAD_TOLERANCE = 8;
  private static final int FD_TOLERANCE = 16;

  @TempDir Path dir;

  /** Connections the daemon's KMaaS client may hold: its idle pool plus one per call in flight. */
  private static final int KMAAS_CONNECTION_BOUND = 64;

  /**
   * One look at the process.
   *
   * @param fds open file descriptors
   * @param kmaasClientSockets sockets of this process connected to KMaaS's port (the daemon's pool)
   * @param kmaasServerSockets sockets of this process on KMaaS's port (KMaaS's side of the same)
   * @param jarFiles jar files open (the class path)
   * @param fdKinds open descriptors by kind, for the summary
   */
  record Sample(
      double seconds,
      long heapAfterGc,
      int threads,
      int fds,
      int kmaasClientSockets,
      int kmaasServerSockets,
      int jarFiles,
      Map<String, Integer> fdKinds,
      double dekCache,
      long calls) {
    /**
     * The descriptors other than the KMaaS connections (their number follows the load, bounded by
     * the pool) and the jar files (opened as classes are first loaded).
     */
    int otherFds() {
      return fds - kmaasClientSockets - kmaasServerSockets - jarFiles;
    }
  }

  @Test
  void sustainedLoadWithKmaasFaultsAndRotationsGivesRightAnswersAndFlatResources()
      throws Exception {
    Duration duration = Durations.parse(System.getProperty("soak.duration", "25s"));
    int clients = Integer.getInteger("soak.clients", 16);
    Duration warmUp = max(Duration.ofSeconds(3), duration.dividedBy(10));
    Duration window = min(Duration.ofSeconds(60), duration.minus(warmUp).dividedBy(3));
    Duration rotateEvery =
        clamp(duration.dividedBy(6), Duration.ofSeconds(5), Duration.ofSeconds(60));
    Duration sampleEvery =
        clamp(duration.dividedBy(60), Duration.ofSeconds(1), Duration.ofSeconds(5));
    String loadBefore = loadAverage();

    List<Sample> samples = Collections.synchronizedList(new ArrayList<>());
    AtomicInteger rotations = new AtomicInteger();
    try (StandaloneDaemon setup =
            StandaloneDaemon.start(
                dir,
                Map.of(
                    "--check-interval", "2s",
                    "--check-interval-failing", "1s",
                    "--dek-cache-size", Integer.toString(DEK_CACHE_SIZE)));
        KmaasAdminClient admin = setup.adminClient()) {
      setup.kmaas().injectFaults(FAULTS);
      ScheduledExecutorService background = Executors.newScheduledThreadPool(2);
      KmsLoad load = new KmsLoad(setup.endpoint(), clients, DEADLINE, 1024);
      long start = System.nanoTime();
      try {
        load.start();
        background.scheduleAtFixedRate(
            () -> {
              try {
                admin.rotate("default");
                rotations.incrementAndGet();
              } catch (IOException e) {
                System.out.println("SoakIT: rotation failed: " + e.getMessage());
              }
            },
            rotateEvery.toMillis(),
            rotateEvery.toMillis(),
            TimeUnit.MILLISECONDS);
        background.scheduleAtFixedRate(
            () -> samples.add(sample(setup, load, start)),
            0,
            sampleEvery.toMillis(),
            TimeUnit.MILLISECONDS);
        // the soak itself: the clients, the rotations and the sampler run for the duration
        await()
            .atMost(duration.plusSeconds(30))
            .pollInterval(Duration.ofSeconds(1))
            .until(() -> System.nanoTime() - start >= duration.toNanos());
      } finally {
        background.shutdown();
        background.awaitTermination(30, TimeUnit.SECONDS);
        load.close();
      }
      KmsLoad.Tally tally = load.tally();
      List<Sample> all;
      synchronized (samples) {
        all = List.copyOf(samples);
      }
      double elapsed = (System.nanoTime() - start) / 1e9;
      double firstFrom = warmUp.toMillis() / 1e3;
      double firstTo = firstFrom + window.toMillis() / 1e3;
      double lastFrom = duration.toMillis() / 1e3 - window.toMillis() / 1e3;
      List<Sample> first = between(all, firstFrom, firstTo);
      List<Sample> last = between(all, lastFrom, Double.MAX_VALUE);

      String summary =
          summary(
              duration,
              clients,
              elapsed,
              tally,
              load,
              rotations.get(),
              setup,
              first,
              last,
              all,
              loadBefore,
              loadAverage());
      System.out.println(summary);
      Path out = Files.createDirectories(Path.of("target", "soak"));
      Files.writeString(out.resolve("summary.txt"), summary);
      Files.writeString(out.resolve("samples.csv"), csv(all));

      assertThat(tally.wrongAnswers()).as("Decrypts that returned a wrong plaintext").isZero();
      assertThat(tally.failures().keySet())
          .as("failure codes")
          .isSubsetOf("UNAVAILABLE", "DEADLINE_EXCEEDED", KmsLoad.CLIENT_DEADLINE);
      assertThat((double) tally.successes() / tally.calls())
          .as("share of calls that succeeded (KMaaS fails ~4% of its calls; the daemon retries)")
          .isGreaterThan(0.9);
      assertThat(setup.kmaas().injectedFaultCounts().total()).as("faults injected").isPositive();
      assertThat(rotations.get()).as("KEK rotations").isPositive();
      assertThat(load.decryptedKeyIds().size())
          .as("key_ids whose ciphertexts were opened (one per KEK)")
          .isGreaterThan(1);
      assertThat(first).as("samples in the first window").hasSizeGreaterThanOrEqualTo(2);
      assertThat(last).as("samples in the last window").hasSizeGreaterThanOrEqualTo(2);
      assertThat(median(last, Sample::heapAfterGc))
          .as("heap after GC, last window vs first (bytes)")
          .isLessThanOrEqualTo(
              median(first, Sample::heapAfterGc)
                  + Math.max(
                      HEAP_TOLERANCE_BYTES,
                      HEAP_TOLERANCE_SHARE * median(first, Sample::heapAfterGc)));
      assertThat(median(last, Sample::threads))
          .as("live threads, last window vs first")
          .isLessThanOrEqualTo(median(first, Sample::threads) + THREAD_TOLERANCE);
      assertThat(median(last, Sample::otherFds))
          .as("open file descriptors other than KMaaS connections, last window vs first")
          .isLessThanOrEqualTo(median(first, Sample::otherFds) + FD_TOLERANCE);
      assertThat(all.stream().mapToInt(Sample::kmaasClientSockets).max().orElse(0))
          .as("the daemon's connections to KMaaS (idle pool bound plus calls in flight)")
          .isLessThanOrEqualTo(KMAAS_CONNECTION_BOUND + clients + 1);
      assertThat(all.stream().mapToDouble(Sample::dekCache).max().orElse(0))
          .as(
              "DEK cache entries (Caffeine evicts asynchronously, so it may pass its bound briefly)")
          .isLessThanOrEqualTo(DEK_CACHE_SIZE * 1.25);
    }
  }

  private static Sample sample(StandaloneDaemon setup, KmsLoad load, long start) {
    System.gc();
    long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    int threads = ManagementFactory.getThreadMXBean().getThreadCount();
    OpenFiles files = OpenFiles.now();
    int port = setup.kmaas().port();
    double dekCache;
    try {
      dekCache = KmsCalls.metric(setup.daemon(), "cache_size", "cache", "kms.dek.cache");
    } catch (Exception e) {
      dekCache = -1;
    }
    return new Sample(
        (System.nanoTime() - start) / 1e9,
        heap,
        threads,
        files.total(),
        files.tcpTo(port),
        files.tcpOn(port),
        files.count("jar"),
        files.kinds(),
        dekCache,
        load.tally().calls());
  }

  private static List<Sample> between(List<Sample> samples, double from, double to) {
    return samples.stream().filter(s -> s.seconds() >= from && s.seconds() <= to).toList();
  }

  private static double median(List<Sample> samples, ToDoubleFunction<Sample> value) {
    double[] sorted = samples.stream().mapToDouble(value).sorted().toArray();
    if (sorted.length == 0) {
      return Double.NaN;
    }
    int mid = sorted.length / 2;
    return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  }

  private static String range(List<Sample> samples, ToDoubleFunction<Sample> value, double unit) {
    return String.format(
        "%.1f [%.1f-%.1f]",
        median(samples, value) / unit,
        samples.stream().mapToDouble(value).min().orElse(Double.NaN) / unit,
        samples.stream().mapToDouble(value).max().orElse(Double.NaN) / unit);
  }

  private static String summary(
      Duration duration,
      int clients,
      double elapsed,
      KmsLoad.Tally tally,
      KmsLoad load,
      int rotations,
      StandaloneDaemon setup,
      List<Sample> first,
      List<Sample> last,
      List<Sample> all,
      String loadBefore,
      String loadAfter) {
    StandaloneKmaasServer.InjectedFaultCounts faults = setup.kmaas().injectedFaultCounts();
    StandaloneKmaasServer.RequestCounts kmaasCalls = setup.kmaas().requestCounts();
    double mib = 1 << 20;
    StringBuilder s = new StringBuilder();
    s.append(
        String.format(
            "SoakIT summary: %s (%.0f s), %d clients, deadline %d ms, DEK cache %d%n",
            Durations.format(duration), elapsed, clients, DEADLINE.toMillis(), DEK_CACHE_SIZE));
    s.append(
        String.format(
            "  calls %d (%.0f/s), ok %d, wrong answers %d, failed %d: %s%n",
            tally.calls(),
            tally.calls() / elapsed,
            tally.successes(),
            tally.wrongAnswers(),
            tally.failed(),
            tally.failures()));
    s.append(
        String.format(
            "  KMaaS: %d wraps, %d unwraps; injected %d HTTP 500, %d resets, %d slow (%d ms); %d"
                + " KEK rotations; ciphertexts of %d key_ids decrypted%n",
            kmaasCalls.wraps(),
            kmaasCalls.unwraps(),
            faults.serverErrors(),
            faults.resets(),
            faults.slow(),
            FAULTS.slowDelay().toMillis(),
            rotations,
            load.decryptedKeyIds().size()));
    s.append(
        String.format(
            "  first window %s, last window %s (median [min-max]):%n", span(first), span(last)));
    s.append(
        String.format(
            "    heap after GC MiB: %s -> %s%n",
            range(first, Sample::heapAfterGc, mib), range(last, Sample::heapAfterGc, mib)));
    s.append(
        String.format(
            "    live threads:      %s -> %s%n",
            range(first, Sample::threads, 1), range(last, Sample::threads, 1)));
    s.append(
        String.format(
            "    open fds:          %s -> %s%n",
            range(first, Sample::fds, 1), range(last, Sample::fds, 1)));
    s.append(
        String.format(
            "      of which daemon->KMaaS connections %s -> %s, KMaaS side %s -> %s, jar files %s -> %s, other %s -> %s%n",
            range(first, Sample::kmaasClientSockets, 1),
            range(last, Sample::kmaasClientSockets, 1),
            range(first, Sample::kmaasServerSockets, 1),
            range(last, Sample::kmaasServerSockets, 1),
            range(first, Sample::jarFiles, 1),
            range(last, Sample::jarFiles, 1),
            range(first, Sample::otherFds, 1),
            range(last, Sample::otherFds, 1)));
    if (!first.isEmpty() && !last.isEmpty()) {
      s.append(
          String.format(
              "      by kind, first and last sample: %s -> %s%n",
              first.get(0).fdKinds(), last.get(last.size() - 1).fdKinds()));
    }
    s.append(
        String.format(
            "    DEK cache entries: %s -> %s (bound %d; max of all %d samples %.0f)%n",
            range(first, Sample::dekCache, 1),
            range(last, Sample::dekCache, 1),
            DEK_CACHE_SIZE,
            all.size(),
            all.stream().mapToDouble(Sample::dekCache).max().orElse(Double.NaN)));
    s.append(String.format("  load average before: %s; after: %s%n", loadBefore, loadAfter));
    s.append(String.format("  failure examples: %s%n", load.failureExamples()));
    return s.toString();
  }

  private static String span(List<Sample> samples) {
    if (samples.isEmpty()) {
      return "(no samples)";
    }
    return String.format(
        "%.0f-%.0f s", samples.get(0).seconds(), samples.get(samples.size() - 1).seconds());
  }

  private static String csv(List<Sample> samples) {
    StringBuilder s =
        new StringBuilder(
            "seconds,heap_after_gc_bytes,threads,fds,kmaas_client_sockets,kmaas_server_sockets,"
                + "dek_cache,calls\n");
    for (Sample x : samples) {
      s.append(
          String.format(
              "%.1f,%d,%d,%d,%d,%d,%.0f,%d%n",
              x.seconds(),
              x.heapAfterGc(),
              x.threads(),
              x.fds(),
              x.kmaasClientSockets(),
              x.kmaasServerSockets(),
              x.dekCache(),
              x.calls()));
    }
    return s.toString();
  }

  private static String loadAverage() {
    try {
      String[] parts = Files.readString(Path.of("/proc/loadavg")).split(" ");
      return parts[0]
          + " "
          + parts[1]
          + " "
          + parts[2]
          + " on "
          + Runtime.getRuntime().availableProcessors()
          + " CPUs";
    } catch (IOException e) {
      return "unknown";
    }
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  private static Duration max(Duration a, Duration b) {
    return a.compareTo(b) >= 0 ? a : b;
  }

  private static Duration clamp(Duration d, Duration low, Duration high) {
    return max(low, min(high, d));
  }
}
