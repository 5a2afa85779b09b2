package dev.ralex.api;

import java.math.BigDecimal;
import java.util.Objects;

/**
 * A budget cap refused the call before it was sent: its worst-case cost would have taken the spend of a
 * budget's scope past the cap. Nothing was sent or billed. Not retryable until the budget's period rolls over
 * or the cap is raised; a cheaper model or a smaller max output may fit.
 */
public class BudgetExceededException extends LlmException {
  private static final long serialVersionUID = 1L;

  private final String budget;
  private final BigDecimal limit;
  private final BigDecimal spent;
  private final BigDecimal requested;

  /**
   * Creates the exception.
   *
   * @param budget the budget that refused, such as {@code daily global}
   * @param limit the budget's cap in dollars
   * @param spent what the budget's scope had spent and reserved in the period
   * @param requested the worst-case cost of the refused call
   */
  public BudgetExceededException(String budget, BigDecimal limit, BigDecimal spent, BigDecimal requested) {
    super(ErrorKind.BUDGET_EXCEEDED,
        "budget '" + budget + "' would be exceeded: cap $" + limit.toPlainString() + ", spent and reserved $"
            + spent.toPlainString() + ", this call up to $" + requested.toPlainString(),
        false, ErrorDetails.NONE, null);
    this.budget = Objects.requireNonNull(budget, "budget");
    this.limit = limit;
    this.spent = spent;
    this.requested = Objects.requireNonNull(requested, "requested");
  }

  /** The budget that refused. */
  public String budget() {
    return budget;
  }

  /** The budget's cap in dollars. */
  public BigDecimal limit() {
    return limit;
  }

  /** What the budget's scope had spent and reserved in the period when the call was refused. */
  public BigDecimal spent() {
    return spent;
  }

  /** The worst-case cost of the refused call. */
  public BigDecimal requested() {
    return requested;
  }
}
