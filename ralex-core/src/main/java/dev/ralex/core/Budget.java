package dev.ralex.core;

import java.math.BigDecimal;
import java.util.Locale;
import java.util.Objects;

/**
 * A hard cap on spend per period for one scope, such as "$5 a day for everything" or "$20 a month for
 * {@code team=search}". Before each attempt Ralex reserves the attempt's worst-case cost against every budget
 * the call falls under, and refuses the call if any would overflow. Immutable.
 *
 * @param period the period the cap applies to; periods start at midnight in Ralex's time zone
 * @param limit the cap in US dollars, at least zero
 * @param scope the calls it covers
 */
public record Budget(Period period, BigDecimal limit, BudgetScope scope) {
  /** The budget periods. */
  public enum Period {
    /** A calendar day. */
    DAILY,
    /** A calendar month. */
    MONTHLY
  }

  /** Validates the budget. */
  public Budget {
    Objects.requireNonNull(period, "period");
    Objects.requireNonNull(limit, "limit");
    Objects.requireNonNull(scope, "scope");
    if (limit.signum() < 0) {
      throw new IllegalArgumentException("budget limit must not be negative but was " + limit);
    }
  }

  /** A daily cap on all calls. */
  public static Budget daily(BigDecimal limit) {
    return new Budget(Period.DAILY, limit, BudgetScope.GLOBAL);
  }

  /** A monthly cap on all calls. */
  public static Budget monthly(BigDecimal limit) {
    return new Budget(Period.MONTHLY, limit, BudgetScope.GLOBAL);
  }

  /** A short name such as {@code daily global}, used in errors and events. */
  public String name() {
    return period.name().toLowerCase(Locale.ROOT) + " " + scope;
  }
}
