package dev.ralex.core;

import java.time.Duration;
import java.util.Objects;

/**
 * A client-side rate limit on the calls to one provider or one model, by requests and by tokens (input estimate
 * plus requested max output) per window, one minute unless set otherwise. Enforced as token buckets that hold at
 * most one window's allowance and refill continuously, as Anthropic's and OpenAI's servers do, so a limit set to
 * the provider's published one keeps the client under it without bursts the server would refuse. Immutable.
 *
 * @param scope a provider id such as {@code anthropic} (every model of the provider) or a model id such as
 *     {@code anthropic/claude-haiku-4-5}
 * @param requestsPerMinute the most calls per window, or 0 for no request limit (named for the usual window)
 * @param tokensPerMinute the most tokens per window, or 0 for no token limit (named for the usual window)
 * @param onLimit what a call does when the limit is reached
 * @param maxWait for {@link OnLimit#WAIT}, the longest a call waits for its turn before it fails
 * @param window the period the allowances are for: one minute for the providers' published limits
 */
public record RateLimit(String scope, int requestsPerMinute, long tokensPerMinute, OnLimit onLimit, Duration maxWait,
    Duration window) {
  /** The longest window: a year. */
  public static final Duration MAX_WINDOW = Duration.ofDays(366);

  /** What a call does when its limit is reached. */
  public enum OnLimit {
    /** Wait for a permit, in arrival order, up to {@code maxWait}; then fail with a RateLimitedException. */
    WAIT,
    /** Fail at once with a RateLimitedException that says when a permit will be free. */
    FAIL_FAST,
    /**
     * Queue fairly: wait in arrival order however long the queue is (a large request is never overtaken by
     * smaller ones that arrive after it); only the call's deadline ends the wait.
     */
    QUEUE
  }

  /** Validates the limit. */
  public RateLimit {
    Objects.requireNonNull(scope, "scope");
    if (scope.isBlank()) {
      throw new IllegalArgumentException("rate limit scope must not be blank");
    }
    if (requestsPerMinute < 0 || tokensPerMinute < 0) {
      throw new IllegalArgumentException("rate limit of '" + scope + "' must not be negative");
    }
    if (requestsPerMinute == 0 && tokensPerMinute == 0) {
      throw new IllegalArgumentException("rate limit of '" + scope + "' limits neither requests nor tokens");
    }
    Objects.requireNonNull(onLimit, "onLimit");
    Objects.requireNonNull(maxWait, "maxWait");
    if (maxWait.isNegative()) {
      throw new IllegalArgumentException("maxWait of rate limit '" + scope + "' must not be negative");
    }
    Objects.requireNonNull(window, "window");
    if (window.compareTo(Duration.ofMillis(1)) < 0 || window.compareTo(MAX_WINDOW) > 0
        || window.getNano() % 1_000_000 != 0) {
      // Buckets count in whole milliseconds: a finer window would silently share a bucket with its rounding.
      throw new IllegalArgumentException("window of rate limit '" + scope + "' must be whole milliseconds between "
          + "1 ms and " + MAX_WINDOW + " but was " + window);
    }
  }

  /** A limit per minute. */
  public RateLimit(String scope, int requestsPerMinute, long tokensPerMinute, OnLimit onLimit, Duration maxWait) {
    this(scope, requestsPerMinute, tokensPerMinute, onLimit, maxWait, Duration.ofMinutes(1));
  }

  /** A limit per minute that waits up to 30 seconds for a permit. */
  public static RateLimit of(String scope, int requestsPerMinute, long tokensPerMinute) {
    return new RateLimit(scope, requestsPerMinute, tokensPerMinute, OnLimit.WAIT, Duration.ofSeconds(30));
  }

  /** This limit with its allowances counted over {@code window} instead. */
  public RateLimit per(Duration window) {
    return new RateLimit(scope, requestsPerMinute, tokensPerMinute, onLimit, maxWait, window);
  }

  /** This limit with another behaviour at the limit (and, for {@link OnLimit#WAIT}, the longest wait). */
  public RateLimit onLimit(OnLimit onLimit, Duration maxWait) {
    return new RateLimit(scope, requestsPerMinute, tokensPerMinute, onLimit, maxWait, window);
  }

  /** Whether this limit applies to calls of the model with this id. */
  boolean appliesTo(String modelId, String provider) {
    return scope.equals(modelId) || scope.equals(provider);
  }
}
