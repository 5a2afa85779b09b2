package dev.ralex.core;

import dev.ralex.api.LlmException;
import dev.ralex.api.ProviderUnavailableException;
import dev.ralex.api.RateLimitedException;
import io.github.resilience4j.core.IntervalBiFunction;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;

/**
 * When to retry a failed attempt on the same model, and how long to wait first. Immutable and thread-safe.
 *
 * <p>Only failures whose {@link LlmException#isRetryable()} is true are retried: the providers set it for 408,
 * 409, 429 with a retry hint, 5xx, 529, connection failures, timeouts, and overload or server errors arriving in
 * a stream before any content; never for 400, 401, 402, 403, 404, 413, a spend-cap 429 (no {@code
 * retry-after}), or a stream that already delivered content (Ralex ends such a stream with the error). The wait
 * is the server's hint when it sent one ({@code retry-after-ms} or {@code retry-after}), else exponential backoff
 * with full jitter: a uniformly random delay in [0, min(maxDelay, baseDelay * 2^retry)]. No retry starts after
 * the call's deadline would pass, and a hint longer than {@link Builder#maxRetryAfter} is not waited for.
 *
 * <p>Built on Resilience4j's {@link Retry}: the policy is a {@link RetryConfig} whose outcome-aware interval
 * function computes each wait from the failure itself (hint or backoff), and each model's retries in a call are
 * one Resilience4j async context, which counts attempts and says when to stop without sleeping. The waiting is
 * Ralex's own, through the injected {@link Sleeper}, so tests of waits run on a manual clock.
 */
public final class RetryPolicy {
  private static final RetryPolicy DEFAULTS = builder().build();
  private static final RetryPolicy NONE = builder().maxRetries(0).build();

  private final int maxRetries;
  private final Duration baseDelay;
  private final Duration maxDelay;
  private final Duration maxRetryAfter;
  private final Duration deadline;
  private final DoubleSupplier jitter;
  private final Retry retry;

  private RetryPolicy(Builder b) {
    if (b.maxRetries < 0) {
      throw new IllegalArgumentException("maxRetries must not be negative but was " + b.maxRetries);
    }
    this.maxRetries = b.maxRetries;
    this.baseDelay = positive(b.baseDelay, "baseDelay");
    this.maxDelay = positive(b.maxDelay, "maxDelay");
    if (maxDelay.compareTo(baseDelay) < 0) {
      throw new IllegalArgumentException("maxDelay (" + maxDelay + ") must not be less than baseDelay (" + baseDelay + ")");
    }
    this.maxRetryAfter = positive(b.maxRetryAfter, "maxRetryAfter");
    this.deadline = positive(b.deadline, "deadline");
    this.jitter = Objects.requireNonNull(b.jitter, "jitter");
    this.retry = Retry.of("ralex", RetryConfig.<Object>custom()
        .maxAttempts(maxRetries + 1)
        .retryOnException(t -> t instanceof LlmException e && shouldRetry(e))
        .intervalBiFunction((IntervalBiFunction<Object>) (attempt, outcome) ->
            outcome.isLeft() && outcome.getLeft() instanceof LlmException e ? delayFor(attempt - 1, e).toMillis() : -1L)
        .failAfterMaxAttempts(false)
        .build());
  }

  private static Duration positive(Duration d, String name) {
    Objects.requireNonNull(d, name);
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(name + " must be positive but was " + d);
    }
    return d;
  }

  /** 3 retries, 1 s base, 16 s cap, hints up to 60 s honoured, 5 minutes per call. */
  public static RetryPolicy defaults() {
    return DEFAULTS;
  }

  /** Never retries. */
  public static RetryPolicy none() {
    return NONE;
  }

  /** A builder starting from the defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /** The most retries per model. */
  public int maxRetries() {
    return maxRetries;
  }

  /** The most time a call may take, waits included, before no further retry starts. */
  public Duration deadline() {
    return deadline;
  }

  /**
   * The retries of one model within one call: a fresh count, as each model of a fallback chain gets its own.
   * Not thread-safe; a call's steps run one after another.
   */
  public Retries start() {
    return new Retries(retry.asyncContext());
  }

  /** The retries of one model in one call; see {@link #start()}. */
  public final class Retries {
    private final Retry.AsyncContext<Object> context;

    private Retries(Retry.AsyncContext<Object> context) {
      this.context = context;
    }

    /**
     * The wait before the next retry after {@code failure}, or empty if there is to be none: not retryable,
     * retries used up, a hint longer than allowed, or the deadline would pass.
     *
     * @param elapsed the time since the call started
     */
    public Optional<Duration> next(LlmException failure, Duration elapsed) {
      Objects.requireNonNull(failure, "failure");
      Objects.requireNonNull(elapsed, "elapsed");
      long millis = context.onError(failure);
      if (millis < 0) {
        return Optional.empty();
      }
      return withinDeadline(delayOf(failure, millis), elapsed);
    }
  }

  /**
   * The wait before retry number {@code retriesSoFar + 1}, or empty if there is to be none; the same decision
   * {@link Retries#next} makes, for a caller that counts retries itself.
   *
   * @param retriesSoFar how many times this model was already retried in this call
   * @param failure the failure of the last attempt
   * @param elapsed the time since the call started
   */
  public Optional<Duration> delayBeforeRetry(int retriesSoFar, LlmException failure, Duration elapsed) {
    Objects.requireNonNull(failure, "failure");
    Objects.requireNonNull(elapsed, "elapsed");
    if (!shouldRetry(failure) || retriesSoFar >= maxRetries) {
      return Optional.empty();
    }
    return withinDeadline(delayFor(retriesSoFar, failure), elapsed);
  }

  private Optional<Duration> withinDeadline(Duration delay, Duration elapsed) {
    return elapsed.plus(delay).compareTo(deadline) >= 0 ? Optional.empty() : Optional.of(delay);
  }

  /** Retryable, and not asking for a longer wait than this policy honours. */
  private boolean shouldRetry(LlmException failure) {
    if (!failure.isRetryable()) {
      return false;
    }
    Duration hint = retryAfterHint(failure);
    return hint == null || hint.compareTo(maxRetryAfter) <= 0;
  }

  /** The server's hint, else the backoff of retry number {@code retry} (0 for the first). */
  private Duration delayFor(int retry, LlmException failure) {
    Duration hint = retryAfterHint(failure);
    return hint != null ? hint : backoff(retry);
  }

  /** The interval function's result in millis, back at full precision when it was the server's exact hint. */
  private static Duration delayOf(LlmException failure, long millis) {
    Duration hint = retryAfterHint(failure);
    return hint != null && hint.toMillis() == millis ? hint : Duration.ofMillis(millis);
  }

  /** Full-jitter exponential backoff for the given retry number (0 for the first retry). */
  Duration backoff(int retry) {
    long capNanos = maxDelay.toNanos();
    long ceiling = retry >= 62 ? capNanos : Math.min(capNanos, saturatedShift(baseDelay.toNanos(), retry));
    double r = jitter.getAsDouble();
    if (!(r >= 0.0 && r < 1.0)) {
      r = 0.0;
    }
    return Duration.ofNanos((long) (ceiling * r));
  }

  private static long saturatedShift(long value, int shift) {
    return value > (Long.MAX_VALUE >> shift) ? Long.MAX_VALUE : value << shift;
  }

  private static Duration retryAfterHint(LlmException failure) {
    if (failure instanceof RateLimitedException) {
      return ((RateLimitedException) failure).retryAfter().orElse(null);
    }
    if (failure instanceof ProviderUnavailableException) {
      return ((ProviderUnavailableException) failure).retryAfter().orElse(null);
    }
    return null;
  }

  @Override
  public String toString() {
    return "RetryPolicy[maxRetries=" + maxRetries + ", baseDelay=" + baseDelay + ", maxDelay=" + maxDelay
        + ", maxRetryAfter=" + maxRetryAfter + ", deadline=" + deadline + "]";
  }

  /** Builds a {@link RetryPolicy}; not thread-safe. */
  public static final class Builder {
    private int maxRetries = 3;
    private Duration baseDelay = Duration.ofSeconds(1);
    private Duration maxDelay = Duration.ofSeconds(16);
    private Duration maxRetryAfter = Duration.ofSeconds(60);
    private Duration deadline = Duration.ofMinutes(5);
    private DoubleSupplier jitter = () -> ThreadLocalRandom.current().nextDouble();

    private Builder() {}

    /** The most retries per model; 0 disables retries. Default 3. */
    public Builder maxRetries(int maxRetries) {
      this.maxRetries = maxRetries;
      return this;
    }

    /** The backoff ceiling of the first retry. Default 1 s. */
    public Builder baseDelay(Duration baseDelay) {
      this.baseDelay = baseDelay;
      return this;
    }

    /** The cap on any backoff. Default 16 s. */
    public Builder maxDelay(Duration maxDelay) {
      this.maxDelay = maxDelay;
      return this;
    }

    /** The longest server-requested wait Ralex honours; a longer one ends the retries. Default 60 s. */
    public Builder maxRetryAfter(Duration maxRetryAfter) {
      this.maxRetryAfter = maxRetryAfter;
      return this;
    }

    /** The most time a call may take before no further retry starts. Default 5 minutes. */
    public Builder deadline(Duration deadline) {
      this.deadline = deadline;
      return this;
    }

    /** The source of jitter, uniform in [0, 1); tests pass a constant. */
    public Builder jitter(DoubleSupplier jitter) {
      this.jitter = jitter;
      return this;
    }

    /**
     * Validates and builds the policy.
     *
     * @throws IllegalArgumentException naming the first invalid setting
     */
    public RetryPolicy build() {
      return new RetryPolicy(this);
    }
  }
}
