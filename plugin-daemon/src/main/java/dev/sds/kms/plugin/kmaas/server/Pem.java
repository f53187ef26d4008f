package dev.sds.kms.plugin.kmaas.server;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
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
import okhttp3.tls.HeldCertificate;

/** PEM files: certificates, PKCS#8 private keys. Messages name files, never contents. */
final class Pem {
  private static final Pattern PKCS8 =
      Pattern.compile("-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END PRIVATE KEY-----");

  private Pem() {}

  /** All certificates of a PEM file, in order; at least one. */
  static List<X509Certificate> readCertificates(Path file) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    List<X509Certificate> out = new ArrayList<>();
    try {
      for (Certificate c :
          CertificateFactory.getInstance("X.509")
              .generateCertificates(new ByteArrayInputStream(bytes))) {
        out.add((X509Certificate) c);
      }
    } catch (GeneralSecurityException e) {
      throw new IOException(file + " is not a PEM certificate file");
    }
    if (out.isEmpty()) {
      throw new IOException(file + " contains no PEM certificate");
    }
    return out;
  }

  /** The PKCS#8 ({@code BEGIN PRIVATE KEY}) key of a PEM file, for a certificate's algorithm. */
  static PrivateKey readPrivateKey(Path file, String algorithm) throws IOException {
    String text = Files.readString(file, StandardCharsets.US_ASCII);
    Matcher m = PKCS8.matcher(text);
    if (!m.find()) {
      throw new IOException(
          file
              + " is not an unencrypted PKCS#8 PEM private key (BEGIN PRIVATE KEY); convert it"
              + " with: openssl pkcs8 -topk8 -nocrypt -in <key> -out <key.pk8>");
    }
    try {
      byte[] der = Base64.getMimeDecoder().decode(m.group(1));
      return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
    } catch (IllegalArgumentException | GeneralSecurityException e) {
      throw new IOException(file + " does not hold a valid " + algorithm + " PKCS#8 private key");
    }
  }

  /** A certificate (first of {@code certFile}) with its key; further certificates are returned. */
  static HeldCertificate readHeld(Path certFile, Path keyFile, List<X509Certificate> chainOut)
      throws IOException {
    List<X509Certificate> certs = readCertificates(certFile);
    X509Certificate leaf = certs.get(0);
    PrivateKey key = readPrivateKey(keyFile, leaf.getPublicKey().getAlgorithm());
    if (chainOut != null) {
      chainOut.addAll(certs.subList(1, certs.size()));
    }
    return new HeldCertificate(new KeyPair(leaf.getPublicKey(), key), leaf);
  }
}
