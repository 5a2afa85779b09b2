package dev.ralex.api;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * What a provider's response headers said about its rate limits, such as Anthropic's {@code
 * anthropic-ratelimit-requests-remaining} and {@code retry-after}, so that a limiter can slow down before the
 * server refuses. Each window is absent when the provider did not report it. Immutable.
 *
 * @param requests the request window, or {@code null}
 * @param tokens the most restrictive token window, or {@code null}
 * @param inputTokens the input-token window, or {@code null}
 * @param outputTokens the output-token window, or {@code null}
 * @param retryAfter how long the provider asked to wait, or {@code null}
 */
public record RateLimitInfo(Window requests, Window tokens, Window inputTokens, Window outputTokens,
    Duration retryAfter) {

  /** Nothing reported. */
  public static final RateLimitInfo NONE = new RateLimitInfo(null, null, null, null, null);

  /**
   * One rate-limit window.
   *
   * @param limit the most the window allows, or -1 if not reported
   * @param remaining what is left in the window, or -1 if not reported
   * @param reset when the window is replenished, or {@code null} if not reported
   */
  public record Window(long limit, long remaining, Instant reset) {
    /** Whether the window says nothing is left. */
    public boolean isExhausted() {
      return remaining == 0;
    }
  }

  /** The request window, if reported. */
  public Optional<Window> requestWindow() {
    return Optional.ofNullable(requests);
  }

  /** The most restrictive token window, if reported. */
  public Optional<Window> tokenWindow() {
    return Optional.ofNullable(tokens);
  }

  /** The wait the provider asked for, if any. */
  public Optional<Duration> retryAfterHint() {
    return Optional.ofNullable(retryAfter);
  }

  /** Whether nothing was reported. */
  public boolean isEmpty() {
    return Objects.equals(this, NONE);
  }
}
