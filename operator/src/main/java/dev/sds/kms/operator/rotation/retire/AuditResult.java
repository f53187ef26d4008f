package dev.sds.kms.operator.rotation.retire;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The result of {@code kms-plugin audit -o json} (docs/audit.md): per resource and KMS v2 key id,
 * how many objects etcd stores under it. Only counts and key ids, never a value.
 */
public final class AuditResult {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** key id → objects stored under it (KMS v2, any provider), over every audited resource. */
  private final Map<String, Long> byKeyId;

  private final long total;
  private final long plaintext;

  private AuditResult(Map<String, Long> byKeyId, long total, long plaintext) {
    this.byKeyId = Map.copyOf(byKeyId);
    this.total = total;
    this.plaintext = plaintext;
  }

  /**
   * Reads the audit's JSON report; empty when {@code text} is not one (truncated, an error line
   * instead of a report).
   */
  public static Optional<AuditResult> parse(String text) {
    if (text == null || text.isBlank()) {
      return Optional.empty();
    }
    JsonNode root;
    try {
      root = JSON.readTree(text.strip());
    } catch (IOException e) {
      return Optional.empty();
    }
    if (root == null || !root.path("resources").isArray()) {
      return Optional.empty();
    }
    Map<String, Long> byKeyId = new TreeMap<>();
    long total = 0;
    long plaintext = 0;
    for (JsonNode resource : root.path("resources")) {
      if (!resource.path("total").canConvertToLong() || !resource.path("counts").isArray()) {
        return Optional.empty();
      }
      total += resource.path("total").asLong();
      for (JsonNode count : resource.path("counts")) {
        long n = count.path("count").asLong(-1);
        if (n < 0) {
          return Optional.empty();
        }
        String kind = count.path("kind").asText("");
        if (kind.equals("kms-v2") && count.hasNonNull("keyId")) {
          byKeyId.merge(count.path("keyId").asText(), n, Long::sum);
        } else if (kind.equals("identity")) {
          plaintext += n;
        }
      }
    }
    return Optional.of(new AuditResult(byKeyId, total, plaintext));
  }

  /** Objects etcd stores under KMS v2 key id {@code keyId}. */
  public long objectsUnder(String keyId) {
    return byKeyId.getOrDefault(keyId, 0L);
  }

  /**
   * Objects etcd stores under any key id of KEK {@code kekId} of {@code tenant} ({@code
   * <prefix>:<tenant>/<kekId>}, whatever the prefix: SeedOnly rotations give one KEK several key
   * ids).
   */
  public long objectsUnderKek(String tenant, String kekId) {
    String suffix = ":" + tenant + "/" + kekId;
    return byKeyId.entrySet().stream()
        .filter(e -> e.getKey().endsWith(suffix))
        .mapToLong(Map.Entry::getValue)
        .sum();
  }

  /** Objects audited. */
  public long total() {
    return total;
  }

  /** Objects stored in plaintext. */
  public long plaintext() {
    return plaintext;
  }
}
