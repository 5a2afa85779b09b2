package dev.ralex.providers.internal;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import okhttp3.Headers;

/** Reads a server's advice on when to retry from the {@code retry-after-ms} and {@code retry-after} headers. */
public final class RetryHints {
  private RetryHints() {}

  /**
   * The wait the headers ask for: {@code retry-after-ms} (milliseconds) if present and valid, else {@code
   * retry-after} as seconds or as an HTTP date (relative to {@code clock}); {@code null} if neither says.
   * A date in the past means no wait.
   */
  public static Duration retryAfter(Headers headers, Clock clock) {
    String ms = headers.get("retry-after-ms");
    if (ms != null) {
      try {
        double millis = Double.parseDouble(ms.trim());
        if (millis >= 0 && millis < 1e12) {
          return Duration.ofNanos((long) (millis * 1_000_000));
        }
      } catch (NumberFormatException ignored) {
        // A malformed value is no advice; fall through to retry-after.
      }
    }
    String after = headers.get("retry-after");
    if (after == null || after.isBlank()) {
      return null;
    }
    String v = after.trim();
    try {
      double seconds = Double.parseDouble(v);
      if (seconds >= 0 && seconds < 1e9) {
        return Duration.ofMillis((long) (seconds * 1000));
      }
      return null;
    } catch (NumberFormatException notSeconds) {
      try {
        Instant at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
        Duration wait = Duration.between(clock.instant(), at);
        return wait.isNegative() ? Duration.ZERO : wait;
      } catch (DateTimeParseException notADate) {
        return null;
      }
    }
  }
}
