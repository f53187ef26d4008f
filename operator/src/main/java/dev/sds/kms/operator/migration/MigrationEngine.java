package dev.sds.kms.operator.migration;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceList;
import io.fabric8.kubernetes.api.model.ListOptions;
import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.MixedOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.IntFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rewrites every object of a resource so that kube-apiserver stores it under the current key: paged
 * LIST across all namespaces, no-op UPDATE per object through a bounded worker pool and a
 * client-side rate limit, a checkpoint (the continue token) after every page. Only one page is in
 * memory at a time; no informers.
 *
 * <p>A 410 Gone on a continue token (expired, etcd compacted) restarts the listing of the resource
 * from the beginning: objects rewritten before are rewritten again and counted again, which costs
 * writes but is harmless.
 */
public final class MigrationEngine implements ResourceMigrator {
  private static final Logger LOG = LoggerFactory.getLogger(MigrationEngine.class);

  /** Restarts of a listing after 410 Gone before the resource is given up. */
  static final int MAX_LIST_RESTARTS = 5;

  private static final AtomicInteger POOLS = new AtomicInteger();

  private final KubernetesClient client;
  private final IntFunction<RateLimit> rateLimits;

  public MigrationEngine(KubernetesClient client) {
    this(client, RateLimit::perSecond);
  }

  /**
   * @param rateLimits makes the rate limit of one run from {@link MigrationSettings#qps()}
   */
  public MigrationEngine(KubernetesClient client, IntFunction<RateLimit> rateLimits) {
    this.client = client;
    this.rateLimits = rateLimits;
  }

  @Override
  public MigrationResult migrate(
      MigrationTarget target,
      String continueFrom,
      MigrationSettings settings,
      ProgressListener listener,
      BooleanSupplier cancelled) {
    ExecutorService workers = newWorkerPool(settings.workers());
    try {
      ObjectRewriter rewriter =
          new ObjectRewriter(
              client,
              target,
              settings.maxConflictRetries(),
              rateLimits.apply(settings.qps()),
              cancelled);
      MigrationResult result =
          run(target, emptyToNull(continueFrom), settings, listener, cancelled, rewriter, workers);
      LOG.info("Migration of {} ended: {}", target.resource(), result.summary());
      listener.resourceDone(result);
      return result;
    } finally {
      workers.shutdownNow();
    }
  }

  private MigrationResult run(
      MigrationTarget target,
      String continueFrom,
      MigrationSettings settings,
      ProgressListener listener,
      BooleanSupplier cancelled,
      ObjectRewriter rewriter,
      ExecutorService workers) {
    Tally tally = new Tally();
    String token = continueFrom;
    int restarts = 0;
    int throttled = 0;
    while (true) {
      if (cancelled.getAsBoolean()) {
        return tally.result(target.resource(), false, token, "cancelled");
      }
      GenericKubernetesResourceList page;
      try {
        page = list(target, settings.pageSize(), token);
        throttled = 0;
      } catch (KubernetesClientException e) {
        if (e.getCode() == 410 && token != null && ++restarts <= MAX_LIST_RESTARTS) {
          LOG.warn(
              "Continue token of {} expired (410 Gone); listing again from the beginning, "
                  + "objects already rewritten will be rewritten again",
              target.resource());
          token = null;
          continue;
        }
        if (Throttling.isThrottled(e) && ++throttled <= Throttling.MAX_THROTTLED) {
          if (!Throttling.pause(Throttling.backoff(e, throttled), cancelled)) {
            return tally.result(target.resource(), false, token, "cancelled");
          }
          continue;
        }
        return tally.result(target.resource(), false, token, listingError(e, restarts));
      }
      boolean complete = rewritePage(page.getItems(), rewriter, tally, workers);
      if (!complete) {
        return tally.result(target.resource(), false, token, "cancelled");
      }
      String next =
          emptyToNull(page.getMetadata() == null ? null : page.getMetadata().getContinue());
      listener.pageDone(
          target.resource(), next, tally.migrated.get(), tally.skipped.get(), tally.failed.get());
      if (next == null) {
        return tally.result(target.resource(), true, null, null);
      }
      token = next;
    }
  }

  /**
   * @return false when cancelled before every object of the page was visited
   */
  private boolean rewritePage(
      List<GenericKubernetesResource> items,
      ObjectRewriter rewriter,
      Tally tally,
      ExecutorService workers) {
    List<Future<ObjectRewriter.Outcome>> outcomes = new ArrayList<>(items.size());
    for (GenericKubernetesResource item : items) {
      outcomes.add(
          workers.submit(
              () -> {
                ObjectRewriter.Outcome outcome = rewriteQuietly(rewriter, item);
                tally.record(outcome, ObjectRewriter.nameOf(item));
                return outcome;
              }));
    }
    boolean complete = true;
    for (Future<ObjectRewriter.Outcome> outcome : outcomes) {
      try {
        complete &= outcome.get() != ObjectRewriter.Outcome.CANCELLED;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        outcomes.forEach(f -> f.cancel(true));
        return false;
      } catch (ExecutionException e) {
        throw new IllegalStateException("rewrite task failed", e.getCause());
      }
    }
    return complete;
  }

  private static ObjectRewriter.Outcome rewriteQuietly(
      ObjectRewriter rewriter, GenericKubernetesResource item) {
    try {
      return rewriter.rewrite(item);
    } catch (RuntimeException e) {
      LOG.warn("Could not rewrite {}: {}", ObjectRewriter.nameOf(item), e.toString());
      return ObjectRewriter.Outcome.FAILED;
    }
  }

  private GenericKubernetesResourceList list(MigrationTarget target, int pageSize, String token) {
    MixedOperation<
            GenericKubernetesResource,
            GenericKubernetesResourceList,
            Resource<GenericKubernetesResource>>
        objects = client.genericKubernetesResources(target.context());
    ListOptions options =
        new ListOptionsBuilder().withLimit((long) pageSize).withContinue(token).build();
    return target.namespaced() ? objects.inAnyNamespace().list(options) : objects.list(options);
  }

  private static String listingError(KubernetesClientException e, int restarts) {
    if (e.getCode() == 410) {
      return "listing expired (410 Gone) " + restarts + " times in a row";
    }
    String reason = e.getStatus() == null ? null : e.getStatus().getReason();
    return "listing failed: HTTP " + e.getCode() + (reason == null ? "" : " " + reason);
  }

  private static ExecutorService newWorkerPool(int workers) {
    int pool = POOLS.incrementAndGet();
    AtomicInteger thread = new AtomicInteger();
    return Executors.newFixedThreadPool(
        workers,
        runnable -> {
          Thread t =
              new Thread(runnable, "migration-" + pool + "-worker-" + thread.incrementAndGet());
          t.setDaemon(true);
          return t;
        });
  }

  private static String emptyToNull(String token) {
    return token == null || token.isEmpty() ? null : token;
  }
}
