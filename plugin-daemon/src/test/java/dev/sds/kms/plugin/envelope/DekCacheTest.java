package dev.sds.kms.plugin.envelope;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class DekCacheTest {

  private static final Duration TTL = Duration.ofMinutes(10);

  private final FakeTicker ticker = new FakeTicker();

  private DekCache cache(long maxSize) {
    return new DekCache(maxSize, TTL, ticker, Runnable::run);
  }

  private static byte[] bytes(int n, int value) {
    byte[] b = new byte[n];
    Arrays.fill(b, (byte) value);
    return b;
  }

  private static boolean allZero(byte[] b) {
    for (byte x : b) {
      if (x != 0) {
        return false;
      }
    }
    return true;
  }

  @Test
  void getReturnsACopyOfWhatWasPut() {
    DekCache cache = cache(10);
    byte[] wrapped = bytes(40, 7);
    byte[] dek = bytes(32, 9);
    cache.put("kek-1", wrapped, dek);

    Arrays.fill(dek, (byte) 0); // the caller wipes its own copy
    byte[] first = cache.get("kek-1", wrapped);
    assertThat(first).isEqualTo(bytes(32, 9));
    Arrays.fill(first, (byte) 0); // and the copy it got
    assertThat(cache.get("kek-1", wrapped)).isEqualTo(bytes(32, 9));
    assertThat(cache.get("kek-1", wrapped)).isNotSameAs(cache.get("kek-1", wrapped));
  }

  @Test
  void keyIsTheKekIdAndTheWrappedDekTogether() {
    DekCache cache = cache(10);
    cache.put("kek-1", bytes(40, 7), bytes(32, 9));
    assertThat(cache.get("kek-2", bytes(40, 7))).isNull();
    assertThat(cache.get("kek-1", bytes(40, 8))).isNull();
    assertThat(cache.get("kek-1", bytes(41, 7))).isNull();
    // length prefixes: ("ab", [c...]) and ("a", [b, c...]) are different keys
    cache.put("ab", new byte[] {'c'}, bytes(32, 1));
    assertThat(cache.get("a", new byte[] {'b', 'c'})).isNull();
  }

  @Test
  void sizeIsBoundedAndEvictedEntriesAreWiped() {
    DekCache cache = cache(3);
    List<byte[]> stored = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      byte[] wrapped = bytes(40, i);
      cache.put("kek", wrapped, bytes(32, 100 + i));
      stored.add(cache.storedArrayForTest("kek", wrapped));
      cache.cleanUp();
    }
    cache.cleanUp();
    assertThat(cache.estimatedSize()).isLessThanOrEqualTo(3);
    int live = 0;
    for (int i = 0; i < 20; i++) {
      byte[] got = cache.get("kek", bytes(40, i));
      if (got != null) {
        live++;
        assertThat(got).isEqualTo(bytes(32, 100 + i));
        assertThat(allZero(stored.get(i))).isFalse();
      } else {
        assertThat(allZero(stored.get(i))).as("evicted entry %d is wiped", i).isTrue();
      }
    }
    assertThat(live).isLessThanOrEqualTo(3);
  }

  @Test
  void expiredEntriesAreGoneAndWiped() {
    DekCache cache = cache(10);
    byte[] wrapped = bytes(40, 1);
    cache.put("kek", wrapped, bytes(32, 5));
    byte[] stored = cache.storedArrayForTest("kek", wrapped);

    ticker.advance(TTL.minusSeconds(1));
    assertThat(cache.get("kek", wrapped)).isEqualTo(bytes(32, 5));

    ticker.advance(Duration.ofSeconds(2));
    cache.cleanUp();
    assertThat(cache.get("kek", wrapped)).isNull();
    assertThat(cache.estimatedSize()).isZero();
    assertThat(allZero(stored)).isTrue();
  }

  @Test
  void clearRemovesAndWipesEverything() {
    DekCache cache = cache(10);
    cache.put("kek", bytes(40, 1), bytes(32, 5));
    cache.put("kek", bytes(40, 2), bytes(32, 6));
    byte[] s1 = cache.storedArrayForTest("kek", bytes(40, 1));
    byte[] s2 = cache.storedArrayForTest("kek", bytes(40, 2));
    cache.clear();
    assertThat(cache.estimatedSize()).isZero();
    assertThat(cache.get("kek", bytes(40, 1))).isNull();
    assertThat(allZero(s1)).isTrue();
    assertThat(allZero(s2)).isTrue();
  }

  @Test
  void putOfAnExistingKeyKeepsTheStoredEntry() {
    DekCache cache = cache(10);
    cache.put("kek", bytes(40, 1), bytes(32, 5));
    byte[] stored = cache.storedArrayForTest("kek", bytes(40, 1));
    cache.put("kek", bytes(40, 1), bytes(32, 5));
    assertThat(cache.storedArrayForTest("kek", bytes(40, 1))).isSameAs(stored);
    assertThat(cache.get("kek", bytes(40, 1))).isEqualTo(bytes(32, 5));
  }

  @Test
  void sizeZeroDisablesCaching() {
    DekCache cache = cache(0);
    cache.put("kek", bytes(40, 1), bytes(32, 5));
    cache.cleanUp();
    assertThat(cache.get("kek", bytes(40, 1))).isNull();
    assertThat(cache.estimatedSize()).isZero();
    assertThat(new DekCache(0, Duration.ZERO).get("kek", bytes(1, 1))).isNull();
  }

  @Test
  void metricsCountHitsAndMisses() {
    DekCache cache = cache(10);
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    cache.bindMetrics(registry);
    cache.put("kek", bytes(40, 1), bytes(32, 5));
    cache.get("kek", bytes(40, 1));
    cache.get("kek", bytes(40, 2));
    assertThat(
            registry
                .get("cache.gets")
                .tag("cache", "kms.dek.cache")
                .tag("result", "hit")
                .functionCounter()
                .count())
        .isEqualTo(1.0);
    assertThat(
            registry
                .get("cache.gets")
                .tag("cache", "kms.dek.cache")
                .tag("result", "miss")
                .functionCounter()
                .count())
        .isEqualTo(1.0);
    assertThat(registry.get("cache.size").tag("cache", "kms.dek.cache").gauge().value())
        .isEqualTo(1.0);
  }

  @Test
  void sizeEvictionsCountOnlyEntriesPushedOutOfAFullCache() {
    DekCache cache = cache(2);
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    cache.bindMetrics(registry);
    for (int i = 0; i < 5; i++) {
      cache.put("kek", bytes(40, i), bytes(32, i));
      cache.cleanUp();
    }
    assertThat(cache.estimatedSize()).isEqualTo(2);
    assertThat(sizeEvictions(registry)).isEqualTo(3.0);

    ticker.advance(TTL.plusSeconds(1)); // the two left expire: evictions, but not for size
    cache.cleanUp();
    assertThat(cache.estimatedSize()).isZero();
    assertThat(
            registry.get("cache.evictions").tag("cache", "kms.dek.cache").functionCounter().count())
        .isEqualTo(5.0);
    assertThat(sizeEvictions(registry)).isEqualTo(3.0);

    cache.put("kek", bytes(40, 9), bytes(32, 9));
    cache.clear(); // invalidated, not evicted
    assertThat(sizeEvictions(registry)).isEqualTo(3.0);
  }

  private static double sizeEvictions(SimpleMeterRegistry registry) {
    return registry.get(DekCache.SIZE_EVICTIONS_METRIC).functionCounter().count();
  }

  @Test
  void publicConstructorWorks() {
    DekCache cache = new DekCache(100, Duration.ofHours(1));
    cache.put("kek", bytes(40, 1), bytes(32, 5));
    assertThat(cache.get("kek", bytes(40, 1))).isEqualTo(bytes(32, 5));
    cache.clear();
    assertThat(cache.get("kek", bytes(40, 1))).isNull();
  }
}
