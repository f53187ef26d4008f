package dev.sds.kms.plugin.kmaas.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sds.kms.plugin.kmaas.KmaasCredentials;
import dev.sds.kms.plugin.kmaas.KmaasSettings;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import okhttp3.OkHttpClient;
import okhttp3.tls.HeldCertificate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** When {@link ReloadingTlsClient} reads the TLS files again, and what it does with bad ones. */
class ReloadingTlsClientTest {
  private static final TestPki PKI = new TestPki();
  private static final Duration INTERVAL = Duration.ofSeconds(1);

  @TempDir Path dir;

  private final AtomicLong now = new AtomicLong(1_000_000_000L);
  private final OkHttpClient base = new OkHttpClient();

  @Test
  void aChangedCaFileIsReadAfterTheIntervalAndNotBefore() throws Exception {
    Path ca = TestPki.write(dir, "ca.pem", PKI.serverCa.certificatePem());
    ReloadingTlsClient tls = reloading(ca, null, null);
    OkHttpClient first = tls.current();

    assertThat(tls.current()).as("nothing changed").isSameAs(first);
    Files.writeString(ca, PKI.serverCa.certificatePem() + PKI.otherCa.certificatePem());
    assertThat(tls.current()).as("changed, but the interval has not passed").isSameAs(first);

    now.addAndGet(INTERVAL.toNanos());
    OkHttpClient second = tls.current();

    assertThat(second).isNotSameAs(first);
    assertThat(second.sslSocketFactory()).isNotSameAs(first.sslSocketFactory());
    assertThat(second.connectionPool()).as("one pool").isSameAs(base.connectionPool());
    assertThat(tls.reloadProblem()).isNull();
    now.addAndGet(INTERVAL.toNanos());
    assertThat(tls.current()).as("unchanged since the reload").isSameAs(second);
  }

  @Test
  void aFileSwappedInAtomicallyLikeASecretVolumeIsRead() throws Exception {
    Path ca = TestPki.write(dir, "ca.pem", PKI.serverCa.certificatePem());
    ReloadingTlsClient tls = reloading(ca, null, null);
    OkHttpClient first = tls.current();

    Path staged = TestPki.write(dir, "ca.pem.new", PKI.otherCa.certificatePem());
    Files.move(staged, ca, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    now.addAndGet(INTERVAL.toNanos());

    assertThat(tls.current()).isNotSameAs(first);
  }

  @Test
  void anUnusableChangedFileKeepsThePreviousClientAndSaysWhyUntilItChangesAgain() throws Exception {
    Path ca = TestPki.write(dir, "ca.pem", PKI.serverCa.certificatePem());
    ReloadingTlsClient tls = reloading(ca, null, null);
    OkHttpClient first = tls.current();

    Files.writeString(ca, "-----BEGIN CERTIFICATE-----\nhalf writ");
    now.addAndGet(INTERVAL.toNanos());

    assertThat(tls.current()).isSameAs(first);
    assertThat(tls.reloadProblem()).startsWith("--kmaas-ca-file " + ca).doesNotContain("half");

    Files.delete(ca);
    now.addAndGet(INTERVAL.toNanos());
    assertThat(tls.current()).isSameAs(first);
    assertThat(tls.reloadProblem())
        .isEqualTo("--kmaas-ca-file " + ca + " is not readable (NoSuchFileException)");

    TestPki.write(dir, "ca.pem", PKI.serverCa.certificatePem() + PKI.otherCa.certificatePem());
    now.addAndGet(INTERVAL.toNanos());
    assertThat(tls.current()).isNotSameAs(first);
    assertThat(tls.reloadProblem()).isNull();
  }

  @Test
  void aClientCertificateRenewedFileByFileIsTakenOnceKeyAndCertificateMatchAgain()
      throws Exception {
    Path cert = PKI.clientCertFile(dir);
    Path key = PKI.clientKeyFile(dir);
    ReloadingTlsClient tls = reloading(null, cert, key);
    OkHttpClient first = tls.current();
    HeldCertificate renewed =
        new HeldCertificate.Builder()
            .commonName("kms-plugin-client")
            .signedBy(PKI.clientIntermediateCa)
            .build();

    Files.writeString(cert, renewed.certificatePem() + PKI.clientIntermediateCa.certificatePem());
    now.addAndGet(INTERVAL.toNanos());

    assertThat(tls.current()).as("new certificate, old key").isSameAs(first);
    assertThat(tls.reloadProblem())
        .isEqualTo(
            "--kmaas-client-key-file "
                + key
                + " is not the key of --kmaas-client-cert-file "
                + cert);

    Files.writeString(key, renewed.privateKeyPkcs8Pem());
    now.addAndGet(INTERVAL.toNanos());

    assertThat(tls.current()).isNotSameAs(first);
    assertThat(tls.reloadProblem()).isNull();
  }

  @Test
  void withoutTlsFilesNothingIsWatched() {
    ReloadingTlsClient tls = reloading(null, null, null);
    OkHttpClient first = tls.current();
    now.addAndGet(INTERVAL.toNanos());

    assertThat(tls.current()).isSameAs(first);
    assertThat(tls.caFile()).isNull();
  }

  @Test
  void anUnusableFileAtStartIsRefusedNamingTheSetting() throws Exception {
    Path ca = TestPki.write(dir, "ca.pem", "not a certificate");

    assertThatThrownBy(() -> reloading(ca, null, null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("--kmaas-ca-file " + ca + " holds no PEM certificate");
  }

  private ReloadingTlsClient reloading(Path ca, Path cert, Path key) {
    KmaasSettings settings =
        new KmaasSettings(
            URI.create("https://localhost:3000"),
            "tenant-1",
            null,
            ca,
            cert,
            key,
            false,
            new KmaasCredentials.None(),
            Duration.ofSeconds(2));
    return new ReloadingTlsClient(settings, base, now::get, INTERVAL);
  }
}
