package dev.ralex.core;

import dev.ralex.api.LlmException;
import dev.ralex.api.ProviderUnavailableException;
import dev.ralex.api.RateLimitedException;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;

/**
 * When to retry a failed attempt on the same model, and how long to wait first. Immutable and thread-safe.
 *
 * <p>Only failures whose {@link LlmException#isRetryable()} is true are retried. The wait is the server's hint
 * when it sent one ({@code retry-after}), else exponential backoff with full jitter: a uniformly random delay in
 * [0, min(maxDelay, baseDelay * 2^retry)]. No retry starts after the call's deadline would pass, and a hint
 * longer than {@link Builder#maxRetryAfter} is not waited for.
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
   * The wait before retrying, or empty if the failure should not be retried.
   *
   * @param retriesSoFar how many times this model was already retried in this call
   * @param failure the failure of the last attempt
   * @param elapsed the time since the call started
   */
  public Optional<Duration> delayBeforeRetry(int retriesSoFar, LlmException failure, Duration elapsed) {
    Objects.requireNonNull(failure, "failure");
    Objects.requireNonNull(elapsed, "elapsed");
    if (!failure.isRetryable() || retriesSoFar >= maxRetries) {
      return Optional.empty();
    }
    Duration hint = retryAfterHint(failure);
    Duration delay;
    if (hint != null) {
      if (hint.compareTo(maxRetryAfter) > 0) {
        return Optional.empty();
      }
      delay = hint;
    } else {
      delay = backoff(retriesSoFar);
    }
    if (elapsed.plus(delay).compareTo(deadline) >= 0) {
      return Optional.empty();
    }
    return Optional.of(delay);
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
