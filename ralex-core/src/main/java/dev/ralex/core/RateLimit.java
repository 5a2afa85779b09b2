package dev.ralex.core;

import java.time.Duration;
import java.util.Objects;

/**
 * A client-side rate limit on the calls to one provider or one model, by requests per minute and by tokens per
 * minute (input estimate plus requested max output). Immutable.
 *
 * @param scope a provider id such as {@code anthropic} (every model of the provider) or a model id such as
 *     {@code anthropic/claude-haiku-4-5}
 * @param requestsPerMinute the most calls per minute, or 0 for no request limit
 * @param tokensPerMinute the most tokens per minute, or 0 for no token limit
 * @param onLimit what a call does when the limit is reached
 * @param maxWait for {@link OnLimit#WAIT}, the longest a call waits for its turn before it fails
 */
public record RateLimit(String scope, int requestsPerMinute, long tokensPerMinute, OnLimit onLimit, Duration maxWait) {
  /** What a call does when its limit is reached. */
  public enum OnLimit {
    /** Wait for a permit, in arrival order, up to {@code maxWait}; then fail with a RateLimitedException. */
    WAIT,
    /** Fail at once with a RateLimitedException that says when a permit will be free. */
    FAIL_FAST
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
  }

  /** A limit that waits up to 30 seconds for a permit. */
  public static RateLimit of(String scope, int requestsPerMinute, long tokensPerMinute) {
    return new RateLimit(scope, requestsPerMinute, tokensPerMinute, OnLimit.WAIT, Duration.ofSeconds(30));
  }

  /** Whether this limit applies to calls of the model with this id. */
  boolean appliesTo(String modelId, String provider) {
    return scope.equals(modelId) || scope.equals(provider);
  }
}
