package dev.sds.kms.plugin.envelope;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.sds.kms.plugin.kmaas.KmaasException;
import dev.sds.kms.plugin.kmaas.KmaasFailure;
import dev.sds.kms.plugin.testing.FakeKmaas;
import dev.sds.kms.plugin.testing.Fuzz;
import io.grpc.Deadline;
import java.io.ByteArrayOutputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Fuzzes the Decrypt path: {@link CiphertextFormat#decode} and {@link EnvelopeService#open} with
 * mutated ciphertexts that the service really sealed (see {@link Fuzz} for the mutations, the seed
 * and the iteration count). Properties: only the documented exceptions, no hang, bounded
 * allocation, and only an unchanged ciphertext ever opens.
 */
class CiphertextFuzzTest {
  /** Loose per-input bound, checked as a budget over the whole run. */
  private static final Duration PER_INPUT = Duration.ofMillis(2);

  private static final Set<KmaasFailure> FAKE_KMAAS_REFUSALS =
      EnumSet.of(KmaasFailure.UNKNOWN_KEK, KmaasFailure.REJECTED_INPUT);

  /** Keys, nonces and seeds all derive from the fuzz seed, so a run repeats exactly. */
  private final SecureRandom random = Fuzz.repeatable("CiphertextFuzzTest");

  private final FakeKmaas kmaas = new FakeKmaas("kek-1", random);
  private final EnvelopeService service =
      new EnvelopeService(
          kmaas, new KeyIdScheme("sds", "acme"), new DekCache(16, Duration.ofMinutes(5)), random);
  private final List<byte[]> ciphertexts = new ArrayList<>();
  private final List<byte[]> plaintexts = new ArrayList<>();

  @BeforeEach
  void sealTheCorpus() throws Exception {
    for (String kek : List.of("kek-1", "kek-2")) {
      if (!kek.equals("kek-1")) {
        kmaas.rotate(kek); // kek-1 stays known for unwrapping
      }
      for (int size : new int[] {1, 32, 32, 100, CiphertextFormat.MAX_PLAINTEXT}) {
        byte[] seed = new byte[size];
        random.nextBytes(seed);
        plaintexts.add(seed);
        SealedSeed sealed = service.seal(seed, deadline());
        assertThat(sealed.kekId()).isEqualTo(kek);
        ciphertexts.add(sealed.ciphertext());
      }
    }
  }

  @Test
  void decodeRaisesOnlyInvalidCiphertextAndAcceptsOnlyCanonicalEncodings() {
    Fuzz fuzz =
        new Fuzz("CiphertextFormat.decode", ciphertexts, 2 * CiphertextFormat.MAX_CIPHERTEXT);
    fuzz.start();
    assertTimeoutPreemptively(
        budget(fuzz),
        () -> {
          for (int i = 0; i < fuzz.iterations(); i++) {
            byte[] input = fuzz.next();
            try {
              Envelope envelope = CiphertextFormat.decode(input);
              fuzz.count("accepted");
              assertThat(CiphertextFormat.encode(envelope))
                  .as("re-encoding of an accepted input, %s", fuzz.where(i, input))
                  .isEqualTo(input);
            } catch (InvalidCiphertextException expected) {
              assertThat(expected.getMessage()).as(fuzz.where(i, input)).isNotBlank();
              fuzz.count(kind(expected));
            } catch (RuntimeException | Error e) {
              fail("undocumented " + e + ", " + fuzz.where(i, input), e);
            }
          }
        },
        () -> "decode fuzzing exceeded its time budget (a hang?), seed in the output");
    assertThat(fuzz.finish()).containsKey("accepted");
  }

  @Test
  void openRaisesOnlyDocumentedExceptionsAndOpensOnlyUnchangedCiphertexts() {
    Fuzz fuzz = new Fuzz("EnvelopeService.open", ciphertexts, 2 * CiphertextFormat.MAX_CIPHERTEXT);
    fuzz.start();
    assertTimeoutPreemptively(
        budget(fuzz),
        () -> {
          for (int i = 0; i < fuzz.iterations(); i++) {
            byte[] input = fuzz.next();
            String keyId = requestKeyId(fuzz, input);
            try {
              byte[] plaintext = service.open(input, keyId, Map.of(), deadline());
              fuzz.count("opened");
              int original = indexOf(input);
              assertThat(original)
                  .as("a changed ciphertext opened, %s", fuzz.where(i, input))
                  .isNotNegative();
              assertThat(plaintext).as(fuzz.where(i, input)).isEqualTo(plaintexts.get(original));
            } catch (InvalidCiphertextException | KeyIdMismatchException expected) {
              assertThat(expected.getMessage()).as(fuzz.where(i, input)).isNotBlank();
              fuzz.count(kind(expected));
            } catch (KmaasException e) {
              assertThat(e.failure()).as(fuzz.where(i, input)).isIn(FAKE_KMAAS_REFUSALS);
              fuzz.count("KMaaS refused: " + e.failure().label());
            } catch (RuntimeException | Error e) {
              fail("undocumented " + e + ", " + fuzz.where(i, input), e);
            }
          }
        },
        () -> "open fuzzing exceeded its time budget (a hang?), seed in the output");
    Map<String, Integer> outcomes = fuzz.finish();
    assertThat(outcomes).as("outcomes").containsKeys("opened", "failed authentication");
  }

  /** An outcome class for the summary: the exception's message without its numbers. */
  private static String kind(Exception e) {
    String message = e.getMessage();
    if (e instanceof KeyIdMismatchException) {
      return "key_id/annotations mismatch";
    }
    return message.equals("ciphertext failed authentication")
        ? "failed authentication"
        : message.replaceAll("[0-9]+", "N");
  }

  /**
   * Mostly the key_id inside the (mutated) input itself, so that mutations get past the key_id
   * check and reach authentication; sometimes one of the corpus' key_ids or a garbled one.
   */
  private static String requestKeyId(Fuzz fuzz, byte[] input) {
    int choice = fuzz.random().nextInt(10);
    if (choice < 7) {
      try {
        return CiphertextFormat.decode(input).keyId();
      } catch (InvalidCiphertextException e) {
        return "sds:acme/kek-1";
      }
    }
    return choice < 9 ? "sds:acme/kek-2" : "sds:acme/kek-1\u0000\u00ff";
  }

  private int indexOf(byte[] input) {
    for (int i = 0; i < ciphertexts.size(); i++) {
      if (Arrays.equals(ciphertexts.get(i), input)) {
        return i;
      }
    }
    return -1;
  }

  @ParameterizedTest(name = "declared {0} length 0xffff")
  @ValueSource(strings = {"wrapped DEK", "sealed seed"})
  void refusesAHugeDeclaredLengthBeforeAllocatingIt(String field) {
    byte[] huge =
        field.equals("wrapped DEK")
            ? header(0xffff, new byte[0], false)
            : header(1, new byte[1], true);

    assertThatThrownBy(() -> CiphertextFormat.decode(huge))
        .isInstanceOf(InvalidCiphertextException.class)
        .hasMessage(field + " length 65535 out of bounds; it must be " + bounds(field));
  }

  @Test
  void decodeAllocatesNoMoreThanAFewTimesTheInputLength() throws Exception {
    List<byte[]> hostile =
        List.of(
            header(0xffff, new byte[0], false),
            header(CiphertextFormat.MAX_WRAPPED_DEK, new byte[0], false),
            header(1, new byte[1], true),
            Arrays.copyOf(ciphertexts.get(0), CiphertextFormat.MAX_CIPHERTEXT),
            ciphertexts.get(ciphertexts.size() - 1));
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    for (byte[] input : hostile) {
      int rounds = 2_000;
      for (int i = 0; i < rounds; i++) { // warm up so that JIT work is not counted
        decodeQuietly(input);
      }
      long before = threads.getCurrentThreadAllocatedBytes();
      for (int i = 0; i < rounds; i++) {
        decodeQuietly(input);
      }
      long perCall = (threads.getCurrentThreadAllocatedBytes() - before) / rounds;
      assertThat(perCall)
          .as("bytes allocated per decode of a %d-byte input", input.length)
          .isLessThan(4L * input.length + 2048);
    }
  }

  private static void decodeQuietly(byte[] input) {
    try {
      CiphertextFormat.decode(input);
    } catch (InvalidCiphertextException expected) {
      // the allocation bound holds on the refusal path too
    }
  }

  /**
   * A version-1 header with key_id and KEK id, the given wrapped DEK length and bytes, then either
   * a nonce and a sealed seed length 0xffff, or nothing more.
   */
  private static byte[] header(int wrappedLength, byte[] wrapped, boolean hugeSealedSeed) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] keyId = "sds:acme/kek-1".getBytes(StandardCharsets.US_ASCII);
    out.write(CiphertextFormat.VERSION);
    out.write(keyId.length);
    out.writeBytes(keyId);
    out.write(5);
    out.writeBytes("kek-1".getBytes(StandardCharsets.US_ASCII));
    out.write(wrappedLength >>> 8);
    out.write(wrappedLength & 0xff);
    out.writeBytes(wrapped);
    if (hugeSealedSeed) {
      out.writeBytes(new byte[CiphertextFormat.NONCE_LENGTH]);
      out.write(0xff);
      out.write(0xff);
    }
    return out.toByteArray();
  }

  private static String bounds(String field) {
    return field.equals("wrapped DEK")
        ? "1 to " + CiphertextFormat.MAX_WRAPPED_DEK
        : CiphertextFormat.MIN_SEALED_SEED + " to " + CiphertextFormat.MAX_SEALED_SEED;
  }

  private static Duration budget(Fuzz fuzz) {
    return Duration.ofSeconds(30).plus(PER_INPUT.multipliedBy(fuzz.iterations()));
  }

  private static Deadline deadline() {
    return Deadline.after(10, TimeUnit.SECONDS);
  }
}
