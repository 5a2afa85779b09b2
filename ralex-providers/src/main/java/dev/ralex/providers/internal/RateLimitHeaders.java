package dev.ralex.providers.internal;

import dev.ralex.api.RateLimitInfo;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import okhttp3.Headers;

/**
 * Reads rate-limit headers of the form {@code <prefix><window>-limit}, {@code -remaining} and {@code -reset}
 * (such as Anthropic's {@code anthropic-ratelimit-tokens-remaining}), with resets as RFC 3339 times or as
 * seconds from now, plus {@code retry-after}.
 */
public final class RateLimitHeaders {
  private RateLimitHeaders() {}

  /**
   * What the headers say, or {@code null} when they say nothing.
   *
   * @param prefix the header prefix, such as {@code anthropic-ratelimit-}
   */
  public static RateLimitInfo parse(Headers headers, String prefix, Clock clock) {
    RateLimitInfo.Window requests = window(headers, prefix + "requests-", clock);
    RateLimitInfo.Window tokens = window(headers, prefix + "tokens-", clock);
    RateLimitInfo.Window input = window(headers, prefix + "input-tokens-", clock);
    RateLimitInfo.Window output = window(headers, prefix + "output-tokens-", clock);
    Duration retryAfter = RetryHints.retryAfter(headers, clock);
    if (requests == null && tokens == null && input == null && output == null && retryAfter == null) {
      return null;
    }
    return new RateLimitInfo(requests, tokens, input, output, retryAfter);
  }

  private static RateLimitInfo.Window window(Headers headers, String prefix, Clock clock) {
    long limit = number(headers.get(prefix + "limit"));
    long remaining = number(headers.get(prefix + "remaining"));
    Instant reset = instant(headers.get(prefix + "reset"), clock);
    if (limit < 0 && remaining < 0 && reset == null) {
      return null;
    }
    return new RateLimitInfo.Window(limit, remaining, reset);
  }

  private static long number(String value) {
    if (value == null) {
      return -1;
    }
    try {
      long n = Long.parseLong(value.trim());
      return n >= 0 ? n : -1;
    } catch (NumberFormatException malformed) {
      return -1; // A malformed count is no information.
    }
  }

  private static Instant instant(String value, Clock clock) {
    if (value == null || value.isBlank()) {
      return null;
    }
    String v = value.trim();
    try {
      return OffsetDateTime.parse(v).toInstant();
    } catch (DateTimeParseException notATime) {
      try {
        double seconds = Double.parseDouble(v.endsWith("s") ? v.substring(0, v.length() - 1) : v);
        return seconds >= 0 && seconds < 1e9 ? clock.instant().plusMillis((long) (seconds * 1000)) : null;
      } catch (NumberFormatException malformed) {
        return null; // Neither a time nor a number: no information.
      }
    }
  }
}
