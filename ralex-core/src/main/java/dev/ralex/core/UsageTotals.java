package dev.ralex.core;

import java.math.BigDecimal;
import java.util.Objects;

/**
 * Totals over a set of billed attempts: how many, the tokens of each kind (in Ralex's normalised convention:
 * {@code inputTokens} uncached, cache reads and writes beside it), what they cost, and what the same usage would
 * have cost on the report's reference model. Money in US dollars, exact. Immutable.
 *
 * @param calls billed attempts counted
 * @param inputTokens uncached input tokens
 * @param outputTokens output tokens, including reasoning tokens
 * @param cacheReadTokens input tokens read from the prompt cache
 * @param cacheWriteTokens input tokens written to the prompt cache
 * @param cost what the attempts cost: the provider's reported cost where it gave one, else catalog prices
 * @param referenceCost the same usage at the reference model's prices; equal to {@code cost} when the report has
 *     no reference model
 */
public record UsageTotals(long calls, long inputTokens, long outputTokens, long cacheReadTokens,
    long cacheWriteTokens, BigDecimal cost, BigDecimal referenceCost) {
  /** Nothing. */
  public static final UsageTotals ZERO = new UsageTotals(0, 0, 0, 0, 0, BigDecimal.ZERO, BigDecimal.ZERO);

  /** Validates the totals. */
  public UsageTotals {
    Objects.requireNonNull(cost, "cost");
    Objects.requireNonNull(referenceCost, "referenceCost");
    if (calls < 0 || inputTokens < 0 || outputTokens < 0 || cacheReadTokens < 0 || cacheWriteTokens < 0) {
      throw new IllegalArgumentException("counts must not be negative");
    }
  }

  /** All input tokens: uncached, cache reads and cache writes. */
  public long totalInputTokens() {
    return Math.addExact(Math.addExact(inputTokens, cacheReadTokens), cacheWriteTokens);
  }

  /** What choosing these models saved against the reference model: {@code referenceCost - cost}; may be negative. */
  public BigDecimal savings() {
    return referenceCost.subtract(cost);
  }

  /** The sum of this and one more attempt. */
  UsageTotals plus(UsageRecord r, BigDecimal referenceCostOfR) {
    return new UsageTotals(calls + 1,
        Math.addExact(inputTokens, r.usage().inputTokens()),
        Math.addExact(outputTokens, r.usage().outputTokens()),
        Math.addExact(cacheReadTokens, r.usage().cacheReadTokens()),
        Math.addExact(cacheWriteTokens, r.usage().cacheWriteTokens()),
        cost.add(r.cost()),
        referenceCost.add(referenceCostOfR));
  }
}
