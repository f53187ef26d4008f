package dev.sds.kms.plugin.config;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations as people write them in flags and environment variables: {@code 500ms}, {@code 30s},
 * {@code 5m}, {@code 1h}, {@code 1h30m}, {@code 0}, or ISO-8601 such as {@code PT30S}. Units go
 * from largest to smallest ({@code h}, {@code m}, {@code s}, {@code ms}), each at most once, with
 * whole numbers only.
 */
public final class Durations {

  /** The examples shown in error messages. */
  public static final String EXAMPLES = "500ms, 30s, 5m, 1h";

  private static final Pattern SHORT =
      Pattern.compile(
          "(?:(?<h>\\d{1,9})h)?(?:(?<m>\\d{1,9})m)?(?:(?<s>\\d{1,12})s)?(?:(?<ms>\\d{1,15})ms)?");

  private static final Pattern ISO_START = Pattern.compile("[-+]?[Pp]");

  private Durations() {}

  /**
   * Parses a non-negative duration.
   *
   * @throws IllegalArgumentException when {@code value} is not a duration or is negative; the
   *     message does not repeat the value
   */
  public static Duration parse(String value) {
    if (value == null || value.isBlank()) {
      throw notADuration();
    }
    String text = value.strip();
    Duration result = ISO_START.matcher(text).lookingAt() ? iso(text) : shortForm(text);
    if (result.isNegative()) {
      throw new IllegalArgumentException("is negative");
    }
    return result;
  }

  private static Duration iso(String text) {
    try {
      return Duration.parse(text);
    } catch (DateTimeParseException e) {
      throw notADuration();
    }
  }

  private static Duration shortForm(String text) {
    if (text.equals("0")) {
      return Duration.ZERO;
    }
    Matcher m = SHORT.matcher(text);
    if (text.isEmpty() || !m.matches()) {
      throw notADuration();
    }
    try {
      return Duration.ofHours(number(m.group("h")))
          .plusMinutes(number(m.group("m")))
          .plusSeconds(number(m.group("s")))
          .plusMillis(number(m.group("ms")));
    } catch (ArithmeticException e) {
      throw new IllegalArgumentException("is too long a duration");
    }
  }

  private static long number(String digits) {
    return digits == null ? 0 : Long.parseLong(digits);
  }

  private static IllegalArgumentException notADuration() {
    return new IllegalArgumentException("is not a duration (examples: " + EXAMPLES + ")");
  }

  /**
   * Formats a duration the way {@link #parse} reads it: {@code 30s}, {@code 1m30s}, {@code 500ms},
   * {@code 0s}. Negative durations and durations finer than a millisecond come out as ISO-8601.
   */
  public static String format(Duration duration) {
    if (duration.isNegative() || duration.getNano() % 1_000_000 != 0) {
      return duration.toString();
    }
    if (duration.isZero()) {
      return "0s";
    }
    StringBuilder out = new StringBuilder();
    append(out, duration.toHours(), "h");
    append(out, duration.toMinutesPart(), "m");
    append(out, duration.toSecondsPart(), "s");
    append(out, duration.toMillisPart(), "ms");
    return out.toString();
  }

  private static void append(StringBuilder out, long amount, String unit) {
    if (amount != 0) {
      out.append(amount).append(unit);
    }
  }
}
