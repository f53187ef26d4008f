package dev.sds.kms.operator.rotation.schedule;

import java.time.Duration;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Rotation intervals as written in {@code spec.rotation}: numbers with the units {@code d}, {@code
 * h}, {@code m}, {@code s}, largest first, each at most once ({@code 90d}, {@code 1d12h}, {@code
 * 30s}).
 */
public final class Interval {
  private static final Pattern FORMAT =
      Pattern.compile("^(?:(\\d{1,6})d)?(?:(\\d{1,9})h)?(?:(\\d{1,9})m)?(?:(\\d{1,12})s)?$");

  private Interval() {}

  /** The duration, or empty when {@code text} is not an interval or is zero. */
  public static Optional<Duration> parse(String text) {
    if (text == null || text.isEmpty()) {
      return Optional.empty();
    }
    Matcher m = FORMAT.matcher(text);
    if (!m.matches()) {
      return Optional.empty();
    }
    Duration d =
        Duration.ofDays(number(m.group(1)))
            .plusHours(number(m.group(2)))
            .plusMinutes(number(m.group(3)))
            .plusSeconds(number(m.group(4)));
    return d.isZero() ? Optional.empty() : Optional.of(d);
  }

  /** A short text for messages: {@code 90d}, {@code 1h30m}, {@code 45s}. */
  public static String text(Duration d) {
    StringBuilder b = new StringBuilder();
    long days = d.toDays();
    if (days > 0) {
      b.append(days).append('d');
    }
    if (d.toHoursPart() > 0) {
      b.append(d.toHoursPart()).append('h');
    }
    if (d.toMinutesPart() > 0) {
      b.append(d.toMinutesPart()).append('m');
    }
    if (d.toSecondsPart() > 0 || b.length() == 0) {
      b.append(d.toSecondsPart()).append('s');
    }
    return b.toString();
  }

  private static long number(String digits) {
    return digits == null ? 0 : Long.parseLong(digits);
  }
}
