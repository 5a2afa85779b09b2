package dev.ralex.core;

import dev.ralex.api.ModelInfo;
import dev.ralex.api.RateLimitedException;
import java.time.Clock;
import java.util.List;

/**
 * The rate-limit stage of the pipeline: grants a permit before each attempt, and learns each attempt's real
 * token count afterwards. Implementations must be thread-safe: one limiter serves every thread of a {@link
 * Ralex} instance.
 */
public interface RateLimiter {
  /**
   * Takes a permit for one attempt on {@code model}, waiting if the limit says so.
   *
   * @param tokens the tokens to reserve: input estimate plus max output
   * @throws RateLimitedException if the limit refuses the call or the wait would be too long
   */
  Permit acquire(ModelInfo model, long tokens);

  /** A granted permit. Exactly one of its methods should be called, once. */
  interface Permit {
    /** A permit that reserved nothing. */
    Permit NONE = new Permit() {
      @Override
      public void complete(long actualTokens) {}

      @Override
      public void cancel() {}
    };

    /** The attempt reached the provider and was billed {@code actualTokens}; corrects the token reservation. */
    void complete(long actualTokens);

    /** The attempt never reached the provider; returns the request and the reserved tokens. */
    void cancel();
  }

  /** A limiter that grants every permit at once. */
  static RateLimiter unlimited() {
    return (model, tokens) -> Permit.NONE;
  }

  /**
   * A limiter enforcing {@code limits} with continuously refilling token buckets: a permit is granted in
   * arrival order, so large requests are never starved by small ones.
   */
  static RateLimiter of(List<RateLimit> limits, Clock clock, Sleeper sleeper) {
    return limits.isEmpty() ? unlimited() : new BucketRateLimiter(limits, clock, sleeper);
  }
}
