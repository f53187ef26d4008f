package dev.sds.kms.e2e;

import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The metric names a PromQL expression selects (as in a rule's {@code expr} or a Grafana panel's
 * query), found without a full parser: string literals, label matchers ({@code {…}}), ranges
 * ({@code […]}), label lists ({@code by (…)}, {@code on (…)}, …), {@code offset}s, {@code @}s and
 * Grafana variables ({@code $x}, {@code ${x}}) are removed first; of the identifiers left, those
 * that are neither a keyword, an aggregation operator nor a function call are metric names. A
 * Grafana variable query {@code label_values(<expr>, <label>)} is read as its {@code <expr>}.
 */
final class PromqlMetricNames {

  /** Keywords, binary and aggregation operators: never metric names. */
  private static final Set<String> KEYWORDS =
      Set.of(
          "and",
          "or",
          "unless",
          "by",
          "without",
          "on",
          "ignoring",
          "group_left",
          "group_right",
          "bool",
          "offset",
          "atan2",
          "inf",
          "nan",
          "sum",
          "min",
          "max",
          "avg",
          "group",
          "stddev",
          "stdvar",
          "count",
          "count_values",
          "bottomk",
          "topk",
          "quantile",
          "limitk",
          "limit_ratio");

  private static final Pattern STRING =
      Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'|`[^`]*`");
  private static final Pattern MATCHERS = Pattern.compile("\\{[^}]*}");
  private static final Pattern RANGE = Pattern.compile("\\[[^\\]]*]");
  private static final Pattern LABEL_LIST =
      Pattern.compile("(?i)\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)");
  private static final Pattern OFFSET = Pattern.compile("(?i)\\boffset\\s+-?[0-9a-z]+");
  private static final Pattern AT = Pattern.compile("@\\s*[^\\s)]+");
  private static final Pattern GRAFANA_VARIABLE = Pattern.compile("\\$\\{[^}]*}|\\$\\w+");
  private static final Pattern TOKEN =
      Pattern.compile(
          "0[xX][0-9a-fA-F]+|[0-9]*\\.?[0-9]+(?:[eE][+-]?[0-9]+)?"
              + "|([a-zA-Z_:][a-zA-Z0-9_:]*)(\\s*\\()?");
  private static final Pattern LABEL_VALUES =
      Pattern.compile("(?s)^\\s*label_values\\((.*),\\s*[a-zA-Z_][a-zA-Z0-9_]*\\s*\\)\\s*$");

  private PromqlMetricNames() {}

  /** The metric names {@code promql} selects, sorted. */
  static Set<String> of(String promql) {
    String s = STRING.matcher(promql).replaceAll(" ");
    s = GRAFANA_VARIABLE.matcher(s).replaceAll(" ");
    s = MATCHERS.matcher(s).replaceAll(" ");
    s = RANGE.matcher(s).replaceAll(" ");
    s = LABEL_LIST.matcher(s).replaceAll(" $1 ");
    s = OFFSET.matcher(s).replaceAll(" ");
    s = AT.matcher(s).replaceAll(" ");
    Set<String> names = new TreeSet<>();
    Matcher m = TOKEN.matcher(s);
    while (m.find()) {
      String identifier = m.group(1);
      if (identifier == null || m.group(2) != null) {
        continue; // a number, or a function call
      }
      if (!KEYWORDS.contains(identifier.toLowerCase(Locale.ROOT))) {
        names.add(identifier);
      }
    }
    return names;
  }

  /**
   * The metric names of a Grafana Prometheus variable query: {@code label_values(<expr>, label)}
   * selects from {@code <expr>}; {@code label_values(label)} and other queries select nothing this
   * can name.
   */
  static Set<String> ofVariableQuery(String query) {
    Matcher m = LABEL_VALUES.matcher(query);
    return m.matches() ? of(m.group(1)) : Set.of();
  }
}
