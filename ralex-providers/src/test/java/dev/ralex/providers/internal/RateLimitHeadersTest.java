package dev.ralex.providers.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ralex.api.RateLimitInfo;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import okhttp3.Headers;
import org.junit.jupiter.api.Test;

class RateLimitHeadersTest {
  private static final Instant NOW = Instant.parse("2026-11-23T13:02:41Z");
  private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);

  @Test
  void readsEveryAnthropicWindowAndRetryAfter() {
    Headers headers = new Headers.Builder()
        .add("retry-after", "17")
        .add("anthropic-ratelimit-requests-limit", "50")
        .add("anthropic-ratelimit-requests-remaining", "31")
        .add("anthropic-ratelimit-requests-reset", "2026-11-23T13:02:41Z")
        .add("anthropic-ratelimit-tokens-limit", "40000")
        .add("anthropic-ratelimit-tokens-remaining", "0")
        .add("anthropic-ratelimit-tokens-reset", "2026-11-23T13:02:58Z")
        .add("anthropic-ratelimit-input-tokens-limit", "40000")
        .add("anthropic-ratelimit-input-tokens-remaining", "0")
        .add("anthropic-ratelimit-input-tokens-reset", "2026-11-23T13:02:58Z")
        .add("anthropic-ratelimit-output-tokens-limit", "8000")
        .add("anthropic-ratelimit-output-tokens-remaining", "8000")
        .add("anthropic-ratelimit-output-tokens-reset", "2026-11-23T13:02:41Z")
        .build();
    RateLimitInfo info = RateLimitHeaders.parse(headers, "anthropic-ratelimit-", CLOCK);
    assertThat(info.requests()).isEqualTo(new RateLimitInfo.Window(50, 31, NOW));
    assertThat(info.tokens()).isEqualTo(new RateLimitInfo.Window(40000, 0, Instant.parse("2026-11-23T13:02:58Z")));
    assertThat(info.tokens().isExhausted()).isTrue();
    assertThat(info.inputTokens()).isEqualTo(new RateLimitInfo.Window(40000, 0, Instant.parse("2026-11-23T13:02:58Z")));
    assertThat(info.outputTokens()).isEqualTo(new RateLimitInfo.Window(8000, 8000, NOW));
    assertThat(info.retryAfter()).isEqualTo(Duration.ofSeconds(17));
  }

  @Test
  void resetsMayBeSecondsFromNow() {
    Headers headers = Headers.of("x-ratelimit-requests-reset", "1.5s", "x-ratelimit-tokens-reset", "20");
    RateLimitInfo info = RateLimitHeaders.parse(headers, "x-ratelimit-", CLOCK);
    assertThat(info.requests().reset()).isEqualTo(NOW.plusMillis(1500));
    assertThat(info.requests().limit()).isEqualTo(-1);
    assertThat(info.tokens().reset()).isEqualTo(NOW.plusSeconds(20));
  }

  @Test
  void partialWindowsKeepWhatWasSaid() {
    RateLimitInfo info = RateLimitHeaders.parse(
        Headers.of("anthropic-ratelimit-requests-remaining", "3"), "anthropic-ratelimit-", CLOCK);
    assertThat(info.requests()).isEqualTo(new RateLimitInfo.Window(-1, 3, null));
    assertThat(info.tokens()).isNull();
    assertThat(info.retryAfter()).isNull();
  }

  @Test
  void malformedValuesAreNoInformation() {
    Headers headers = Headers.of(
        "anthropic-ratelimit-requests-limit", "many",
        "anthropic-ratelimit-requests-remaining", "-4",
        "anthropic-ratelimit-requests-reset", "tomorrow");
    assertThat(RateLimitHeaders.parse(headers, "anthropic-ratelimit-", CLOCK)).isNull();
  }

  @Test
  void noHeadersIsNull() {
    assertThat(RateLimitHeaders.parse(Headers.of("content-type", "application/json"), "anthropic-ratelimit-", CLOCK))
        .isNull();
  }

  @Test
  void retryAfterAloneIsReported() {
    RateLimitInfo info = RateLimitHeaders.parse(Headers.of("retry-after", "2"), "anthropic-ratelimit-", CLOCK);
    assertThat(info.retryAfterHint()).contains(Duration.ofSeconds(2));
    assertThat(info.requestWindow()).isEmpty();
  }

  @Test
  void readsOpenAiStyleHeadersWithGoDurations() {
    Headers headers = new Headers.Builder()
        .add("x-ratelimit-limit-requests", "500")
        .add("x-ratelimit-remaining-requests", "499")
        .add("x-ratelimit-reset-requests", "120ms")
        .add("x-ratelimit-limit-tokens", "30000")
        .add("x-ratelimit-remaining-tokens", "29000")
        .add("x-ratelimit-reset-tokens", "6m0s")
        .build();
    RateLimitInfo info = RateLimitHeaders.parseOpenAiStyle(headers, CLOCK);
    assertThat(info.requests()).isEqualTo(new RateLimitInfo.Window(500, 499, NOW.plusMillis(120)));
    assertThat(info.tokens()).isEqualTo(new RateLimitInfo.Window(30000, 29000, NOW.plusSeconds(360)));
    assertThat(info.inputTokens()).isNull();
  }

  @Test
  void readsOpenRoutersPlainHeadersWithEpochMillisReset() {
    Headers headers = new Headers.Builder()
        .add("x-ratelimit-limit", "20")
        .add("x-ratelimit-remaining", "0")
        .add("x-ratelimit-reset", String.valueOf(NOW.plusSeconds(30).toEpochMilli()))
        .build();
    RateLimitInfo info = RateLimitHeaders.parseOpenAiStyle(headers, CLOCK);
    assertThat(info.requests()).isEqualTo(new RateLimitInfo.Window(20, 0, NOW.plusSeconds(30)));
    assertThat(info.tokens()).isNull();
    assertThat(RateLimitHeaders.parseOpenAiStyle(Headers.of("x-ratelimit-reset", "soon"), CLOCK)).isNull();
  }
}
