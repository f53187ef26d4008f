package dev.sds.kms.plugin.kmaas.http;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import okhttp3.tls.HandshakeCertificates;
import okhttp3.tls.HeldCertificate;

/** Throwaway certificates for the TLS tests: a server CA and a client CA with an intermediate. */
final class TestPki {
  final HeldCertificate serverCa =
      new HeldCertificate.Builder().certificateAuthority(0).commonName("test server CA").build();
  final HeldCertificate otherCa =
      new HeldCertificate.Builder().certificateAuthority(0).commonName("unrelated CA").build();
  final HeldCertificate localhostCert =
      new HeldCertificate.Builder()
          .commonName("localhost")
          .addSubjectAlternativeName("localhost")
          .signedBy(serverCa)
          .build();
  final HeldCertificate wrongNameCert =
      new HeldCertificate.Builder()
          .commonName("kmaas.example")
          .addSubjectAlternativeName("kmaas.example")
          .signedBy(serverCa)
          .build();
  final HeldCertificate clientRootCa =
      new HeldCertificate.Builder().certificateAuthority(1).commonName("test client CA").build();
  final HeldCertificate clientIntermediateCa =
      new HeldCertificate.Builder()
          .certificateAuthority(0)
          .commonName("test client intermediate CA")
          .signedBy(clientRootCa)
          .build();
  final HeldCertificate clientCert =
      new HeldCertificate.Builder()
          .commonName("kms-plugin-client")
          .signedBy(clientIntermediateCa)
          .build();

  /** What a server presenting {@code serverCert} uses; it trusts the client root CA. */
  HandshakeCertificates server(HeldCertificate serverCert) {
    return new HandshakeCertificates.Builder()
        .heldCertificate(serverCert)
        .addTrustedCertificate(clientRootCa.certificate())
        .build();
  }

  static Path write(Path dir, String name, String content) throws IOException {
    return Files.writeString(dir.resolve(name), content);
  }

  /** The client certificate followed by its intermediate, as a chain file. */
  Path clientCertFile(Path dir) throws IOException {
    return write(
        dir, "client.pem", clientCert.certificatePem() + clientIntermediateCa.certificatePem());
  }

  Path clientKeyFile(Path dir) throws IOException {
    return write(dir, "client-key.pem", clientCert.privateKeyPkcs8Pem());
  }

  Path serverCaFile(Path dir) throws IOException {
    return write(dir, "ca.pem", otherCa.certificatePem() + serverCa.certificatePem());
  }
}
