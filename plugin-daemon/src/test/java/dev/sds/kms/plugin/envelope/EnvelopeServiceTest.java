package dev.sds.kms.plugin.envelope;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.sds.kms.plugin.kmaas.KmaasException;
import dev.sds.kms.plugin.kmaas.KmaasFailure;
import dev.sds.kms.plugin.kmaas.WrapResult;
import dev.sds.kms.plugin.testing.FakeKmaas;
import io.grpc.Deadline;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

class EnvelopeServiceTest {

  private static final KeyIdScheme SCHEME = new KeyIdScheme("sds", "acme");
  private static final Map<String, byte[]> NO_ANNOTATIONS = Map.of();

  private final SecureRandom random = new SecureRandom();
  private final FakeKmaas kmaas = new FakeKmaas("kek-1");
  private final DekCache cache = new DekCache(100, Duration.ofHours(1));
  private final EnvelopeService service = new EnvelopeService(kmaas, SCHEME, cache, random);

  /** Every seed used in a test and every message or toString produced, checked for leaks. */
  private final List<byte[]> secrets = new ArrayList<>();

  private final List<String> texts = new ArrayList<>();

  private static Deadline deadline() {
    return Deadline.after(3, TimeUnit.SECONDS);
  }

  private byte[] seed(int n) {
    byte[] b = new byte[n];
    random.nextBytes(b);
    secrets.add(b.clone());
    return b;
  }

  /** Runs {@code call}, expects it to throw, remembers the message for the leak check. */
  private Throwable thrown(ThrowingCallable call) {
    Throwable t = catchThrowable(call);
    assertThat(t).as("expected an exception").isNotNull();
    texts.add(String.valueOf(t.getMessage()));
    texts.add(t.toString());
    return t;
  }

  @AfterEach
  void noMessageOrToStringCarriesASeedOrDek() {
    List<byte[]> all = new ArrayList<>(secrets);
    all.addAll(kmaas.wrappedDeks);
    for (byte[] secret : all) {
      byte[] prefix = Arrays.copyOf(secret, Math.min(secret.length, 6));
      List<String> forms =
          List.of(
              HexFormat.of().formatHex(prefix),
              HexFormat.of().withUpperCase().formatHex(prefix),
              Base64.getEncoder().encodeToString(prefix),
              Base64.getUrlEncoder().encodeToString(prefix),
              Arrays.toString(prefix).replace("]", ""));
      for (String text : texts) {
        for (String form : forms) {
          if (prefix.length >= 4) {
            assertThat(text).doesNotContain(form);
          }
        }
      }
    }
  }

  @Test
  void sealThenOpenRoundTripsWithoutCallingKmaasAgain() throws Exception {
    byte[] seed = seed(32);
    SealedSeed sealed = service.seal(seed, deadline());
    texts.add(sealed.toString());

    assertThat(sealed.keyId()).isEqualTo("sds:acme/kek-1");
    assertThat(sealed.kekId()).isEqualTo("kek-1");
    assertThat(sealed.ciphertext()).hasSizeLessThanOrEqualTo(1024);
    Envelope envelope = CiphertextFormat.decode(sealed.ciphertext());
    texts.add(envelope.toString());
    assertThat(envelope.keyId()).isEqualTo(sealed.keyId());
    assertThat(envelope.kekId()).isEqualTo("kek-1");

    assertThat(service.open(sealed.ciphertext(), sealed.keyId(), NO_ANNOTATIONS, deadline()))
        .isEqualTo(seed);
    assertThat(service.open(sealed.ciphertext(), sealed.keyId(), null, deadline())).isEqualTo(seed);
    assertThat(kmaas.wrapCalls).hasValue(1);
    assertThat(kmaas.unwrapCalls).hasValue(0);
  }

  @Test
  void eachSealUsesAFreshDekAndNonce() throws Exception {
    byte[] seed = seed(32);
    SealedSeed a = service.seal(seed, deadline());
    SealedSeed b = service.seal(seed, deadline());
    assertThat(a.ciphertext()).isNotEqualTo(b.ciphertext());
    assertThat(kmaas.wrappedDeks.get(0)).isNotEqualTo(kmaas.wrappedDeks.get(1));
    assertThat(CiphertextFormat.decode(a.ciphertext()).nonce())
        .isNotEqualTo(CiphertextFormat.decode(b.ciphertext()).nonce());
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 32, 256})
  void plaintextSizesAtTheBoundsRoundTrip(int size) throws Exception {
    byte[] seed = seed(size);
    SealedSeed sealed = service.seal(seed, deadline());
    assertThat(sealed.ciphertext()).hasSizeLessThanOrEqualTo(1024);
    cache.clear();
    assertThat(service.open(sealed.ciphertext(), sealed.keyId(), NO_ANNOTATIONS, deadline()))
        .isEqualTo(seed);
  }

  @Test
  void afterTheCacheIsClearedOpenUnwrapsOnceAndCachesAgain() throws Exception {
    byte[] seed = seed(32);
    SealedSeed sealed = service.seal(seed, deadline());
    cache.clear();
    assertThat(service.open(sealed.ciphertext(), sealed.keyId(), NO_ANNOTATIONS, deadline()))
        .isEqualTo(seed);
    assertThat(kmaas.unwrapCalls).hasValue(1);
    assertThat(service.open(sealed.ciphertext(), sealed.keyId(), NO_ANNOTATIONS, deadline()))
        .isEqualTo(seed);
    assertThat(kmaas.unwrapCalls).hasValue(1);
  }

  @Test
  void withCachingDisabledEveryOpenUnwraps() throws Exception {
    EnvelopeService uncached =
        new EnvelopeService(kmaas, SCHEME, new DekCache(0, Duration.ZERO), random);
    byte[] seed = seed(32);
    SealedSeed sealed = uncached.seal(seed, deadline());
    uncached.open(sealed.ciphertext(), sealed.keyId(), NO_ANNOTATIONS, deadline());
    assertThat(uncached.open(sealed.ciphertext(), sealed.keyId(), NO_ANNOTATIONS, deadline()))
        .isEqualTo(seed);
    assertThat(kmaas.unwrapCalls).hasValue(2);
  }

  private void assertEveryByteFlipIsRefused(boolean warmCache) throws Exception {
    byte[] seed = seed(32);
    SealedSeed sealed = service.seal(seed, deadline());
    byte[] ct = sealed.ciphertext();
    int keyIdStart = 2;
    int keyIdEnd = keyIdStart + sealed.keyId().length();
    int kekIdStart = keyIdEnd + 1;
    Envelope envelope = CiphertextFormat.decode(ct);
    // first byte after the wrapped DEK (the nonce, then the sealed seed)
    int wrappedEnd = kekIdStart + envelope.kekId().length() + 2 + envelope.wrappedDek().length;
    for (int i = 0; i < ct.length; i++) {
      for (int mask : new int[] {0x01, 0x80, 0xff}) {
        if (!warmCache) {
          cache.clear();
        }
        byte[] changed = ct.clone();
        changed[i] ^= (byte) mask;
        Throwable t =
            thrown(() -> service.open(changed, sealed.keyId(), NO_ANNOTATIONS, deadline()));
        String where = "byte " + i + " ^ " + mask;
        if (t instanceof KmaasException k) {
          assertThat(i).as(where).isBetween(kekIdStart - 1, wrappedEnd - 1);
          assertThat(k.failure())
              .as(where)
              .isIn(KmaasFailure.UNKNOWN_KEK, KmaasFailure.REJECTED_INPUT);
        } else if (t instanceof KeyIdMismatchException) {
          assertThat(i).as(where).isBetween(1, keyIdEnd - 1);
        } else {
          assertThat(t).as(where).isInstanceOf(InvalidCiphertextException.class);
        }
        if (i >= wrappedEnd) {
          // nonce, sealed seed length and sealed seed: only authentication or parsing can fail
          assertThat(t).as(where).isInstanceOf(InvalidCiphertextException.class);
        }
      }
    }
    // the untouched ciphertext still opens
    assertThat(service.open(ct, sealed.keyId(), NO_ANNOTATIONS, deadline())).isEqualTo(seed);
  }

  @Test
  void everyByteFlipIsRefusedWithAWarmCache() throws Exception {
    assertEveryByteFlipIsRefused(true);
  }

  @Test
  void everyByteFlipIsRefusedWithAColdCache() throws Exception {
    assertEveryByteFlipIsRefused(false);
  }

  @Test
  void changingTheEmbeddedKeyIdAndTheRequestTogetherFailsAuthentication() throws Exception {
    SealedSeed sealed = service.seal(seed(32), deadline());
    byte[] changed = sealed.ciphertext();
    changed[2] = (byte) 'x'; // "sds:..." -> "xds:..."
    String forgedKeyId = "x" + sealed.keyId().substring(1);
    Throwable t = thrown(() -> service.open(changed, forgedKeyId, NO_ANNOTATIONS, deadline()));
    assertThat(t)
        .isInstanceOf(InvalidCiphertextException.class)
        .hasMessage("ciphertext failed authentication");
  }

  @Test
  void emptyOrNullCiphertextIsRefused() {
    assertThat(thrown(() -> service.open(new byte[0], "sds:acme/kek-1", null, deadline())))
        .isInstanceOf(InvalidCiphertextException.class)
        .hasMessageContaining("empty");
    assertThat(thrown(() -> service.open(null, "sds:acme/kek-1", null, deadline())))
        .isInstanceOf(InvalidCiphertextException.class);
  }

  @Test
  void emptyOrNullRequestKeyIdIsRefused() throws Exception {
    SealedSeed sealed = service.seal(seed(32), deadline());
    assertThat(thrown(() -> service.open(sealed.ciphertext(), "", NO_ANNOTATIONS, deadline())))
        .isInstanceOf(KeyIdMismatchException.class)
        .hasMessageContaining("DecryptRequest.key_id is empty");
    assertThat(thrown(() -> service.open(sealed.ciphertext(), null, NO_ANNOTATIONS, deadline())))
        .isInstanceOf(KeyIdMismatchException.class)
        .hasMessageContaining("DecryptRequest.key_id is empty");
  }

  @Test
  void wrongRequestKeyIdIsRefusedNamingBoth() throws Exception {
    SealedSeed sealed = service.seal(seed(32), deadline());
    assertThat(
            thrown(
                () ->
                    service.open(
                        sealed.ciphertext(), "sds:acme/kek-2", NO_ANNOTATIONS, deadline())))
        .isInstanceOf(KeyIdMismatchException.class)
        .hasMessageContaining("sds:acme/kek-2")
        .hasMessageContaining("sds:acme/kek-1");
    assertThat(
            thrown(
                () ->
                    service.open(
                        sealed.ciphertext(), "bad\nid" + "x".repeat(1000), null, deadline())))
        .isInstanceOf(KeyIdMismatchException.class)
        .hasMessageNotContaining("\n")
        .hasMessageContaining("bad?id");
    assertThat(kmaas.unwrapCalls).hasValue(0);
  }

  @Test
  void annotationsAreRefused() throws Exception {
    SealedSeed sealed = service.seal(seed(32), deadline());
    Map<String, byte[]> annotations = Map.of("kms.sds.dev/x", new byte[] {1});
    assertThat(
            thrown(
                () -> service.open(sealed.ciphertext(), sealed.keyId(), annotations, deadline())))
        .isInstanceOf(KeyIdMismatchException.class)
        .hasMessageContaining("this plugin sets no annotations; the request carries 1");
  }

  @Test
  void plaintextOutOfBoundsIsRefusedWithoutCallingKmaas() {
    assertThat(thrown(() -> service.seal(new byte[0], deadline())))
        .isInstanceOf(InvalidPlaintextException.class)
        .hasMessageContaining("0 bytes")
        .hasMessageContaining("1 to 256 bytes");
    assertThat(thrown(() -> service.seal(seed(257), deadline())))
        .isInstanceOf(InvalidPlaintextException.class)
        .hasMessageContaining("257 bytes")
        .hasMessageContaining("1 to 256 bytes");
    assertThat(thrown(() -> service.seal(null, deadline())))
        .isInstanceOf(InvalidPlaintextException.class);
    assertThat(kmaas.wrapCalls).hasValue(0);
  }

  @Test
  void plaintextThatWouldMakeTheCiphertextTooLongIsRefused() throws Exception {
    // key_id of 250 characters and a 512-byte wrapped DEK: a 32-byte seed fits, 256 bytes do not
    KeyIdScheme longScheme = new KeyIdScheme("p".repeat(64), "t".repeat(64));
    String kekId = "k".repeat(120);
    EnvelopeService longService = new EnvelopeService(kmaas, longScheme, cache, random);
    kmaas.wrapAnswer = new WrapResult(new byte[512], kekId);
    assertThat(longService.seal(seed(32), deadline()).ciphertext()).hasSizeLessThanOrEqualTo(1024);
    assertThat(thrown(() -> longService.seal(seed(256), deadline())))
        .isInstanceOf(InvalidPlaintextException.class)
        .hasMessageContaining("1024");
  }

  @ParameterizedTest
  @EnumSource(KmaasFailure.class)
  void kmaasFailurePropagatesFromSealAndOpen(KmaasFailure failure) throws Exception {
    SealedSeed sealed = service.seal(seed(32), deadline());
    cache.clear();
    kmaas.failWith = failure;
    assertThat(thrown(() -> service.seal(seed(32), deadline())))
        .isInstanceOfSatisfying(
            KmaasException.class, e -> assertThat(e.failure()).isEqualTo(failure));
    assertThat(
            thrown(
                () ->
                    service.open(sealed.ciphertext(), sealed.keyId(), NO_ANNOTATIONS, deadline())))
        .isInstanceOfSatisfying(
            KmaasException.class, e -> assertThat(e.failure()).isEqualTo(failure));
  }

  @Test
  void oldCiphertextsStillOpenAfterRotation() throws Exception {
    byte[] oldSeed = seed(32);
    SealedSeed old = service.seal(oldSeed, deadline());
    kmaas.rotate("kek-2");
    byte[] newSeed = seed(32);
    SealedSeed fresh = service.seal(newSeed, deadline());
    assertThat(fresh.keyId()).isEqualTo("sds:acme/kek-2");
    cache.clear();
    assertThat(service.open(old.ciphertext(), "sds:acme/kek-1", NO_ANNOTATIONS, deadline()))
        .isEqualTo(oldSeed);
    assertThat(service.open(fresh.ciphertext(), "sds:acme/kek-2", NO_ANNOTATIONS, deadline()))
        .isEqualTo(newSeed);
    assertThat(
            thrown(
                () -> service.open(old.ciphertext(), "sds:acme/kek-2", NO_ANNOTATIONS, deadline())))
        .isInstanceOf(KeyIdMismatchException.class);
  }

  @Test
  void ciphertextsMadeUnderAnotherKeyIdPrefixStillOpen() throws Exception {
    EnvelopeService before =
        new EnvelopeService(kmaas, new KeyIdScheme("old", "acme"), cache, random);
    byte[] seed = seed(32);
    SealedSeed sealed = before.seal(seed, deadline());
    assertThat(sealed.keyId()).isEqualTo("old:acme/kek-1");
    cache.clear();
    assertThat(service.open(sealed.ciphertext(), "old:acme/kek-1", NO_ANNOTATIONS, deadline()))
        .isEqualTo(seed);
    assertThat(
            thrown(
                () ->
                    service.open(
                        sealed.ciphertext(), "sds:acme/kek-1", NO_ANNOTATIONS, deadline())))
        .isInstanceOf(KeyIdMismatchException.class);
  }

  @Test
  void malformedKmaasAnswersAreProtocolErrors() throws Exception {
    kmaas.wrapAnswer = new WrapResult(new byte[40], "a/b");
    assertProtocol(() -> service.seal(seed(32), deadline()), "KEK id");
    kmaas.wrapAnswer = new WrapResult(new byte[40], "");
    assertProtocol(() -> service.seal(seed(32), deadline()), "KEK id");
    kmaas.wrapAnswer = new WrapResult(new byte[40], null);
    assertProtocol(() -> service.seal(seed(32), deadline()), "KEK id");
    kmaas.wrapAnswer = new WrapResult(new byte[0], "kek-9");
    assertProtocol(() -> service.seal(seed(32), deadline()), "wrapped DEK of 0 bytes");
    kmaas.wrapAnswer = new WrapResult(null, "kek-9");
    assertProtocol(() -> service.seal(seed(32), deadline()), "wrapped DEK of 0 bytes");
    kmaas.wrapAnswer = new WrapResult(new byte[513], "kek-9");
    assertProtocol(() -> service.seal(seed(32), deadline()), "wrapped DEK of 513 bytes");

    // 64 + 1 + 64 + 1 + 128 = 258 characters > 255
    EnvelopeService longService =
        new EnvelopeService(kmaas, new KeyIdScheme("p".repeat(64), "t".repeat(64)), cache, random);
    kmaas.wrapAnswer = new WrapResult(new byte[40], "k".repeat(128));
    assertProtocol(() -> longService.seal(seed(32), deadline()), "255");

    kmaas.wrapAnswer = null;
    SealedSeed sealed = service.seal(seed(32), deadline());
    cache.clear();
    kmaas.unwrapAnswer = new byte[31];
    assertProtocol(
        () -> service.open(sealed.ciphertext(), sealed.keyId(), NO_ANNOTATIONS, deadline()),
        "31 bytes");
    assertThat(cache.estimatedSize()).isZero();
  }

  private void assertProtocol(ThrowingCallable call, String messagePart) {
    assertThat(thrown(call))
        .isInstanceOfSatisfying(
            KmaasException.class, e -> assertThat(e.failure()).isEqualTo(KmaasFailure.PROTOCOL))
        .hasMessageContaining(messagePart);
  }

  @Test
  void aCiphertextFromAnotherKmaasIsRefused() throws Exception {
    FakeKmaas other = new FakeKmaas("kek-1"); // same KEK id, different key
    EnvelopeService otherService =
        new EnvelopeService(other, SCHEME, new DekCache(10, Duration.ofMinutes(1)), random);
    SealedSeed sealed = otherService.seal(seed(32), deadline());
    assertThat(
            thrown(
                () ->
                    service.open(sealed.ciphertext(), sealed.keyId(), NO_ANNOTATIONS, deadline())))
        .isInstanceOfSatisfying(
            KmaasException.class,
            e -> assertThat(e.failure()).isEqualTo(KmaasFailure.REJECTED_INPUT));
    secrets.addAll(other.wrappedDeks);
  }

  @Test
  void keyIdBytesAreAsciiInTheCiphertext() throws Exception {
    SealedSeed sealed = service.seal(seed(32), deadline());
    byte[] ct = sealed.ciphertext();
    assertThat(ct[0]).isEqualTo((byte) 1);
    assertThat(ct[1]).isEqualTo((byte) sealed.keyId().length());
    assertThat(new String(ct, 2, ct[1], StandardCharsets.US_ASCII)).isEqualTo(sealed.keyId());
  }
}
