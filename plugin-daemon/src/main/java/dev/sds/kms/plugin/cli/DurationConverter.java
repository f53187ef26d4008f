package dev.sds.kms.plugin.cli;

import dev.sds.kms.plugin.config.Durations;
import java.time.Duration;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Lets CLI options take durations the way the settings do: {@code 500ms}, {@code 3s}, {@code 1m}.
 */
final class DurationConverter implements ITypeConverter<Duration> {

  @Override
  public Duration convert(String value) {
    try {
      return Durations.parse(value);
    } catch (IllegalArgumentException e) {
      throw new TypeConversionException(
          "'" + value + "' is not a duration (examples: 500ms, 3s, 1m)");
    }
  }

  static String format(Duration duration) {
    return Durations.format(duration);
  }
}
