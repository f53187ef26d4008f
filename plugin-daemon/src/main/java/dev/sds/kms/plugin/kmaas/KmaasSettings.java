package dev.sds.kms.plugin.kmaas;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Everything needed to reach KMaaS. {@code url == null} means the embedded KMaaS, which keeps its
 * KEKs in {@code stateFile}.
 *
 * @param url base URL, e.g. {@code https://kmaas.example:3000}; calls go to {@code
 *     {url}/api/v1/{tenant}/crypto/...}
 * @param tenant KMaaS tenant id
 * @param stateFile embedded KMaaS state file (only used when {@code url} is null)
 * @param caFile PEM bundle of CAs to trust instead of the JDK's ({@code null}: JDK trust store)
 * @param clientCertFile PEM client certificate for mTLS ({@code null}: none)
 * @param clientKeyFile PEM PKCS#8 private key of the client certificate
 * @param insecureSkipVerify turn TLS verification off (loudly logged; never a default)
 * @param credentials API key, token file or none
 * @param callTimeout timeout of one HTTP attempt; retries stay within the caller's deadline
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
    Duration callTimeout) {

  public boolean embedded() {
    return url == null;
  }
}
