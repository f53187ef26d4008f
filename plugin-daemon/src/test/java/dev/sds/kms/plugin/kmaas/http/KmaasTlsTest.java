package dev.sds.kms.plugin.kmaas.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.security.cert.CertificateException;
import okhttp3.ConnectionSpec;
import okhttp3.OkHttpClient;
import okhttp3.TlsVersion;
import okhttp3.tls.HeldCertificate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KmaasTlsTest {
  private static final TestPki PKI = new TestPki();

  @TempDir Path dir;

  @Test
  void caBundleIsTrustedInsteadOfJdkRoots() throws Exception {
    KmaasTls tls = KmaasTls.from(PKI.serverCaFile(dir), null, null, false);

    assertThat(tls.trustManager().getAcceptedIssuers())
        .containsExactlyInAnyOrder(PKI.otherCa.certificate(), PKI.serverCa.certificate());
    assertThat(tls.hostnameCheckDisabled()).isFalse();
  }

  @Test
  void serverCertificateSignedByBundledCaIsTrusted() throws Exception {
    KmaasTls tls = KmaasTls.from(PKI.serverCaFile(dir), null, null, false);

    assertThatCode(
            () ->
                tls.trustManager()
                    .checkServerTrusted(
                        new java.security.cert.X509Certificate[] {
                          PKI.localhostCert.certificate(), PKI.serverCa.certificate()
                        },
                        "ECDHE_ECDSA"))
        .doesNotThrowAnyException();
  }

  @Test
  void serverCertificateOfAnotherCaIsNotTrusted() throws Exception {
    Path caFile = TestPki.write(dir, "ca.pem", PKI.otherCa.certificatePem());
    KmaasTls tls = KmaasTls.from(caFile, null, null, false);

    assertThatThrownBy(
            () ->
                tls.trustManager()
                    .checkServerTrusted(
                        new java.security.cert.X509Certificate[] {
                          PKI.localhostCert.certificate(), PKI.serverCa.certificate()
                        },
                        "ECDHE_ECDSA"))
        .isInstanceOf(CertificateException.class);
  }

  @Test
  void withoutCaFileTheJdkTrustStoreIsUsed() {
    KmaasTls tls = KmaasTls.from(null, null, null, false);

    assertThat(tls.trustManager().getAcceptedIssuers()).doesNotContain(PKI.serverCa.certificate());
    assertThat(tls.hostnameCheckDisabled()).isFalse();
  }

  @Test
  void onlyTls12AndNewerAreOffered() {
    OkHttpClient client =
        KmaasTls.from(null, null, null, false).applyTo(new OkHttpClient.Builder()).build();

    assertThat(client.connectionSpecs()).hasSize(1);
    ConnectionSpec spec = client.connectionSpecs().get(0);
    assertThat(spec.isTls()).isTrue();
    assertThat(spec.tlsVersions())
        .containsExactlyInAnyOrder(TlsVersion.TLS_1_3, TlsVersion.TLS_1_2);
  }

  @Test
  void insecureSkipVerifyTrustsAnythingAndSkipsHostnames() {
    HeldCertificate selfSigned = new HeldCertificate.Builder().commonName("anyone").build();
    KmaasTls tls = KmaasTls.from(null, null, null, true);

    assertThat(tls.hostnameCheckDisabled()).isTrue();
    assertThatCode(
            () ->
                tls.trustManager()
                    .checkServerTrusted(
                        new java.security.cert.X509Certificate[] {selfSigned.certificate()},
                        "ECDHE_ECDSA"))
        .doesNotThrowAnyException();
  }

  @Test
  void clientCertificateWithIntermediateAndPkcs8KeyIsAccepted() throws Exception {
    assertThatCode(
            () -> KmaasTls.from(null, PKI.clientCertFile(dir), PKI.clientKeyFile(dir), false))
        .doesNotThrowAnyException();
  }

  @Test
  void rsaClientCertificateIsAccepted() throws Exception {
    HeldCertificate rsa = new HeldCertificate.Builder().rsa2048().commonName("rsa client").build();
    Path cert = TestPki.write(dir, "rsa.pem", rsa.certificatePem());
    Path key = TestPki.write(dir, "rsa-key.pem", rsa.privateKeyPkcs8Pem());

    assertThatCode(() -> KmaasTls.from(null, cert, key, false)).doesNotThrowAnyException();
  }

  @Test
  void missingCaFileNamesSettingAndPath() {
    Path missing = dir.resolve("nope.pem");

    assertThatThrownBy(() -> KmaasTls.from(missing, null, null, false))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--kmaas-ca-file")
        .hasMessageContaining(missing.toString());
  }

  @Test
  void caFileWithoutCertificatesIsRefusedWithoutEchoingContents() throws Exception {
    Path caFile = TestPki.write(dir, "ca.pem", "SECRET-CONTENT not a certificate");

    assertThatThrownBy(() -> KmaasTls.from(caFile, null, null, false))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--kmaas-ca-file")
        .hasMessageContaining(caFile.toString())
        .hasMessageNotContaining("SECRET-CONTENT");
  }

  @Test
  void corruptCertificateIsRefused() throws Exception {
    Path caFile =
        TestPki.write(
            dir,
            "ca.pem",
            PKI.serverCa.certificatePem()
                + "-----BEGIN CERTIFICATE-----\nU0VDUkVULUNPTlRFTlQ=\n-----END CERTIFICATE-----\n");

    assertThatThrownBy(() -> KmaasTls.from(caFile, null, null, false))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--kmaas-ca-file")
        .hasMessageContaining("certificate 2");
  }

  @Test
  void clientCertWithoutKeyIsRefused() throws Exception {
    Path cert = PKI.clientCertFile(dir);

    assertThatThrownBy(() -> KmaasTls.from(null, cert, null, false))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--kmaas-client-key-file");
  }

  @Test
  void clientKeyWithoutCertIsRefused() throws Exception {
    Path key = PKI.clientKeyFile(dir);

    assertThatThrownBy(() -> KmaasTls.from(null, null, key, false))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--kmaas-client-cert-file");
  }

  @Test
  void pkcs1KeyAsKubeadmWritesItIsAccepted() throws Exception {
    HeldCertificate rsa = new HeldCertificate.Builder().rsa2048().commonName("rsa").build();
    Path cert = TestPki.write(dir, "rsa.pem", rsa.certificatePem());
    Path key = TestPki.write(dir, "rsa-key.pem", rsa.privateKeyPkcs1Pem());

    assertThatCode(() -> KmaasTls.from(null, cert, key, false)).doesNotThrowAnyException();
  }

  @Test
  void encryptedKeyIsRefusedWithoutEchoingContents() throws Exception {
    Path cert = PKI.clientCertFile(dir);
    Path key =
        TestPki.write(
            dir,
            "enc-key.pem",
            "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIISECRET\n-----END ENCRYPTED PRIVATE KEY-----\n");

    assertThatThrownBy(() -> KmaasTls.from(null, cert, key, false))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--kmaas-client-key-file")
        .hasMessageContaining(key.toString())
        .hasMessageContaining("unencrypted PKCS#8 key")
        .hasMessageNotContaining("MII");
  }

  @Test
  void keyOfAnotherCertificateIsRefused() throws Exception {
    Path cert = PKI.clientCertFile(dir);
    Path key = TestPki.write(dir, "other-key.pem", PKI.localhostCert.privateKeyPkcs8Pem());

    assertThatThrownBy(() -> KmaasTls.from(null, cert, key, false))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("is not the key of")
        .hasMessageContaining("--kmaas-client-cert-file");
  }

  @Test
  void missingClientCertFileNamesSettingAndPath() throws Exception {
    Path cert = dir.resolve("missing-client.pem");
    Path key = PKI.clientKeyFile(dir);

    assertThatThrownBy(() -> KmaasTls.from(null, cert, key, false))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--kmaas-client-cert-file")
        .hasMessageContaining(cert.toString());
  }
}
