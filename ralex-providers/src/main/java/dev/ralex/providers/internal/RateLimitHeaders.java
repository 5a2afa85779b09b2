package dev.ralex.providers.internal;

import dev.ralex.api.RateLimitInfo;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import okhttp3.Headers;

/**
 * Reads providers' rate-limit headers into {@link RateLimitInfo}, with {@code retry-after-ms} and {@code
 * retry-after}. Two layouts exist:
 *
 * <ul>
 *   <li>window before field, as Anthropic sends them: {@code <prefix><window>-{limit,remaining,reset}}, such as
 *       {@code anthropic-ratelimit-tokens-remaining} ({@link #parse});
 *   <li>field before window, as OpenAI-style servers send them: {@code x-ratelimit-{limit,remaining,reset}-
 *       {requests,tokens}}, or OpenRouter's plain {@code x-ratelimit-{limit,remaining,reset}} for requests
 *       ({@link #parseOpenAiStyle}).
 * </ul>
 *
 * <p>Resets are read in any of the forms servers use: an RFC 3339 time, epoch milliseconds or seconds, seconds
 * from now, or a Go-style duration such as {@code 6m0s}. Malformed values are no information, never an error.
 * Stateless and thread-safe.
 */
public final class RateLimitHeaders {
  private static final Pattern DURATION_PART = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|h|m|s)");

  private RateLimitHeaders() {}

  /**
   * What headers in the window-before-field layout say, or {@code null} when they say nothing.
   *
   * @param prefix the header prefix, such as {@code anthropic-ratelimit-}
   */
  public static RateLimitInfo parse(Headers headers, String prefix, Clock clock) {
    return info(
        windowBeforeField(headers, prefix + "requests-", clock),
        windowBeforeField(headers, prefix + "tokens-", clock),
        windowBeforeField(headers, prefix + "input-tokens-", clock),
        windowBeforeField(headers, prefix + "output-tokens-", clock),
        headers, clock);
  }

  /** What headers in the OpenAI-style field-before-window layout say, or {@code null} when they say nothing. */
  public static RateLimitInfo parseOpenAiStyle(Headers headers, Clock clock) {
    RateLimitInfo.Window requests = fieldBeforeWindow(headers, "-requests", clock);
    if (requests == null) {
      requests = fieldBeforeWindow(headers, "", clock); // OpenRouter: plain x-ratelimit-* for requests
    }
    return info(requests, fieldBeforeWindow(headers, "-tokens", clock), null, null, headers, clock);
  }

  private static RateLimitInfo info(RateLimitInfo.Window requests, RateLimitInfo.Window tokens,
      RateLimitInfo.Window input, RateLimitInfo.Window output, Headers headers, Clock clock) {
    Duration retryAfter = RetryHints.retryAfter(headers, clock);
    if (requests == null && tokens == null && input == null && output == null && retryAfter == null) {
      return null;
    }
    return new RateLimitInfo(requests, tokens, input, output, retryAfter);
  }

  private static RateLimitInfo.Window windowBeforeField(Headers headers, String prefix, Clock clock) {
    return window(headers.get(prefix + "limit"), headers.get(prefix + "remaining"), headers.get(prefix + "reset"),
        clock);
  }

  private static RateLimitInfo.Window fieldBeforeWindow(Headers headers, String suffix, Clock clock) {
    return window(headers.get("x-ratelimit-limit" + suffix), headers.get("x-ratelimit-remaining" + suffix),
        headers.get("x-ratelimit-reset" + suffix), clock);
  }

  private static RateLimitInfo.Window window(String limitValue, String remainingValue, String resetValue,
      Clock clock) {
    long limit = count(limitValue);
    long remaining = count(remainingValue);
    Instant reset = reset(resetValue, clock);
    if (limit < 0 && remaining < 0 && reset == null) {
      return null;
    }
    return new RateLimitInfo.Window(limit, remaining, reset);
  }

  private static long count(String value) {
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

  /**
   * A reset as an instant: an RFC 3339 time, epoch milliseconds (at least 10^12) or seconds (at least 10^9),
   * seconds from now, or a Go-style duration from now such as {@code 1s}, {@code 6m0s} or {@code 20ms}; {@code
   * null} for anything else.
   */
  static Instant reset(String value, Clock clock) {
    if (value == null || value.isBlank()) {
      return null;
    }
    String v = value.trim();
    try {
      return OffsetDateTime.parse(v).toInstant();
    } catch (DateTimeParseException notATime) {
      // Not a time: try a number, then a duration, below.
    }
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
