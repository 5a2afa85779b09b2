package dev.ralex.core;

import dev.ralex.api.BudgetExceededException;
import dev.ralex.api.BudgetSnapshot;
import dev.ralex.api.ChatRequest;
import dev.ralex.api.ModelInfo;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;

/**
 * The budget gate and the ledger of the pipeline: reserves each attempt's worst-case cost against the budgets it
 * falls under before the attempt, and records what it really cost afterwards. Implementations must be
 * thread-safe, and must never let the spend recorded against a budget pass its cap through concurrent
 * reservations.
 */
public interface UsageTracker {
  /**
   * Reserves {@code worstCaseCost} against every budget {@code request} falls under, all or none.
   *
   * @throws BudgetExceededException naming the tightest budget that would overflow
   */
  Reservation reserve(ChatRequest request, ModelInfo model, BigDecimal worstCaseCost);

  /** The tightest budget {@code request} falls under, for the selector; {@link BudgetSnapshot#UNLIMITED} if none. */
  BudgetSnapshot snapshot(ChatRequest request);

  /** The billed attempts recorded in [from, to), oldest first. */
  List<UsageRecord> records(Instant from, Instant to);

  /** What the billed attempts in [from, to) cost, in US dollars. */
  BigDecimal spent(Instant from, Instant to);

  /** What the billed attempts of the current day (in the tracker's time zone) cost. */
  BigDecimal spentToday();

  /** A reservation. Exactly one of its methods should be called, once; later calls are ignored. */
  interface Reservation {
    /** The attempt was billed: records it and replaces the reservation by the real cost. */
    void commit(UsageRecord record);

    /** The attempt was not billed: drops the reservation. */
    void release();
  }

  /**
   * An in-memory tracker enforcing {@code budgets}, with periods in {@code zone}. It keeps the most recent
   * {@code maxRecords} records for queries; budget totals stay exact however many records are dropped. Spend is
   * lost when the process ends.
   */
  static UsageTracker inMemory(List<Budget> budgets, Clock clock, ZoneId zone, int maxRecords) {
    return new InMemoryUsageTracker(budgets, clock, zone, maxRecords);
  }
}
