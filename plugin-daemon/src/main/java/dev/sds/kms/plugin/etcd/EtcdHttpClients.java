package dev.sds.kms.plugin.etcd;

import dev.sds.kms.plugin.pem.PemFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import okhttp3.OkHttpClient;
import okhttp3.tls.HandshakeCertificates;
import okhttp3.tls.HeldCertificate;

/** The OkHttp client for etcd: plain, or TLS with etcd's CA and a client certificate. */
public final class EtcdHttpClients {
  private EtcdHttpClients() {}

  /**
   * @param caFile CA bundle etcd's serving certificate must chain to; null: the platform's CAs
   * @param certFile client certificate (then its chain), with {@code keyFile}; both null or both
   *     set
   * @throws IOException naming the file that cannot be used
   */
  public static OkHttpClient create(Path caFile, Path certFile, Path keyFile, Duration timeout)
      throws IOException {
    OkHttpClient.Builder builder =
        new OkHttpClient.Builder()
            .connectTimeout(Duration.ofSeconds(Math.min(5, Math.max(1, timeout.toSeconds()))))
            .readTimeout(timeout)
            .callTimeout(timeout)
            .retryOnConnectionFailure(false)
            .followRedirects(false);
    if (caFile == null && certFile == null) {
      return builder.build();
    }
    HandshakeCertificates.Builder tls = new HandshakeCertificates.Builder();
    if (caFile == null) {
      tls.addPlatformTrustedCertificates();
    } else {
      for (X509Certificate ca : PemFiles.certificates(caFile)) {
        tls.addTrustedCertificate(ca);
      }
    }
    if (certFile != null) {
      List<X509Certificate> chain = PemFiles.certificates(certFile);
      X509Certificate leaf = chain.get(0);
      PrivateKey key = PemFiles.privateKey(keyFile, leaf.getPublicKey().getAlgorithm());
      HeldCertificate held = new HeldCertificate(new KeyPair(leaf.getPublicKey(), key), leaf);
      tls.heldCertificate(held, chain.subList(1, chain.size()).toArray(new X509Certificate[0]));
    }
    HandshakeCertificates certificates = tls.build();
    return builder
        .sslSocketFactory(certificates.sslSocketFactory(), certificates.trustManager())
        .build();
  }
}
