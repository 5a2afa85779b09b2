package dev.ralex.core;

import java.time.Duration;
import java.util.Objects;

/**
 * When Ralex stops calling a model that keeps failing: a circuit breaker per model (Resilience4j's
 * CircuitBreaker), fed by every attempt on the model, retries and fallbacks included. While closed, the last
 * {@link Builder#slidingWindowSize} attempts are counted; once at least {@link Builder#minimumCalls} are in, a
 * failure rate at or above {@link Builder#failureRateThreshold} percent, or a rate of calls slower than {@link
 * Builder#slowCallDuration} at or above {@link Builder#slowCallRateThreshold} percent, opens it. While open,
 * attempts on the model fail at once with a {@code CircuitOpenException} (and the call falls back to its next
 * model, if any) for {@link Builder#waitInOpenState}; then {@link Builder#probeCalls} probe attempts decide
 * between closing it and opening it again.
 *
 * <p>What counts as a failure: the provider overloaded or failing (5xx, 529), timeouts, network failures and
 * unparseable answers. What the caller or the account caused (invalid requests, authentication, billing,
 * budget, cancellation) and the provider's rate limiting (which the rate limiter handles) are not counted
 * either way. Immutable and thread-safe.
 */
public final class CircuitBreakerPolicy {
  /** The longest duration accepted: Resilience4j counts slow-call durations in nanoseconds. */
  private static final Duration MAX_DURATION = Duration.ofDays(365);
  private static final int MAX_COUNT = 100_000;

  private static final CircuitBreakerPolicy DEFAULTS = builder().build();
  private static final CircuitBreakerPolicy DISABLED = new CircuitBreakerPolicy(builder(), false);

  private final boolean enabled;
  private final float failureRateThreshold;
  private final float slowCallRateThreshold;
  private final Duration slowCallDuration;
  private final int slidingWindowSize;
  private final int minimumCalls;
  private final Duration waitInOpenState;
  private final int probeCalls;

  private CircuitBreakerPolicy(Builder b, boolean enabled) {
    this.enabled = enabled;
    this.failureRateThreshold = percent(b.failureRateThreshold, "failureRateThreshold");
    this.slowCallRateThreshold = percent(b.slowCallRateThreshold, "slowCallRateThreshold");
    this.slowCallDuration = between(b.slowCallDuration, Duration.ofNanos(1), MAX_DURATION, "slowCallDuration");
    this.slidingWindowSize = between(b.slidingWindowSize, MAX_COUNT, "slidingWindowSize");
    this.minimumCalls = between(b.minimumCalls, MAX_COUNT, "minimumCalls");
    // Resilience4j refuses an open-state wait under a millisecond.
    this.waitInOpenState = between(b.waitInOpenState, Duration.ofMillis(1), MAX_DURATION, "waitInOpenState");
    this.probeCalls = between(b.probeCalls, MAX_COUNT, "probeCalls");
  }

  private static float percent(float value, String name) {
    if (!(value > 0 && value <= 100)) {
      throw new IllegalArgumentException(name + " must be in (0, 100] percent but was " + value);
    }
    return value;
  }

  private static int between(int value, int max, String name) {
    if (value < 1 || value > max) {
      // Resilience4j keeps an array of slidingWindowSize outcomes per model: the cap keeps a typo from
      // allocating gigabytes.
      throw new IllegalArgumentException(name + " must be between 1 and " + max + " but was " + value);
    }
    return value;
  }

  private static Duration between(Duration d, Duration min, Duration max, String name) {
    Objects.requireNonNull(d, name);
    if (d.compareTo(min) < 0 || d.compareTo(max) > 0) {
      throw new IllegalArgumentException(name + " must be between " + min + " and " + max + " but was " + d);
    }
    return d;
  }

  /**
   * Opens at a 50% failure rate over the last 20 attempts (at least 10 counted); slow calls (over 2 minutes)
   * open it only when all counted calls are slow; stays open 30 s; 3 probe attempts.
   */
  public static CircuitBreakerPolicy defaults() {
    return DEFAULTS;
  }

  /** No circuit breaking: every attempt reaches its provider. */
  public static CircuitBreakerPolicy disabled() {
    return DISABLED;
  }

  /** A builder starting from the defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /** Whether circuits are kept at all. */
  public boolean enabled() {
    return enabled;
  }

  /** The failure rate, in percent, that opens the circuit. */
  public float failureRateThreshold() {
    return failureRateThreshold;
  }

  /** The rate of slow calls, in percent, that opens the circuit. */
  public float slowCallRateThreshold() {
    return slowCallRateThreshold;
  }

  /** How long an attempt may take before it counts as slow. */
  public Duration slowCallDuration() {
    return slowCallDuration;
  }

  /** How many of the latest attempts are counted. */
  public int slidingWindowSize() {
    return slidingWindowSize;
  }

  /** How many attempts must be counted before the rates can open the circuit. */
  public int minimumCalls() {
    return minimumCalls;
  }

  /** How long the circuit stays open before probing. */
  public Duration waitInOpenState() {
    return waitInOpenState;
  }

  /** How many probe attempts a half-open circuit lets through. */
  public int probeCalls() {
    return probeCalls;
  }

  @Override
  public String toString() {
    return !enabled ? "CircuitBreakerPolicy[disabled]" : "CircuitBreakerPolicy[failureRateThreshold="
        + failureRateThreshold + "%, slowCallRateThreshold=" + slowCallRateThreshold + "%, slowCallDuration="
        + slowCallDuration + ", slidingWindowSize=" + slidingWindowSize + ", minimumCalls=" + minimumCalls
        + ", waitInOpenState=" + waitInOpenState + ", probeCalls=" + probeCalls + "]";
  }

  /** Builds a {@link CircuitBreakerPolicy}; not thread-safe. */
  public static final class Builder {
    private float failureRateThreshold = 50;
    private float slowCallRateThreshold = 100;
    private Duration slowCallDuration = Duration.ofMinutes(2);
    private int slidingWindowSize = 20;
    private int minimumCalls = 10;
    private Duration waitInOpenState = Duration.ofSeconds(30);
    private int probeCalls = 3;

    private Builder() {}

    /** The failure rate, in percent, that opens the circuit. Default 50. */
    public Builder failureRateThreshold(float percent) {
      this.failureRateThreshold = percent;
      return this;
    }

    /** The rate of slow calls, in percent, that opens the circuit. Default 100 (all counted calls slow). */
    public Builder slowCallRateThreshold(float percent) {
      this.slowCallRateThreshold = percent;
      return this;
    }

    /** How long an attempt may take before it counts as slow. Default 2 minutes. */
    public Builder slowCallDuration(Duration duration) {
      this.slowCallDuration = duration;
      return this;
    }

    /** How many of the latest attempts are counted. Default 20. */
    public Builder slidingWindowSize(int attempts) {
      this.slidingWindowSize = attempts;
      return this;
    }

    /** How many attempts must be counted before the rates can open the circuit. Default 10. */
    public Builder minimumCalls(int attempts) {
      this.minimumCalls = attempts;
      return this;
    }

    /** How long the circuit stays open before probing. Default 30 s. */
    public Builder waitInOpenState(Duration wait) {
      this.waitInOpenState = wait;
      return this;
    }

    /** How many probe attempts a half-open circuit lets through. Default 3. */
    public Builder probeCalls(int attempts) {
      this.probeCalls = attempts;
      return this;
    }

    /**
     * Validates and builds the policy.
     *
     * @throws IllegalArgumentException naming the first invalid setting
     */
    public CircuitBreakerPolicy build() {
      return new CircuitBreakerPolicy(this, true);
    }
  }
}
