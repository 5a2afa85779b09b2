package dev.ralex.providers.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import okhttp3.Headers;
import org.junit.jupiter.api.Test;

class RetryHintsTest {
  private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-23T13:02:41Z"), ZoneOffset.UTC);

  private static Duration hint(String... namesAndValues) {
    return RetryHints.retryAfter(Headers.of(namesAndValues), CLOCK);
  }

  @Test
  void secondsAsAnInteger() {
    assertThat(hint("retry-after", "17")).isEqualTo(Duration.ofSeconds(17));
  }

  @Test
  void secondsWithAFraction() {
    assertThat(hint("retry-after", "1.5")).isEqualTo(Duration.ofMillis(1500));
  }

  @Test
  void anHttpDateRelativeToTheClock() {
    assertThat(hint("retry-after", "Mon, 23 Nov 2026 13:03:11 GMT")).isEqualTo(Duration.ofSeconds(30));
  }

  @Test
  void anHttpDateInThePastMeansNoWait() {
    assertThat(hint("retry-after", "Mon, 23 Nov 2026 13:00:00 GMT")).isEqualTo(Duration.ZERO);
  }

  @Test
  void millisecondsWinOverSeconds() {
    assertThat(hint("retry-after-ms", "250", "retry-after", "17")).isEqualTo(Duration.ofMillis(250));
  }

  @Test
  void malformedMillisecondsFallBackToSeconds() {
    assertThat(hint("retry-after-ms", "soon", "retry-after", "3")).isEqualTo(Duration.ofSeconds(3));
  }

  @Test
  void nothingUsableIsNoHint() {
    assertThat(hint()).isNull();
    assertThat(hint("retry-after", "")).isNull();
    assertThat(hint("retry-after", "later")).isNull();
    assertThat(hint("retry-after", "-5")).isNull();
    assertThat(hint("retry-after", "1e12")).isNull();
  }
}
