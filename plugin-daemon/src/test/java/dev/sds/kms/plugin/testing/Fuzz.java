package dev.sds.kms.plugin.testing;

import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * Seeded mutation fuzzing without a fuzzing engine: each input is a valid seed input changed by one
 * to four random mutations (bit flips, byte sets, insertions, deletions, length-field tweaks,
 * truncation, extension, splicing two seeds, or plain random bytes). Everything derives from one
 * {@code long} seed, printed at start and in every failure, so {@code -Dfuzz.seed=<seed>}
 * reproduces a run exactly.
 *
 * <p>System properties: {@code fuzz.iterations} (default {@value #DEFAULT_ITERATIONS}; the {@code
 * fuzz} Maven profile sets 1,000,000), {@code fuzz.seed} (default {@value #DEFAULT_SEED}).
 */
public final class Fuzz {
  public static final int DEFAULT_ITERATIONS = 50_000;
  public static final long DEFAULT_SEED = 0x5D5_4B4D_5L;

  private final String target;
  private final long seed;
  private final int iterations;
  private final Random random;
  private final List<byte[]> corpus;
  private final int maxLength;
  private final Map<String, Integer> outcomes = new TreeMap<>();
  private long started;

  /**
   * @param target name printed with the seed
   * @param corpus valid inputs to mutate
   * @param maxLength mutations never grow an input past this many bytes
   */
  public Fuzz(String target, List<byte[]> corpus, int maxLength) {
    this.target = target;
    this.seed = Long.getLong("fuzz.seed", DEFAULT_SEED);
    this.iterations = Integer.getInteger("fuzz.iterations", DEFAULT_ITERATIONS);
    this.random = new Random(seed ^ target.hashCode());
    this.corpus = List.copyOf(corpus);
    this.maxLength = maxLength;
  }

  public int iterations() {
    return iterations;
  }

  public Random random() {
    return random;
  }

  /**
   * A {@link SecureRandom} that repeats for a given seed, for the code under test (keys, nonces) so
   * that the seed inputs, and therefore every mutated input, are the same on every run.
   */
  public static SecureRandom repeatable(String target) {
    try {
      SecureRandom random = SecureRandom.getInstance("SHA1PRNG");
      random.setSeed(Long.getLong("fuzz.seed", DEFAULT_SEED) ^ target.hashCode());
      return random;
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Prints the target, seed and iteration count, and starts the clock. */
  public void start() {
    System.out.printf(
        "fuzz %s: seed %d (-Dfuzz.seed=%d), %d inputs%n", target, seed, seed, iterations);
    started = System.nanoTime();
  }

  /** Counts one input's outcome (e.g. "accepted", "refused: truncated") for the summary. */
  public void count(String outcome) {
    outcomes.merge(outcome, 1, Integer::sum);
  }

  /** Prints how long the run took and the outcome counts, and returns the outcome counts. */
  public Map<String, Integer> finish() {
    Duration took = Duration.ofNanos(System.nanoTime() - started);
    System.out.printf(
        "fuzz %s: %d inputs in %d ms, no findings; outcomes %s%n",
        target, iterations, took.toMillis(), outcomes);
    return Map.copyOf(outcomes);
  }

  /** What a failure message must carry so that it reproduces. */
  public String where(int iteration, byte[] input) {
    return "fuzz "
        + target
        + " seed "
        + seed
        + " (-Dfuzz.seed="
        + seed
        + ") input #"
        + iteration
        + " "
        + java.util.HexFormat.of().formatHex(input);
  }

  /** A seed input, unchanged. */
  public byte[] pick() {
    return corpus.get(random.nextInt(corpus.size())).clone();
  }

  /** The next input: a mutated seed input. */
  public byte[] next() {
    byte[] data = pick();
    int rounds = 1 + random.nextInt(4);
    for (int i = 0; i < rounds; i++) {
      data = mutate(data);
    }
    return data.length > maxLength ? Arrays.copyOf(data, maxLength) : data;
  }

  private byte[] mutate(byte[] data) {
    int n = data.length;
    switch (random.nextInt(10)) {
      case 0 -> { // flip one bit
        if (n > 0) {
          data[random.nextInt(n)] ^= (byte) (1 << random.nextInt(8));
        }
        return data;
      }
      case 1 -> { // set one byte to an interesting or random value
        if (n > 0) {
          data[random.nextInt(n)] = interestingByte();
        }
        return data;
      }
      case 2 -> { // insert bytes
        int at = random.nextInt(n + 1);
        int count = 1 + random.nextInt(8);
        byte[] out = new byte[n + count];
        System.arraycopy(data, 0, out, 0, at);
        for (int i = 0; i < count; i++) {
          out[at + i] = interestingByte();
        }
        System.arraycopy(data, at, out, at + count, n - at);
        return out;
      }
      case 3 -> { // delete bytes
        if (n == 0) {
          return data;
        }
        int at = random.nextInt(n);
        int count = Math.min(n - at, 1 + random.nextInt(8));
        byte[] out = new byte[n - count];
        System.arraycopy(data, 0, out, 0, at);
        System.arraycopy(data, at + count, out, at, n - at - count);
        return out;
      }
      case 4 -> { // tweak a one- or two-byte big-endian length field
        if (n < 2) {
          return data;
        }
        int at = random.nextInt(n - 1);
        int value = ((data[at] & 0xff) << 8) | (data[at + 1] & 0xff);
        value = tweak(value) & 0xffff;
        if (random.nextBoolean()) {
          data[at] = (byte) (value >>> 8);
          data[at + 1] = (byte) value;
        } else {
          data[at + 1] = (byte) tweak(data[at + 1] & 0xff);
        }
        return data;
      }
      case 5 -> { // truncate
        return Arrays.copyOf(data, n == 0 ? 0 : random.nextInt(n));
      }
      case 6 -> { // extend with random bytes
        byte[] out = Arrays.copyOf(data, n + 1 + random.nextInt(32));
        for (int i = n; i < out.length; i++) {
          out[i] = (byte) random.nextInt(256);
        }
        return out;
      }
      case 7 -> { // splice: a prefix of this input and a suffix of another
        byte[] other = pick();
        int cut = random.nextInt(n + 1);
        int from = random.nextInt(other.length + 1);
        byte[] out = Arrays.copyOf(data, cut + other.length - from);
        System.arraycopy(other, from, out, cut, other.length - from);
        return out;
      }
      case 8 -> { // copy a chunk of this input over another place in it
        if (n < 2) {
          return data;
        }
        int from = random.nextInt(n);
        int to = random.nextInt(n);
        int count = Math.min(Math.min(n - from, n - to), 1 + random.nextInt(16));
        System.arraycopy(data.clone(), from, data, to, count);
        return data;
      }
      default -> { // random bytes of a similar length
        byte[] out = new byte[random.nextInt(Math.max(1, n * 2))];
        random.nextBytes(out);
        return out;
      }
    }
  }

  private int tweak(int value) {
    return switch (random.nextInt(6)) {
      case 0 -> value + 1;
      case 1 -> value - 1;
      case 2 -> value + random.nextInt(64) - 32;
      case 3 -> 0;
      case 4 -> 0xffff;
      default -> random.nextInt(0x10000);
    };
  }

  private byte interestingByte() {
    return switch (random.nextInt(8)) {
      case 0 -> 0;
      case 1 -> (byte) 0xff;
      case 2 -> 0x7f;
      case 3 -> (byte) 0x80;
      case 4 -> 1;
      default -> (byte) random.nextInt(256);
    };
  }
}
