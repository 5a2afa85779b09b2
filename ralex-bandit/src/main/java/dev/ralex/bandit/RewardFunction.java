package dev.ralex.bandit;

import dev.ralex.api.Feedback;

/**
 * Scores the outcome of one attempt as a reward in [0, 1], higher being better. Implementations must be
 * thread-safe.
 */
@FunctionalInterface
public interface RewardFunction {
  /** The reward for {@code feedback}, in [0, 1]. */
  double reward(Feedback feedback);

  /**
   * The default: {@code 0.5 * quality + 0.3 * (1 - normalized cost) + 0.2 * (1 - normalized latency)}, cost and
   * latency normalized against their running maxima; see {@link WeightedReward}.
   */
  static RewardFunction defaults() {
    return WeightedReward.builder().build();
  }
}
