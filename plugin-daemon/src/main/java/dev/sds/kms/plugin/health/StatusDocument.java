package dev.sds.kms.plugin.health;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.sds.kms.plugin.kmaas.KmaasDescription;

/**
 * The JSON of {@code GET /status} (DESIGN.md §2), read by the operator. Field names are the
 * contract; add fields, never rename them.
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
public record StatusDocument(
    String version,
    String kmsApiVersion,
    String healthz,
    String keyId,
    String kekId,
    String lastCheckTime,
    String lastSuccessTime,
    String endpoint,
    Kmaas kmaas) {

  /**
   * The KMaaS part: mode {@code embedded} or {@code remote}, its URL and tenant, and the wire
   * protocol ({@code crypto-api} or {@code kacls}; {@code null} when embedded).
   */
  public record Kmaas(String mode, String url, String tenant, String protocol) {
    static Kmaas of(KmaasDescription d) {
      return new Kmaas(d.mode(), d.url(), d.tenant(), d.protocol());
    }
  }

  static StatusDocument of(
      String version, PluginState.Snapshot s, String endpoint, KmaasDescription kmaas) {
    return new StatusDocument(
        version,
        "v2",
        s.healthz(),
        s.keyId(),
        s.kekId(),
        s.lastCheckTime() == null ? null : s.lastCheckTime().toString(),
        s.lastSuccessTime() == null ? null : s.lastSuccessTime().toString(),
        endpoint,
        Kmaas.of(kmaas));
  }
}
