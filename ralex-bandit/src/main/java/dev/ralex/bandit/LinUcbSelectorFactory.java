package dev.ralex.bandit;

import dev.ralex.api.ConfigurationException;
import dev.ralex.api.ErrorDetails;
import dev.ralex.api.ModelSelector;
import dev.ralex.api.ModelSelectorFactory;
import dev.ralex.api.SelectorConfig;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Creates a {@link LinUcbSelector} from a configuration file's {@code selector} section with {@code type:
 * linucb}; registered with {@link java.util.ServiceLoader}, so having {@code dev.ralex:ralex-bandit} on the class
 * path is enough. Every key is optional; a key left out keeps the builder's default:
 *
 * <ul>
 *   <li>{@code alpha}: the exploration weight, at least 0 (default {@value LinUcb#DEFAULT_ALPHA}); {@code
 *       lambda}: the ridge prior, greater than 0 (default {@value LinUcb#DEFAULT_LAMBDA}).
 *   <li>{@code buckets}: the hashed-word buckets of the {@link DefaultFeatureExtractor}, at least 0 (default
 *       {@value DefaultFeatureExtractor#DEFAULT_BUCKETS}).
 *   <li>{@code quality}, {@code cost}, {@code latency}: the weights of the {@link WeightedReward}, each at least
 *       0, not all 0 (defaults 0.5, 0.3, 0.2; a weight left out keeps its default, and the three are scaled to sum
 *       to 1); {@code costScale} (dollars, greater than 0) and {@code latencyScale} (a duration greater than 0)
 *       normalize cost and latency against a fixed scale instead of the largest seen.
 *   <li>{@code awaitRatings}: how long an answer waits for the caller's rating before it is learned, a duration
 *       (default 0: learned at once; see {@link LinUcbSelector.Builder#awaitRatings}).
 *   <li>{@code strongShare} (in (0, 1)) or {@code spendPerCall} (dollars, greater than 0), not both: the
 *       {@link Steering} target.
 *   <li>{@code maxPending}: how many calls may await feedback, at least 1 (default 10000).
 *   <li>{@code stateFile}: a JSON file holding the learned state ({@link LinUcbSelector.Builder#stateFile}),
 *       resolved against the configuration file's directory: read when the file is loaded if it exists (a state
 *       that cannot be read is an error naming the file), saved atomically when the {@code Ralex} built from
 *       the file is closed. With a state, {@code alpha} replaces the saved one, while {@code lambda} and {@code
 *       buckets} must match it.
 * </ul>
 *
 * <p>An unknown key, or a value of the wrong form, is a {@link ConfigurationException} naming the key ({@code
 * selector.alpha}), never its value. Thread-safe; each call creates a new selector.
 */
public final class LinUcbSelectorFactory implements ModelSelectorFactory {
  /** The type this factory answers to. */
  public static final String TYPE = "linucb";

  private static final double DEFAULT_QUALITY = 0.5;
  private static final double DEFAULT_COST = 0.3;
  private static final double DEFAULT_LATENCY = 0.2;

  /** Creates the factory; {@link java.util.ServiceLoader} calls this. */
  public LinUcbSelectorFactory() {}

  /** {@value #TYPE}. */
  @Override
  public String type() {
    return TYPE;
  }

  @Override
  public ModelSelector create(SelectorConfig config) {
    config.requireOnly("alpha", "lambda", "buckets", "quality", "cost", "latency", "costScale", "latencyScale",
        "awaitRatings", "strongShare", "spendPerCall", "maxPending", "stateFile");
    LinUcbSelector.Builder builder = LinUcbSelector.builder();
    config.number("alpha").ifPresent(alpha -> builder.alpha(require(config, "alpha", alpha >= 0, alpha,
        "must be a number of at least 0, such as 1.5")));
    config.number("lambda").ifPresent(lambda -> builder.lambda(require(config, "lambda", lambda > 0, lambda,
        "must be a number greater than 0, such as 100")));
    config.integer("buckets").ifPresent(buckets -> builder.features(new DefaultFeatureExtractor(require(config,
        "buckets", buckets >= 0, buckets, "must be a whole number of at least 0, such as 32"))));
    builder.reward(reward(config));
    config.duration("awaitRatings").ifPresent(wait -> builder.awaitRatings(require(config, "awaitRatings",
        !wait.isNegative(), wait, "must be a duration of at least 0, such as 10m")));
    steering(config).ifPresent(builder::steering);
    config.integer("maxPending").ifPresent(max -> builder.maxPending(require(config, "maxPending", max >= 1, max,
        "must be a whole number of at least 1")));
    Optional<Path> stateFile = config.path("stateFile");
    stateFile.ifPresent(builder::stateFile);
    try {
      return builder.build();
    } catch (IllegalArgumentException | UncheckedIOException e) {
      // Every setting was checked above, so what remains is the state file: unreadable, corrupt, or learned
      // with other features or another lambda. The messages name the file.
      if (stateFile.isEmpty()) {
        throw e;
      }
      throw new ConfigurationException("'" + config.keyPath("stateFile") + "': " + e.getMessage(),
          ErrorDetails.NONE, e);
    }
  }

  private static <T> T require(SelectorConfig config, String key, boolean valid, T value, String requirement) {
    if (!valid) {
      throw config.invalid(key, requirement);
    }
    return value;
  }

  /** The weighted reward; weights left out keep their defaults, and the three are scaled to sum to 1. */
  private static WeightedReward reward(SelectorConfig config) {
    double quality = weight(config, "quality", DEFAULT_QUALITY);
    double cost = weight(config, "cost", DEFAULT_COST);
    double latency = weight(config, "latency", DEFAULT_LATENCY);
    double sum = quality + cost + latency;
    if (!(sum > 0) || Double.isInfinite(sum)) {
      throw new ConfigurationException("'" + config.keyPath("quality") + "', '" + config.keyPath("cost") + "' and '"
          + config.keyPath("latency") + "' must not all be 0 (and must be of reasonable size): the reward needs "
          + "a weight");
    }
    WeightedReward.Builder reward = WeightedReward.builder();
    // Scaled as the scoring selector's weights are, so that "quality: 1" alone means "more quality", not an error.
    double scaledQuality = quality / sum;
    double scaledCost = cost / sum;
    // The third as the rest, so that the three sum to 1 as the builder checks; never below 0 by rounding.
    reward.weights(scaledQuality, scaledCost, Math.max(0.0, 1.0 - scaledQuality - scaledCost));
    config.decimal("costScale").ifPresent(dollars -> reward.costScale(require(config, "costScale",
        dollars.signum() > 0, dollars, "must be an amount in dollars greater than 0, such as 0.01")));
    config.duration("latencyScale").ifPresent(scale -> reward.latencyScale(require(config, "latencyScale",
        !scale.isNegative() && !scale.isZero(), scale, "must be a duration greater than 0, such as 10s")));
    return reward.build();
  }

  private static double weight(SelectorConfig config, String key, double defaultWeight) {
    return config.number(key).map(w -> require(config, key, w >= 0, w,
        "must be a weight of at least 0, such as 0.5")).orElse(defaultWeight);
  }

  private static Optional<Steering> steering(SelectorConfig config) {
    Optional<Double> share = config.number("strongShare");
    Optional<BigDecimal> spend = config.decimal("spendPerCall");
    if (share.isPresent() && spend.isPresent()) {
      throw new ConfigurationException("'" + config.keyPath("strongShare") + "' and '"
          + config.keyPath("spendPerCall") + "' are both set, but steering aims at one target: keep one");
    }
    if (share.isPresent()) {
      double s = require(config, "strongShare", share.get() > 0 && share.get() < 1, share.get(),
          "must be a share greater than 0 and less than 1, such as 0.2");
      return Optional.of(Steering.strongShare(s));
    }
    return spend.map(dollars -> Steering.spendPerCall(require(config, "spendPerCall", dollars.signum() > 0, dollars,
        "must be an amount in dollars greater than 0, such as 0.002")));
  }
}
