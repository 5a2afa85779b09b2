package dev.ralex.bandit;

import dev.ralex.api.Feedback;
import java.time.Duration;
import java.util.concurrent.atomic.DoubleAccumulator;

/**
 * {@code quality * wq + (1 - normalized cost) * wc + (1 - normalized latency) * wl}, with weights summing to 1
 * (defaults 0.5, 0.3, 0.2).
 *
 * <p>Quality is the caller's {@link Feedback#quality()} when given, else 1 for a success and 0 for a failure.
 *
 * <p>Cost and latency are normalized into [0, 1] in one of two ways. With a configured scale ({@link
 * Builder#costScale(double)}, {@link Builder#latencyScale(Duration)}) a value is divided by the scale and capped
 * at 1: use this in production, since it means the same thing on every call. Without one (the default), a value
 * is divided by the largest value seen so far, this one included; early rewards are then rough (the first call
 * always counts as the most expensive and the slowest), and they settle once the expensive and slow models have
 * been tried. The running maxima are not saved with the bandit's state.
 *
 * <p>Thread-safe.
 */
public final class WeightedReward implements RewardFunction {
  private final double qualityWeight;
  private final double costWeight;
  private final double latencyWeight;
  private final double costScale;
  private final double latencyScaleMillis;
  private final DoubleAccumulator maxCost = new DoubleAccumulator(Math::max, 0.0);
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
    double cost = Math.max(0.0, feedback.cost().doubleValue());
    double latency = Math.max(0.0, feedback.latency().toNanos() / 1e6);
    double normCost = normalize(cost, costScale, maxCost);
    double normLatency = normalize(latency, latencyScaleMillis, maxLatency);
    double r = qualityWeight * quality + costWeight * (1.0 - normCost) + latencyWeight * (1.0 - normLatency);
    return Math.max(0.0, Math.min(1.0, r));
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
    private double costScale;
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
    public Builder costScale(double dollars) {
      if (!(dollars > 0.0) || Double.isInfinite(dollars)) {
        throw new IllegalArgumentException("costScale must be finite and > 0 but was " + dollars);
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
