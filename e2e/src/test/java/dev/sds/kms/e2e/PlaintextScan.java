package dev.sds.kms.e2e;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Finds which of many needles (byte sequences) occur anywhere in many haystacks, by hashing every
 * window of each needle length: linear in the haystacks' size, not in needles × haystacks.
 */
final class PlaintextScan {
  private PlaintextScan() {}

  /** Every needle that occurs in at least one haystack. */
  static Set<ByteBuffer> found(Collection<byte[]> haystacks, Collection<byte[]> needles) {
    Map<Integer, Set<ByteBuffer>> byLength = new HashMap<>();
    for (byte[] n : needles) {
      byLength.computeIfAbsent(n.length, k -> new HashSet<>()).add(ByteBuffer.wrap(n));
    }
    Set<ByteBuffer> found = new HashSet<>();
    for (byte[] h : haystacks) {
      for (Map.Entry<Integer, Set<ByteBuffer>> e : byLength.entrySet()) {
        int len = e.getKey();
        for (int i = 0; i + len <= h.length; i++) {
          ByteBuffer window = ByteBuffer.wrap(h, i, len).slice();
          if (e.getValue().contains(window)) {
            found.add(window);
          }
        }
      }
    }
    return found;
  }

  /** The needles of each Secret: its token's base64 text and its raw bytes. */
  static List<byte[]> needles(Collection<SecretCorpus.Secret> secrets) {
    return secrets.stream()
        .flatMap(
            s ->
                java.util.stream.Stream.of(
                    s.tokenBase64().getBytes(StandardCharsets.US_ASCII), s.token()))
        .toList();
  }
}
