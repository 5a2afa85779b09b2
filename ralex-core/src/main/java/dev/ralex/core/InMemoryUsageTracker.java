package dev.ralex.core;

import dev.ralex.api.BudgetExceededException;
import dev.ralex.api.BudgetSnapshot;
import dev.ralex.api.ChatRequest;
import dev.ralex.api.ConfigurationException;
import dev.ralex.api.ModelInfo;
import dev.ralex.api.RalexEvent;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneId;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link UsageTracker} in memory. One lock guards every budget's totals, so a reservation checks and debits
 * all the budgets it falls under atomically; the critical section is a few additions per budget.
 *
 * <p>A reservation is charged to the period that admitted it: its commit adds the real cost to that period's
 * spend, and if the period has ended meanwhile, the cost is not carried into the next one (which never saw the
 * reservation). Template budgets ({@link BudgetScope#isTemplate()}) keep one set of totals per conversation or
 * tag value, created on first use and dropped once their period has passed and nothing is reserved.
 *
 * <p>With a {@link UsageStore} the totals survive restarts: see {@link UsageTracker#inMemory(List, Clock, ZoneId,
 * int, UsageStore)} for what is loaded when, and what a failing store does. The store is read and written
 * outside the lock, so a slow disk never holds up the budget gate of other calls.
 */
final class InMemoryUsageTracker implements UsageTracker {
  private static final Logger LOG = LoggerFactory.getLogger(InMemoryUsageTracker.class);
  /** Template instances kept before the first sweep of finished ones. */
  private static final int FIRST_SWEEP = 1_024;

  private final List<BudgetState> fixed = new ArrayList<>();
  private final List<Template> templates = new ArrayList<>();
  /** Period, kind, key and value of the fixed budgets that replace a template for their value. */
  private final Set<List<Object>> overrides = new HashSet<>();
  private final Clock clock;
  private final ZoneId zone;
  private final int maxRecords;
  private final Deque<UsageRecord> records = new ArrayDeque<>();
  /** Where every committed record is appended, or null. */
  private final UsageStore store;
  private final Object lock = new Object();
  private LocalDate today;
  private BigDecimal spentToday = BigDecimal.ZERO;
  /**
   * {@link #records} may lack records at or before this instant: the last one dropped, or with a store the
   * tracker's start (earlier records are only in the store). Null while it lacks none.
   */
  private Instant missingUpTo;
  /** With a store: the most recent records it failed to take (at most maxRecords), kept for queries. */
  private final Deque<UsageRecord> unsaved = new ArrayDeque<>();
  /** Whether a record the store failed to take was dropped from {@link #unsaved}. */
  private boolean unsavedDropped;
  private long storeFailures;
  // Guarded by lock; read by tests.
  private long outstanding;
  private long settled;

  InMemoryUsageTracker(List<Budget> budgets, Clock clock, ZoneId zone, int maxRecords) {
    this(budgets, clock, zone, maxRecords, null);
  }

  /**
   * A tracker appending to {@code store} (may be null) and, with one, loading each fixed budget's current-period
   * spend from it now.
   *
   * @throws ConfigurationException if the store's zone is not {@code zone}
   * @throws UsageStoreException if the store cannot be read
   */
  InMemoryUsageTracker(List<Budget> budgets, Clock clock, ZoneId zone, int maxRecords, UsageStore store) {
    this.clock = Objects.requireNonNull(clock, "clock");
    this.zone = Objects.requireNonNull(zone, "zone");
    if (maxRecords < 0) {
      throw new IllegalArgumentException("maxRecords must not be negative");
    }
    this.maxRecords = maxRecords;
    for (Budget b : budgets) {
      Objects.requireNonNull(b, "budget");
      if (b.scope().isTemplate()) {
        templates.add(new Template(b));
      } else {
        fixed.add(new BudgetState(b, b.name()));
        if (b.scope().kind() != BudgetScope.Kind.GLOBAL) {
          overrides.add(overrideKey(b.period(), b.scope()));
        }
      }
    }
    this.store = store;
    Instant now = clock.instant();
    this.today = LocalDate.ofInstant(now, zone);
    if (store != null) {
      ZoneId storeZone = Objects.requireNonNull(store.zone(), "store zone");
      if (!storeZone.normalized().equals(zone.normalized())) {
        throw new ConfigurationException("the usage store's zone " + storeZone + " is not the budgets' zone "
            + zone + ": its days would start at other midnights than the budget periods, so spend reloaded after "
            + "a restart would be wrong. Build the store in " + zone + " (UsageStore.journalBuilder(dir).zone(...)"
            + ", UsageStore.inMemory(zone)) or set the budgets' zone to " + storeZone
            + " (Ralex.builder().zone(...))");
      }
      this.missingUpTo = now;
      reload(now);
    }
  }

  /** Loads every fixed budget's spend in its current period, and today's, with one store query per period. */
  private void reload(Instant now) {
    // Periods by [start, end) seconds, each with the budgets it rebuilds; today's is queried even without any.
    Map<List<Long>, List<BudgetState>> byPeriod = new LinkedHashMap<>();
    long[] day = bounds(Budget.Period.DAILY, now, zone);
    byPeriod.put(List.of(day[0], day[1]), new ArrayList<>());
    for (BudgetState b : fixed) {
      b.roll(now, zone);
      byPeriod.computeIfAbsent(List.of(b.periodStart, b.periodEnd), k -> new ArrayList<>()).add(b);
    }
    for (Map.Entry<List<Long>, List<BudgetState>> e : byPeriod.entrySet()) {
      Set<BudgetScope> scopes = new java.util.LinkedHashSet<>();
      boolean isToday = e.getKey().get(0) == day[0] && e.getKey().get(1) == day[1];
      if (isToday) {
        scopes.add(BudgetScope.GLOBAL);
      }
      for (BudgetState b : e.getValue()) {
        scopes.add(b.budget.scope());
      }
      // The whole period, not just up to now: a record stamped at this very instant (or later, if the clock
      // stepped back since) was spent in it too.
      Map<BudgetScope, BigDecimal> spent = store.spent(Instant.ofEpochSecond(e.getKey().get(0)),
          Instant.ofEpochSecond(e.getKey().get(1)), scopes);
      for (BudgetState b : e.getValue()) {
        b.load(spent.get(b.budget.scope()));
      }
      if (isToday) {
        spentToday = spent.get(BudgetScope.GLOBAL);
      }
    }
  }

  /** The [start, end) epoch seconds of the {@code period} holding {@code now} in {@code zone}. */
  private static long[] bounds(Budget.Period period, Instant now, ZoneId zone) {
    LocalDate day = LocalDate.ofInstant(now, zone);
    LocalDate start = period == Budget.Period.DAILY ? day : day.withDayOfMonth(1);
    LocalDate end = period == Budget.Period.DAILY ? start.plusDays(1) : start.plusMonths(1);
    return new long[] {start.atStartOfDay(zone).toEpochSecond(), end.atStartOfDay(zone).toEpochSecond()};
  }

  /**
   * With a store: loads from it the current-period spend of every template instance {@code request} needs and
   * the tracker does not hold yet (a conversation or tag value first seen since start, or since its instance was
   * swept), one store query per period, outside the lock.
   */
  private void loadTemplateInstances(ChatRequest request) {
    if (store == null || templates.isEmpty()) {
      return;
    }
    Instant now = clock.instant();
    List<Template> missing = null;
    List<BudgetScope> scopes = null;
    synchronized (lock) {
      for (int i = 0; i < templates.size(); i++) {
        Template t = templates.get(i);
        Optional<BudgetScope> scope = t.budget.scope().resolve(request);
        if (scope.isPresent() && !overrides.contains(overrideKey(t.budget.period(), scope.get()))
            && !t.instances.containsKey(scope.get().value())) {
          if (missing == null) {
            missing = new ArrayList<>(2);
            scopes = new ArrayList<>(2);
          }
          missing.add(t);
          scopes.add(scope.get());
        }
      }
    }
    if (missing == null) {
      return;
    }
    Map<List<Long>, Map<BudgetScope, BigDecimal>> byPeriod = new HashMap<>();
    List<long[]> periods = new ArrayList<>(missing.size());
    for (int i = 0; i < missing.size(); i++) {
      long[] p = bounds(missing.get(i).budget.period(), now, zone);
      periods.add(p);
      byPeriod.computeIfAbsent(List.of(p[0], p[1]), k -> new LinkedHashMap<>()).put(scopes.get(i), null);
    }
    for (Map.Entry<List<Long>, Map<BudgetScope, BigDecimal>> e : byPeriod.entrySet()) {
      e.getValue().putAll(store.spent(Instant.ofEpochSecond(e.getKey().get(0)),
          Instant.ofEpochSecond(e.getKey().get(1)), List.copyOf(e.getValue().keySet())));
    }
    synchronized (lock) {
      for (int i = 0; i < missing.size(); i++) {
        long[] p = periods.get(i);
        BigDecimal spent = byPeriod.get(List.of(p[0], p[1])).get(scopes.get(i));
        // Another thread may have loaded it meanwhile, and spent with it: its totals are the newer ones.
        missing.get(i).install(scopes.get(i), p, spent, now, zone);
      }
    }
  }

  private static List<Object> overrideKey(Budget.Period period, BudgetScope scope) {
    return List.of(period, scope.kind(), scope.key(), scope.value());
  }

  @Override
  public ZoneId zone() {
    return zone;
  }

  @Override
  public Reservation reserve(ChatRequest request, ModelInfo model, BigDecimal worstCaseCost) {
    Objects.requireNonNull(request, "request");
    Objects.requireNonNull(worstCaseCost, "worstCaseCost");
    if (worstCaseCost.signum() < 0) {
      throw new IllegalArgumentException("worstCaseCost must not be negative but was " + worstCaseCost);
    }
    loadTemplateInstances(request);
    synchronized (lock) {
      Instant now = clock.instant();
      List<BudgetState> applicable = applicable(request, now);
      BudgetState refusing = null;
      // A free model may always run: it cannot take a budget past its cap.
      if (worstCaseCost.signum() > 0) {
        for (int i = 0; i < applicable.size(); i++) {
          BudgetState b = applicable.get(i);
          if (b.used().add(worstCaseCost).compareTo(b.budget.limit()) > 0
              && (refusing == null || b.remaining().compareTo(refusing.remaining()) < 0)) {
            refusing = b;
          }
        }
      }
      if (refusing != null) {
        throw new BudgetExceededException(refusing.name, refusing.budget.limit(), refusing.used(), worstCaseCost);
      }
      for (int i = 0; i < applicable.size(); i++) {
        BudgetState b = applicable.get(i);
        b.reserved = b.reserved.add(worstCaseCost);
        b.holds++;
      }
      outstanding++;
      return new TrackedReservation(applicable, worstCaseCost);
    }
  }

  @Override
  public BudgetSnapshot snapshot(ChatRequest request) {
    Objects.requireNonNull(request, "request");
    if (fixed.isEmpty() && templates.isEmpty()) {
      return BudgetSnapshot.UNLIMITED;
    }
    loadTemplateInstances(request);
    BudgetSnapshot tightest = BudgetSnapshot.UNLIMITED;
    synchronized (lock) {
      for (BudgetState b : applicable(request, clock.instant())) {
        BudgetSnapshot s = BudgetSnapshot.of(b.name, b.used(), b.budget.limit());
        // The budget with the fewest dollars left binds every call first; the share left breaks ties.
        if (tightest == BudgetSnapshot.UNLIMITED || isTighter(s, tightest)) {
          tightest = s;
        }
      }
    }
    return tightest;
  }

  private static boolean isTighter(BudgetSnapshot a, BudgetSnapshot b) {
    int byAmount = a.remaining().orElseThrow().compareTo(b.remaining().orElseThrow());
    return byAmount < 0 || (byAmount == 0 && a.remainingFraction() < b.remainingFraction());
  }

  /** The budgets {@code request} falls under, each rolled to the period holding {@code now}. Under the lock. */
  private List<BudgetState> applicable(ChatRequest request, Instant now) {
    List<BudgetState> list = new ArrayList<>(fixed.size() + templates.size());
    for (int i = 0; i < fixed.size(); i++) {
      BudgetState b = fixed.get(i);
      if (b.budget.scope().covers(request)) {
        b.roll(now, zone);
        list.add(b);
      }
    }
    for (int i = 0; i < templates.size(); i++) {
      Template t = templates.get(i);
      Optional<BudgetScope> scope = t.budget.scope().resolve(request);
      if (scope.isPresent() && !overrides.contains(overrideKey(t.budget.period(), scope.get()))) {
        BudgetState b = t.instance(scope.get(), now, zone, store);
        b.roll(now, zone);
        list.add(b);
      }
    }
    return list;
  }

  @Override
  public List<UsageRecord> records(Instant from, Instant to) {
    UsageStoreSupport.checkRange(from, to);
    Held held = held(from, to);
    if (held.complete || store == null) {
      return held.records;
    }
    return fromStore(from, to, held);
  }

  /** What the tracker holds of [from, to): its records, whether they are all, and the store's failures. */
  private record Held(List<UsageRecord> records, boolean complete, List<UsageRecord> unsaved,
      boolean unsavedDropped) {}

  private Held held(Instant from, Instant to) {
    List<UsageRecord> out = new ArrayList<>();
    List<UsageRecord> failed = List.of();
    synchronized (lock) {
      for (UsageRecord r : records) {
        if (UsageStoreSupport.inRange(r.at(), from, to)) {
          out.add(r);
        }
      }
      // Records are dropped oldest first: the range lacks some only if one dropped was at or after `from`.
      boolean complete = missingUpTo == null || missingUpTo.isBefore(from);
      if (!complete && !unsaved.isEmpty()) {
        failed = new ArrayList<>();
        for (UsageRecord r : unsaved) {
          if (UsageStoreSupport.inRange(r.at(), from, to)) {
            failed.add(r);
          }
        }
      }
      return new Held(out, complete, failed, unsavedDropped);
    }
  }

  /** The store's detailed records of [from, to), with those it failed to take, oldest first. */
  private List<UsageRecord> fromStore(Instant from, Instant to, Held held) {
    List<UsageRecord> out = new ArrayList<>(store.records(from, to));
    if (!held.unsaved.isEmpty()) {
      // A failed append may still have stored its record ("stored or not, but never half"): count it once.
      Set<UsageRecord> stored = new HashSet<>(out);
      for (UsageRecord r : held.unsaved) {
        if (!stored.contains(r)) {
          out.add(r);
        }
      }
      out.sort(java.util.Comparator.comparing(UsageRecord::at));
    }
    return out;
  }

  /**
   * {@inheritDoc}
   *
   * <p>A range the tracker's memory covers is answered from memory. With a store, an older range (one starting
   * before this tracker started, or before its oldest kept record) is answered from the store: its detailed
   * records, plus its {@linkplain UsageStore#compact compacted} days, each counted whole by the start of its day
   * (so ranges from midnight to midnight in the store's zone are exact) and grouped by that day in the query's
   * zone. Such a report is {@linkplain UsageReport#complete() complete} unless records the store failed to take
   * were also dropped from memory.
   *
   * @throws UsageStoreException if the store cannot be read
   */
  @Override
  public UsageReport report(UsageQuery query) {
    Objects.requireNonNull(query, "query");
    ZoneId reportZone = query.zone().orElse(zone);
    Held held = held(query.from(), query.to());
    if (held.complete || store == null) {
      return UsageReport.of(query, reportZone, held.records, held.complete);
    }
    UsageReport detailed = UsageReport.of(query, reportZone, fromStore(query.from(), query.to(), held),
        !held.unsavedDropped);
    List<UsageStore.Aggregate> aggregates = store.aggregates(query.from(), query.to());
    return aggregates.isEmpty() ? detailed : withAggregates(detailed, aggregates);
  }

  /** {@code report} with the aggregates that match its query's tags added to its rows and total. */
  private static UsageReport withAggregates(UsageReport report, List<UsageStore.Aggregate> aggregates) {
    UsageQuery query = report.query();
    ModelInfo reference = query.reference().orElse(null);
    Map<String, UsageTotals> groups = new TreeMap<>();
    for (UsageReport.Row row : report.rows()) {
      groups.put(row.key(), row.totals());
    }
    UsageTotals total = report.total();
    for (UsageStore.Aggregate a : aggregates) {
      if (!hasTags(a.tags(), query.tags())) {
        continue;
      }
      // Prices are linear in tokens, so the summed usage prices as the sum of its records would.
      BigDecimal referenceCost = reference == null ? a.cost() : reference.pricing().costOf(a.usage());
      String key = keyOf(query, report.zone(), a);
      groups.put(key, plus(groups.getOrDefault(key, UsageTotals.ZERO), a, referenceCost));
      total = plus(total, a, referenceCost);
    }
    List<UsageReport.Row> rows = new ArrayList<>(groups.size());
    for (Map.Entry<String, UsageTotals> e : groups.entrySet()) {
      rows.add(new UsageReport.Row(e.getKey(), e.getValue()));
    }
    return new UsageReport(query, report.zone(), rows, total, report.complete());
  }

  private static boolean hasTags(Map<String, String> tags, Map<String, String> required) {
    for (Map.Entry<String, String> e : required.entrySet()) {
      if (!e.getValue().equals(tags.get(e.getKey()))) {
        return false;
      }
    }
    return true;
  }

  /** The row key of an aggregate, as {@link UsageReport} keys records; days by the aggregate's day start. */
  private static String keyOf(UsageQuery query, ZoneId zone, UsageStore.Aggregate a) {
    switch (query.groupBy()) {
      case DAY:
        return LocalDate.ofInstant(a.dayStart(), zone).toString();
      case MONTH:
        return YearMonth.from(a.dayStart().atZone(zone)).toString();
      case MODEL:
        return a.model();
      case PROVIDER:
        return a.provider();
      case CONVERSATION:
        return a.conversationId() == null ? "" : a.conversationId();
      case TAG:
        return a.tags().getOrDefault(query.tagKey(), "");
      default:
        return "";
    }
  }

  private static UsageTotals plus(UsageTotals t, UsageStore.Aggregate a, BigDecimal referenceCost) {
    return t.plus(a, referenceCost);
  }

  /**
   * {@inheritDoc}
   *
   * <p>As {@link #report}: from memory when it covers the range, else from the store's records and compacted
   * days.
   *
   * @throws UsageStoreException if the store cannot be read
   */
  @Override
  public BigDecimal spent(Instant from, Instant to) {
    UsageStoreSupport.checkRange(from, to);
    Held held = held(from, to);
    BigDecimal sum = BigDecimal.ZERO;
    if (held.complete || store == null) {
      for (UsageRecord r : held.records) {
        sum = sum.add(r.cost());
      }
      return sum;
    }
    for (UsageRecord r : fromStore(from, to, held)) {
      sum = sum.add(r.cost());
    }
    for (UsageStore.Aggregate a : store.aggregates(from, to)) {
      sum = sum.add(a.cost());
    }
    return sum;
  }

  @Override
  public BigDecimal spentToday() {
    synchronized (lock) {
      rollToday(clock.instant());
      return spentToday;
    }
  }

  /**
   * {@inheritDoc}
   *
   * <p>Kept in memory for queries like a committed record and appended to the store, if any; no budget and not
   * today's spend changes, since a hit costs nothing.
   */
  @Override
  public void recordCacheHit(UsageRecord hit) {
    UsageStoreSupport.checkCacheHit(hit);
    synchronized (lock) {
      keep(hit);
    }
    if (store != null) {
      save(hit);
    }
  }

  /** Keeps {@code record} for queries, dropping the oldest beyond {@code maxRecords}. Under the lock. */
  private void keep(UsageRecord record) {
    if (maxRecords > 0) {
      if (records.size() == maxRecords) {
        dropped(records.removeFirst().at());
      }
      records.addLast(record);
    } else {
      dropped(record.at());
    }
  }

  /** Reservations taken and not yet committed or released. For tests. */
  long outstandingReservations() {
    synchronized (lock) {
      return outstanding;
    }
  }

  /** Reservations committed or released, each counted once however often it was settled. For tests. */
  long settledReservations() {
    synchronized (lock) {
      return settled;
    }
  }

  /** Records the store failed to take since start. For tests. */
  long storeFailures() {
    synchronized (lock) {
      return storeFailures;
    }
  }

  /** Each budget's spend and reservations in its current period, by name, template instances included. For tests. */
  Map<String, BigDecimal> usedByBudget() {
    Map<String, BigDecimal> used = new HashMap<>();
    synchronized (lock) {
      for (BudgetState b : fixed) {
        used.put(b.name, b.used());
      }
      for (Template t : templates) {
        for (BudgetState b : t.instances.values()) {
          used.put(b.name, b.used());
        }
      }
    }
    return used;
  }

  /** Notes that memory no longer holds a record at {@code at}. Under the lock. */
  private void dropped(Instant at) {
    if (missingUpTo == null || at.isAfter(missingUpTo)) {
      missingUpTo = at;
    }
  }

  /**
   * Appends a committed record or cache hit to the store. A failure is logged at ERROR and the record kept for
   * queries, and the commit goes on: see {@link UsageTracker#inMemory(List, Clock, ZoneId, int, UsageStore)} for why.
   */
  private void save(UsageRecord record) {
    try {
      store.append(record);
    } catch (RuntimeException e) {
      synchronized (lock) {
        storeFailures++;
        unsaved.addLast(record);
        if (unsaved.size() > maxRecords) {
          unsaved.removeFirst();
          unsavedDropped = true;
        }
      }
      if (record.isCacheHit()) {
        LOG.error("usage store {} failed to append the cache hit of call {} ({}, ${} saved): the answer is "
            + "returned, but reports read from the store will miss the hit", store, record.callId(), record.model(),
            record.saved().toPlainString(), e);
        return;
      }
      LOG.error("usage store {} failed to append the usage of call {} ({}, ${}): the answer is returned and the "
          + "cost counts against this process's budgets, but the store lacks it, so budgets reloaded after a "
          + "restart will miss it", store, record.callId(), record.model(), record.cost().toPlainString(), e);
    }
  }

  private void rollToday(Instant now) {
    LocalDate day = LocalDate.ofInstant(now, zone);
    if (day.isAfter(today)) {
      today = day;
      spentToday = BigDecimal.ZERO;
    }
  }

  private final class TrackedReservation implements Reservation {
    private final List<BudgetState> applicable;
    private final BigDecimal amount;
    private final long[] periods;
    private boolean done;

    TrackedReservation(List<BudgetState> applicable, BigDecimal amount) {
      this.applicable = applicable;
      this.amount = amount;
      this.periods = new long[applicable.size()];
      for (int i = 0; i < periods.length; i++) {
        periods[i] = applicable.get(i).periodStart;
      }
    }

    @Override
    public void commit(UsageRecord record) {
      commitAlerting(record);
    }

    @Override
    public List<RalexEvent.BudgetAlert> commitAlerting(UsageRecord record) {
      Objects.requireNonNull(record, "record");
      List<RalexEvent.BudgetAlert> alerts = List.of();
      synchronized (lock) {
        if (!settle()) {
          return alerts;
        }
        for (int i = 0; i < periods.length; i++) {
          BudgetState b = applicable.get(i);
          b.holds--;
          if (b.periodStart != periods[i]) {
            continue; // The admitting period is over; its totals, and this reservation, went with it.
          }
          b.reserved = b.reserved.subtract(amount).max(BigDecimal.ZERO);
          b.spent = b.spent.add(record.cost());
          if (!b.alerted && record.cost().signum() > 0 && b.spent.compareTo(b.budget.alertAt()) >= 0) {
            b.alerted = true;
            if (alerts.isEmpty()) {
              alerts = new ArrayList<>(2);
            }
            alerts.add(new RalexEvent.BudgetAlert(record.callId(), b.name, b.budget.limit(), b.spent,
                b.budget.alertThreshold(), Instant.ofEpochSecond(b.periodStart)));
          }
        }
        rollToday(record.at());
        if (LocalDate.ofInstant(record.at(), zone).equals(today)) {
          spentToday = spentToday.add(record.cost());
        }
        keep(record);
      }
      if (store != null) {
        // Outside the lock: other calls' reservations and commits need not wait for this one's disk flush.
        save(record);
      }
      return alerts;
    }

    @Override
    public void release() {
      synchronized (lock) {
        if (!settle()) {
          return;
        }
        for (int i = 0; i < periods.length; i++) {
          BudgetState b = applicable.get(i);
          b.holds--;
          if (b.periodStart == periods[i]) {
            b.reserved = b.reserved.subtract(amount).max(BigDecimal.ZERO);
          }
        }
      }
    }

    /** Marks the reservation settled; false if it already was. Under the lock. */
    private boolean settle() {
      if (done) {
        return false;
      }
      done = true;
      outstanding--;
      settled++;
      return true;
    }
  }

  /** A template budget: one {@link BudgetState} per conversation or tag value. Guarded by the tracker's lock. */
  private static final class Template {
    final Budget budget;
    final Map<String, BudgetState> instances = new HashMap<>();
    int nextSweep = FIRST_SWEEP;

    Template(Budget budget) {
      this.budget = budget;
    }

    /**
     * The instance for {@code scope}, created if missing: with a {@code store} (rarely: the instance was loaded
     * outside the lock but swept since) its spend is loaded from it here.
     */
    BudgetState instance(BudgetScope scope, Instant now, ZoneId zone, UsageStore store) {
      BudgetState state = instances.get(scope.value());
      if (state == null) {
        state = create(scope, now, zone);
        if (store != null) {
          state.roll(now, zone);
          state.load(store.spent(Instant.ofEpochSecond(state.periodStart), Instant.ofEpochSecond(state.periodEnd),
              scope));
        }
      }
      return state;
    }

    /** Installs the instance for {@code scope} with {@code spent} in the period {@code bounds}, unless present. */
    void install(BudgetScope scope, long[] bounds, BigDecimal spent, Instant now, ZoneId zone) {
      if (instances.containsKey(scope.value())) {
        return;
      }
      BudgetState state = create(scope, now, zone);
      state.periodStart = bounds[0];
      state.periodEnd = bounds[1];
      state.load(spent);
    }

    private BudgetState create(BudgetScope scope, Instant now, ZoneId zone) {
      if (instances.size() >= nextSweep) {
        sweep(now, zone);
      }
      Budget concrete = new Budget(budget.period(), budget.limit(), scope, budget.alertThreshold());
      BudgetState state = new BudgetState(concrete, concrete.name());
      instances.put(scope.value(), state);
      return state;
    }

    /** Drops the instances whose period is over and that hold no reservation: a new one would start at zero. */
    private void sweep(Instant now, ZoneId zone) {
      long second = now.getEpochSecond();
      for (Iterator<BudgetState> it = instances.values().iterator(); it.hasNext(); ) {
        BudgetState b = it.next();
        if (b.holds == 0 && second >= b.periodEnd) {
          it.remove();
        }
      }
      nextSweep = Math.max(FIRST_SWEEP, 2 * instances.size());
    }
  }

  /** One budget's totals in its current period; guarded by the tracker's lock. */
  private static final class BudgetState {
    final Budget budget;
    final String name;
    long periodStart = Long.MIN_VALUE;
    long periodEnd = Long.MIN_VALUE;
    BigDecimal spent = BigDecimal.ZERO;
    BigDecimal reserved = BigDecimal.ZERO;
    boolean alerted;
    /** Reservations not yet settled that count against this budget, in any period. */
    int holds;

    BudgetState(Budget budget, String name) {
      this.budget = budget;
      this.name = name;
    }

    BigDecimal used() {
      return spent.add(reserved);
    }

    BigDecimal remaining() {
      return budget.limit().subtract(used());
    }

    /**
     * Takes {@code stored}, the spend a store holds for the current period, as the period's spend; an alert
     * already reached counts as fired, since the commit that reached it fired it.
     */
    void load(BigDecimal stored) {
      spent = Objects.requireNonNull(stored, "stored spend");
      alerted = stored.signum() > 0 && stored.compareTo(budget.alertAt()) >= 0;
    }

    /** Starts a new period, with nothing spent, reserved or alerted, when {@code now} is past the current one. */
    void roll(Instant now, ZoneId zone) {
      long second = now.getEpochSecond();
      if (second < periodEnd) {
        return; // Within the current period (or before it, if the clock went back): nothing to do.
      }
      long[] b = bounds(budget.period(), now, zone);
      if (b[0] > periodStart) {
        periodStart = b[0];
        periodEnd = b[1];
        spent = BigDecimal.ZERO;
        reserved = BigDecimal.ZERO;
        alerted = false;
      }
    }
  }
}
