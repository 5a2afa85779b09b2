package dev.ralex.api;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.Objects;
import java.util.Optional;

/**
 * The state of the tightest budget a call falls under, as selectors see it: what was spent (and reserved) in
 * the current period, and the cap. Immutable and thread-safe.
 */
public final class BudgetSnapshot {
  /** No budget applies. */
  public static final BudgetSnapshot UNLIMITED = new BudgetSnapshot("none", BigDecimal.ZERO, null);

  private final String budget;
  private final BigDecimal spent;
  private final BigDecimal limit;

  private BudgetSnapshot(String budget, BigDecimal spent, BigDecimal limit) {
    this.budget = budget;
    this.spent = spent;
    this.limit = limit;
  }

  /**
   * A snapshot of a capped budget.
   *
   * @param budget the budget's name, such as {@code daily global}
   * @param spent spent and reserved in the current period, at least zero
   * @param limit the cap, at least zero
   */
  public static BudgetSnapshot of(String budget, BigDecimal spent, BigDecimal limit) {
    Checks.notBlank(budget, "budget");
    Objects.requireNonNull(spent, "spent");
    Objects.requireNonNull(limit, "limit");
    if (spent.signum() < 0 || limit.signum() < 0) {
      throw new IllegalArgumentException("spent and limit must not be negative");
    }
    return new BudgetSnapshot(budget, spent, limit);
  }

  /** The budget's name, or {@code none} when unlimited. */
  public String budget() {
    return budget;
  }

  /** What was spent and reserved in the current period, in dollars. */
  public BigDecimal spent() {
    return spent;
  }

  /** The cap in dollars; empty when no budget applies. */
  public Optional<BigDecimal> limit() {
    return Optional.ofNullable(limit);
  }

  /** What is left before the cap, never negative; empty when no budget applies. */
  public Optional<BigDecimal> remaining() {
    return limit == null ? Optional.empty() : Optional.of(limit.subtract(spent).max(BigDecimal.ZERO));
  }

  /** The share of the cap left, in [0, 1]; 1 when no budget applies, 0 when a zero cap applies. */
  public double remainingFraction() {
    if (limit == null) {
      return 1.0;
    }
    if (limit.signum() == 0) {
      return 0.0;
    }
    return remaining().orElseThrow().divide(limit, MathContext.DECIMAL64).doubleValue();
  }

  /** Whether a cap applies and nothing is left of it. */
  public boolean isExhausted() {
    return limit != null && spent.compareTo(limit) >= 0;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof BudgetSnapshot)) {
      return false;
    }
    BudgetSnapshot that = (BudgetSnapshot) o;
    return budget.equals(that.budget) && spent.compareTo(that.spent) == 0
        && (limit == null ? that.limit == null : that.limit != null && limit.compareTo(that.limit) == 0);
  }

  @Override
  public int hashCode() {
    return budget.hashCode();
  }

  @Override
  public String toString() {
    return limit == null ? "BudgetSnapshot[unlimited]"
        : "BudgetSnapshot[" + budget + ": $" + spent.toPlainString() + " of $" + limit.toPlainString() + "]";
  }
}
