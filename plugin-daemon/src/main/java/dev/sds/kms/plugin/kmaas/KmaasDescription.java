package dev.sds.kms.plugin.kmaas;

/**
 * Public description of the KMaaS a client talks to, as shown in logs and {@code /status}.
 *
 * @param mode {@code "embedded"} or {@code "remote"}
 * @param url the base URL ({@code null} when embedded)
 * @param tenant the tenant id
 * @param protocol the wire protocol ({@code "crypto-api"} or {@code "kacls"}; {@code null} when
 *     embedded, which speaks none)
 */
public record KmaasDescription(String mode, String url, String tenant, String protocol) {

  /** A description without a wire protocol (the embedded KMaaS, test doubles). */
  public KmaasDescription(String mode, String url, String tenant) {
    this(mode, url, tenant, null);
  }
}
