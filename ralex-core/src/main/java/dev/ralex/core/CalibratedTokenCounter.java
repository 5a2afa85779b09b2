package dev.ralex.core;

import dev.ralex.api.ChatRequest;
import dev.ralex.api.Message;
import dev.ralex.api.ModelInfo;
import dev.ralex.api.TokenCounter;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A {@link TokenCounter} that learns, per model, how far another counter's figures are from the input tokens
 * the provider actually bills, and scales them by that ratio, so that an estimate converges on the real count.
 *
 * <p>After each response the caller reports the wrapped counter's figure for the request and the input tokens
 * the response reported ({@link #observe}). Each report gives a sample {@code actual / estimated}, clamped to
 * [{@link Builder#minRatio minRatio}, {@link Builder#maxRatio maxRatio}] (default [0.5, 3]); samples where either
 * figure is below {@link Builder#minTokens minTokens} (default 64) are ignored, since fixed overheads the
 * estimate cannot know dominate tiny requests. The model's ratio starts at 1 and moves toward each sample by an
 * exponentially weighted average with weight {@code max(alpha, 1 / (n + 1))} for the n-th sample (default alpha
 * 0.2): the first samples count as much as the starting value does, later ones by {@code alpha}, so the ratio
 * settles within a few responses and keeps following a drift.
 *
 * <p>Counts are the wrapped counter's, multiplied by the ratio and rounded up, part by part: {@link #countFixed}
 * and {@link #countMessage} are each scaled, and {@link #countInputTokens} is their sum, so the additivity of
 * {@link TokenCounter} holds, and the whole may exceed {@code ceil(ratio * wrapped whole)} by at most one token per
 * part. Estimates err high by rounding; the ratio itself is a running mean, so a model whose true ratio varies
 * from request to request is still underestimated on about half of them by up to that variation.
 *
 * <p>Thread-safe: each model's ratio is updated atomically, and counting never blocks on updates.
 */
public final class CalibratedTokenCounter implements TokenCounter {
  private final TokenCounter delegate;
  private final double alpha;
  private final double minRatio;
  private final double maxRatio;
  private final int minTokens;
  private final ConcurrentHashMap<String, State> states = new ConcurrentHashMap<>();

  /** A model's learned ratio and how many samples taught it. */
  private record State(double ratio, long samples) {}

  private static final State START = new State(1.0, 0);

  private CalibratedTokenCounter(Builder b) {
    this.delegate = b.delegate;
    this.alpha = b.alpha;
    this.minRatio = b.minRatio;
    this.maxRatio = b.maxRatio;
    this.minTokens = b.minTokens;
  }

  /** A calibrated counter over {@code delegate} with the default settings. */
  public static CalibratedTokenCounter wrapping(TokenCounter delegate) {
    return builder(delegate).build();
  }

  /** A builder for a calibrated counter over {@code delegate}. */
  public static Builder builder(TokenCounter delegate) {
    return new Builder(delegate);
  }

  /** The counter whose figures this one scales; {@link #observe} expects its figures. */
  public TokenCounter delegate() {
    return delegate;
  }

  /**
   * Learns from one response: {@code estimated} is the wrapped counter's (unscaled) count of the request, as
   * {@code delegate().countInputTokens(model, request)} gave it, and {@code actualInputTokens} is every input
   * token the provider billed for it (cached reads and writes included, such as {@code
   * Usage.totalInputTokens()}). Ignored when either is below the minimum; otherwise the model's ratio moves
   * toward their quotient, clamped to the allowed range. Safe to call from any thread.
   *
   * @throws IllegalArgumentException if a count is negative
   */
  public void observe(ModelInfo model, int estimated, int actualInputTokens) {
    Objects.requireNonNull(model, "model");
    if (estimated < 0 || actualInputTokens < 0) {
      throw new IllegalArgumentException(
          "token counts must not be negative but were " + estimated + " and " + actualInputTokens);
    }
    if (estimated < minTokens || actualInputTokens < minTokens) {
      return;
    }
    double sample = Math.max(minRatio, Math.min(maxRatio, (double) actualInputTokens / estimated));
    states.compute(model.id(), (id, old) -> {
      State s = old == null ? START : old;
      long n = s.samples() + 1;
      double weight = Math.max(alpha, 1.0 / (n + 1));
      double ratio = s.ratio() + weight * (sample - s.ratio());
      return new State(Math.max(minRatio, Math.min(maxRatio, ratio)), n);
    });
  }

  /** The ratio counts for {@code model} are scaled by: 1 until a sample has been observed. */
  public double ratio(ModelInfo model) {
    Objects.requireNonNull(model, "model");
    return states.getOrDefault(model.id(), START).ratio();
  }

  /** How many samples {@code model}'s ratio has learned from (ignored ones not counted). */
  public long samples(ModelInfo model) {
    Objects.requireNonNull(model, "model");
    return states.getOrDefault(model.id(), START).samples();
  }

  /**
   * {@code count} (a figure of the wrapped counter, or any figure in its terms, such as a provider's {@code
   * estimateInputTokens}) scaled by {@code model}'s ratio and rounded up, saturating at {@link Integer#MAX_VALUE}.
   */
  public int scale(ModelInfo model, int count) {
    if (count < 0) {
      throw new IllegalArgumentException("count must not be negative but was " + count);
    }
    double scaled = Math.ceil(count * ratio(model));
    return scaled >= Integer.MAX_VALUE ? Integer.MAX_VALUE : (int) Math.max(0, scaled);
  }

  /** The wrapped counter's count of the message, scaled by the model's ratio and rounded up. */
  @Override
  public int countMessage(ModelInfo model, Message message) {
    return scale(model, delegate.countMessage(model, message));
  }

  /** The wrapped counter's fixed part, scaled by the model's ratio and rounded up. */
  @Override
  public int countFixed(ModelInfo model, ChatRequest request) {
    return scale(model, delegate.countFixed(model, request));
  }

  /** Names the wrapped counter and the settings; not the learned ratios. */
  @Override
  public String toString() {
    return "CalibratedTokenCounter[" + delegate + ", alpha=" + alpha + ", range=[" + minRatio + ", " + maxRatio
        + "], minTokens=" + minTokens + "]";
  }

  /** Builds a {@link CalibratedTokenCounter}; not thread-safe. Validation happens in {@link #build()}. */
  public static final class Builder {
    private final TokenCounter delegate;
    private double alpha = 0.2;
    private double minRatio = 0.5;
    private double maxRatio = 3.0;
    private int minTokens = 64;

    private Builder(TokenCounter delegate) {
      this.delegate = Objects.requireNonNull(delegate, "delegate");
    }

    /** The weight of a new sample once the first few have been seen, in (0, 1]; default 0.2. */
    public Builder alpha(double alpha) {
      this.alpha = alpha;
      return this;
    }

    /** The smallest ratio, and sample, allowed; default 0.5. */
    public Builder minRatio(double minRatio) {
      this.minRatio = minRatio;
      return this;
    }

    /** The largest ratio, and sample, allowed; default 3. */
    public Builder maxRatio(double maxRatio) {
      this.maxRatio = maxRatio;
      return this;
    }

    /** Samples whose estimated or actual count is below this are ignored; default 64. */
    public Builder minTokens(int minTokens) {
      this.minTokens = minTokens;
      return this;
    }

    /**
     * Validates and builds the counter.
     *
     * @throws IllegalArgumentException if alpha is not in (0, 1], the range is not {@code 0 < min <= 1 <= max}
     *     (the starting ratio 1 must lie in it), or the minimum is negative
     */
    public CalibratedTokenCounter build() {
      if (!(alpha > 0 && alpha <= 1)) {
        throw new IllegalArgumentException("alpha should be in (0, 1] but was " + alpha);
      }
      if (!(minRatio > 0 && minRatio <= 1 && maxRatio >= 1 && Double.isFinite(maxRatio))) {
        throw new IllegalArgumentException("the ratio range should satisfy 0 < minRatio <= 1 <= maxRatio but was ["
            + minRatio + ", " + maxRatio + "]");
      }
      if (minTokens < 0) {
        throw new IllegalArgumentException("minTokens should not be negative but was " + minTokens);
      }
      return new CalibratedTokenCounter(this);
    }
  }
}
