package dev.sds.kms.plugin.pem;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one reader of PEM certificates and private keys in the daemon (etcd client certificates of
 * the audit, the KMaaS client's mTLS certificate, the standalone KMaaS server's certificates).
 *
 * <p>Certificate files hold one or more {@code BEGIN CERTIFICATE} blocks (leaf first, then its
 * chain); a file without any PEM block is handed to the JDK as a whole (DER, PKCS#7). Private keys
 * may be PKCS#8 ({@code BEGIN PRIVATE KEY}), PKCS#1 RSA ({@code BEGIN RSA PRIVATE KEY}, what
 * kubeadm writes) or SEC1 EC ({@code BEGIN EC PRIVATE KEY}, kubeadm with ECDSA); the latter two are
 * wrapped into PKCS#8 here. Encrypted keys are not supported.
 *
 * <p>Every failure is a {@link PemException} whose message names the file, never its contents, and
 * whose {@link PemException#reason() reason} lets callers word their own message (for example
 * naming the command-line setting the file came from).
 */
public final class PemFiles {
  private static final Pattern KEY_BLOCK =
      Pattern.compile(
          "-----BEGIN ((?:RSA |EC )?PRIVATE KEY)-----([A-Za-z0-9+/=\\s]+)-----END \\1-----");
  private static final Pattern CERTIFICATE_BLOCK =
      Pattern.compile("-----BEGIN CERTIFICATE-----[^-]*?-----END CERTIFICATE-----");
  private static final String CONVERT = "openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY.pk8";

  /** rsaEncryption, 1.2.840.113549.1.1.1, with NULL parameters. */
  private static final byte[] RSA_ALGORITHM = {
    0x30,
    0x0d,
    0x06,
    0x09,
    0x2a,
    (byte) 0x86,
    0x48,
    (byte) 0x86,
    (byte) 0xf7,
    0x0d,
    0x01,
    0x01,
    0x01,
    0x05,
    0x00
  };

  /** id-ecPublicKey, 1.2.840.10045.2.1 (the named curve follows). */
  private static final byte[] EC_PUBLIC_KEY_OID = {
    0x06, 0x07, 0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x02, 0x01
  };

  private PemFiles() {}

  /**
   * All certificates of a PEM file, in order; at least one.
   *
   * @throws PemException {@link PemException.Reason#UNREADABLE UNREADABLE}, {@link
   *     PemException.Reason#NO_CERTIFICATE NO_CERTIFICATE} or {@link
   *     PemException.Reason#INVALID_CERTIFICATE INVALID_CERTIFICATE} (with the 1-based {@link
   *     PemException#certificate() index} of the bad block)
   */
  public static List<X509Certificate> certificates(Path file) throws PemException {
    byte[] bytes = read(file);
    Matcher m = CERTIFICATE_BLOCK.matcher(new String(bytes, StandardCharsets.US_ASCII));
    List<X509Certificate> out = new ArrayList<>();
    while (m.find()) {
      try {
        out.add(
            (X509Certificate)
                CertificateFactory.getInstance("X.509")
                    .generateCertificate(
                        new ByteArrayInputStream(m.group().getBytes(StandardCharsets.US_ASCII))));
      } catch (GeneralSecurityException | RuntimeException e) {
        throw new PemException(
            PemException.Reason.INVALID_CERTIFICATE,
            out.size() + 1,
            file + " is not a PEM certificate file",
            null);
      }
    }
    return out.isEmpty() ? wholeFile(file, bytes) : out;
  }

  /** A file without PEM certificate blocks, as the JDK reads it (DER, PKCS#7, or nothing). */
  private static List<X509Certificate> wholeFile(Path file, byte[] bytes) throws PemException {
    List<X509Certificate> out = new ArrayList<>();
    try {
      for (Certificate c :
          CertificateFactory.getInstance("X.509")
              .generateCertificates(new ByteArrayInputStream(bytes))) {
        out.add((X509Certificate) c);
      }
    } catch (GeneralSecurityException | RuntimeException e) {
      throw new PemException(
          PemException.Reason.NO_CERTIFICATE, 0, file + " is not a PEM certificate file", null);
    }
    if (out.isEmpty()) {
      throw new PemException(
          PemException.Reason.NO_CERTIFICATE, 0, file + " contains no PEM certificate", null);
    }
    return out;
  }

  /**
   * The unencrypted private key of a PEM file (the first key block), for a certificate's key
   * algorithm ({@code RSA}, {@code EC}); PKCS#1 and SEC1 keys are converted to PKCS#8.
   *
   * @throws PemException {@link PemException.Reason#UNREADABLE UNREADABLE}, {@link
   *     PemException.Reason#NO_PRIVATE_KEY NO_PRIVATE_KEY} or {@link
   *     PemException.Reason#INVALID_PRIVATE_KEY INVALID_PRIVATE_KEY}
   */
  public static PrivateKey privateKey(Path file, String algorithm) throws PemException {
    String text = new String(read(file), StandardCharsets.US_ASCII);
    Matcher m = KEY_BLOCK.matcher(text);
    if (!m.find()) {
      throw new PemException(
          PemException.Reason.NO_PRIVATE_KEY,
          0,
          file
              + " holds no unencrypted PEM private key (BEGIN PRIVATE KEY, RSA PRIVATE KEY or EC"
              + " PRIVATE KEY); convert it with: "
              + CONVERT.replace("KEY", file.toString()),
          null);
    }
    try {
      byte[] der = Base64.getMimeDecoder().decode(m.group(2));
      byte[] pkcs8 =
          switch (m.group(1)) {
            case "RSA PRIVATE KEY" -> pkcs8(RSA_ALGORITHM, der);
            case "EC PRIVATE KEY" -> pkcs8(ecAlgorithm(der), der);
            default -> der;
          };
      return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
    } catch (IllegalArgumentException | GeneralSecurityException e) {
      throw new PemException(
          PemException.Reason.INVALID_PRIVATE_KEY,
          0,
          file
              + " does not hold a valid "
              + algorithm
              + " private key for its certificate; try converting it with: "
              + CONVERT.replace("KEY", file.toString()),
          null);
    }
  }

  /** {@code PrivateKeyInfo ::= SEQUENCE { version 0, algorithm, OCTET STRING key }}. */
  static byte[] pkcs8(byte[] algorithm, byte[] key) {
    ByteArrayOutputStream content = new ByteArrayOutputStream();
    content.writeBytes(new byte[] {0x02, 0x01, 0x00});
    content.writeBytes(algorithm);
    content.writeBytes(tlv(0x04, key));
    return tlv(0x30, content.toByteArray());
  }

  /**
   * The AlgorithmIdentifier for a SEC1 {@code ECPrivateKey ::= SEQUENCE { version 1, OCTET STRING
   * key, [0] named curve OID OPTIONAL, [1] public key OPTIONAL }}: id-ecPublicKey with its curve.
   */
  private static byte[] ecAlgorithm(byte[] sec1) {
    Der der = new Der(sec1);
    der.enter(0x30);
    der.skip(0x02);
    der.skip(0x04);
    byte[] curve = der.enter(0xa0) >= 0 ? der.element(0x06) : null;
    if (curve == null) {
      throw new IllegalArgumentException("EC key without named curve");
    }
    ByteArrayOutputStream content = new ByteArrayOutputStream();
    content.writeBytes(EC_PUBLIC_KEY_OID);
    content.writeBytes(curve);
    return tlv(0x30, content.toByteArray());
  }

  static byte[] tlv(int tag, byte[] value) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(tag);
    int n = value.length;
    if (n < 0x80) {
      out.write(n);
    } else {
      int bytes = n > 0xffffff ? 4 : n > 0xffff ? 3 : n > 0xff ? 2 : 1;
      out.write(0x80 | bytes);
      for (int i = bytes - 1; i >= 0; i--) {
        out.write(n >>> (8 * i));
      }
    }
    out.writeBytes(value);
    return out.toByteArray();
  }

  private static byte[] read(Path file) throws PemException {
    try {
      return Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new PemException(PemException.Reason.UNREADABLE, 0, file + " does not exist", e);
    } catch (IOException e) {
      throw new PemException(
          PemException.Reason.UNREADABLE, 0, file + " cannot be read: " + e.getMessage(), e);
    }
  }

  /** Just enough DER reading for a SEC1 key; malformed input throws IllegalArgumentException. */
  private static final class Der {
    private final byte[] der;
    private int pos;

    Der(byte[] der) {
      this.der = der;
    }

    /** Steps into the element with {@code tag}; returns its length, or -1 when it is not next. */
    int enter(int tag) {
      if (pos >= der.length || (der[pos] & 0xff) != tag) {
        return -1;
      }
      pos++;
      return length();
    }

    void skip(int tag) {
      int length = enter(tag);
      if (length < 0) {
        throw new IllegalArgumentException("unexpected DER tag");
      }
      pos += length;
    }

    /** The whole element with {@code tag} (tag, length and value). */
    byte[] element(int tag) {
      int start = pos;
      skip(tag);
      if (pos > der.length) {
        throw new IllegalArgumentException("truncated DER");
      }
      byte[] out = new byte[pos - start];
      System.arraycopy(der, start, out, 0, out.length);
      return out;
    }

    private int length() {
      if (pos >= der.length) {
        throw new IllegalArgumentException("truncated DER");
      }
      int first = der[pos++] & 0xff;
      if (first < 0x80) {
        return first;
      }
      int bytes = first & 0x7f;
      if (bytes == 0 || bytes > 3 || pos + bytes > der.length) {
        throw new IllegalArgumentException("unsupported DER length");
      }
      int n = 0;
      for (int i = 0; i < bytes; i++) {
        n = (n << 8) | (der[pos++] & 0xff);
      }
      return n;
    }
  }
}
