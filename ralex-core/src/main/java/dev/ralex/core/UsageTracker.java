package dev.ralex.core;

import dev.ralex.api.BudgetExceededException;
import dev.ralex.api.BudgetSnapshot;
import dev.ralex.api.ChatRequest;
import dev.ralex.api.ModelInfo;
import dev.ralex.api.RalexEvent;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
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

  /** The time zone in which the tracker's budget days and months start, and reports' by default. UTC unless set. */
  default ZoneId zone() {
    return ZoneOffset.UTC;
  }

  /**
   * Spend and tokens of the billed attempts in the query's range, grouped as it asks (per day, month, model,
   * provider, conversation or tag value), with what the same usage would have cost on its reference model. Days
   * and months are those of the query's zone, else {@link #zone()}. The default builds the report from
   * {@link #records}; a tracker that keeps aggregates may answer faster.
   */
  default UsageReport report(UsageQuery query) {
    return UsageReport.of(query, query.zone().orElse(zone()), records(query.from(), query.to()), true);
  }

  /**
   * A reservation. Exactly one of its methods should be called, once; later calls are ignored. Thread-safe: two
   * threads racing to settle the same reservation settle it once.
   */
  interface Reservation {
    /** The attempt was billed: records it and replaces the reservation by the real cost. */
    void commit(UsageRecord record);

    /**
     * As {@link #commit}, and returns the alerts this commit triggered: each budget whose committed spend
     * reached its alert threshold with this commit, once per budget per period. The pipeline delivers them to
     * the listeners. The default commits and returns none, for trackers without alerts.
     */
    default List<RalexEvent.BudgetAlert> commitAlerting(UsageRecord record) {
      commit(record);
      return List.of();
    }

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
