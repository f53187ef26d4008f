package dev.sds.kms.plugin.audit;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;

/**
 * What an audit found: per resource the number of objects per storage kind, provider and key, and
 * the names of the objects stored in plaintext (at most a cap of them; {@code plaintextTotal}
 * counts all). Holds names, kinds, provider names and key ids only — never a value.
 */
public record AuditReport(
    List<ResourceCounts> resources, List<String> plaintext, long plaintextTotal) {

  /** One resource: its object count and the counts per classification, in report order. */
  public record ResourceCounts(
      String resource, long total, SortedMap<Classification, Long> counts) {}

  /** Objects whose names were left out of {@link #plaintext()}. */
  public long plaintextMore() {
    return plaintextTotal - plaintext.size();
  }

  /**
   * One JSON object: {@code {"resources": [{"resource", "total", "counts": [{"kind", "provider"?,
   * "keyId"?, "count"}]}], "plaintext": [names], "plaintextMore"?: N}}; {@code plaintextMore} only
   * when names were left out.
   */
  public ObjectNode toJson(ObjectMapper mapper) {
    ObjectNode root = mapper.createObjectNode();
    ArrayNode resourcesNode = root.putArray("resources");
    for (ResourceCounts r : resources) {
      ObjectNode node = resourcesNode.addObject();
      node.put("resource", r.resource());
      node.put("total", r.total());
      ArrayNode counts = node.putArray("counts");
      for (Map.Entry<Classification, Long> e : r.counts().entrySet()) {
        ObjectNode c = counts.addObject();
        c.put("kind", e.getKey().kind());
        if (e.getKey().provider() != null) {
          c.put("provider", e.getKey().provider());
        }
        if (e.getKey().keyId() != null) {
          c.put("keyId", e.getKey().keyId());
        }
        c.put("count", e.getValue());
      }
    }
    ArrayNode names = root.putArray("plaintext");
    plaintext.forEach(names::add);
    if (plaintextMore() > 0) {
      root.put("plaintextMore", plaintextMore());
    }
    return root;
  }

  /**
   * The human report: per resource its total and a KIND / PROVIDER / KEY ID / COUNT table, then the
   * plaintext objects.
   */
  public void printTable(PrintWriter out) {
    for (ResourceCounts r : resources) {
      out.println(r.resource() + ": " + r.total() + (r.total() == 1 ? " object" : " objects"));
      if (r.counts().isEmpty()) {
        continue;
      }
      List<String[]> rows = new ArrayList<>();
      rows.add(new String[] {"KIND", "PROVIDER", "KEY ID", "COUNT"});
      for (Map.Entry<Classification, Long> e : r.counts().entrySet()) {
        rows.add(
            new String[] {
              e.getKey().kind(),
              printable(e.getKey().provider()),
              printable(e.getKey().keyId()),
              Long.toString(e.getValue())
            });
      }
      int[] width = new int[4];
      for (String[] row : rows) {
        for (int i = 0; i < 4; i++) {
          width[i] = Math.max(width[i], row[i].length());
        }
      }
      for (String[] row : rows) {
        out.println(
            ("  %-" + width[0] + "s  %-" + width[1] + "s  %-" + width[2] + "s  %" + width[3] + "s")
                .formatted(row[0], row[1], row[2], row[3]));
      }
    }
    if (plaintextTotal == 0) {
      out.println("plaintext objects: none");
    } else {
      out.println("plaintext objects: " + plaintextTotal);
      plaintext.forEach(name -> out.println("  " + printable(name)));
      if (plaintextMore() > 0) {
        out.println("  and " + plaintextMore() + " more");
      }
    }
    out.flush();
  }

  /** "-" for none; control characters shown as '?' so a row stays one row. */
  private static String printable(String s) {
    if (s == null) {
      return "-";
    }
    StringBuilder b = new StringBuilder(s.length());
    s.codePoints().forEach(cp -> b.appendCodePoint(Character.isISOControl(cp) ? '?' : cp));
    return b.toString();
  }
}
