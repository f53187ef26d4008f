package dev.sds.kms.plugin.pem;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.interfaces.ECPrivateKey;
import java.util.Arrays;
import java.util.Base64;
import okhttp3.tls.HeldCertificate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PemFilesTest {
  @TempDir Path dir;

  @Test
  void pkcs1RsaKeyAsKubeadmWritesItIsRead() throws IOException {
    HeldCertificate held = new HeldCertificate.Builder().rsa2048().commonName("etcd").build();
    Path key = Files.writeString(dir.resolve("healthcheck-client.key"), held.privateKeyPkcs1Pem());
    assertThat(Files.readString(key)).startsWith("-----BEGIN RSA PRIVATE KEY-----");

    PrivateKey read = PemFiles.privateKey(key, "RSA");

    assertThat(read.getEncoded()).isEqualTo(held.keyPair().getPrivate().getEncoded());
  }

  @Test
  void pkcs8KeyIsRead() throws IOException {
    HeldCertificate held = new HeldCertificate.Builder().ecdsa256().build();
    Path key = Files.writeString(dir.resolve("k.pem"), held.privateKeyPkcs8Pem());

    assertThat(PemFiles.privateKey(key, "EC").getEncoded())
        .isEqualTo(held.keyPair().getPrivate().getEncoded());
  }

  @Test
  void sec1EcKeyWithNamedCurveIsRead() throws IOException {
    HeldCertificate held = new HeldCertificate.Builder().ecdsa256().build();
    ECPrivateKey ec = (ECPrivateKey) held.keyPair().getPrivate();
    byte[] s = unsigned32(ec.getS());
    byte[] prime256v1 = {0x06, 0x08, 0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x03, 0x01, 0x07};
    byte[] sec1 =
        PemFiles.tlv(
            0x30,
            concat(
                new byte[] {0x02, 0x01, 0x01},
                PemFiles.tlv(0x04, s),
                PemFiles.tlv(0xa0, prime256v1)));
    Path key = Files.writeString(dir.resolve("ec.key"), pem("EC PRIVATE KEY", sec1));

    ECPrivateKey read = (ECPrivateKey) PemFiles.privateKey(key, "EC");

    assertThat(read.getS()).isEqualTo(ec.getS());
  }

  @Test
  void unusableKeysNameTheFileAndTheOpensslCommand() throws IOException {
    Path encrypted =
        Files.writeString(
            dir.resolve("enc.key"),
            "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n");
    assertThatThrownBy(() -> PemFiles.privateKey(encrypted, "RSA"))
        .hasMessageContaining(encrypted.toString())
        .hasMessageContaining("openssl pkcs8 -topk8 -nocrypt -in " + encrypted);
    Path wrong =
        Files.writeString(dir.resolve("wrong.key"), pem("RSA PRIVATE KEY", new byte[] {1, 2, 3}));
    assertThatThrownBy(() -> PemFiles.privateKey(wrong, "RSA"))
        .hasMessageContaining(wrong + " does not hold a valid RSA private key");
    assertThatThrownBy(() -> PemFiles.certificates(dir.resolve("none.crt")))
        .hasMessage(dir.resolve("none.crt") + " does not exist");
  }

  @Test
  void certificateProblemsCarryReasonAndIndexWithoutEchoingContents() throws IOException {
    HeldCertificate ca = new HeldCertificate.Builder().certificateAuthority(0).build();
    Path bundle =
        Files.writeString(
            dir.resolve("bundle.crt"),
            ca.certificatePem() + pem("CERTIFICATE", "SECRET-CONTENT".getBytes()));
    assertThatThrownBy(() -> PemFiles.certificates(bundle))
        .isInstanceOfSatisfying(
            PemException.class,
            e -> {
              assertThat(e.reason()).isEqualTo(PemException.Reason.INVALID_CERTIFICATE);
              assertThat(e.certificate()).isEqualTo(2);
            })
        .hasMessage(bundle + " is not a PEM certificate file");

    Path text = Files.writeString(dir.resolve("text.crt"), "SECRET-CONTENT");
    assertThatThrownBy(() -> PemFiles.certificates(text))
        .isInstanceOfSatisfying(
            PemException.class,
            e -> assertThat(e.reason()).isEqualTo(PemException.Reason.NO_CERTIFICATE))
        .hasMessageNotContaining("SECRET-CONTENT");

    Path good = Files.writeString(dir.resolve("good.crt"), ca.certificatePem());
    assertThat(PemFiles.certificates(good)).containsExactly(ca.certificate());
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN "
        + type
        + "-----\n"
        + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
        + "\n-----END "
        + type
        + "-----\n";
  }

  private static byte[] unsigned32(BigInteger n) {
    byte[] b = n.toByteArray();
    byte[] out = new byte[32];
    int len = Math.min(b.length, 32);
    System.arraycopy(b, b.length - len, out, 32 - len, len);
    return out;
  }

  private static byte[] concat(byte[]... parts) {
    byte[] out = new byte[0];
    for (byte[] p : parts) {
      int at = out.length;
      out = Arrays.copyOf(out, at + p.length);
      System.arraycopy(p, 0, out, at, p.length);
    }
    return out;
  }
}
