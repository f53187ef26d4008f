package dev.sds.kms.plugin.kmaas;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Everything needed to reach KMaaS. {@code url == null} means the embedded KMaaS, which keeps its
 * KEKs in {@code stateFile}.
 *
 * @param url base URL, e.g. {@code https://kmaas.example:3000}; crypto-api calls go to {@code
 *     {url}/api/v1/{tenant}/crypto/...}, KACLS calls to {@code {url}/privilegedwrap} and so on
 * @param tenant KMaaS tenant id
 * @param stateFile embedded KMaaS state file (only used when {@code url} is null)
 * @param caFile PEM bundle of CAs to trust instead of the JDK's ({@code null}: JDK trust store)
 * @param clientCertFile PEM client certificate for mTLS ({@code null}: none)
 * @param clientKeyFile PEM PKCS#8 private key of the client certificate
 * @param insecureSkipVerify turn TLS verification off (loudly logged; never a default)
 * @param credentials API key, token file or none
 * @param callTimeout timeout of one HTTP attempt; retries stay within the caller's deadline
 * @param protocol wire protocol of the remote KMaaS ({@code null}: {@link
 *     KmaasProtocol#CRYPTO_API})
 */
public record KmaasSettings(
    URI url,
    String tenant,
    Path stateFile,
    Path caFile,
    Path clientCertFile,
    Path clientKeyFile,
    boolean insecureSkipVerify,
    KmaasCredentials credentials,
    Duration callTimeout,
    KmaasProtocol protocol) {

  public KmaasSettings {
    if (protocol == null) {
      protocol = KmaasProtocol.CRYPTO_API;
    }
  }

  /** Settings of a KMaaS that speaks the crypto-api. */
  public KmaasSettings(
      URI url,
      String tenant,
      Path stateFile,
      Path caFile,
      Path clientCertFile,
      Path clientKeyFile,
      boolean insecureSkipVerify,
      KmaasCredentials credentials,
      Duration callTimeout) {
    this(
        url,
        tenant,
        stateFile,
        caFile,
        clientCertFile,
        clientKeyFile,
        insecureSkipVerify,
        credentials,
        callTimeout,
        KmaasProtocol.CRYPTO_API);
  }

  /** The same settings speaking {@code protocol}. */
  public KmaasSettings withProtocol(KmaasProtocol protocol) {
    return new KmaasSettings(
        url,
        tenant,
        stateFile,
        caFile,
        clientCertFile,
        clientKeyFile,
        insecureSkipVerify,
        credentials,
        callTimeout,
        protocol);
  }

  public boolean embedded() {
    return url == null;
  }
}
