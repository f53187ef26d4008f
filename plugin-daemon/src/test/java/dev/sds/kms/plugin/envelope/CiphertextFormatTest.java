package dev.sds.kms.plugin.envelope;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class CiphertextFormatTest {

  private static final String KEY_ID = "sds:acme/kek-1";
  private static final String KEK_ID = "kek-1";

  private static byte[] filled(int n, int value) {
    byte[] b = new byte[n];
    Arrays.fill(b, (byte) value);
    return b;
  }

  private static Envelope sample() {
    return new Envelope(KEY_ID, KEK_ID, filled(60, 0xa5), filled(12, 0x11), filled(48, 0x22));
  }

  /** Builds raw bytes field by field so each field can be broken on its own. */
  private static final class Raw {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    Raw u8(int v) {
      out.write(v);
      return this;
    }

    Raw u16(int v) {
      out.write(v >>> 8);
      out.write(v & 0xff);
      return this;
    }

    Raw bytes(byte[] b) {
      out.writeBytes(b);
      return this;
    }

    Raw ascii(String s) {
      return bytes(s.getBytes(StandardCharsets.US_ASCII));
    }

    Raw keyId() {
      return u8(KEY_ID.length()).ascii(KEY_ID);
    }

    Raw kekId() {
      return u8(KEK_ID.length()).ascii(KEK_ID);
    }

    Raw wrapped() {
      return u16(60).bytes(filled(60, 0xa5));
    }

    Raw nonce() {
      return bytes(filled(12, 0x11));
    }

    Raw sealed() {
      return u16(48).bytes(filled(48, 0x22));
    }

    byte[] build() {
      return out.toByteArray();
    }
  }

  private static Raw v1() {
    return new Raw().u8(1);
  }

  @Test
  void roundTrip() throws Exception {
    Envelope envelope = sample();
    byte[] encoded = CiphertextFormat.encode(envelope);
    assertThat(encoded).isEqualTo(v1().keyId().kekId().wrapped().nonce().sealed().build());
    assertThat(CiphertextFormat.decode(encoded)).isEqualTo(envelope);
    assertThat(encoded.length)
        .isEqualTo(CiphertextFormat.encodedLength(KEY_ID.length(), KEK_ID.length(), 60, 48));
  }

  @Test
  void aadIsEveryHeaderByteBeforeTheSealedSeedLength() {
    Envelope envelope = sample();
    byte[] encoded = CiphertextFormat.encode(envelope);
    byte[] aad = CiphertextFormat.aad(envelope);
    assertThat(aad).isEqualTo(Arrays.copyOf(encoded, encoded.length - 2 - 48));
  }

  @Test
  void largestEnvelopeThatFitsRoundTrips() throws Exception {
    // 1 + 1 + 255 + 1 + 128 + 2 + w + 12 + 2 + 272 = 1024  =>  w = 350
    Envelope envelope =
        new Envelope(
            "k".repeat(255), "e".repeat(128), filled(350, 1), filled(12, 2), filled(272, 3));
    byte[] encoded = CiphertextFormat.encode(envelope);
    assertThat(encoded).hasSize(CiphertextFormat.MAX_CIPHERTEXT);
    assertThat(CiphertextFormat.decode(encoded)).isEqualTo(envelope);
  }

  @Test
  void encodeRefusesOutOfBoundsFields() {
    assertThatThrownBy(
            () ->
                CiphertextFormat.encode(
                    new Envelope(
                        "k".repeat(255),
                        "e".repeat(128),
                        filled(351, 1),
                        filled(12, 2),
                        filled(272, 3))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("1024");
    assertThatThrownBy(
            () ->
                CiphertextFormat.encode(
                    new Envelope(KEY_ID, "a/b", filled(1, 1), filled(12, 2), filled(17, 3))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("KEK id");
    assertThatThrownBy(
            () ->
                CiphertextFormat.encode(
                    new Envelope("", KEK_ID, filled(1, 1), filled(12, 2), filled(17, 3))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("key_id");
    assertThatThrownBy(
            () ->
                CiphertextFormat.encode(
                    new Envelope(KEY_ID, KEK_ID, new byte[0], filled(12, 2), filled(17, 3))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("wrapped DEK");
    assertThatThrownBy(
            () ->
                CiphertextFormat.encode(
                    new Envelope(KEY_ID, KEK_ID, filled(1, 1), filled(11, 2), filled(17, 3))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("nonce");
    assertThatThrownBy(
            () ->
                CiphertextFormat.encode(
                    new Envelope(KEY_ID, KEK_ID, filled(1, 1), filled(12, 2), filled(16, 3))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("sealed seed");
  }

  static Stream<Arguments> malformed() {
    byte[] valid = v1().keyId().kekId().wrapped().nonce().sealed().build();
    byte[] tooLong = new byte[1025];
    System.arraycopy(valid, 0, tooLong, 0, valid.length);
    return Stream.of(
        Arguments.of("empty", new byte[0], "empty"),
        Arguments.of("version 0", new Raw().u8(0).keyId().build(), "version 0"),
        Arguments.of("version 2", new Raw().u8(2).keyId().build(), "version 2"),
        Arguments.of("only version", v1().build(), "truncated in key_id length"),
        Arguments.of("key_id length 0", v1().u8(0).build(), "key_id length 0 out of bounds"),
        Arguments.of("key_id truncated", v1().u8(20).ascii("sds:acme").build(), "in key_id"),
        Arguments.of("key_id non-ASCII", v1().u8(2).u8(0x41).u8(0xc3).kekId().build(), "key_id"),
        Arguments.of("key_id with space", v1().u8(3).ascii("a b").kekId().build(), "key_id"),
        Arguments.of("key_id with NUL", v1().u8(2).u8(0x41).u8(0).kekId().build(), "key_id"),
        Arguments.of("no KEK id length", v1().keyId().build(), "truncated in KEK id length"),
        Arguments.of("KEK id length 0", v1().keyId().u8(0).build(), "KEK id length 0 out of"),
        Arguments.of(
            "KEK id length 129",
            v1().keyId().u8(129).ascii("e".repeat(129)).build(),
            "KEK id length 129 out of"),
        Arguments.of("KEK id truncated", v1().keyId().u8(5).ascii("kek").build(), "in KEK id"),
        Arguments.of("KEK id with /", v1().keyId().u8(3).ascii("a/b").build(), "KEK id"),
        Arguments.of(
            "no wrapped DEK length",
            v1().keyId().kekId().build(),
            "truncated in wrapped DEK length"),
        Arguments.of(
            "half wrapped DEK length",
            v1().keyId().kekId().u8(0).build(),
            "truncated in wrapped DEK length"),
        Arguments.of(
            "wrapped DEK length 0",
            v1().keyId().kekId().u16(0).build(),
            "wrapped DEK length 0 out of"),
        Arguments.of(
            "wrapped DEK length 513",
            v1().keyId().kekId().u16(513).bytes(filled(513, 1)).build(),
            "wrapped DEK length 513 out of"),
        Arguments.of(
            "wrapped DEK truncated",
            v1().keyId().kekId().u16(60).bytes(filled(59, 1)).build(),
            "truncated in wrapped DEK"),
        Arguments.of(
            "nonce truncated",
            v1().keyId().kekId().wrapped().bytes(filled(11, 1)).build(),
            "truncated in nonce"),
        Arguments.of(
            "no sealed seed length",
            v1().keyId().kekId().wrapped().nonce().build(),
            "truncated in sealed seed length"),
        Arguments.of(
            "half sealed seed length",
            v1().keyId().kekId().wrapped().nonce().u8(0).build(),
            "truncated in sealed seed length"),
        Arguments.of(
            "sealed seed length 0",
            v1().keyId().kekId().wrapped().nonce().u16(0).build(),
            "sealed seed length 0 out of"),
        Arguments.of(
            "sealed seed length 16",
            v1().keyId().kekId().wrapped().nonce().u16(16).bytes(filled(16, 1)).build(),
            "sealed seed length 16 out of"),
        Arguments.of(
            "sealed seed length 273",
            v1().keyId().kekId().wrapped().nonce().u16(273).bytes(filled(273, 1)).build(),
            "sealed seed length 273 out of"),
        Arguments.of(
            "sealed seed truncated",
            v1().keyId().kekId().wrapped().nonce().u16(48).bytes(filled(47, 1)).build(),
            "truncated in sealed seed"),
        Arguments.of(
            "trailing byte",
            v1().keyId().kekId().wrapped().nonce().sealed().u8(0).build(),
            "1 trailing bytes"),
        Arguments.of("1025 bytes", tooLong, "1025 bytes, over the 1024-byte limit"),
        Arguments.of(
            "every field at its maximum (1186 bytes)",
            v1().u8(255)
                .ascii("k".repeat(255))
                .u8(128)
                .ascii("e".repeat(128))
                .u16(512)
                .bytes(filled(512, 1))
                .nonce()
                .u16(272)
                .bytes(filled(272, 1))
                .build(),
            "1186 bytes, over the 1024-byte limit"));
    // key_id length max+1 (256) cannot be expressed in its one-byte length field.
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("malformed")
  void decodeRefusesMalformedInput(String name, byte[] input, String expectedMessagePart) {
    assertThatThrownBy(() -> CiphertextFormat.decode(input))
        .isInstanceOf(InvalidCiphertextException.class)
        .hasMessageContaining(expectedMessagePart);
  }

  @Test
  void decodeRefusesNull() {
    assertThatThrownBy(() -> CiphertextFormat.decode(null))
        .isInstanceOf(InvalidCiphertextException.class)
        .hasMessageContaining("empty");
  }

  @Test
  void toStringShowsOnlyLengths() {
    assertThat(sample().toString())
        .contains(KEY_ID, KEK_ID, "60 bytes", "12 bytes", "48 bytes")
        .doesNotContain("a5", "[B@");
  }
}
