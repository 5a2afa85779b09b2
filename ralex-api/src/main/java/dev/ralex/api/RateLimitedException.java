package dev.ralex.api;

import java.time.Duration;
import java.util.Optional;

/**
 * A rate limit refused the call: the provider's (HTTP 429) or one of Ralex's own limiters. Retryable when the
 * refusal says when to come back ({@link #retryAfter()}); a 429 without that hint is a spend cap or quota that
 * waiting will not lift, and is not retryable.
 */
public class RateLimitedException extends LlmException {
  private static final long serialVersionUID = 1L;

  private final Duration retryAfter;

  /**
   * Creates the exception.
   *
   * @param message what limit refused the call; must not contain secrets
   * @param retryAfter how long to wait before trying again, or {@code null} when the refusal gave no hint
   * @param details the provider, HTTP status and request id, where known
   * @param cause the underlying failure, or {@code null}
   */
  public RateLimitedException(String message, Duration retryAfter, ErrorDetails details, Throwable cause) {
    super(ErrorKind.RATE_LIMITED, message, retryAfter != null, details, cause);
    if (retryAfter != null && retryAfter.isNegative()) {
      throw new IllegalArgumentException("retryAfter must not be negative");
    }
    this.retryAfter = retryAfter;
  }

  /** Creates the exception with no cause. */
  public RateLimitedException(String message, Duration retryAfter, ErrorDetails details) {
    this(message, retryAfter, details, null);
  }

  /** How long to wait before trying again; empty when the refusal gave no hint. */
  public Optional<Duration> retryAfter() {
    return Optional.ofNullable(retryAfter);
  }
}
