package dev.sds.kms.plugin.envelope;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The one place that knows the ciphertext wire format that Encrypt returns and Decrypt accepts.
 * Version 1, all lengths big-endian, nothing may follow the last field:
 *
 * <pre>
 * version          1 byte   0x01
 * key_id length    1 byte   1..255
 * key_id                    visible US-ASCII (0x21..0x7e)
 * KEK id length    1 byte   1..128
 * KEK id                    visible US-ASCII without '/' ({@link KeyIdScheme#KEK_ID})
 * wrapped DEK len  2 bytes  1..512
 * wrapped DEK
 * nonce            12 bytes
 * sealed seed len  2 bytes  17..272 (1..256 bytes of plaintext + 16-byte GCM tag)
 * sealed seed
 * </pre>
 *
 * The whole ciphertext is at most {@link #MAX_CIPHERTEXT} bytes (kube-apiserver's limit). Every
 * byte before the sealed seed length ({@link #aad}) is the additional authenticated data of the
 * seed's AES-256-GCM, so a change to any header byte fails authentication.
 *
 * <p>{@link #decode} is strict and its messages name the field at fault, never its bytes.
 */
public final class CiphertextFormat {

  /** The only format version this daemon writes and reads. */
  public static final int VERSION = 0x01;

  /** kube-apiserver refuses ciphertexts longer than this. */
  public static final int MAX_CIPHERTEXT = 1024;

  /** Shortest plaintext Encrypt accepts. */
  public static final int MIN_PLAINTEXT = 1;

  /** Longest plaintext Encrypt accepts (kube-apiserver sends a 32-byte seed). */
  public static final int MAX_PLAINTEXT = 256;

  /** Longest embedded key_id. */
  public static final int MAX_KEY_ID = KeyIdScheme.MAX_KEY_ID_LENGTH;

  /** Longest embedded KEK id. */
  public static final int MAX_KEK_ID = 128;

  /** Longest wrapped DEK KMaaS may return. */
  public static final int MAX_WRAPPED_DEK = 512;

  /** AES-GCM nonce length. */
  public static final int NONCE_LENGTH = SeedCipher.NONCE_LENGTH;

  /** AES-GCM tag length. */
  public static final int TAG_LENGTH = SeedCipher.TAG_LENGTH;

  /** Shortest sealed seed: one byte of plaintext and the tag. */
  public static final int MIN_SEALED_SEED = MIN_PLAINTEXT + TAG_LENGTH;

  /** Longest sealed seed. */
  public static final int MAX_SEALED_SEED = MAX_PLAINTEXT + TAG_LENGTH;

  private CiphertextFormat() {}

  /**
   * Length of the encoding of an envelope with fields of these lengths (which may exceed {@link
   * #MAX_CIPHERTEXT}).
   */
  public static int encodedLength(
      int keyIdLength, int kekIdLength, int wrappedDekLength, int sealedSeedLength) {
    return 1
        + 1
        + keyIdLength
        + 1
        + kekIdLength
        + 2
        + wrappedDekLength
        + NONCE_LENGTH
        + 2
        + sealedSeedLength;
  }

  /**
   * Encodes {@code envelope}.
   *
   * @throws IllegalArgumentException if a field is out of bounds or the result would exceed {@link
   *     #MAX_CIPHERTEXT}; the caller is expected to have checked
   */
  public static byte[] encode(Envelope envelope) {
    byte[] sealed = envelope.sealedSeed();
    checkLength("sealed seed", sealed.length, MIN_SEALED_SEED, MAX_SEALED_SEED);
    byte[] header =
        aad(envelope.keyId(), envelope.kekId(), envelope.wrappedDek(), envelope.nonce());
    int total = header.length + 2 + sealed.length;
    if (total > MAX_CIPHERTEXT) {
      throw new IllegalArgumentException(
          "ciphertext would be " + total + " bytes, over the " + MAX_CIPHERTEXT + "-byte limit");
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(total);
    out.writeBytes(header);
    writeU16(out, sealed.length);
    out.writeBytes(sealed);
    return out.toByteArray();
  }

  /** The additional authenticated data of {@code envelope}'s sealed seed. */
  public static byte[] aad(Envelope envelope) {
    return aad(envelope.keyId(), envelope.kekId(), envelope.wrappedDek(), envelope.nonce());
  }

  /**
   * The additional authenticated data for a seed sealed under these header fields: exactly the
   * encoded bytes from the version up to and including the nonce.
   *
   * @throws IllegalArgumentException if a field is out of bounds
   */
  public static byte[] aad(String keyId, String kekId, byte[] wrappedDek, byte[] nonce) {
    byte[] keyIdBytes = keyId.getBytes(StandardCharsets.US_ASCII);
    if (!isValidKeyId(keyId)) {
      throw new IllegalArgumentException(
          "key_id must be 1 to " + MAX_KEY_ID + " visible US-ASCII characters");
    }
    if (!KeyIdScheme.isValidKekId(kekId)) {
      throw new IllegalArgumentException(
          "KEK id must be 1 to " + MAX_KEK_ID + " visible US-ASCII characters without '/'");
    }
    byte[] kekIdBytes = kekId.getBytes(StandardCharsets.US_ASCII);
    checkLength("wrapped DEK", wrappedDek.length, 1, MAX_WRAPPED_DEK);
    checkLength("nonce", nonce.length, NONCE_LENGTH, NONCE_LENGTH);
    ByteArrayOutputStream out =
        new ByteArrayOutputStream(
            encodedLength(keyIdBytes.length, kekIdBytes.length, wrappedDek.length, 0) - 2);
    out.write(VERSION);
    out.write(keyIdBytes.length);
    out.writeBytes(keyIdBytes);
    out.write(kekIdBytes.length);
    out.writeBytes(kekIdBytes);
    writeU16(out, wrappedDek.length);
    out.writeBytes(wrappedDek);
    out.writeBytes(nonce);
    return out.toByteArray();
  }

  /**
   * Decodes {@code ciphertext} strictly: known version, every length within its bounds, no
   * truncation, no trailing bytes, at most {@link #MAX_CIPHERTEXT} bytes in all.
   */
  public static Envelope decode(byte[] ciphertext) throws InvalidCiphertextException {
    if (ciphertext == null || ciphertext.length == 0) {
      throw new InvalidCiphertextException("ciphertext is empty");
    }
    if (ciphertext.length > MAX_CIPHERTEXT) {
      throw new InvalidCiphertextException(
          "ciphertext is "
              + ciphertext.length
              + " bytes, over the "
              + MAX_CIPHERTEXT
              + "-byte limit");
    }
    Reader in = new Reader(ciphertext);
    int version = in.u8("version");
    if (version != VERSION) {
      throw new InvalidCiphertextException(
          "unknown ciphertext format version " + version + "; this daemon reads " + VERSION);
    }
    int keyIdLength = in.length8("key_id length", 1, MAX_KEY_ID);
    String keyId = in.ascii("key_id", keyIdLength);
    if (!isValidKeyId(keyId)) {
      throw new InvalidCiphertextException(
          "key_id in ciphertext is not visible US-ASCII (0x21 to 0x7e)");
    }
    int kekIdLength = in.length8("KEK id length", 1, MAX_KEK_ID);
    String kekId = in.ascii("KEK id", kekIdLength);
    if (!KeyIdScheme.isValidKekId(kekId)) {
      throw new InvalidCiphertextException(
          "KEK id in ciphertext is not visible US-ASCII without '/'");
    }
    int wrappedLength = in.length16("wrapped DEK length", 1, MAX_WRAPPED_DEK);
    byte[] wrappedDek = in.bytes("wrapped DEK", wrappedLength);
    byte[] nonce = in.bytes("nonce", NONCE_LENGTH);
    int sealedLength = in.length16("sealed seed length", MIN_SEALED_SEED, MAX_SEALED_SEED);
    byte[] sealedSeed = in.bytes("sealed seed", sealedLength);
    if (in.remaining() != 0) {
      throw new InvalidCiphertextException(
          "ciphertext has " + in.remaining() + " trailing bytes after the sealed seed");
    }
    return new Envelope(keyId, kekId, wrappedDek, nonce, sealedSeed);
  }

  private static boolean isValidKeyId(String keyId) {
    if (keyId == null || keyId.isEmpty() || keyId.length() > MAX_KEY_ID) {
      return false;
    }
    for (int i = 0; i < keyId.length(); i++) {
      char c = keyId.charAt(i);
      if (c < 0x21 || c > 0x7e) {
        return false;
      }
    }
    return true;
  }

  private static void checkLength(String field, int length, int min, int max) {
    if (length < min || length > max) {
      throw new IllegalArgumentException(
          field + " is " + length + " bytes; it must be " + min + " to " + max + " bytes");
    }
  }

  private static void writeU16(ByteArrayOutputStream out, int value) {
    out.write(value >>> 8);
    out.write(value & 0xff);
  }

  /** Bounds-checked cursor over the ciphertext; every failure names the field it was reading. */
  private static final class Reader {
    private final byte[] data;
    private int pos;

    Reader(byte[] data) {
      this.data = data;
    }

    int remaining() {
      return data.length - pos;
    }

    private void need(String field, int n) throws InvalidCiphertextException {
      if (remaining() < n) {
        throw new InvalidCiphertextException("ciphertext truncated in " + field);
      }
    }

    int u8(String field) throws InvalidCiphertextException {
      need(field, 1);
      return data[pos++] & 0xff;
    }

    int length8(String field, int min, int max) throws InvalidCiphertextException {
      return bounded(field, u8(field), min, max);
    }

    int length16(String field, int min, int max) throws InvalidCiphertextException {
      need(field, 2);
      int value = ((data[pos] & 0xff) << 8) | (data[pos + 1] & 0xff);
      pos += 2;
      return bounded(field, value, min, max);
    }

    private static int bounded(String field, int value, int min, int max)
        throws InvalidCiphertextException {
      if (value < min || value > max) {
        throw new InvalidCiphertextException(
            field + " " + value + " out of bounds; it must be " + min + " to " + max);
      }
      return value;
    }

    byte[] bytes(String field, int n) throws InvalidCiphertextException {
      need(field, n);
      byte[] out = new byte[n];
      System.arraycopy(data, pos, out, 0, n);
      pos += n;
      return out;
    }

    String ascii(String field, int n) throws InvalidCiphertextException {
      need(field, n);
      for (int i = pos; i < pos + n; i++) {
        if (data[i] < 0) {
          throw new InvalidCiphertextException(field + " in ciphertext is not US-ASCII");
        }
      }
      String s = new String(data, pos, n, StandardCharsets.US_ASCII);
      pos += n;
      return s;
    }
  }
}
