package dev.ralex.core;

import java.math.BigDecimal;
import java.util.Locale;
import java.util.Objects;

/**
 * A hard cap on spend per period for one scope, such as "$5 a day for everything", "$20 a month for
 * {@code team=search}" or, as a default every new scope inherits, "$1 a day for each conversation". Before each
 * attempt Ralex reserves the attempt's worst-case cost against every budget the call falls under, and refuses
 * the call if any would overflow. When the committed spend of a period reaches {@code alertThreshold} of the
 * cap, a {@link dev.ralex.api.RalexEvent.BudgetAlert} fires, once per period. Immutable.
 *
 * @param period the period the cap applies to; periods start at midnight in Ralex's time zone
 * @param limit the cap in US dollars, at least zero
 * @param scope the calls it covers; a {@linkplain BudgetScope#isTemplate() template} scope gives each
 *     conversation (or each value of a tag) a cap of its own
 * @param alertThreshold the share of the cap at which the alert fires, in (0, 1]
 */
public record Budget(Period period, BigDecimal limit, BudgetScope scope, BigDecimal alertThreshold) {
  /** The alert threshold unless set: 80% of the cap. */
  public static final BigDecimal DEFAULT_ALERT_THRESHOLD = new BigDecimal("0.8");

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
    Objects.requireNonNull(alertThreshold, "alertThreshold");
    if (limit.signum() < 0) {
      throw new IllegalArgumentException("budget limit must not be negative but was " + limit);
    }
    if (alertThreshold.signum() <= 0 || alertThreshold.compareTo(BigDecimal.ONE) > 0) {
      throw new IllegalArgumentException("alertThreshold must be in (0, 1] but was " + alertThreshold);
    }
  }

  /** A budget alerting at the {@linkplain #DEFAULT_ALERT_THRESHOLD default threshold} of 80%. */
  public Budget(Period period, BigDecimal limit, BudgetScope scope) {
    this(period, limit, scope, DEFAULT_ALERT_THRESHOLD);
  }

  /** A daily cap on all calls. */
  public static Budget daily(BigDecimal limit) {
    return new Budget(Period.DAILY, limit, BudgetScope.GLOBAL);
  }

  /** A monthly cap on all calls. */
  public static Budget monthly(BigDecimal limit) {
    return new Budget(Period.MONTHLY, limit, BudgetScope.GLOBAL);
  }

  /**
   * A default cap for each conversation, one of its own per conversation id, including conversations not seen
   * yet. A budget with {@link BudgetScope#conversation(String)} for a given id replaces it for that id.
   */
  public static Budget perConversation(Period period, BigDecimal limit) {
    return new Budget(period, limit, BudgetScope.eachConversation());
  }

  /**
   * A default cap for each value of the tag {@code key} (each user, each team), one of its own per value,
   * including values not seen yet. A budget with {@link BudgetScope#tag(String, String)} for a given value
   * replaces it for that value. Calls without the tag are not covered.
   */
  public static Budget perTag(String key, Period period, BigDecimal limit) {
    return new Budget(period, limit, BudgetScope.eachTag(key));
  }

  /** This budget with another alert threshold, a share of the cap in (0, 1]. */
  public Budget withAlertThreshold(BigDecimal threshold) {
    return new Budget(period, limit, scope, threshold);
  }

  /** A short name such as {@code daily global} or {@code daily each conversation}, used in errors and events. */
  public String name() {
    return period.name().toLowerCase(Locale.ROOT) + " " + scope;
  }

  /** The committed spend at which the alert fires: {@code limit * alertThreshold}. */
  public BigDecimal alertAt() {
    return limit.multiply(alertThreshold);
  }
}
