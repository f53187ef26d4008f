package dev.sds.kms.plugin.kmaas.http;

import dev.sds.kms.plugin.kmaas.KmaasSettings;
import dev.sds.kms.plugin.pem.PemException;
import dev.sds.kms.plugin.pem.PemFiles;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.HostnameVerifier;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509KeyManager;
import javax.net.ssl.X509TrustManager;
import okhttp3.ConnectionSpec;
import okhttp3.OkHttpClient;
import okhttp3.TlsVersion;
import okhttp3.tls.HandshakeCertificates;
import okhttp3.tls.HeldCertificate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The TLS configuration of the KMaaS client: which servers to trust (the CA bundle of {@code
 * --kmaas-ca-file} instead of the JDK roots, else the JDK's trust store), which client certificate
 * to present (mTLS), and TLS 1.2 or newer only.
 *
 * <p>File problems raise {@link IllegalArgumentException} naming the setting and the path, never
 * the file's contents.
 */
public final class KmaasTls {
  static final String CA_FILE = "--kmaas-ca-file";
  static final String CLIENT_CERT_FILE = "--kmaas-client-cert-file";
  static final String CLIENT_KEY_FILE = "--kmaas-client-key-file";

  private static final Logger LOG = LoggerFactory.getLogger(KmaasTls.class);
  private static final AtomicBoolean INSECURE_WARNED = new AtomicBoolean();
  private static final ConnectionSpec TLS_1_2_PLUS =
      new ConnectionSpec.Builder(ConnectionSpec.MODERN_TLS)
          .tlsVersions(TlsVersion.TLS_1_3, TlsVersion.TLS_1_2)
          .build();

  private final SSLSocketFactory sslSocketFactory;
  private final X509TrustManager trustManager;
  private final HostnameVerifier hostnameVerifier;

  private KmaasTls(
      SSLSocketFactory sslSocketFactory,
      X509TrustManager trustManager,
      HostnameVerifier hostnameVerifier) {
    this.sslSocketFactory = sslSocketFactory;
    this.trustManager = trustManager;
    this.hostnameVerifier = hostnameVerifier;
  }

  /** Builds the TLS configuration from the CA, client certificate and verification settings. */
  public static KmaasTls from(KmaasSettings settings) {
    return from(
        settings.caFile(),
        settings.clientCertFile(),
        settings.clientKeyFile(),
        settings.insecureSkipVerify());
  }

  /**
   * @param caFile PEM bundle trusted instead of the JDK roots, or {@code null}
   * @param clientCertFile PEM client certificate (leaf first, then intermediates), or {@code null}
   * @param clientKeyFile PEM private key of the client certificate (PKCS#8, PKCS#1 RSA or SEC1 EC),
   *     or {@code null}
   * @param insecureSkipVerify trust every server certificate and skip the hostname check
   */
  public static KmaasTls from(
      Path caFile, Path clientCertFile, Path clientKeyFile, boolean insecureSkipVerify) {
    X509KeyManager keyManager = clientKeyManager(clientCertFile, clientKeyFile);
    X509TrustManager trustManager;
    HostnameVerifier hostnameVerifier = null;
    if (insecureSkipVerify) {
      if (INSECURE_WARNED.compareAndSet(false, true)) {
        LOG.warn(
            "TLS VERIFICATION OF KMaaS IS OFF (--kmaas-insecure-skip-verify): any server can"
                + " pose as KMaaS and receive the DEKs. Never use this in production.");
      }
      trustManager = new TrustAllManager();
      hostnameVerifier = (host, session) -> true;
    } else if (caFile != null) {
      trustManager = caTrustManager(caFile);
    } else {
      trustManager = jdkTrustManager();
    }
    return new KmaasTls(sslContext(keyManager, trustManager), trustManager, hostnameVerifier);
  }

  /** Applies this configuration (socket factory, TLS 1.2+, hostname check) to {@code builder}. */
  public OkHttpClient.Builder applyTo(OkHttpClient.Builder builder) {
    builder.sslSocketFactory(sslSocketFactory, trustManager);
    builder.connectionSpecs(List.of(TLS_1_2_PLUS));
    if (hostnameVerifier != null) {
      builder.hostnameVerifier(hostnameVerifier);
    }
    return builder;
  }

  public X509TrustManager trustManager() {
    return trustManager;
  }

  public SSLSocketFactory sslSocketFactory() {
    return sslSocketFactory;
  }

  /** Whether the hostname check is off ({@code insecureSkipVerify}). */
  public boolean hostnameCheckDisabled() {
    return hostnameVerifier != null;
  }

  private static X509TrustManager caTrustManager(Path caFile) {
    HandshakeCertificates.Builder builder = new HandshakeCertificates.Builder();
    for (X509Certificate ca : certificates(caFile, CA_FILE)) {
      builder.addTrustedCertificate(ca);
    }
    return builder.build().trustManager();
  }

  private static X509KeyManager clientKeyManager(Path certFile, Path keyFile) {
    if (certFile == null && keyFile == null) {
      return null;
    }
    if (certFile == null) {
      throw new IllegalArgumentException(CLIENT_KEY_FILE + " needs " + CLIENT_CERT_FILE);
    }
    if (keyFile == null) {
      throw new IllegalArgumentException(CLIENT_CERT_FILE + " needs " + CLIENT_KEY_FILE);
    }
    List<X509Certificate> certs = certificates(certFile, CLIENT_CERT_FILE);
    X509Certificate leaf = certs.get(0);
    PrivateKey key;
    try {
      key = PemFiles.privateKey(keyFile, leaf.getPublicKey().getAlgorithm());
    } catch (PemException e) {
      throw switch (e.reason()) {
        case NO_PRIVATE_KEY ->
            new IllegalArgumentException(
                CLIENT_KEY_FILE
                    + " "
                    + keyFile
                    + " must hold exactly one unencrypted PKCS#8 key (BEGIN PRIVATE KEY)");
        case INVALID_PRIVATE_KEY ->
            new IllegalArgumentException(
                CLIENT_CERT_FILE
                    + " "
                    + certFile
                    + " and "
                    + CLIENT_KEY_FILE
                    + " "
                    + keyFile
                    + " do not form a usable certificate and key");
        default -> unusable(e, CLIENT_KEY_FILE, keyFile);
      };
    }
    HeldCertificate held = new HeldCertificate(new KeyPair(leaf.getPublicKey(), key), leaf);
    requireMatchingKey(held, certFile, keyFile);
    return new HandshakeCertificates.Builder()
        .heldCertificate(held, certs.subList(1, certs.size()).toArray(new X509Certificate[0]))
        .build()
        .keyManager();
  }

  /** Signs a probe with the private key and verifies it with the certificate's public key. */
  private static void requireMatchingKey(HeldCertificate held, Path certFile, Path keyFile) {
    PrivateKey key = held.keyPair().getPrivate();
    String algorithm =
        switch (key.getAlgorithm()) {
          case "RSA" -> "SHA256withRSA";
          case "EC" -> "SHA256withECDSA";
          default -> null;
        };
    if (algorithm == null) {
      return; // other key types: left to the handshake
    }
    boolean matches;
    try {
      byte[] probe = "kmaas-client-key-check".getBytes(StandardCharsets.US_ASCII);
      Signature signer = Signature.getInstance(algorithm);
      signer.initSign(key);
      signer.update(probe);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance(algorithm);
      verifier.initVerify(held.certificate().getPublicKey());
      verifier.update(probe);
      matches = verifier.verify(signature);
    } catch (GeneralSecurityException e) {
      matches = false;
    }
    if (!matches) {
      throw new IllegalArgumentException(
          CLIENT_KEY_FILE
              + " "
              + keyFile
              + " is not the key of "
              + CLIENT_CERT_FILE
              + " "
              + certFile);
    }
  }

  /** The certificates of {@code path}, the value of {@code setting}; at least one. */
  private static List<X509Certificate> certificates(Path path, String setting) {
    try {
      return PemFiles.certificates(path);
    } catch (PemException e) {
      throw unusable(e, setting, path);
    }
  }

  /** The reader's failure in words naming the setting and the path, never the contents. */
  private static IllegalArgumentException unusable(PemException e, String setting, Path path) {
    return new IllegalArgumentException(
        switch (e.reason()) {
          case UNREADABLE ->
              setting
                  + " "
                  + path
                  + " is not readable ("
                  + (e.getCause() == null ? e : e.getCause()).getClass().getSimpleName()
                  + ")";
          case NO_CERTIFICATE -> setting + " " + path + " holds no PEM certificate";
          case INVALID_CERTIFICATE ->
              setting
                  + " "
                  + path
                  + ": certificate "
                  + e.certificate()
                  + " is not a valid X.509 certificate";
          default -> setting + " " + path + " is not usable: " + e.getMessage();
        });
  }

  private static X509TrustManager jdkTrustManager() {
    try {
      TrustManagerFactory factory =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      factory.init((KeyStore) null);
      for (TrustManager manager : factory.getTrustManagers()) {
        if (manager instanceof X509TrustManager x509) {
          return x509;
        }
      }
      throw new IllegalStateException("the JDK has no X.509 trust manager");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot load the JDK trust store", e);
    }
  }

  private static SSLSocketFactory sslContext(
      X509KeyManager keyManager, X509TrustManager trustManager) {
    try {
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(
          keyManager == null ? null : new KeyManager[] {keyManager},
          new TrustManager[] {trustManager},
          null);
      return context.getSocketFactory();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot create a TLS context", e);
    }
  }

  /** Accepts every server certificate: {@code insecureSkipVerify} only. */
  private static final class TrustAllManager extends X509ExtendedTrustManager {
    private static final X509Certificate[] NONE = new X509Certificate[0];

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {}

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return NONE;
    }
  }
}
