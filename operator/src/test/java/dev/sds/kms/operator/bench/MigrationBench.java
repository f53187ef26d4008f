package dev.sds.kms.operator.bench;

import com.sun.management.GarbageCollectionNotificationInfo;
import dev.sds.kms.operator.migration.MigrationEngine;
import dev.sds.kms.operator.migration.MigrationResult;
import dev.sds.kms.operator.migration.MigrationSettings;
import dev.sds.kms.operator.migration.MigrationTarget;
import dev.sds.kms.operator.migration.MigrationTargetResolver;
import dev.sds.kms.operator.migration.ProgressListener;
import dev.sds.kms.operator.migration.RateLimit;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceList;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import javax.management.NotificationEmitter;
import javax.management.openmbean.CompositeData;

/**
 * Benchmark (not a test) of one migration of all Secrets against an API server in another process
 * ({@link PagingApiServerMain}). One mode per JVM, so that the peak heap is that mode's alone:
 *
 * <ul>
 *   <li>{@code engine}: the operator's {@link MigrationEngine} (paged LIST, bounded worker pool,
 *       client-side rate limit);
 *   <li>{@code naive}: one LIST of everything without limit, then one UPDATE per object through the
 *       same number of workers and the same rate limit.
 * </ul>
 *
 * Prints one line {@code RESULT key=value ...}: objects/s, max heap used after a GC (sum of the
 * heap pools after each collection, from GC notifications), max heap used sampled every 10 ms, and
 * the API server's own request counts ({@code /__counts}).
 *
 * <pre>
 * java -Xmx512m -cp ... dev.sds.kms.operator.bench.MigrationBench URL engine|naive N [workers qps pageSize]
 * </pre>
 */
public final class MigrationBench {
  private static final MigrationTarget SECRETS =
      new MigrationTarget("secrets", "", "v1", "Secret", "secrets", true);

  private MigrationBench() {}

  public static void main(String[] args) throws Exception {
    String url = args[0];
    String mode = args[1];
    long expected = Long.parseLong(args[2]);
    int workers = args.length > 3 ? Integer.parseInt(args[3]) : 8;
    int qps = args.length > 4 ? Integer.parseInt(args[4]) : 100_000;
    int pageSize = args.length > 5 ? Integer.parseInt(args[5]) : 500;
    MigrationSettings settings = new MigrationSettings(pageSize, qps, workers, 3);

    HeapWatch heap = new HeapWatch();
    Config config =
        new ConfigBuilder(Config.empty()).withMasterUrl(url).withTrustCerts(true).build();
    long migrated;
    long failed;
    long nanos;
    try (KubernetesClient client = new KubernetesClientBuilder().withConfig(config).build()) {
      MigrationTarget target = new MigrationTargetResolver(client).resolve("secrets");
      if (!target.equals(SECRETS)) {
        throw new IllegalStateException("unexpected target " + target);
      }
      System.gc();
      heap.start();
      long start = System.nanoTime();
      if (mode.equals("engine")) {
        MigrationResult result =
            new MigrationEngine(client)
                .migrate(target, null, settings, ProgressListener.NONE, () -> false);
        if (!result.done()) {
          throw new IllegalStateException("migration did not finish: " + result.summary());
        }
        migrated = result.migrated();
        failed = result.failed() + result.skipped();
      } else if (mode.equals("naive")) {
        long[] outcome = naive(client, target, settings);
        migrated = outcome[0];
        failed = outcome[1];
      } else {
        throw new IllegalArgumentException("mode must be engine or naive: " + mode);
      }
      nanos = System.nanoTime() - start;
      heap.stop();
    }
    Map<String, Long> counts = counts(url);
    Map<String, Object> line = new LinkedHashMap<>();
    line.put("mode", mode);
    line.put("n", expected);
    line.put("migrated", migrated);
    line.put("failed", failed);
    line.put("seconds", String.format("%.2f", nanos / 1e9));
    line.put("objPerSec", Math.round(migrated / (nanos / 1e9)));
    line.put("peakAfterGcMiB", heap.maxAfterGc.get() / (1024 * 1024));
    line.put("peakUsedMiB", heap.maxUsed.get() / (1024 * 1024));
    line.put("gcs", heap.collections.get());
    line.putAll(counts);
    System.out.println(
        "RESULT "
            + line.entrySet().stream()
                .map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining(" ")));
    if (migrated != expected) {
      System.err.println("WARNING: migrated " + migrated + " of " + expected);
    }
  }

  /** One LIST without limit, then one UPDATE per object: what the engine is measured against. */
  private static long[] naive(
      KubernetesClient client, MigrationTarget target, MigrationSettings settings)
      throws Exception {
    var objects = client.genericKubernetesResources(target.context());
    GenericKubernetesResourceList all = objects.inAnyNamespace().list();
    RateLimit limit = RateLimit.perSecond(settings.qps());
    ExecutorService pool = Executors.newFixedThreadPool(settings.workers());
    AtomicLong migrated = new AtomicLong();
    AtomicLong failed = new AtomicLong();
    try {
      List<Future<?>> done = new ArrayList<>(all.getItems().size());
      for (GenericKubernetesResource item : all.getItems()) {
        done.add(
            pool.submit(
                () -> {
                  try {
                    if (item.getApiVersion() == null) {
                      item.setApiVersion(target.apiVersion());
                    }
                    if (item.getKind() == null) {
                      item.setKind(target.kind());
                    }
                    limit.acquire();
                    objects.inNamespace(item.getMetadata().getNamespace()).resource(item).update();
                    migrated.incrementAndGet();
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  } catch (RuntimeException e) {
                    failed.incrementAndGet();
                  }
                }));
      }
      for (Future<?> f : done) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
    return new long[] {migrated.get(), failed.get()};
  }

  private static Map<String, Long> counts(String url) throws Exception {
    HttpResponse<String> response =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(url.replaceAll("/$", "") + "/__counts")).build(),
                HttpResponse.BodyHandlers.ofString());
    Map<String, Long> counts = new LinkedHashMap<>();
    String body = response.body().replaceAll("[{}\" ]", "");
    for (String pair : body.split(",")) {
      String[] kv = pair.split(":");
      counts.put(kv[0], Long.parseLong(kv[1]));
    }
    return counts;
  }

  /** Max heap used after each GC (GC notifications) and sampled every 10 ms. */
  private static final class HeapWatch {
    final AtomicLong maxAfterGc = new AtomicLong();
    final AtomicLong maxUsed = new AtomicLong();
    final AtomicLong collections = new AtomicLong();
    private volatile boolean running;
    private Thread sampler;

    HeapWatch() {
      Set<String> heapPools =
          ManagementFactory.getMemoryPoolMXBeans().stream()
              .filter(p -> p.getType() == MemoryType.HEAP)
              .map(MemoryPoolMXBean::getName)
              .collect(Collectors.toSet());
      for (var gc : ManagementFactory.getGarbageCollectorMXBeans()) {
        ((NotificationEmitter) gc)
            .addNotificationListener(
                (notification, handback) -> {
                  if (!running
                      || !notification
                          .getType()
                          .equals(
                              GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION)) {
                    return;
                  }
                  var info =
                      GarbageCollectionNotificationInfo.from(
                          (CompositeData) notification.getUserData());
                  long used = 0;
                  for (Map.Entry<String, MemoryUsage> pool :
                      info.getGcInfo().getMemoryUsageAfterGc().entrySet()) {
                    if (heapPools.contains(pool.getKey())) {
                      used += pool.getValue().getUsed();
                    }
                  }
                  collections.incrementAndGet();
                  maxAfterGc.accumulateAndGet(used, Math::max);
                },
                null,
                null);
      }
    }

    void start() {
      running = true;
      sampler =
          new Thread(
              () -> {
                var memory = ManagementFactory.getMemoryMXBean();
                while (running) {
                  maxUsed.accumulateAndGet(memory.getHeapMemoryUsage().getUsed(), Math::max);
                  try {
                    Thread.sleep(10);
                  } catch (InterruptedException e) {
                    return;
                  }
                }
              },
              "heap-sampler");
      sampler.setDaemon(true);
      sampler.start();
    }

    void stop() throws InterruptedException {
      running = false;
      sampler.join();
    }
  }
}
