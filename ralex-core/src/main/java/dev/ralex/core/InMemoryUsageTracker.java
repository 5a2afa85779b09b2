package dev.ralex.core;

import dev.ralex.api.BudgetExceededException;
import dev.ralex.api.BudgetSnapshot;
import dev.ralex.api.ChatRequest;
import dev.ralex.api.ModelInfo;
import dev.ralex.api.RalexEvent;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * {@link UsageTracker} in memory. One lock guards every budget's totals, so a reservation checks and debits
 * all the budgets it falls under atomically; the critical section is a few additions per budget.
 *
 * <p>A reservation is charged to the period that admitted it: its commit adds the real cost to that period's
 * spend, and if the period has ended meanwhile, the cost is not carried into the next one (which never saw the
 * reservation). Template budgets ({@link BudgetScope#isTemplate()}) keep one set of totals per conversation or
 * tag value, created on first use and dropped once their period has passed and nothing is reserved.
 */
final class InMemoryUsageTracker implements UsageTracker {
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
  private final Object lock = new Object();
  private LocalDate today;
  private BigDecimal spentToday = BigDecimal.ZERO;
  private Instant lastDroppedAt;
  // Guarded by lock; read by tests.
  private long outstanding;
  private long settled;

  InMemoryUsageTracker(List<Budget> budgets, Clock clock, ZoneId zone, int maxRecords) {
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
    this.today = LocalDate.ofInstant(clock.instant(), zone);
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
        BudgetState b = t.instance(scope.get(), now, zone);
        b.roll(now, zone);
        list.add(b);
      }
    }
    return list;
  }

  @Override
  public List<UsageRecord> records(Instant from, Instant to) {
    Objects.requireNonNull(from, "from");
    Objects.requireNonNull(to, "to");
    List<UsageRecord> out = new ArrayList<>();
    synchronized (lock) {
      for (UsageRecord r : records) {
        if (!r.at().isBefore(from) && r.at().isBefore(to)) {
          out.add(r);
        }
      }
    }
    return out;
  }

  @Override
  public UsageReport report(UsageQuery query) {
    Objects.requireNonNull(query, "query");
    Instant dropped;
    List<UsageRecord> inRange;
    synchronized (lock) {
      dropped = lastDroppedAt;
      inRange = records(query.from(), query.to());
    }
    // Records are dropped oldest first: the report misses some only if one dropped was at or after `from`.
    boolean complete = dropped == null || dropped.isBefore(query.from());
    return UsageReport.of(query, query.zone().orElse(zone), inRange, complete);
  }

  @Override
  public BigDecimal spent(Instant from, Instant to) {
    BigDecimal sum = BigDecimal.ZERO;
    for (UsageRecord r : records(from, to)) {
      sum = sum.add(r.cost());
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
        if (maxRecords > 0) {
          if (records.size() == maxRecords) {
            lastDroppedAt = records.removeFirst().at();
          }
          records.addLast(record);
        } else {
          lastDroppedAt = record.at();
        }
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

    BudgetState instance(BudgetScope scope, Instant now, ZoneId zone) {
      BudgetState state = instances.get(scope.value());
      if (state == null) {
        if (instances.size() >= nextSweep) {
          sweep(now, zone);
        }
        Budget concrete = new Budget(budget.period(), budget.limit(), scope, budget.alertThreshold());
        state = new BudgetState(concrete, concrete.name());
        instances.put(scope.value(), state);
      }
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

    /** Starts a new period, with nothing spent, reserved or alerted, when {@code now} is past the current one. */
    void roll(Instant now, ZoneId zone) {
      long second = now.getEpochSecond();
      if (second < periodEnd) {
        return; // Within the current period (or before it, if the clock went back): nothing to do.
      }
      LocalDate day = LocalDate.ofInstant(now, zone);
      LocalDate start = budget.period() == Budget.Period.DAILY ? day : day.withDayOfMonth(1);
      LocalDate end = budget.period() == Budget.Period.DAILY ? start.plusDays(1) : start.plusMonths(1);
      long startSecond = start.atStartOfDay(zone).toEpochSecond();
      if (startSecond > periodStart) {
        periodStart = startSecond;
        periodEnd = end.atStartOfDay(zone).toEpochSecond();
        spent = BigDecimal.ZERO;
        reserved = BigDecimal.ZERO;
        alerted = false;
      }
    }
  }
}
