package dev.sds.kms.operator.rotation;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Which key id each kube-apiserver uses, from its Prometheus metrics ({@code /metrics}): the gauge
 * {@value #METRIC} holds, per apiserver ({@code apiserver_id_hash}), provider ({@code
 * provider_name}) and key id ({@code key_id_hash}), the last time that apiserver saw that key id.
 * The key id with the latest time is the one the apiserver uses now.
 *
 * <p>Each kube-apiserver reports only itself, so the reconciler concatenates the {@code /metrics}
 * texts of all of them before {@link #parse}. Lines this class cannot read are skipped.
 */
public final class ApiserverKeyIdMetrics {

  public static final String METRIC =
      "apiserver_envelope_encryption_key_id_hash_status_last_timestamp_seconds";

  private record Sample(String apiserver, String provider, String keyIdHash, double seconds) {}

  private final List<Sample> samples;

  private ApiserverKeyIdMetrics(List<Sample> samples) {
    this.samples = List.copyOf(samples);
  }

  /** Reads Prometheus text exposition (format 0.0.4); other metrics and comments are ignored. */
  public static ApiserverKeyIdMetrics parse(String text) {
    List<Sample> samples = new ArrayList<>();
    if (text != null) {
      for (String line : text.split("\\R")) {
        sample(line.strip()).ifPresent(samples::add);
      }
    }
    return new ApiserverKeyIdMetrics(samples);
  }

  /**
   * Whether every apiserver that reports {@code providerName} uses {@code keyId} (its latest key id
   * hash is {@code keyIdHash(keyId)}); empty when no apiserver reports the provider.
   */
  public Optional<Boolean> allSee(String providerName, String keyId) {
    Map<String, String> latest = latestKeyIdHashByApiserver(providerName);
    if (latest.isEmpty()) {
      return Optional.empty();
    }
    String expected = keyIdHash(keyId);
    return Optional.of(latest.values().stream().allMatch(expected::equals));
  }

  /**
   * apiserver id hash → the key id hash it saw last for {@code providerName}, sorted by apiserver.
   */
  public Map<String, String> latestKeyIdHashByApiserver(String providerName) {
    Map<String, Sample> latest = new HashMap<>();
    for (Sample s : samples) {
      if (providerName.equals(s.provider())) {
        latest.merge(s.apiserver(), s, (a, b) -> b.seconds() > a.seconds() ? b : a);
      }
    }
    Map<String, String> result = new TreeMap<>();
    latest.forEach((apiserver, s) -> result.put(apiserver, s.keyIdHash()));
    return result;
  }

  /** {@code "sha256:"} and the lowercase hex SHA-256 of the key id's UTF-8 bytes, as the label. */
  public static String keyIdHash(String keyId) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(keyId.getBytes(StandardCharsets.UTF_8));
      return "sha256:" + HexFormat.of().formatHex(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
  }

  // --- parsing ---

  private static Optional<Sample> sample(String line) {
    if (!line.startsWith(METRIC)) {
      return Optional.empty();
    }
    int at = METRIC.length();
    if (at >= line.length() || line.charAt(at) != '{') {
      return Optional.empty(); // another metric with this prefix, or no labels
    }
    Map<String, String> labels = new HashMap<>();
    int end = labels(line, at + 1, labels);
    if (end < 0) {
      return Optional.empty();
    }
    String[] rest = line.substring(end).strip().split("\\s+");
    String apiserver = labels.get("apiserver_id_hash");
    String provider = labels.get("provider_name");
    String keyIdHash = labels.get("key_id_hash");
    if (apiserver == null || provider == null || keyIdHash == null || rest[0].isEmpty()) {
      return Optional.empty();
    }
    try {
      double seconds = Double.parseDouble(rest[0]);
      return Double.isNaN(seconds)
          ? Optional.empty()
          : Optional.of(new Sample(apiserver, provider, keyIdHash, seconds));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }

  /** Reads {@code name="value",...}} from {@code i}; the index after '}' or -1. */
  private static int labels(String line, int i, Map<String, String> labels) {
    while (true) {
      i = skipSpaces(line, i);
      if (i >= line.length()) {
        return -1;
      }
      if (line.charAt(i) == '}') {
        return i + 1;
      }
      int eq = line.indexOf('=', i);
      if (eq < 0) {
        return -1;
      }
      String name = line.substring(i, eq).strip();
      i = skipSpaces(line, eq + 1);
      if (i >= line.length() || line.charAt(i) != '"') {
        return -1;
      }
      StringBuilder value = new StringBuilder();
      i++;
      while (i < line.length() && line.charAt(i) != '"') {
        char c = line.charAt(i);
        if (c == '\\' && i + 1 < line.length()) {
          char next = line.charAt(++i);
          value.append(next == 'n' ? '\n' : next);
        } else {
          value.append(c);
        }
        i++;
      }
      if (i >= line.length()) {
        return -1;
      }
      labels.put(name, value.toString());
      i = skipSpaces(line, i + 1);
      if (i < line.length() && line.charAt(i) == ',') {
        i++;
      }
    }
  }

  private static int skipSpaces(String line, int i) {
    while (i < line.length() && Character.isWhitespace(line.charAt(i))) {
      i++;
    }
    return i;
  }
}
