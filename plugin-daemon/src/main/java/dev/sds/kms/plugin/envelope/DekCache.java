package dev.sds.kms.plugin.envelope;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import com.github.benmanes.caffeine.cache.Scheduler;
import com.github.benmanes.caffeine.cache.Ticker;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.cache.CaffeineCacheMetrics;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.atomic.LongAdder;

/**
 * Bounded, expiring cache of unwrapped DEKs so that Decrypt of a ciphertext this daemon just made
 * (or recently opened) needs no KMaaS call.
 *
 * <p>The key is SHA-256 over the length-prefixed KEK id and wrapped DEK, so it reveals nothing and
 * two different (KEK id, wrapped DEK) pairs never share an entry. Values are private copies: {@link
 * #put} copies the DEK in, {@link #get} hands out a fresh copy, and every stored array is wiped
 * (filled with zeros) when its entry is evicted, expires, is replaced or is invalidated. A maximum
 * size of 0 disables caching. Thread-safe.
 */
public final class DekCache {

  /** Metric name prefix of the cache meters. */
  public static final String METRIC_NAME = "kms.dek.cache";

  /**
   * Counter of DEKs evicted because the cache was full ({@code
   * kms_dek_cache_size_evictions_total}): unlike Caffeine's {@code cache_evictions_total} it leaves
   * out entries that merely expired, so a steady rate of it with many misses means {@code
   * --dek-cache-size} is smaller than the working set (the DEK cache is thrashing).
   */
  public static final String SIZE_EVICTIONS_METRIC = "kms.dek.cache.size.evictions";

  private final Cache<String, Entry> cache;
  private final LongAdder sizeEvictions = new LongAdder();
  private final boolean enabled;

  /**
   * A cache holding at most {@code maxSize} DEKs, each for at most {@code ttl} after it was put.
   */
  public DekCache(long maxSize, Duration ttl) {
    this(maxSize, ttl, Ticker.systemTicker(), ForkJoinPool.commonPool(), true);
  }

  /**
   * For tests: a given clock and executor (e.g. {@code Runnable::run}) and no background scheduler,
   * so eviction and expiry happen deterministically on {@link #cleanUp()}.
   */
  DekCache(long maxSize, Duration ttl, Ticker ticker, Executor executor) {
    this(maxSize, ttl, ticker, executor, false);
  }

  private DekCache(
      long maxSize, Duration ttl, Ticker ticker, Executor executor, boolean systemScheduler) {
    if (maxSize < 0) {
      throw new IllegalArgumentException("DEK cache size must not be negative");
    }
    Objects.requireNonNull(ttl, "ttl");
    if (maxSize > 0 && (ttl.isNegative() || ttl.isZero())) {
      throw new IllegalArgumentException("DEK cache TTL must be positive");
    }
    this.enabled = maxSize > 0;
    Caffeine<Object, Object> builder =
        Caffeine.newBuilder()
            .maximumSize(maxSize)
            .ticker(ticker)
            .executor(executor)
            .recordStats()
            .removalListener(
                (key, value, cause) -> {
                  ((Entry) value).wipe();
                  if (cause == RemovalCause.SIZE) {
                    sizeEvictions.increment();
                  }
                });
    if (enabled) {
      builder.expireAfterWrite(ttl);
    }
    if (systemScheduler) {
      builder.scheduler(Scheduler.systemScheduler());
    }
    this.cache = builder.build();
  }

  /** A copy of the DEK cached for ({@code kekId}, {@code wrappedDek}), or {@code null}. */
  public byte[] get(String kekId, byte[] wrappedDek) {
    Entry entry = cache.getIfPresent(key(kekId, wrappedDek));
    return entry == null ? null : entry.copy();
  }

  /** Caches a copy of {@code dek} for ({@code kekId}, {@code wrappedDek}). */
  public void put(String kekId, byte[] wrappedDek, byte[] dek) {
    if (!enabled) {
      return;
    }
    Entry fresh = new Entry(dek.clone());
    Entry existing = cache.asMap().putIfAbsent(key(kekId, wrappedDek), fresh);
    if (existing != null) {
      // the same wrapped DEK always unwraps to the same DEK; keep the entry already there
      fresh.wipe();
    }
  }

  /** Removes (and wipes) every entry, for example after a KEK is retired. */
  public void clear() {
    cache.invalidateAll();
    cache.cleanUp();
  }

  /** Whether DEKs are kept at all ({@code --dek-cache-size 0} turns the cache off). */
  public boolean enabled() {
    return enabled;
  }

  /** Approximate number of cached DEKs. */
  public long estimatedSize() {
    return cache.estimatedSize();
  }

  /**
   * Registers hit/miss/eviction/size meters named {@value #METRIC_NAME} and the {@value
   * #SIZE_EVICTIONS_METRIC} counter in {@code registry}.
   */
  public void bindMetrics(MeterRegistry registry) {
    CaffeineCacheMetrics.monitor(registry, cache, METRIC_NAME);
    FunctionCounter.builder(SIZE_EVICTIONS_METRIC, sizeEvictions, LongAdder::sum)
        .description("DEKs evicted because the cache was full (expired ones not counted)")
        .register(registry);
  }

  /** Runs pending eviction, expiry and removal work now. */
  void cleanUp() {
    cache.cleanUp();
  }

  /** Tests only: the array stored for this key itself (not a copy), or {@code null}. */
  byte[] storedArrayForTest(String kekId, byte[] wrappedDek) {
    Entry entry = cache.asMap().get(key(kekId, wrappedDek));
    return entry == null ? null : entry.dek;
  }

  static String key(String kekId, byte[] wrappedDek) {
    byte[] kek = kekId.getBytes(StandardCharsets.UTF_8);
    MessageDigest sha256;
    try {
      sha256 = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is not available", e);
    }
    sha256.update(ByteBuffer.allocate(4).putInt(kek.length).array());
    sha256.update(kek);
    sha256.update(ByteBuffer.allocate(4).putInt(wrappedDek.length).array());
    sha256.update(wrappedDek);
    return HexFormat.of().formatHex(sha256.digest());
  }

  /**
   * One cached DEK. Copying and wiping are synchronized so that a reader racing an eviction gets
   * either the whole DEK or nothing, never a half-wiped array.
   */
  private static final class Entry {
    private final byte[] dek;
    private boolean wiped;

    Entry(byte[] dek) {
      this.dek = dek;
    }

    synchronized byte[] copy() {
      return wiped ? null : dek.clone();
    }

    synchronized void wipe() {
      Arrays.fill(dek, (byte) 0);
      wiped = true;
    }

    @Override
    public String toString() {
      return "DEK entry";
    }
  }
}
