package dev.sds.kms.plugin.kmaas.http;

import dev.sds.kms.plugin.kmaas.KmaasSettings;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
import okhttp3.tls.Certificates;
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
  private static final Pattern PEM_BLOCK =
      Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----[^-]*?-----END \\1-----", Pattern.DOTALL);
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
   * @param clientKeyFile PEM PKCS#8 private key of the client certificate, or {@code null}
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
    List<String> pems = pemBlocks(read(caFile, CA_FILE), "CERTIFICATE");
    if (pems.isEmpty()) {
      throw new IllegalArgumentException(CA_FILE + " " + caFile + " holds no PEM certificate");
    }
    HandshakeCertificates.Builder builder = new HandshakeCertificates.Builder();
    for (int i = 0; i < pems.size(); i++) {
      builder.addTrustedCertificate(decodeCertificate(pems.get(i), CA_FILE, caFile, i + 1));
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
    List<String> certPems = pemBlocks(read(certFile, CLIENT_CERT_FILE), "CERTIFICATE");
    if (certPems.isEmpty()) {
      throw new IllegalArgumentException(
          CLIENT_CERT_FILE + " " + certFile + " holds no PEM certificate");
    }
    String keyText = read(keyFile, CLIENT_KEY_FILE);
    List<String> keyPems = pemBlocks(keyText, "PRIVATE KEY");
    if (keyPems.size() != 1) {
      String hint =
          keyText.contains("-----BEGIN RSA PRIVATE KEY-----")
                  || keyText.contains("-----BEGIN EC PRIVATE KEY-----")
              ? " (found a PKCS#1/SEC1 key; convert it with 'openssl pkcs8 -topk8 -nocrypt')"
              : "";
      throw new IllegalArgumentException(
          CLIENT_KEY_FILE
              + " "
              + keyFile
              + " must hold exactly one unencrypted PKCS#8 key (BEGIN PRIVATE KEY)"
              + hint);
    }
    HeldCertificate held;
    try {
      held = HeldCertificate.decode(certPems.get(0) + "\n" + keyPems.get(0));
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(
          CLIENT_CERT_FILE
              + " "
              + certFile
              + " and "
              + CLIENT_KEY_FILE
              + " "
              + keyFile
              + " do not form a usable certificate and key");
    }
    requireMatchingKey(held, certFile, keyFile);
    X509Certificate[] intermediates = new X509Certificate[certPems.size() - 1];
    for (int i = 1; i < certPems.size(); i++) {
      intermediates[i - 1] = decodeCertificate(certPems.get(i), CLIENT_CERT_FILE, certFile, i + 1);
    }
    return new HandshakeCertificates.Builder()
        .heldCertificate(held, intermediates)
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

  private static X509Certificate decodeCertificate(
      String pem, String setting, Path path, int index) {
    try {
      return Certificates.decodeCertificatePem(pem);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(
          setting + " " + path + ": certificate " + index + " is not a valid X.509 certificate");
    }
  }

  private static String read(Path path, String setting) {
    try {
      return Files.readString(path, StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new IllegalArgumentException(
          setting + " " + path + " is not readable (" + e.getClass().getSimpleName() + ")");
    }
  }

  /** The PEM blocks of {@code type} in {@code text}, each from BEGIN to END inclusive. */
  private static List<String> pemBlocks(String text, String type) {
    List<String> blocks = new ArrayList<>();
    Matcher matcher = PEM_BLOCK.matcher(text);
    while (matcher.find()) {
      if (matcher.group(1).equals(type)) {
        blocks.add(matcher.group());
      }
    }
    return blocks;
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
