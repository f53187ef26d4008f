package dev.sds.kms.plugin.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The KMS v2 calls a benchmark can drive. */
public enum BenchOp {
  STATUS,
  ENCRYPT,
  DECRYPT;

  /** Lower-case name as on the command line and in JSON. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * Parses {@code status,encrypt,decrypt} (any order, no repeats).
   *
   * @throws IllegalArgumentException naming the unknown or repeated operation
   */
  public static List<BenchOp> parseList(String list) {
    List<BenchOp> ops = new ArrayList<>();
    for (String part : list.split(",", -1)) {
      String name = part.strip();
      BenchOp op;
      try {
        op = valueOf(name.toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "unknown operation '" + name + "'; use status, encrypt, decrypt");
      }
      if (ops.contains(op)) {
        throw new IllegalArgumentException("operation '" + name + "' is listed twice");
      }
      ops.add(op);
    }
    return List.copyOf(ops);
  }
}
