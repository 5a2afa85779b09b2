package dev.ralex.core;

import dev.ralex.api.ModelInfo;
import dev.ralex.api.RateLimitInfo;
import dev.ralex.api.RateLimitedException;
import java.time.Clock;
import java.time.Duration;
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

  /**
   * Learns from what a provider said about its limits after an attempt on {@code model} (its rate-limit headers,
   * or the {@code retry-after} of a 429), so later permits slow down before the server refuses. The default
   * ignores it. Must not throw.
   */
  default void observe(ModelInfo model, RateLimitInfo info) {}

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

    /** How long {@link #acquire} waited for this permit. */
    default Duration waited() {
      return Duration.ZERO;
    }
  }

  /** A limiter that grants every permit at once. */
  static RateLimiter unlimited() {
    return (model, tokens) -> Permit.NONE;
  }

  /**
   * A limiter enforcing {@code limits} in this process's memory, and learning from the providers' rate-limit
   * headers (see {@link #of(List, RateLimitStore, boolean, Clock, Sleeper)}).
   */
  static RateLimiter of(List<RateLimit> limits, Clock clock, Sleeper sleeper) {
    return of(limits, RateLimitStore.inMemory(), true, clock, sleeper);
  }

  /**
   * A limiter enforcing {@code limits} with continuously refilling token buckets kept in {@code store}: permits
   * are granted in arrival order, so large requests are never starved by small ones.
   *
   * @param adaptive whether to learn from the providers' headers: a bucket's balance is lowered to the {@code
   *     remaining} a response reports when that is less; a model without a configured limit gets buckets of the
   *     {@code limit} its responses report (per minute, waiting up to a minute for a permit); and a
   *     {@code retry-after} pauses every call to that model until it has passed
   */
  static RateLimiter of(List<RateLimit> limits, RateLimitStore store, boolean adaptive, Clock clock,
      Sleeper sleeper) {
    return limits.isEmpty() && !adaptive ? unlimited() : new BucketRateLimiter(limits, store, adaptive, clock, sleeper);
  }
}
