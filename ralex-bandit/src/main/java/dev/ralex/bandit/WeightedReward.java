package dev.ralex.bandit;

import dev.ralex.api.Feedback;
import java.math.BigDecimal;
import java.math.MathContext;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.DoubleAccumulator;

/**
 * {@code quality * wq + (1 - normalized cost) * wc + (1 - normalized latency) * wl}, with weights summing to 1
 * (defaults 0.5, 0.3, 0.2).
 *
 * <p>Quality is the caller's {@link Feedback#quality()} when given, else 1 for a success and 0 for a failure.
 *
 * <p>Cost and latency are normalized into [0, 1] in one of two ways. With a configured scale ({@link
 * Builder#costScale(BigDecimal)}, {@link Builder#latencyScale(Duration)}) a value is divided by the scale and capped
 * at 1: use this in production, since it means the same thing on every call. Without one (the default), a value
 * is divided by the largest value seen so far, this one included; early rewards are then rough (the first call
 * always counts as the most expensive and the slowest), and they settle once the expensive and slow models have
 * been tried. The running maxima are not saved with the bandit's state.
 *
 * <p>Costs stay {@code BigDecimal} (money is never a {@code double} in Ralex); only their ratio to the scale, a
 * number in [0, 1], becomes one.
 *
 * <p>Thread-safe.
 */
public final class WeightedReward implements RewardFunction {
  private final double qualityWeight;
  private final double costWeight;
  private final double latencyWeight;
  private final BigDecimal costScale;
  private final double latencyScaleMillis;
  private final AtomicReference<BigDecimal> maxCost = new AtomicReference<>(BigDecimal.ZERO);
  private final DoubleAccumulator maxLatency = new DoubleAccumulator(Math::max, 0.0);

  private WeightedReward(Builder b) {
    this.qualityWeight = b.qualityWeight;
    this.costWeight = b.costWeight;
    this.latencyWeight = b.latencyWeight;
    this.costScale = b.costScale;
    this.latencyScaleMillis = b.latencyScaleMillis;
  }

  /** A builder with the default weights and running-maximum normalization. */
  public static Builder builder() {
    return new Builder();
  }

  @Override
  public double reward(Feedback feedback) {
    double quality = feedback.quality().orElse(feedback.succeeded() ? 1.0 : 0.0);
    BigDecimal cost = feedback.cost().max(BigDecimal.ZERO);
    double latency = Math.max(0.0, feedback.latency().toNanos() / 1e6);
    double normCost = normalizeCost(cost);
    double normLatency = normalize(latency, latencyScaleMillis, maxLatency);
    double r = qualityWeight * quality + costWeight * (1.0 - normCost) + latencyWeight * (1.0 - normLatency);
    return Math.max(0.0, Math.min(1.0, r));
  }

  /** {@code cost} over the scale (or the largest cost seen), in [0, 1], divided exactly before it becomes a double. */
  private double normalizeCost(BigDecimal cost) {
    BigDecimal scale = costScale != null ? costScale : maxCost.accumulateAndGet(cost, BigDecimal::max);
    if (scale.signum() <= 0) {
      return 0.0;
    }
    return Math.min(1.0, cost.divide(scale, MathContext.DECIMAL64).doubleValue());
  }

  private static double normalize(double value, double scale, DoubleAccumulator max) {
    if (scale > 0.0) {
      return Math.min(1.0, value / scale);
    }
    max.accumulate(value);
    double m = max.get();
    return m > 0.0 ? Math.min(1.0, value / m) : 0.0;
  }

  /** Builds a {@link WeightedReward}; not thread-safe. */
  public static final class Builder {
    private double qualityWeight = 0.5;
    private double costWeight = 0.3;
    private double latencyWeight = 0.2;
    private BigDecimal costScale;
    private double latencyScaleMillis;

    private Builder() {}

    /** Sets the three weights, each {@code >= 0}, summing to 1. */
    public Builder weights(double quality, double cost, double latency) {
      this.qualityWeight = quality;
      this.costWeight = cost;
      this.latencyWeight = latency;
      return this;
    }

    /** Normalizes cost against this many dollars (a cost at or above it scores 0) instead of the running max. */
    public Builder costScale(BigDecimal dollars) {
      if (dollars == null || dollars.signum() <= 0) {
        throw new IllegalArgumentException("costScale must be > 0 but was " + dollars);
      }
      this.costScale = dollars;
      return this;
    }

    /** Normalizes latency against this duration instead of the running maximum. */
    public Builder latencyScale(Duration latency) {
      if (latency.isNegative() || latency.isZero()) {
        throw new IllegalArgumentException("latencyScale must be positive but was " + latency);
      }
      this.latencyScaleMillis = latency.toNanos() / 1e6;
      return this;
    }

    /** Validates and builds the reward function. */
    public WeightedReward build() {
      if (!(qualityWeight >= 0 && costWeight >= 0 && latencyWeight >= 0)
          || Math.abs(qualityWeight + costWeight + latencyWeight - 1.0) > 1e-9) {
        throw new IllegalArgumentException("weights must be >= 0 and sum to 1 but were "
            + qualityWeight + ", " + costWeight + ", " + latencyWeight);
      }
      return new WeightedReward(this);
    }
  }
}
