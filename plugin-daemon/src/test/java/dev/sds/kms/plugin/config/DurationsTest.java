package dev.sds.kms.plugin.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class DurationsTest {

  @ParameterizedTest(name = "{0} = {1} ms")
  @CsvSource({
    "500ms, 500",
    "30s, 30000",
    "5m, 300000",
    "1h, 3600000",
    "1h30m, 5400000",
    "1m30s, 90000",
    "2h5m10s250ms, 7510250",
    "0, 0",
    "0s, 0",
    "PT30S, 30000",
    "pt1m, 60000",
    "PT0.5S, 500",
    "' 10s ', 10000",
  })
  void parses(String text, long millis) {
    assertThat(Durations.parse(text)).isEqualTo(Duration.ofMillis(millis));
  }

  @ParameterizedTest(name = "\"{0}\" is refused")
  @NullAndEmptySource
  @ValueSource(
      strings = {
        " ",
        "5x",
        "5",
        "s",
        "10 s",
        "1.5s",
        "30m1h",
        "1s1s",
        "-5s",
        "PT",
        "P1",
        "10S",
        "1d",
        "ms",
        "99999999999999999999s"
      })
  void refuses(String text) {
    assertThatThrownBy(() -> Durations.parse(text)).isInstanceOf(IllegalArgumentException.class);
  }

  @ParameterizedTest
  @ValueSource(strings = {"PT-5S", "-PT5S"})
  void refusesNegative(String text) {
    assertThatThrownBy(() -> Durations.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("is negative");
  }

  @ParameterizedTest
  @ValueSource(strings = {"5x", "bogus-secret-ish"})
  void messageDoesNotRepeatTheValue(String text) {
    assertThatThrownBy(() -> Durations.parse(text))
        .hasMessage("is not a duration (examples: 500ms, 30s, 5m, 1h)")
        .message()
        .doesNotContain(text);
  }

  @ParameterizedTest(name = "{0} ms -> {1}")
  @CsvSource({
    "0, 0s",
    "500, 500ms",
    "30000, 30s",
    "90000, 1m30s",
    "300000, 5m",
    "3600000, 1h",
    "5400000, 1h30m",
    "90061001, 25h1m1s1ms",
  })
  void formats(long millis, String text) {
    assertThat(Durations.format(Duration.ofMillis(millis))).isEqualTo(text);
    assertThat(Durations.parse(text)).isEqualTo(Duration.ofMillis(millis));
  }

  @ParameterizedTest
  @ValueSource(longs = {-1, 1})
  void formatsOddDurationsAsIso(long nanosSign) {
    Duration odd = nanosSign < 0 ? Duration.ofSeconds(-5) : Duration.ofNanos(1500);
    assertThat(Durations.format(odd)).isEqualTo(odd.toString());
  }
}
