package dev.ralex.bandit;

import dev.ralex.api.ModelInfo;
import dev.ralex.api.ModelTier;
import dev.ralex.api.RoutingContext;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.Locale;
import java.util.Objects;

/**
 * Steers a {@link LinUcbSelector} towards a target on live traffic: a share of calls to strong-tier models, or a
 * mean spend per call. Rather than a raw threshold that means something different on every workload, it keeps
 * one Lagrange multiplier that it recalibrates online: each decision is made on {@code ucb - multiplier *
 * penalty(model)}, and the multiplier rises while traffic runs above the target and falls (never below 0) while
 * it runs below.
 *
 * <ul>
 *   <li>{@link #strongShare(double)}: the penalty is 1 for a strong-tier model, else 0; the multiplier moves
 *       after every decision by {@code step * (chosen strong ? 1 - share : -share)}.
 *   <li>{@link #spendPerCall(BigDecimal)}: the penalty is a model's expected cost for the request (its price for
 *       the estimated input and the request's output limit, at most 4,096 tokens) over the target; the
 *       multiplier moves after every billed attempt by {@code step * (cost / target - 1)}.
 * </ul>
 *
 * <p>One instance steers one selector. Thread-safe: the multiplier is updated under a lock.
 */
public final class Steering {
  /** The default step by which the multiplier moves: small enough to settle, large enough to follow a drift. */
  public static final double DEFAULT_STEP = 0.01;

  private enum Kind { NONE, STRONG_SHARE, SPEND_PER_CALL }

  private static final int EXPECTED_OUTPUT_CAP = 4_096;
  private static final double MAX_PENALTY = 10.0;

  private final Kind kind;
  private final double share;
  private final BigDecimal spend;
  private final double step;
  private double multiplier; // guarded by this
  private long decisions; // guarded by this
  private long strongDecisions; // guarded by this

  private Steering(Kind kind, double share, BigDecimal spend, double step) {
    this.kind = kind;
    this.share = share;
    this.spend = spend;
    this.step = step;
  }

  /** No steering: decisions follow the bandit's bounds alone. */
  public static Steering none() {
    return new Steering(Kind.NONE, 0, null, 0);
  }

  /**
   * Aims at {@code share} of decisions going to strong-tier models.
   *
   * @param share in (0, 1)
   */
  public static Steering strongShare(double share) {
    if (!(share > 0.0 && share < 1.0)) {
      throw new IllegalArgumentException("share must be in (0, 1) but was " + share);
    }
    return new Steering(Kind.STRONG_SHARE, share, null, DEFAULT_STEP);
  }

  /**
   * Aims at a mean of {@code dollars} per billed attempt.
   *
   * @param dollars greater than 0
   */
  public static Steering spendPerCall(BigDecimal dollars) {
    Objects.requireNonNull(dollars, "dollars");
    if (dollars.signum() <= 0) {
      throw new IllegalArgumentException("the target spend must be greater than 0 but was " + dollars);
    }
    return new Steering(Kind.SPEND_PER_CALL, 0, dollars, DEFAULT_STEP);
  }

  /**
   * This steering with another step (default {@value #DEFAULT_STEP}); the multiplier starts again at 0.
   *
   * @param step greater than 0 and at most 1
   */
  public Steering withStep(double step) {
    if (!(step > 0.0 && step <= 1.0)) {
      throw new IllegalArgumentException("step must be in (0, 1] but was " + step);
    }
    return new Steering(kind, share, spend, step);
  }

  /** Whether this steers at all. */
  public boolean isActive() {
    return kind != Kind.NONE;
  }

  /** The current weight of a unit of penalty, in reward units; 0 until traffic runs above the target. */
  public synchronized double multiplier() {
    return multiplier;
  }

  /** The share of decisions so far that went to strong-tier models. */
  public synchronized double strongShareSoFar() {
    return decisions == 0 ? 0.0 : (double) strongDecisions / decisions;
  }

  /** What choosing {@code model} for this request costs against the target, in units the multiplier applies to. */
  double penalty(ModelInfo model, RoutingContext context) {
    switch (kind) {
      case STRONG_SHARE:
        return model.tier() == ModelTier.STRONG ? 1.0 : 0.0;
      case SPEND_PER_CALL:
        int output = Math.min(EXPECTED_OUTPUT_CAP,
            Math.min(context.request().maxOutputTokens().orElse(EXPECTED_OUTPUT_CAP), model.maxOutputTokens()));
        BigDecimal expected = model.pricing().worstCaseCost(context.estimatedInputTokens(), output);
        return Math.min(MAX_PENALTY, expected.divide(spend, MathContext.DECIMAL64).doubleValue());
      default:
        return 0.0;
    }
  }

  /** Records a decision. */
  synchronized void decided(ModelInfo model) {
    decisions++;
    boolean strong = model.tier() == ModelTier.STRONG;
    if (strong) {
      strongDecisions++;
    }
    if (kind == Kind.STRONG_SHARE) {
      multiplier = Math.max(0.0, multiplier + step * ((strong ? 1.0 : 0.0) - share));
    }
  }

  /** Records what a billed attempt cost. */
  synchronized void billed(BigDecimal cost) {
    if (kind == Kind.SPEND_PER_CALL) {
      double ratio = cost.divide(spend, MathContext.DECIMAL64).doubleValue();
      multiplier = Math.max(0.0, multiplier + step * (Math.min(MAX_PENALTY, ratio) - 1.0));
    }
  }

  @Override
  public String toString() {
    switch (kind) {
      case STRONG_SHARE:
        return String.format(Locale.ROOT, "steering to %.0f%% strong calls", share * 100);
      case SPEND_PER_CALL:
        return "steering to $" + spend.toPlainString() + " per call";
      default:
        return "no steering";
    }
  }
}
