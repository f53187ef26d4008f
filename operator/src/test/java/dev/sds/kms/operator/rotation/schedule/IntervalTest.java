package dev.sds.kms.operator.rotation.schedule;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class IntervalTest {

  @Test
  void readsDaysHoursMinutesAndSecondsLargestFirst() {
    assertThat(Interval.parse("90d")).contains(Duration.ofDays(90));
    assertThat(Interval.parse("1d12h")).contains(Duration.ofHours(36));
    assertThat(Interval.parse("2h30m15s")).contains(Duration.ofSeconds(9015));
    assertThat(Interval.parse("5s")).contains(Duration.ofSeconds(5));
  }

  @Test
  void refusesOtherTextZeroAndWrongOrder() {
    assertThat(Interval.parse("")).isEmpty();
    assertThat(Interval.parse(null)).isEmpty();
    assertThat(Interval.parse("0s")).isEmpty();
    assertThat(Interval.parse("12h1d")).isEmpty();
    assertThat(Interval.parse("90 days")).isEmpty();
    assertThat(Interval.parse("500ms")).isEmpty();
    assertThat(Interval.parse("1w")).isEmpty();
  }

  @Test
  void printsShortText() {
    assertThat(Interval.text(Duration.ofDays(90))).isEqualTo("90d");
    assertThat(Interval.text(Duration.ofMinutes(90))).isEqualTo("1h30m");
    assertThat(Interval.text(Duration.ofSeconds(45))).isEqualTo("45s");
  }
}
