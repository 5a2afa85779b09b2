package dev.ralex.core;

import dev.ralex.api.BudgetExceededException;
import dev.ralex.api.BudgetSnapshot;
import dev.ralex.api.ChatRequest;
import dev.ralex.api.ModelInfo;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Objects;

/**
 * {@link UsageTracker} in memory. One lock guards every budget's totals, so a reservation checks and debits
 * all the budgets it falls under atomically; the critical section is a few additions per budget.
 */
final class InMemoryUsageTracker implements UsageTracker {
  private final List<BudgetState> budgets = new ArrayList<>();
  private final Clock clock;
  private final ZoneId zone;
  private final int maxRecords;
  private final Deque<UsageRecord> records = new ArrayDeque<>();
  private final Object lock = new Object();
  private LocalDate today;
  private BigDecimal spentToday = BigDecimal.ZERO;

  InMemoryUsageTracker(List<Budget> budgets, Clock clock, ZoneId zone, int maxRecords) {
    this.clock = Objects.requireNonNull(clock, "clock");
    this.zone = Objects.requireNonNull(zone, "zone");
    if (maxRecords < 0) {
      throw new IllegalArgumentException("maxRecords must not be negative");
    }
    this.maxRecords = maxRecords;
    for (Budget b : budgets) {
      this.budgets.add(new BudgetState(Objects.requireNonNull(b, "budget")));
    }
    this.today = LocalDate.ofInstant(clock.instant(), zone);
  }

  @Override
  public Reservation reserve(ChatRequest request, ModelInfo model, BigDecimal worstCaseCost) {
    Objects.requireNonNull(worstCaseCost, "worstCaseCost");
    if (budgets.isEmpty()) {
      return new TrackedReservation(List.of(), worstCaseCost);
    }
    List<BudgetState> applicable = applicable(request);
    synchronized (lock) {
      for (BudgetState b : applicable) {
        b.roll(clock.instant(), zone);
        if (b.used().add(worstCaseCost).compareTo(b.budget.limit()) > 0
            // A free model may always run: it cannot take a budget past its cap.
            && worstCaseCost.signum() > 0) {
          throw new BudgetExceededException(b.budget.name(), b.budget.limit(), b.used(), worstCaseCost);
        }
      }
      for (BudgetState b : applicable) {
        b.reserved = b.reserved.add(worstCaseCost);
      }
    }
    return new TrackedReservation(applicable, worstCaseCost);
  }

  @Override
  public BudgetSnapshot snapshot(ChatRequest request) {
    if (budgets.isEmpty()) {
      return BudgetSnapshot.UNLIMITED;
    }
    BudgetSnapshot tightest = BudgetSnapshot.UNLIMITED;
    synchronized (lock) {
      for (BudgetState b : applicable(request)) {
        b.roll(clock.instant(), zone);
        BudgetSnapshot s = BudgetSnapshot.of(b.budget.name(), b.used(), b.budget.limit());
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

  private List<BudgetState> applicable(ChatRequest request) {
    List<BudgetState> list = new ArrayList<>(budgets.size());
    for (BudgetState b : budgets) {
      if (b.budget.scope().covers(request)) {
        list.add(b);
      }
    }
    return list;
  }

  @Override
  public List<UsageRecord> records(Instant from, Instant to) {
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

  private void rollToday(Instant now) {
    LocalDate day = LocalDate.ofInstant(now, zone);
    if (!day.equals(today)) {
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
      Objects.requireNonNull(record, "record");
      synchronized (lock) {
        if (done) {
          return;
        }
        done = true;
        for (int i = 0; i < periods.length; i++) {
          BudgetState b = applicable.get(i);
          b.roll(record.at(), zone);
          b.unreserve(periods[i], amount);
          if (b.periodStart == b.periodOf(record.at(), zone)) {
            b.spent = b.spent.add(record.cost());
          }
        }
        rollToday(record.at());
        if (LocalDate.ofInstant(record.at(), zone).equals(today)) {
          spentToday = spentToday.add(record.cost());
        }
        if (maxRecords > 0) {
          if (records.size() == maxRecords) {
            records.removeFirst();
          }
          records.addLast(record);
        }
      }
    }

    @Override
    public void release() {
      synchronized (lock) {
        if (done) {
          return;
        }
        done = true;
        for (int i = 0; i < periods.length; i++) {
          applicable.get(i).unreserve(periods[i], amount);
        }
      }
    }
  }

  /** One budget's totals in its current period; guarded by the tracker's lock. */
  private static final class BudgetState {
    final Budget budget;
    long periodStart = Long.MIN_VALUE;
    BigDecimal spent = BigDecimal.ZERO;
    BigDecimal reserved = BigDecimal.ZERO;

    BudgetState(Budget budget) {
      this.budget = budget;
    }

    BigDecimal used() {
      return spent.add(reserved);
    }

    /** Starts a new period, with nothing spent or reserved, when {@code now} is past the current one. */
    void roll(Instant now, ZoneId zone) {
      long start = periodOf(now, zone);
      if (start > periodStart) {
        periodStart = start;
        spent = BigDecimal.ZERO;
        reserved = BigDecimal.ZERO;
      }
    }

    /** Drops a reservation taken in the period starting at {@code period}, if that period is still current. */
    void unreserve(long period, BigDecimal amount) {
      if (period == periodStart) {
        reserved = reserved.subtract(amount).max(BigDecimal.ZERO);
      }
    }

    /** The epoch second at which the period holding {@code instant} starts. */
    long periodOf(Instant instant, ZoneId zone) {
      ZonedDateTime t = instant.atZone(zone);
      LocalDate day = t.toLocalDate();
      LocalDate start = budget.period() == Budget.Period.DAILY ? day : day.withDayOfMonth(1);
      return start.atStartOfDay(zone).toEpochSecond();
    }
  }
}
