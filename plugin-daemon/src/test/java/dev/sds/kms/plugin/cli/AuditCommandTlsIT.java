package dev.sds.kms.plugin.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sds.kms.plugin.testing.EtcdTestServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import okhttp3.OkHttpClient;
import okhttp3.tls.HandshakeCertificates;
import okhttp3.tls.HeldCertificate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kms-plugin audit} against a real etcd that, like kubeadm's, serves TLS and requires a
 * client certificate; the client key is PKCS#1 RSA ({@code BEGIN RSA PRIVATE KEY}) as kubeadm
 * writes it.
 */
class AuditCommandTlsIT {
  static final HeldCertificate CA =
      new HeldCertificate.Builder().certificateAuthority(0).commonName("etcd-ca").build();
  static final HeldCertificate SERVER =
      new HeldCertificate.Builder()
          .commonName("etcd")
          .addSubjectAlternativeName("127.0.0.1")
          .addSubjectAlternativeName("localhost")
          .signedBy(CA)
          .build();
  static final HeldCertificate CLIENT =
      new HeldCertificate.Builder()
          .commonName("kube-etcd-healthcheck-client")
          .rsa2048()
          .signedBy(CA)
          .build();

  @TempDir static Path dir;
  static EtcdTestServer etcd;
  static Path caFile;
  static Path certFile;
  static Path keyFile;

  @BeforeAll
  static void start() throws Exception {
    caFile = Files.writeString(dir.resolve("ca.crt"), CA.certificatePem());
    Path serverCert = Files.writeString(dir.resolve("server.crt"), SERVER.certificatePem());
    Path serverKey = Files.writeString(dir.resolve("server.key"), SERVER.privateKeyPkcs8Pem());
    certFile = Files.writeString(dir.resolve("healthcheck-client.crt"), CLIENT.certificatePem());
    keyFile = Files.writeString(dir.resolve("healthcheck-client.key"), CLIENT.privateKeyPkcs1Pem());
    HandshakeCertificates client =
        new HandshakeCertificates.Builder()
            .addTrustedCertificate(CA.certificate())
            .heldCertificate(CLIENT)
            .build();
    OkHttpClient http =
        new OkHttpClient.Builder()
            .sslSocketFactory(client.sslSocketFactory(), client.trustManager())
            .build();
    etcd =
        EtcdTestServer.start(
            dir,
            "https",
            http,
            List.of(
                "--cert-file",
                serverCert.toString(),
                "--key-file",
                serverKey.toString(),
                "--client-cert-auth",
                "--trusted-ca-file",
                caFile.toString()));
    etcd.put(
        "/registry/secrets/default/plain",
        "k8s\0plaintext-MARKER".getBytes(StandardCharsets.ISO_8859_1));
  }

  @AfterAll
  static void stop() {
    if (etcd != null) {
      etcd.close();
    }
  }

  @Test
  void kubeadmStyleCaClientCertAndPkcs1KeyReadEtcd() {
    assertThat(Files.exists(keyFile)).isTrue();
    AuditCommandIT.Run run =
        AuditCommandIT.run(
            "--etcd-endpoints",
            etcd.url().toString(),
            "--etcd-cacert",
            caFile.toString(),
            "--etcd-cert",
            certFile.toString(),
            "--etcd-key",
            keyFile.toString(),
            "-o",
            "json");

    assertThat(run.code()).as(run.err()).isZero();
    assertThat(run.out().strip())
        .isEqualTo(
            "{\"resources\":[{\"resource\":\"secrets\",\"total\":1,\"counts\":"
                + "[{\"kind\":\"identity\",\"count\":1}]}],"
                + "\"plaintext\":[\"secrets/default/plain\"]}");
  }

  @Test
  void withoutClientCertificateEtcdRefusesAndTheErrorIsOneLine() {
    AuditCommandIT.Run run =
        AuditCommandIT.run(
            "--etcd-endpoints", etcd.url().toString(), "--etcd-cacert", caFile.toString());

    assertThat(run.code()).isEqualTo(1);
    assertThat(run.err().lines()).hasSize(1);
    assertThat(run.err()).startsWith("kms-plugin audit: etcd " + etcd.url() + ": ");
  }

  @Test
  void untrustedServerCertificateIsExit1() throws Exception {
    HeldCertificate other = new HeldCertificate.Builder().certificateAuthority(0).build();
    Path otherCa = Files.writeString(dir.resolve("other-ca.crt"), other.certificatePem());
    AuditCommandIT.Run run =
        AuditCommandIT.run(
            "--etcd-endpoints",
            etcd.url().toString(),
            "--etcd-cacert",
            otherCa.toString(),
            "--etcd-cert",
            certFile.toString(),
            "--etcd-key",
            keyFile.toString());

    assertThat(run.code()).isEqualTo(1);
    assertThat(run.err().lines()).hasSize(1);
    assertThat(run.out()).isEmpty();
  }
}
