package dev.ralex.store.redis;

import dev.ralex.api.BudgetExceededException;
import dev.ralex.api.BudgetSnapshot;
import dev.ralex.api.ChatRequest;
import dev.ralex.api.ConfigurationException;
import dev.ralex.api.ModelInfo;
import dev.ralex.api.RalexEvent;
import dev.ralex.core.Budget;
import dev.ralex.core.BudgetScope;
import dev.ralex.core.UsageRecord;
import dev.ralex.core.UsageStore;
import dev.ralex.core.UsageStoreException;
import dev.ralex.core.UsageTracker;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.params.SetParams;

/**
 * A {@link UsageTracker} whose budgets are shared, through Redis, by every process using the same server and
 * key prefix: two processes (or two {@code Ralex} instances) sharing one budget can never overspend it together.
 * Hand it to {@code Ralex.builder().usageTracker(tracker)}; the budgets are then the tracker's, not the builder's.
 *
 * <pre>{@code
 * RedisUsageTracker tracker = RedisUsageTracker.builder(jedis)
 *     .budget(Budget.daily(new BigDecimal("5.00")))
 *     .budget(Budget.perConversation(Budget.Period.DAILY, new BigDecimal("0.50")))
 *     .build();
 * Ralex ralex = Ralex.builder().discoverProviders().usageTracker(tracker).build();
 * }</pre>
 *
 * <p><b>Budgets.</b> Before each attempt, {@link #reserve} resolves every budget the request falls under (a
 * per-conversation or per-tag template to the request's conversation or tag value, unless a budget for that
 * very conversation or tag value replaces it) to one {@link RedisBudgetGate.Cap} per budget and period, and
 * reserves the worst-case cost against all of them, or none, in one Lua script of a {@link RedisBudgetGate}.
 * {@link Reservation#commit} replaces the reservation by the real cost in the same budgets and appends the record
 * to the {@link UsageStore} (a {@link RedisUsageStore} on the same client and prefix unless {@linkplain
 * Builder#usageStore set}) before it returns; {@link Reservation#release} drops it. A reservation that is never
 * settled (its process died) stops counting after the {@linkplain Builder#reservationTtl time to live}. A request
 * with a worst case of zero (a model priced at zero) always passes and never touches the gate.
 *
 * <p><b>Queries.</b> {@link #snapshot} reads the gate's counters (committed and reserved) of the budgets the
 * request falls under; {@link #records}, {@link #spent}, {@link #spentToday} and {@link #report} read the store,
 * so they see every process's usage. The store's zone must be the tracker's.
 *
 * <p><b>Alerts.</b> When a commit takes a budget to its alert threshold, the first process to see it claims the
 * alert in Redis (one {@code SET NX} per budget and period), so the {@code BudgetAlert} event is delivered once
 * per budget per period across every process sharing it, by the process whose call crossed it.
 *
 * <p><b>Failure policy.</b>
 *
 * <ul>
 *   <li><b>Reserve fails closed.</b> If Redis cannot be reached (after the gate's retries on other pooled
 *       connections), {@link #reserve} throws {@link UsageStoreException}: the call is refused (the pipeline
 *       reports it as a non-retryable failure), since admitting it against an unknown spend could break the cap.
 *       A call to a model priced at zero needs no reservation and is still served. {@link #snapshot} reports a
 *       budget it cannot read as spent (logged at WARN), so the selector prefers free models.
 *   <li><b>Commit keeps the answer.</b> The provider has already billed the attempt, so a failing gate commit or
 *       store append does not fail it: each is logged at ERROR on {@code dev.ralex.store.redis.RedisUsageTracker}
 *       with the call id, model and cost, so the gap can be reconciled. If the gate commit failed, the
 *       reservation (the worst case, at least the real cost) keeps counting until its time to live ends.
 *   <li><b>Release</b> failures are logged at WARN: the reservation expires by its time to live.
 * </ul>
 *
 * <p><b>Time.</b> Periods start at midnight in the tracker's zone, by its clock; processes sharing budgets need
 * the same zone and synchronized clocks.
 *
 * <p>Thread-safe: the tracker holds no mutable state of its own (everything is in Redis), so any number of threads
 * may reserve, settle and query at once. Each reservation is settled once, however many threads race to settle
 * it. The caller owns the client: the tracker never closes it, nor a store given to its builder.
 */
public final class RedisUsageTracker implements UsageTracker {
  private static final Logger LOG = LoggerFactory.getLogger(RedisUsageTracker.class);

  private final RedisBudgetGate gate;
  private final UnifiedJedis client;
  private final String prefix;
  private final UsageStore store;
  private final List<Budget> fixed;
  private final List<Budget> templates;
  /** Period, kind, key and value of the fixed budgets that replace a template for their value. */
  private final Set<List<Object>> overrides;
  private final Clock clock;
  private final ZoneId zone;
  private final Duration ttl;
  private final AtomicLong commitFailures = new AtomicLong();

  private RedisUsageTracker(Builder b) {
    this.clock = b.clock;
    this.zone = b.zone;
    this.ttl = b.ttl;
    this.gate = RedisBudgetGate.builder(b.client).keyPrefix(b.prefix).clock(b.clock).build();
    this.client = b.client;
    this.prefix = b.prefix;
    this.store = b.store != null ? b.store
        : RedisUsageStore.builder(b.client).keyPrefix(b.prefix).zone(b.zone).build();
    ZoneId storeZone = Objects.requireNonNull(store.zone(), "store zone");
    if (!storeZone.normalized().equals(zone.normalized())) {
      throw new ConfigurationException("the usage store's zone " + storeZone + " is not the budgets' zone " + zone
          + ": its days would start at other midnights than the budget periods. Build the store in " + zone
          + " or set the tracker's zone to " + storeZone);
    }
    List<Budget> f = new ArrayList<>();
    List<Budget> t = new ArrayList<>();
    Set<List<Object>> o = new HashSet<>();
    for (Budget budget : b.budgets) {
      if (budget.scope().isTemplate()) {
        t.add(budget);
      } else {
        f.add(budget);
        if (budget.scope().kind() != BudgetScope.Kind.GLOBAL) {
          o.add(overrideKey(budget.period(), budget.scope()));
        }
      }
    }
    this.fixed = List.copyOf(f);
    this.templates = List.copyOf(t);
    this.overrides = Set.copyOf(o);
  }

  /** A builder for a tracker on {@code client}, whose connections it uses and never closes. */
  public static Builder builder(UnifiedJedis client) {
    return new Builder(client);
  }

  private static List<Object> overrideKey(Budget.Period period, BudgetScope scope) {
    return List.of(period, scope.kind(), scope.key(), scope.value());
  }

  /** One budget the request falls under, resolved to a concrete scope and period. */
  private record Applicable(String name, RedisBudgetGate.Cap cap, Budget budget) {}

  /**
   * The budgets {@code request} falls under now, one per gate key (of two budgets of the same period and scope,
   * the tighter), in configuration order.
   */
  private List<Applicable> applicable(ChatRequest request, Instant now) {
    Map<String, Applicable> byKey = new LinkedHashMap<>();
    for (Budget b : fixed) {
      if (b.scope().covers(request)) {
        add(byKey, b, b.scope(), now);
      }
    }
    for (Budget t : templates) {
      Optional<BudgetScope> scope = t.scope().resolve(request);
      if (scope.isPresent() && !overrides.contains(overrideKey(t.period(), scope.get()))) {
        add(byKey, new Budget(t.period(), t.limit(), scope.get(), t.alertThreshold()), scope.get(), now);
      }
    }
    return new ArrayList<>(byKey.values());
  }

  private void add(Map<String, Applicable> byKey, Budget budget, BudgetScope scope, Instant now) {
    RedisBudgetGate.Cap cap = RedisBudgetGate.Cap.of(budget, scope, now, zone);
    Applicable present = byKey.get(cap.key());
    if (present == null || cap.limit().compareTo(present.cap().limit()) < 0) {
      byKey.put(cap.key(), new Applicable(budget.name(), cap, budget));
    }
  }

  @Override
  public ZoneId zone() {
    return zone;
  }

  /** The start of {@code budget}'s period holding {@code at}, in this tracker's zone. */
  private Instant periodStart(Budget budget, Instant at) {
    LocalDate day = LocalDate.ofInstant(at, zone);
    if (budget.period() == Budget.Period.MONTHLY) {
      day = day.withDayOfMonth(1);
    }
    return day.atStartOfDay(zone).toInstant();
  }

  /**
   * {@inheritDoc}
   *
   * @throws BudgetExceededException naming the tightest budget that would overflow, such as {@code daily global}
   * @throws UsageStoreException if Redis cannot be reached: the call must be refused
   */
  @Override
  public Reservation reserve(ChatRequest request, ModelInfo model, BigDecimal worstCaseCost) {
    Objects.requireNonNull(request, "request");
    Objects.requireNonNull(worstCaseCost, "worstCaseCost");
    if (worstCaseCost.signum() < 0) {
      throw new IllegalArgumentException("worstCaseCost must not be negative but was " + worstCaseCost);
    }
    List<Applicable> applicable = applicable(request, clock.instant());
    List<RedisBudgetGate.Cap> caps = new ArrayList<>(applicable.size());
    for (Applicable a : applicable) {
      caps.add(a.cap());
    }
    // A free model may always run: it cannot take a budget past its cap, so it needs no reservation.
    if (worstCaseCost.signum() == 0 || caps.isEmpty()) {
      return new SharedReservation(null, caps, applicable);
    }
    try {
      return new SharedReservation(gate.reserve(caps, worstCaseCost, ttl), caps, applicable);
    } catch (BudgetExceededException e) {
      String name = e.budget();
      for (Applicable a : applicable) {
        if (a.cap().key().equals(e.budget())) {
          name = a.name();
        }
      }
      throw new BudgetExceededException(name, e.limit(), e.spent(), e.requested());
    } catch (RuntimeException e) {
      throw new UsageStoreException("the shared budget gate in Redis could not be reached, so the call is refused "
          + "rather than admitted against an unknown spend: " + e.getMessage(), e);
    }
  }

  /**
   * {@inheritDoc}
   *
   * <p>Read from the gate's counters: committed plus reserved spend of each budget in its current period, as
   * every process sharing it sees them. A budget whose counters cannot be read (Redis unreachable) is reported
   * as spent, and logged at WARN: the snapshot only guides the selector, and {@link #reserve} still refuses.
   */
  @Override
  public BudgetSnapshot snapshot(ChatRequest request) {
    Objects.requireNonNull(request, "request");
    if (fixed.isEmpty() && templates.isEmpty()) {
      return BudgetSnapshot.UNLIMITED;
    }
    BudgetSnapshot tightest = BudgetSnapshot.UNLIMITED;
    for (Applicable a : applicable(request, clock.instant())) {
      BigDecimal used;
      try {
        RedisBudgetGate.Totals totals = gate.totals(a.cap().key());
        used = totals.committed().add(totals.reserved());
      } catch (RuntimeException e) {
        // Unknown spend counts as all spent: the selector then prefers free models, and reserve refuses paid ones.
        LOG.warn("the shared budget gate in Redis could not be read; budget {} is taken as spent: {}", a.name(),
            e.getMessage());
        used = a.cap().limit();
      }
      BudgetSnapshot s = BudgetSnapshot.of(a.name(), used, a.cap().limit());
      // The budget with the fewest dollars left binds every call first; the share left breaks ties.
      if (tightest == BudgetSnapshot.UNLIMITED || isTighter(s, tightest)) {
        tightest = s;
      }
    }
    return tightest;
  }

  private static boolean isTighter(BudgetSnapshot a, BudgetSnapshot b) {
    int byAmount = a.remaining().orElseThrow().compareTo(b.remaining().orElseThrow());
    return byAmount < 0 || (byAmount == 0 && a.remainingFraction() < b.remainingFraction());
  }

  /**
   * {@inheritDoc} Read from the store, so every process's records are included.
   *
   * @throws UsageStoreException if the store cannot be read
   */
  @Override
  public List<UsageRecord> records(Instant from, Instant to) {
    return store.records(from, to);
  }

  /**
   * {@inheritDoc} Read from the store: its records by their time and its compacted days by their start.
   *
   * @throws UsageStoreException if the store cannot be read
   */
  @Override
  public BigDecimal spent(Instant from, Instant to) {
    return store.spent(from, to, BudgetScope.GLOBAL);
  }

  /**
   * {@inheritDoc} Read from the store.
   *
   * @throws UsageStoreException if the store cannot be read
   */
  @Override
  public BigDecimal spentToday() {
    LocalDate day = LocalDate.ofInstant(clock.instant(), zone);
    return spent(day.atStartOfDay(zone).toInstant(), day.plusDays(1).atStartOfDay(zone).toInstant());
  }

  /**
   * {@inheritDoc}
   *
   * <p>Appended to the store, so every process's reports see it; the gate is not touched. A failing append is
   * logged at ERROR and counted in {@link #commitFailures()}.
   */
  @Override
  public void recordCacheHit(UsageRecord hit) {
    Objects.requireNonNull(hit, "hit");
    if (!hit.isCacheHit()) {
      throw new IllegalArgumentException("recordCacheHit takes cache hits; call " + hit.callId()
          + " was billed and must be committed through its reservation");
    }
    try {
      store.append(hit);
    } catch (RuntimeException e) {
      commitFailures.incrementAndGet();
      LOG.error("usage store {} failed to append the cache hit of call {} ({}, ${} saved): the answer is returned, "
          + "but reports will miss the hit", store, hit.callId(), hit.model(), hit.saved().toPlainString(), e);
    }
  }

  /** The gate this tracker reserves on, for its counters and {@linkplain RedisBudgetGate#stats() stats}. */
  public RedisBudgetGate gate() {
    return gate;
  }

  /** The store this tracker appends records to. */
  public UsageStore store() {
    return store;
  }

  /**
   * Commits and {@linkplain #recordCacheHit cache hits} since this tracker was built whose gate commit or store
   * append failed (each logged at ERROR).
   */
  public long commitFailures() {
    return commitFailures.get();
  }

  @Override
  public String toString() {
    return "RedisUsageTracker{budgets=" + (fixed.size() + templates.size()) + ", zone=" + zone + ", store=" + store
        + "}";
  }

  /** A reservation on the gate, or none for a free call or one under no budget; settled once. */
  private final class SharedReservation implements Reservation {
    /** The gate's reservation, or null when nothing was reserved. */
    private final RedisBudgetGate.Reservation held;
    /** The budgets the call fell under when it was admitted. */
    private final List<RedisBudgetGate.Cap> caps;
    private final List<Applicable> applicable;
    private final AtomicBoolean done = new AtomicBoolean();

    SharedReservation(RedisBudgetGate.Reservation held, List<RedisBudgetGate.Cap> caps, List<Applicable> applicable) {
      this.held = held;
      this.caps = caps;
      this.applicable = applicable;
    }

    /**
     * {@inheritDoc}
     *
     * <p>Across processes: each budget's alert is claimed with one {@code SET NX} on a key that lives as long as
     * the budget's period, so of all the processes sharing the budget exactly one delivers it, to its listeners.
     */
    @Override
    public List<RalexEvent.BudgetAlert> commitAlerting(UsageRecord record) {
      commit(record);
      if (record.cost().signum() <= 0) {
        return List.of();
      }
      List<RalexEvent.BudgetAlert> alerts = new ArrayList<>(0);
      for (Applicable a : applicable) {
        try {
          BigDecimal committed = gate.totals(a.cap().key()).committed();
          BigDecimal threshold = a.budget().alertThreshold();
          if (committed.compareTo(a.cap().limit().multiply(threshold)) < 0) {
            continue;
          }
          long ttlMillis = Math.max(1, Duration.between(clock.instant(), a.cap().expiresAt()).toMillis());
          String claimed = client.set(prefix + "alert:" + a.cap().key(), record.callId(),
              SetParams.setParams().nx().px(ttlMillis));
          if ("OK".equals(claimed)) {
            alerts.add(new RalexEvent.BudgetAlert(record.callId(), a.name(), a.cap().limit(), committed, threshold,
                periodStart(a.budget(), record.at())));
          }
        } catch (RuntimeException e) {
          LOG.warn("could not check the alert threshold of budget {} in Redis: {}", a.name(), e.getMessage());
        }
      }
      return alerts;
    }

    @Override
    public void commit(UsageRecord record) {
      Objects.requireNonNull(record, "record");
      if (!done.compareAndSet(false, true)) {
        return;
      }
      if (held != null) {
        try {
          held.commit(record.cost());
        } catch (RuntimeException e) {
          commitFailures.incrementAndGet();
          LOG.error("the shared budget gate failed to commit the usage of call {} ({}, ${}): the answer is returned, "
              + "and the reservation keeps counting against the budgets until it expires in {}", record.callId(),
              record.model(), record.cost().toPlainString(), ttl, e);
        }
      } else if (record.cost().signum() > 0 && !caps.isEmpty()) {
        // Admitted as free but billed (a provider reporting a cost of its own): the budgets still count it.
        countUnreserved(record);
      }
      try {
        store.append(record);
      } catch (RuntimeException e) {
        commitFailures.incrementAndGet();
        LOG.error("usage store {} failed to append the usage of call {} ({}, ${}): the answer is returned and the "
            + "cost counts against the shared budgets, but reports will miss it", store, record.callId(),
            record.model(), record.cost().toPlainString(), e);
      }
    }

    /** Adds the cost of a call that reserved nothing to the budgets it fell under. */
    private void countUnreserved(UsageRecord record) {
      try {
        // A zero reservation always passes; committing it adds the real cost.
        gate.reserve(caps, BigDecimal.ZERO, ttl).commit(record.cost());
      } catch (RuntimeException e) {
        commitFailures.incrementAndGet();
        LOG.error("the shared budget gate failed to count the usage of call {} ({}, ${}), which reserved nothing: "
            + "the answer is returned, but the budgets miss that cost", record.callId(), record.model(),
            record.cost().toPlainString(), e);
      }
    }

    @Override
    public void release() {
      if (!done.compareAndSet(false, true) || held == null) {
        return;
      }
      try {
        held.release();
      } catch (RuntimeException e) {
        LOG.warn("the shared budget gate failed to release reservation {}: it counts against the budgets until it "
            + "expires in {}", held.id(), ttl, e);
      }
    }
  }

  /** Settings of a {@link RedisUsageTracker}; not thread-safe, build once. */
  public static final class Builder {
    private final UnifiedJedis client;
    private final List<Budget> budgets = new ArrayList<>();
    private String prefix = "ralex:";
    private Clock clock = Clock.systemUTC();
    private ZoneId zone = ZoneOffset.UTC;
    private Duration ttl = Duration.ofMinutes(10);
    private UsageStore store;

    private Builder(UnifiedJedis client) {
      this.client = Objects.requireNonNull(client, "client");
    }

    /** Adds a budget; a {@linkplain BudgetScope#isTemplate() template} gives each conversation or tag value its own. */
    public Builder budget(Budget budget) {
      budgets.add(Objects.requireNonNull(budget, "budget"));
      return this;
    }

    /** Adds every one of {@code budgets}. */
    public Builder budgets(List<Budget> budgets) {
      Objects.requireNonNull(budgets, "budgets").forEach(this::budget);
      return this;
    }

    /** What every key starts with; {@code ralex:} by default. Every process sharing budgets uses the same. */
    public Builder keyPrefix(String prefix) {
      this.prefix = Objects.requireNonNull(prefix, "prefix");
      return this;
    }

    /** The clock of budget periods and reservation deadlines; the system's UTC clock by default. */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** The zone whose midnights start budget days and months; UTC by default. Every process uses the same. */
    public Builder zone(ZoneId zone) {
      this.zone = Objects.requireNonNull(zone, "zone");
      return this;
    }

    /**
     * How long a reservation counts if its process never settles it (it died); ten minutes by default. Longer
     * than any attempt takes, since a reservation that expires before its commit no longer holds its share.
     */
    public Builder reservationTtl(Duration ttl) {
      Objects.requireNonNull(ttl, "ttl");
      if (ttl.toMillis() < 1) {
        throw new IllegalArgumentException("reservationTtl must be at least 1 ms but was " + ttl);
      }
      this.ttl = ttl;
      return this;
    }

    /**
     * Where committed records are appended and queries read; by default a {@link RedisUsageStore} on the same
     * client, key prefix and zone. Its zone must be the tracker's. The tracker never closes it.
     */
    public Builder usageStore(UsageStore store) {
      this.store = Objects.requireNonNull(store, "store");
      return this;
    }

    /**
     * The tracker.
     *
     * @throws ConfigurationException if the store's zone is not the tracker's
     */
    public RedisUsageTracker build() {
      return new RedisUsageTracker(this);
    }
  }
}
