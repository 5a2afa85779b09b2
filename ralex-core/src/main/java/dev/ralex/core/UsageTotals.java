package dev.ralex.core;

import java.math.BigDecimal;
import java.util.Objects;

/**
 * Totals over a set of usage records: how many billed attempts, the tokens of each kind (in Ralex's normalised
 * convention: {@code inputTokens} uncached, cache reads and writes beside it), what they cost, what the same usage
 * would have cost on the report's reference model, and how many calls the response cache answered and what that
 * saved. Money in US dollars, exact. Immutable.
 *
 * @param calls billed attempts counted; cache hits are not among them (see {@code cacheHits})
 * @param inputTokens uncached input tokens
 * @param outputTokens output tokens, including reasoning tokens
 * @param cacheReadTokens input tokens read from the prompt cache
 * @param cacheWriteTokens input tokens written to the prompt cache
 * @param cost what the attempts cost: the provider's reported cost where it gave one, else catalog prices
 * @param referenceCost the same usage at the reference model's prices; equal to {@code cost} when the report has
 *     no reference model
 * @param cacheHits calls answered from the response cache (each cost nothing)
 * @param saved what those cache hits did not spend: the summed cost of the cached answers when they were made.
 *     Not part of {@link #savings()}, which compares models
 */
public record UsageTotals(long calls, long inputTokens, long outputTokens, long cacheReadTokens,
    long cacheWriteTokens, BigDecimal cost, BigDecimal referenceCost, long cacheHits, BigDecimal saved) {
  /** Nothing. */
  public static final UsageTotals ZERO = new UsageTotals(0, 0, 0, 0, 0, BigDecimal.ZERO, BigDecimal.ZERO, 0,
      BigDecimal.ZERO);

  /** Validates the totals. */
  public UsageTotals {
    Objects.requireNonNull(cost, "cost");
    Objects.requireNonNull(referenceCost, "referenceCost");
    Objects.requireNonNull(saved, "saved");
    if (calls < 0 || inputTokens < 0 || outputTokens < 0 || cacheReadTokens < 0 || cacheWriteTokens < 0
        || cacheHits < 0) {
      throw new IllegalArgumentException("counts must not be negative");
    }
    if (saved.signum() < 0) {
      throw new IllegalArgumentException("saved must not be negative");
    }
  }

  /** Totals without cache hits: as the canonical constructor with no hits and nothing saved. */
  public UsageTotals(long calls, long inputTokens, long outputTokens, long cacheReadTokens, long cacheWriteTokens,
      BigDecimal cost, BigDecimal referenceCost) {
    this(calls, inputTokens, outputTokens, cacheReadTokens, cacheWriteTokens, cost, referenceCost, 0,
        BigDecimal.ZERO);
  }

  /** All input tokens: uncached, cache reads and cache writes. */
  public long totalInputTokens() {
    return Math.addExact(Math.addExact(inputTokens, cacheReadTokens), cacheWriteTokens);
  }

  /** What choosing these models saved against the reference model: {@code referenceCost - cost}; may be negative. */
  public BigDecimal savings() {
    return referenceCost.subtract(cost);
  }

  /**
   * The share of calls answered from the response cache: {@code cacheHits / (calls + cacheHits)}, or 0 when
   * there are neither. Billed attempts of calls that were not cacheable count as misses here, and a call that
   * took several attempts counts once per attempt.
   */
  public double cacheHitRate() {
    long all = calls + cacheHits;
    return all == 0 ? 0.0 : (double) cacheHits / all;
  }

  /** The sum of this and one more record; {@code referenceCostOfR} is its usage at the reference model's prices. */
  UsageTotals plus(UsageRecord r, BigDecimal referenceCostOfR) {
    if (r.isCacheHit()) {
      // No tokens and no cost: a hit's usage is zero, so its reference cost is too.
      return new UsageTotals(calls, inputTokens, outputTokens, cacheReadTokens, cacheWriteTokens, cost,
          referenceCost, cacheHits + 1, saved.add(r.saved()));
    }
    return new UsageTotals(calls + 1,
        Math.addExact(inputTokens, r.usage().inputTokens()),
        Math.addExact(outputTokens, r.usage().outputTokens()),
        Math.addExact(cacheReadTokens, r.usage().cacheReadTokens()),
        Math.addExact(cacheWriteTokens, r.usage().cacheWriteTokens()),
        cost.add(r.cost()),
        referenceCost.add(referenceCostOfR),
        cacheHits,
        saved);
  }

  /** The sum of this and a compacted aggregate; {@code referenceCostOfA} is its usage at the reference prices. */
  UsageTotals plus(UsageStore.Aggregate a, BigDecimal referenceCostOfA) {
    boolean hit = a.kind() == UsageRecord.Kind.CACHE_HIT;
    return new UsageTotals(hit ? calls : Math.addExact(calls, a.count()),
        Math.addExact(inputTokens, a.usage().inputTokens()),
        Math.addExact(outputTokens, a.usage().outputTokens()),
        Math.addExact(cacheReadTokens, a.usage().cacheReadTokens()),
        Math.addExact(cacheWriteTokens, a.usage().cacheWriteTokens()),
        cost.add(a.cost()),
        referenceCost.add(referenceCostOfA),
        hit ? Math.addExact(cacheHits, a.count()) : cacheHits,
        saved.add(a.saved()));
  }
}
