package dev.sds.kms.plugin.kmaas.server;

import dev.sds.kms.plugin.pem.PemException;
import dev.sds.kms.plugin.pem.PemFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import okhttp3.tls.HeldCertificate;

/**
 * The server's PEM files, read by {@link PemFiles} (private keys may be PKCS#8, PKCS#1 RSA or SEC1
 * EC), with the server's own messages. Messages name files, never contents.
 */
final class Pem {
  private Pem() {}

  /** All certificates of a PEM file, in order; at least one. */
  static List<X509Certificate> readCertificates(Path file) throws IOException {
    try {
      return PemFiles.certificates(file);
    } catch (PemException e) {
      throw readFailure(e); // the certificate messages are the server's own
    }
  }

  /** The unencrypted private key of a PEM file, for a certificate's algorithm. */
  static PrivateKey readPrivateKey(Path file, String algorithm) throws IOException {
    try {
      return PemFiles.privateKey(file, algorithm);
    } catch (PemException e) {
      throw switch (e.reason()) {
        case NO_PRIVATE_KEY ->
            new IOException(
                file
                    + " is not an unencrypted PKCS#8 PEM private key (BEGIN PRIVATE KEY); convert"
                    + " it with: openssl pkcs8 -topk8 -nocrypt -in <key> -out <key.pk8>");
        case INVALID_PRIVATE_KEY ->
            new IOException(file + " does not hold a valid " + algorithm + " PKCS#8 private key");
        default -> readFailure(e);
      };
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

  /** Files that cannot be read fail with the JDK's exception, as the server always reported. */
  private static IOException readFailure(PemException e) {
    return e.reason() == PemException.Reason.UNREADABLE && e.getCause() instanceof IOException cause
        ? cause
        : e;
  }
}
