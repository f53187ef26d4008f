package dev.sds.kms.plugin.kmaas;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/**
 * The wire protocol the daemon speaks to a remote KMaaS ({@code --kmaas-protocol} / {@code
 * KMAAS_PROTOCOL}). The HTTPS transport (TLS, retries within the deadline, failure classification)
 * is the same for both; only the request and answer shapes, the paths and how the KEK id is learnt
 * differ.
 */
public enum KmaasProtocol {
  /**
   * SDS KMaaS's crypto-api: {@code POST {url}/api/v1/{tenant}/crypto/encrypt|decrypt}; KMaaS names
   * the KEK of every wrap.
   */
  CRYPTO_API("crypto-api"),
  /**
   * The Google Workspace client-side encryption key service API (KACLS): {@code POST
   * {url}/privilegedwrap|privilegedunwrap}, {@code GET {url}/status}; the KEK id is derived from
   * the {@code /status} version, as the protocol names no KEK.
   */
  KACLS("kacls");

  private final String wireName;

  KmaasProtocol(String wireName) {
    this.wireName = wireName;
  }

  /** The name in settings, logs and {@code /status}: {@code crypto-api} or {@code kacls}. */
  public String wireName() {
    return wireName;
  }

  /** The protocol named {@code name} (case-insensitive), if any. */
  public static Optional<KmaasProtocol> byName(String name) {
    String lower = name == null ? "" : name.toLowerCase(Locale.ROOT);
    return Arrays.stream(values()).filter(p -> p.wireName.equals(lower)).findFirst();
  }

  @Override
  public String toString() {
    return wireName;
  }
}
