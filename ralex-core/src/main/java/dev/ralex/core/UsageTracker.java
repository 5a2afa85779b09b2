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

  /**
   * The records of [from, to), oldest first: billed attempts, and the cache hits this tracker
   * {@linkplain #recordCacheHit recorded} (for a tracker with a store, see its factory).
   */
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
   * Spend and tokens of the billed attempts in the query's range, and the cache hits with what they saved, grouped
   * as it asks (per day, month, model, provider, conversation or tag value), with what the same usage would have
   * cost on its reference model. Grouped by a tag, its rows give the response cache's hit rate per tag value
   * ({@link UsageTotals#cacheHitRate()}) over everything recorded, across restarts for a tracker with a store. Days
   * and months are those of the query's zone, else {@link #zone()}. The default builds the report from
   * {@link #records}; a tracker that keeps aggregates may answer faster.
   */
  default UsageReport report(UsageQuery query) {
    return UsageReport.of(query, query.zone().orElse(zone()), records(query.from(), query.to()), true);
  }

  /**
   * Records a call answered from the response cache ({@link UsageRecord#isCacheHit()}), so that usage reports
   * show the hit and what it saved. It reserves and spends nothing: no budget changes. Called by the pipeline
   * once per hit, before the answer is returned. A tracker with a store appends the record to it like a billed
   * one; a failure to store it is logged, never thrown, since a cache hit must not fail the call.
   *
   * <p>The default ignores the hit, for trackers written before hits were recorded: such a tracker's reports
   * show no hits.
   *
   * @throws IllegalArgumentException if {@code hit} is not a cache hit
   */
  default void recordCacheHit(UsageRecord hit) {
    UsageStoreSupport.checkCacheHit(hit);
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

  /**
   * An in-memory tracker as {@link #inMemory(List, Clock, ZoneId, int)} whose spend survives restarts in {@code
   * store}. Thread-safe; the store is read and written outside the tracker's lock. The caller keeps ownership
   * of the store: the tracker never closes it ({@link Ralex} does, for a store given to its builder).
   *
   * <ul>
   *   <li><b>Writes.</b> Every committed record is appended to the store before {@link Reservation#commit}
   *       returns, so before the call returns to its caller; so is every {@linkplain #recordCacheHit cache hit},
   *       before {@code recordCacheHit} returns. Hits share the memory's {@code maxRecords} with billed records.
   *   <li><b>Reload.</b> Building the tracker loads each budget's spend in its current period (the whole
   *       period: from its start to its end) with one {@link UsageStore#spent(Instant, Instant, java.util.Collection)}
   *       per period, and today's spend; a budget whose spend already reached its alert threshold does not
   *       alert again this period. A per-conversation or per-tag budget ({@link BudgetScope#isTemplate()}) is
   *       loaded lazily, with one query for that conversation or tag value, the first time a call of it is
   *       reserved (or {@linkplain #snapshot snapshot}) after start.
   *   <li><b>Queries.</b> {@link #records}, {@link #spent(Instant, Instant)} and {@link #report} answer a range
   *       the memory covers from memory, and an older one (before this tracker was built, or before its oldest
   *       kept record) from the store, compacted days included.
   *   <li><b>A failing append</b> (a {@link UsageStoreException}, or a closed store) does not fail the call: the
   *       provider has already billed the attempt, so failing would discard an answer that was paid for and
   *       invite a retry that pays again (and an exception thrown from {@code commit} in an async call would
   *       never reach its future). The record still counts against every budget of this process and stays
   *       visible to queries, and the failure is logged at ERROR on {@code dev.ralex.core.InMemoryUsageTracker}
   *       with the call id, model and cost, so the store's gap can be reconciled: after a restart, budgets
   *       reloaded from the store miss that cost. A {@link UsageStore#journal journal} that failed a write fails
   *       every later append until reopened, so a broken disk shows as one ERROR per billed attempt.
   *   <li><b>A failing read</b> fails closed: an error while building (the tracker is not built), or while
   *       loading a conversation's or tag value's spend (that call is refused with the {@link
   *       UsageStoreException}, which the pipeline reports as a non-retryable failure; the next call tries
   *       again), since admitting calls against an unknown spend would break the cap.
   * </ul>
   *
   * @param store where records are kept; its {@linkplain UsageStore#zone() zone} must be {@code zone}
   * @throws dev.ralex.api.ConfigurationException if the store's zone is not {@code zone}: compacted days and
   *     budget periods would start at different midnights
   * @throws UsageStoreException if the store cannot be read
   */
  static UsageTracker inMemory(List<Budget> budgets, Clock clock, ZoneId zone, int maxRecords, UsageStore store) {
    return new InMemoryUsageTracker(budgets, clock, zone, maxRecords, java.util.Objects.requireNonNull(store,
        "store"));
  }
}
