package dev.ralex.providers.openrouter;

import dev.ralex.api.RateLimitInfo;
import dev.ralex.providers.internal.RetryHints;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import okhttp3.Headers;

/**
 * Reads the rate-limit headers of OpenAI-style servers. Local to this package because their names put the field
 * before the window ({@code x-ratelimit-remaining-requests}), the reverse of the {@code <window>-<field>} form the
 * shared {@code RateLimitHeaders} reads. Stateless and thread-safe.
 *
 * <ul>
 *   <li>OpenAI (and vLLM proxies that copy it): {@code x-ratelimit-{limit,remaining,reset}-{requests,tokens}},
 *       resets as Go-style durations such as {@code 1s}, {@code 6m0s} or {@code 20ms}.
 *   <li>OpenRouter and others: {@code x-ratelimit-{limit,remaining,reset}} for requests, the reset as epoch
 *       milliseconds (or seconds).
 *   <li>{@code retry-after-ms} and {@code retry-after}.
 * </ul>
 */
final class RateLimitParser {
  private static final Pattern DURATION_PART = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|h|m|s)");

  private RateLimitParser() {}

  /** What the headers say, or {@code null} when they say nothing. */
  static RateLimitInfo parse(Headers headers, Clock clock) {
    RateLimitInfo.Window requests = window(headers, "-requests", clock);
    if (requests == null) {
      requests = window(headers, "", clock);
    }
    RateLimitInfo.Window tokens = window(headers, "-tokens", clock);
    Duration retryAfter = RetryHints.retryAfter(headers, clock);
    if (requests == null && tokens == null && retryAfter == null) {
      return null;
    }
    return new RateLimitInfo(requests, tokens, null, null, retryAfter);
  }

  private static RateLimitInfo.Window window(Headers headers, String suffix, Clock clock) {
    long limit = number(headers.get("x-ratelimit-limit" + suffix));
    long remaining = number(headers.get("x-ratelimit-remaining" + suffix));
    Instant reset = reset(headers.get("x-ratelimit-reset" + suffix), clock);
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

  /** A reset as an instant: epoch milliseconds or seconds, seconds from now, or a duration such as 6m0s. */
  static Instant reset(String value, Clock clock) {
    if (value == null || value.isBlank()) {
      return null;
    }
    String v = value.trim();
    try {
      double n = Double.parseDouble(v);
      if (n < 0 || Double.isNaN(n) || Double.isInfinite(n)) {
        return null;
      }
      if (n >= 1e12) {
        return Instant.ofEpochMilli((long) n);
      }
      if (n >= 1e9) {
        return Instant.ofEpochSecond((long) n);
      }
      return clock.instant().plusMillis((long) (n * 1000));
    } catch (NumberFormatException notANumber) {
      Matcher m = DURATION_PART.matcher(v);
      long millis = 0;
      int end = 0;
      while (m.find() && m.start() == end) {
        double amount = Double.parseDouble(m.group(1));
        switch (m.group(2)) {
          case "h":
            millis += (long) (amount * 3_600_000);
            break;
          case "m":
            millis += (long) (amount * 60_000);
            break;
          case "s":
            millis += (long) (amount * 1_000);
            break;
          default:
            millis += (long) amount;
            break;
        }
        end = m.end();
      }
      return end == v.length() && end > 0 ? clock.instant().plusMillis(millis) : null;
    }
  }
}
