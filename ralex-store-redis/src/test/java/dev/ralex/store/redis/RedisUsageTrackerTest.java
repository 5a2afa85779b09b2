package dev.ralex.store.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ralex.api.BudgetExceededException;
import dev.ralex.api.ChatRequest;
import dev.ralex.api.ChatResponse;
import dev.ralex.api.ModelInfo;
import dev.ralex.api.ModelTier;
import dev.ralex.api.Pricing;
import dev.ralex.api.RalexEvent;
import dev.ralex.api.RalexListener;
import dev.ralex.core.Budget;
import dev.ralex.core.BudgetScope;
import dev.ralex.core.ModelCatalog;
import dev.ralex.core.Ralex;
import dev.ralex.core.UsageRecord;
import dev.ralex.core.UsageStore;
import dev.ralex.core.UsageStoreException;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import redis.clients.jedis.RedisClient;

/**
 * Two independent {@link Ralex} instances, each with its own connection pool and {@link RedisUsageTracker} on one
 * Redis server and key prefix (as two processes would be), sharing budgets: racing threads never overspend them
 * together, and the gate's committed spend always equals what the shared store recorded.
 */
class RedisUsageTrackerTest {
  /** $100 per million input tokens, $1,000 per million output tokens: a call costs $0.0001 + $0.001 per output. */
  private static final ModelInfo PAID = ModelInfo.builder("sim/paid").contextWindow(10_000).maxOutputTokens(1_000)
      .tier(ModelTier.CHEAP).pricing(new Pricing(new BigDecimal("100"), new BigDecimal("1000"), BigDecimal.ZERO,
          BigDecimal.ZERO, "test", LocalDate.of(2026, 11, 25))).build();
  private static final ModelInfo FREE = ModelInfo.builder("sim/free").contextWindow(10_000).maxOutputTokens(1_000)
      .tier(ModelTier.CHEAP).pricing(Pricing.FREE).build();
  private static final int THREADS = 8;

  private final String prefix = TestRedis.uniquePrefix("tracker");
  private final List<RedisClient> clients = new ArrayList<>();
  private final List<Ralex> ralexes = new ArrayList<>();

  @BeforeAll
  static void assumeRedis() {
    TestRedis.assumeAvailable();
  }

  @AfterEach
  void cleanUp() {
    ralexes.forEach(Ralex::close);
    if (!clients.isEmpty()) {
      TestRedis.deleteKeys(clients.get(0), prefix);
    }
    clients.forEach(RedisClient::close);
  }

  /** A tracker with a connection pool of its own, as another process would have. */
  private RedisUsageTracker tracker(Budget... budgets) {
    RedisClient client = TestRedis.client(THREADS + 2);
    clients.add(client);
    return RedisUsageTracker.builder(client).keyPrefix(prefix).budgets(List.of(budgets)).build();
  }

  /** A Ralex on {@code tracker} whose provider bills up to 20 output tokens, a random number per call. */
  private Ralex ralex(RedisUsageTracker tracker) {
    return ralex(tracker, new RalexListener() { });
  }

  private Ralex ralex(RedisUsageTracker tracker, RalexListener listener) {
    FixedUsageProvider provider = new FixedUsageProvider("sim", r -> ThreadLocalRandom.current().nextInt(1, 21),
        PAID, FREE);
    Ralex ralex = Ralex.builder().provider(provider).catalog(ModelCatalog.of(List.of(PAID, FREE)))
        .defaultModel("sim/paid").usageTracker(tracker).zone(ZoneOffset.UTC).listener(listener).build();
    ralexes.add(ralex);
    return ralex;
  }

  private static ChatRequest paid(String conversation) {
    ChatRequest.Builder b = ChatRequest.builder().model("sim/paid").addUserMessage("hi").maxOutputTokens(20);
    return conversation == null ? b.build() : b.conversationId(conversation).build();
  }

  /** What every call of a race ended with. */
  private static final class Outcomes {
    final Queue<ChatResponse> served = new ConcurrentLinkedQueue<>();
    final Queue<BudgetExceededException> refused = new ConcurrentLinkedQueue<>();
    final Queue<Throwable> other = new ConcurrentLinkedQueue<>();

    BigDecimal servedCost() {
      return served.stream().map(ChatResponse::cost).reduce(BigDecimal.ZERO, BigDecimal::add);
    }
  }

  /** Runs {@code THREADS} threads per instance, each sending {@code calls} requests made by {@code request}. */
  private static Outcomes race(List<Ralex> instances, int calls, Function<Integer, ChatRequest> request)
      throws Exception {
    Outcomes outcomes = new Outcomes();
    ExecutorService pool = Executors.newFixedThreadPool(THREADS * instances.size());
    CountDownLatch start = new CountDownLatch(1);
    List<Future<?>> futures = new ArrayList<>();
    try {
      for (Ralex ralex : instances) {
        for (int t = 0; t < THREADS; t++) {
          futures.add(pool.submit(() -> {
            start.await();
            for (int i = 0; i < calls; i++) {
              try {
                outcomes.served.add(ralex.chat(request.apply(i)));
              } catch (BudgetExceededException e) {
                outcomes.refused.add(e);
              } catch (RuntimeException e) {
                outcomes.other.add(e);
              }
            }
            return null;
          }));
        }
      }
      start.countDown();
      for (Future<?> f : futures) {
        f.get(100, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(outcomes.other).as("every call either succeeded or was refused by the budget").isEmpty();
    assertThat(outcomes.served.size() + outcomes.refused.size()).isEqualTo(instances.size() * THREADS * calls);
    return outcomes;
  }

  private static BigDecimal sum(Collection<UsageRecord> records) {
    return records.stream().map(UsageRecord::cost).reduce(BigDecimal.ZERO, BigDecimal::add);
  }

  private static Instant dayStart() {
    return LocalDate.now(ZoneOffset.UTC).atStartOfDay(ZoneOffset.UTC).toInstant();
  }

  private static String dayKey(String scope) {
    return "daily|" + scope + "|" + LocalDate.now(ZoneOffset.UTC);
  }

  @Test
  @Timeout(120)
  void twoInstancesRacingOnOneDailyBudgetNeverOverspendItTogether() throws Exception {
    Budget daily = Budget.daily(new BigDecimal("1.00"));
    RedisUsageTracker first = tracker(daily);
    RedisUsageTracker second = tracker(daily);

    Outcomes outcomes = race(List.of(ralex(first), ralex(second)), 60, i -> paid(null));

    List<UsageRecord> records = first.records(dayStart(), dayStart().plusSeconds(86_400));
    BigDecimal recorded = sum(records);
    RedisBudgetGate.Totals gate = first.gate().totals(dayKey("global"));
    assertThat(outcomes.refused).as("demand (~$10) is far over the cap").isNotEmpty();
    assertThat(recorded).isLessThanOrEqualTo(new BigDecimal("1.00"));
    assertThat(recorded).as("the cap is nearly used: only the last worst cases did not fit")
        .isGreaterThan(new BigDecimal("0.97"));
    assertThat(records).hasSize(outcomes.served.size());
    assertThat(recorded).isEqualByComparingTo(outcomes.servedCost());
    assertThat(gate.committed()).as("committed spend equals the records in the store").isEqualByComparingTo(recorded);
    assertThat(gate.reserved()).as("every reservation was settled").isEqualByComparingTo("0");
    assertThat(first.spentToday()).isEqualByComparingTo(recorded);
    assertThat(second.spentToday()).isEqualByComparingTo(recorded);
    for (BudgetExceededException e : outcomes.refused) {
      assertThat(e.budget()).isEqualTo("daily global");
      assertThat(e.limit()).isEqualByComparingTo("1.00");
    }
    assertThat(first.snapshot(paid(null)).budget()).isEqualTo("daily global");
    assertThat(first.commitFailures() + second.commitFailures()).isZero();
  }

  @Test
  @Timeout(120)
  void aPerConversationBudgetIsSharedAcrossInstances() throws Exception {
    Budget global = Budget.daily(new BigDecimal("50.00"));
    Budget perConversation = Budget.perConversation(Budget.Period.DAILY, new BigDecimal("0.10"));
    RedisUsageTracker first = tracker(global, perConversation);
    RedisUsageTracker second = tracker(global, perConversation);
    Ralex a = ralex(first);
    Ralex b = ralex(second);

    Outcomes outcomes = race(List.of(a, b), 10, i -> paid("conv-a"));

    BigDecimal inConversation = first.store().spent(dayStart(), dayStart().plusSeconds(86_400),
        BudgetScope.conversation("conv-a"));
    assertThat(outcomes.refused).isNotEmpty();
    assertThat(inConversation).isLessThanOrEqualTo(new BigDecimal("0.10"));
    assertThat(inConversation).isEqualByComparingTo(outcomes.servedCost());
    assertThat(first.gate().totals(dayKey("conversation conv-a")).committed()).isEqualByComparingTo(inConversation);
    assertThat(first.gate().totals(dayKey("global")).committed()).isEqualByComparingTo(inConversation);
    for (BudgetExceededException e : outcomes.refused) {
      assertThat(e.budget()).isEqualTo("daily conversation conv-a");
    }
    assertThat(second.snapshot(paid("conv-a")).budget()).isEqualTo("daily conversation conv-a");

    // Another conversation has a budget of its own, on either instance.
    assertThat(b.chat(paid("conv-b")).cost()).isPositive();
    assertThat(a.chat(paid("conv-b")).cost()).isPositive();
    assertThatThrownBy(() -> b.chat(paid("conv-a"))).isInstanceOf(BudgetExceededException.class);
  }

  @Test
  @Timeout(60)
  void aZeroPricedModelIsServedWhenTheSharedBudgetIsSpent() throws Exception {
    Budget daily = Budget.daily(new BigDecimal("0.05"));
    RedisUsageTracker first = tracker(daily);
    RedisUsageTracker second = tracker(daily);
    Ralex a = ralex(first);
    Ralex b = ralex(second);

    Outcomes outcomes = race(List.of(a, b), 5, i -> paid(null));
    assertThat(outcomes.refused).isNotEmpty();
    assertThatThrownBy(() -> b.chat(paid(null))).isInstanceOf(BudgetExceededException.class);

    ChatRequest free = ChatRequest.builder().model("sim/free").addUserMessage("hi").maxOutputTokens(20).build();
    assertThat(a.chat(free).cost()).isEqualByComparingTo("0");
    assertThat(b.chat(free).cost()).isEqualByComparingTo("0");
    List<UsageRecord> records = first.records(dayStart(), dayStart().plusSeconds(86_400));
    assertThat(records).filteredOn(r -> r.model().equals("sim/free")).hasSize(2);
    assertThat(sum(records)).isLessThanOrEqualTo(new BigDecimal("0.05"))
        .isEqualByComparingTo(first.gate().totals(dayKey("global")).committed());
  }

  @Test
  void aSharedBudgetsAlertIsDeliveredOnceAcrossInstances() throws Exception {
    Queue<RalexEvent.BudgetAlert> alerts = new ConcurrentLinkedQueue<>();
    RalexListener listener = new RalexListener() {
      @Override
      public void onBudgetAlert(RalexEvent.BudgetAlert alert) {
        alerts.add(alert);
      }
    };
    Budget daily = Budget.daily(new BigDecimal("0.20")).withAlertThreshold(new BigDecimal("0.5"));
    Ralex a = ralex(tracker(daily), listener);
    Ralex b = ralex(tracker(daily), listener);
    race(List.of(a, b), 30, i -> paid(null));
    assertThat(alerts).singleElement().satisfies(alert -> {
      assertThat(alert.budget()).isEqualTo("daily global");
      assertThat(alert.spent()).isGreaterThanOrEqualTo(new BigDecimal("0.10"));
      assertThat(alert.periodStart()).isEqualTo(dayStart());
    });
  }

  @Test
  void aFailingStoreKeepsTheAnswerAndTheGateStillCountsIt() {
    RedisClient client = TestRedis.client(2);
    clients.add(client);
    UsageStore failing = new FailingStore();
    RedisUsageTracker tracker = RedisUsageTracker.builder(client).keyPrefix(prefix)
        .budget(Budget.daily(new BigDecimal("1.00"))).usageStore(failing).build();
    ChatResponse answer = ralex(tracker).chat(paid(null));
    assertThat(answer.text()).isEqualTo("ok");
    assertThat(tracker.commitFailures()).isEqualTo(1);
    assertThat(tracker.gate().totals(dayKey("global")).committed()).isEqualByComparingTo(answer.cost());
  }

  @Test
  void anUnreachableRedisRefusesPaidCallsButNotFreeOnes() {
    // Nothing listens on port 1: every connection is refused at once.
    try (RedisClient dead = RedisClient.builder().fromURI(java.net.URI.create("redis://127.0.0.1:1")).build()) {
      RedisUsageTracker tracker = RedisUsageTracker.builder(dead).keyPrefix(prefix)
          .budget(Budget.daily(new BigDecimal("1.00"))).usageStore(UsageStore.inMemory()).build();
      assertThatThrownBy(() -> tracker.reserve(paid(null), PAID, new BigDecimal("0.01")))
          .isInstanceOf(UsageStoreException.class).hasMessageContaining("refused");
      assertThat(tracker.snapshot(paid(null)).remainingFraction()).as("unknown spend counts as spent").isZero();
      Ralex ralex = ralex(tracker);
      assertThatThrownBy(() -> ralex.chat(paid(null))).hasRootCauseInstanceOf(
          redis.clients.jedis.exceptions.JedisConnectionException.class);
      ChatRequest free = ChatRequest.builder().model("sim/free").addUserMessage("hi").build();
      assertThat(ralex.chat(free).cost()).isEqualByComparingTo("0");
      assertThat(tracker.records(dayStart(), dayStart().plusSeconds(86_400))).hasSize(1);
    }
  }

  /** A store whose appends fail. */
  private static final class FailingStore implements UsageStore {
    private final UsageStore delegate = UsageStore.inMemory();

    @Override
    public void append(UsageRecord record) {
      throw new UsageStoreException("disk full", null);
    }

    @Override
    public List<UsageRecord> records(Instant from, Instant to) {
      return delegate.records(from, to);
    }

    @Override
    public List<Aggregate> aggregates(Instant from, Instant to) {
      return delegate.aggregates(from, to);
    }

    @Override
    public Map<BudgetScope, BigDecimal> spent(Instant from, Instant to, Collection<BudgetScope> scopes) {
      return delegate.spent(from, to, scopes);
    }

    @Override
    public void compact(Instant before) {}

    @Override
    public java.time.ZoneId zone() {
      return ZoneOffset.UTC;
    }

    @Override
    public void close() {}
  }
}
