package dev.sds.kms.plugin.testing;

import com.google.protobuf.ByteString;
import dev.sds.kms.plugin.kms.KmsV2Client;
import dev.sds.kms.plugin.kms.v2.EncryptResponse;
import dev.sds.kms.plugin.server.UnixEndpoint;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * Concurrent kube-apiserver-like clients of one daemon socket, each on its own connection, each in
 * a loop until {@link #close()}: Encrypt a random 32-byte seed, Decrypt the answer, and Decrypt a
 * ciphertext made earlier by any client (a shared pool of {@code poolSize}, so that ciphertexts
 * under older KEKs and DEKs that left the daemon's cache are opened too, often by several clients
 * at once). Every answer is checked: a Decrypt that succeeds must return exactly the seed that was
 * encrypted, otherwise it counts as a wrong answer.
 *
 * <p>{@link #tally()} counts calls, successes, wrong answers and failures by gRPC code; a {@code
 * DEADLINE_EXCEEDED} the client's own deadline cut off (the daemon did not answer in time) is
 * counted apart from one the daemon answered. Failure descriptions are kept only as a few examples
 * per code, with digits masked so that ports and counts do not multiply them.
 */
public final class KmsLoad implements AutoCloseable {
  /** The label of a DEADLINE_EXCEEDED that the client's deadline produced, not the daemon. */
  public static final String CLIENT_DEADLINE = "DEADLINE_EXCEEDED (client deadline)";

  private static final int EXAMPLES_PER_CODE = 3;

  private record Sample(byte[] seed, ByteString ciphertext, String keyId) {}

  private final UnixEndpoint endpoint;
  private final int clients;
  private final Duration deadline;
  private final AtomicReferenceArray<Sample> pool;
  private final AtomicIntegerArray consecutiveSuccesses;
  private final ExecutorService threads;
  private final LongAdder calls = new LongAdder();
  private final LongAdder successes = new LongAdder();
  private final LongAdder wrongAnswers = new LongAdder();
  private final Map<String, LongAdder> failures = new ConcurrentHashMap<>();
  private final Map<String, List<String>> examples = new ConcurrentHashMap<>();
  private final Set<String> decryptedKeyIds = ConcurrentHashMap.newKeySet();
  private volatile boolean stopped;

  /**
   * @param deadline each call's deadline (kube-apiserver's KMS timeout is 3 s by default)
   * @param poolSize ciphertexts kept for later Decrypts by any client
   */
  public KmsLoad(UnixEndpoint endpoint, int clients, Duration deadline, int poolSize) {
    this.endpoint = endpoint;
    this.clients = clients;
    this.deadline = deadline;
    this.pool = new AtomicReferenceArray<>(poolSize);
    this.consecutiveSuccesses = new AtomicIntegerArray(clients);
    AtomicInteger n = new AtomicInteger();
    this.threads =
        Executors.newFixedThreadPool(
            clients,
            r -> {
              Thread t = new Thread(r, "kms-load-client-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
  }

  /** Starts the clients. */
  public KmsLoad start() {
    for (int c = 0; c < clients; c++) {
      int client = c;
      threads.execute(() -> run(client));
    }
    return this;
  }

  private void run(int client) {
    SecureRandom random = new SecureRandom();
    try (KmsV2Client kms = new KmsV2Client(endpoint, deadline)) {
      while (!stopped) {
        byte[] seed = new byte[32];
        random.nextBytes(seed);
        EncryptResponse encrypted = call(client, () -> KmsCalls.encrypt(kms, seed));
        if (encrypted != null) {
          Sample made = new Sample(seed, encrypted.getCiphertext(), encrypted.getKeyId());
          decrypt(client, kms, made);
          pool.set(ThreadLocalRandom.current().nextInt(pool.length()), made);
        }
        Sample earlier = pool.get(ThreadLocalRandom.current().nextInt(pool.length()));
        if (earlier != null && !stopped) {
          decrypt(client, kms, earlier);
        }
      }
    }
  }

  private void decrypt(int client, KmsV2Client kms, Sample sample) {
    ByteString plaintext =
        call(client, () -> KmsCalls.decrypt(kms, sample.ciphertext(), sample.keyId()));
    if (plaintext == null) {
      return;
    }
    if (plaintext.equals(ByteString.copyFrom(sample.seed()))) {
      decryptedKeyIds.add(sample.keyId());
    } else {
      wrongAnswers.increment();
      consecutiveSuccesses.set(client, 0);
    }
  }

  private <T> T call(int client, java.util.function.Supplier<T> rpc) {
    calls.increment();
    try {
      T result = rpc.get();
      successes.increment();
      consecutiveSuccesses.incrementAndGet(client);
      return result;
    } catch (StatusRuntimeException e) {
      consecutiveSuccesses.set(client, 0);
      Status status = e.getStatus();
      String description = String.valueOf(status.getDescription());
      String label =
          status.getCode() == Status.Code.DEADLINE_EXCEEDED && !description.contains("KMaaS")
              ? CLIENT_DEADLINE
              : status.getCode().name();
      failures.computeIfAbsent(label, k -> new LongAdder()).increment();
      List<String> list =
          examples.computeIfAbsent(label, k -> Collections.synchronizedList(new ArrayList<>()));
      String example = description.replaceAll("[0-9]+", "N");
      synchronized (list) {
        if (list.size() < EXAMPLES_PER_CODE && !list.contains(example)) {
          list.add(example);
        }
      }
      return null;
    }
  }

  /** The counts so far. */
  public Tally tally() {
    Map<String, Long> byCode = new TreeMap<>();
    failures.forEach((code, count) -> byCode.put(code, count.sum()));
    return new Tally(calls.sum(), successes.sum(), wrongAnswers.sum(), byCode);
  }

  /** The fewest calls in a row that succeeded, over the clients, counting back from now. */
  public int minConsecutiveSuccesses() {
    int min = Integer.MAX_VALUE;
    for (int c = 0; c < clients; c++) {
      min = Math.min(min, consecutiveSuccesses.get(c));
    }
    return min;
  }

  /** The key_ids under which ciphertexts were decrypted correctly (one per KEK seen). */
  public Set<String> decryptedKeyIds() {
    return Set.copyOf(decryptedKeyIds);
  }

  /** A few failure descriptions per code (digits masked). */
  public Map<String, List<String>> failureExamples() {
    Map<String, List<String>> copy = new TreeMap<>();
    examples.forEach(
        (code, list) -> {
          synchronized (list) {
            copy.put(code, List.copyOf(list));
          }
        });
    return copy;
  }

  /** Stops the clients and waits for their calls to end (each is bounded by its deadline). */
  @Override
  public void close() {
    stopped = true;
    threads.shutdown();
    try {
      if (!threads.awaitTermination(deadline.toMillis() * 4 + 10_000, TimeUnit.MILLISECONDS)) {
        threads.shutdownNow();
        throw new IllegalStateException("load clients did not stop");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Counts of a load run.
   *
   * @param failures failed calls by gRPC code name (or {@link #CLIENT_DEADLINE})
   */
  public record Tally(long calls, long successes, long wrongAnswers, Map<String, Long> failures) {
    public long failed() {
      return failures.values().stream().mapToLong(Long::longValue).sum();
    }

    /** The counts since {@code earlier}. */
    public Tally since(Tally earlier) {
      Map<String, Long> delta = new TreeMap<>();
      failures.forEach(
          (code, count) -> {
            long d = count - earlier.failures.getOrDefault(code, 0L);
            if (d != 0) {
              delta.put(code, d);
            }
          });
      return new Tally(
          calls - earlier.calls,
          successes - earlier.successes,
          wrongAnswers - earlier.wrongAnswers,
          delta);
    }

    @Override
    public String toString() {
      return calls
          + " calls, "
          + successes
          + " ok, "
          + wrongAnswers
          + " wrong answers, failures "
          + (failures.isEmpty() ? "none" : failures);
    }
  }
}
