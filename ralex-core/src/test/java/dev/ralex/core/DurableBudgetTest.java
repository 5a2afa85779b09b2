package dev.ralex.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ralex.api.BudgetExceededException;
import dev.ralex.api.ChatRequest;
import dev.ralex.api.ChatResponse;
import dev.ralex.api.ConfigurationException;
import dev.ralex.api.LlmException;
import dev.ralex.api.RalexEvent;
import dev.ralex.api.RalexListener;
import dev.ralex.api.Usage;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Budgets and reports that survive a restart through a {@link UsageStore}. */
class DurableBudgetTest {
  // test/large: $10/M input, $30/M output, at most 4,000 output tokens. A call asking for 4,000 output tokens
  // reserves $0.12 plus its (tiny) estimated input; 10,000 in + 5,000 out bills $0.25; 1,000 + 1,000 bills $0.04.
  private static final Usage QUARTER = Usage.of(10_000, 5_000);
  private static final Usage FOUR_CENTS = Usage.of(1_000, 1_000);

  private final ManualClock clock = ManualClock.at("2026-11-25T10:00:00Z");

  @TempDir
  Path dir;

  private Ralex.Builder builder(ScriptedProvider provider) {
    return Ralex.builder()
        .provider(provider)
        .catalog(ModelCatalog.of(List.of(TestModels.SMALL, TestModels.LARGE)))
        .defaultModel("test/large")
        .clock(clock)
        .sleeper(new RecordingSleeper(clock))
        .zone(ZoneOffset.UTC);
  }

  private static ChatRequest call(String conversationId) {
    ChatRequest.Builder b = ChatRequest.builder().model("test/large").addUserMessage("x").maxOutputTokens(4_000);
    if (conversationId != null) {
      b.conversationId(conversationId);
    }
    return b.build();
  }

  @Test
  void aDailyBudgetKeepsWhatWasLeftAcrossARestart() {
    Budget daily = Budget.daily(new BigDecimal("0.40"));
    try (Ralex ralex = builder(new ScriptedProvider("test").thenAnswer("a", QUARTER)).budget(daily)
        .usageStore(UsageStore.journal(dir)).build()) {
      assertThat(ralex.chat(call(null)).cost()).isEqualByComparingTo("0.25");
    }
    clock.advance(Duration.ofHours(1));

    ScriptedProvider provider = new ScriptedProvider("test").thenAnswer("b", FOUR_CENTS);
    try (Ralex ralex = builder(provider).budget(daily).usageStore(UsageStore.journal(dir)).build()) {
      // Reloaded at build: $0.25 of $0.40 spent, $0.15 left.
      assertThat(ralex.usage().spentToday()).isEqualByComparingTo("0.25");
      assertThat(ralex.usage().snapshot(call(null)).remaining()).hasValueSatisfying(
          r -> assertThat(r).isEqualByComparingTo("0.15"));
      // $0.12 (and change) fits in $0.15 ...
      ralex.chat(call(null));
      // ... but not in the $0.11 left after it: refused before reaching the provider.
      assertThatThrownBy(() -> ralex.chat(call(null)))
          .isInstanceOfSatisfying(BudgetExceededException.class, e -> {
            assertThat(e.budget()).isEqualTo("daily global");
            assertThat(e.spent()).isEqualByComparingTo("0.29");
          });
      assertThat(provider.requests).hasSize(1);
    }

    // The next day starts afresh, from the same journal.
    clock.advance(Duration.ofDays(1));
    try (Ralex ralex = builder(new ScriptedProvider("test")).budget(daily).usageStore(UsageStore.journal(dir))
        .build()) {
      assertThat(ralex.usage().spentToday()).isEqualByComparingTo("0");
      assertThat(ralex.usage().snapshot(call(null)).spent()).isEqualByComparingTo("0");
    }
  }

  @Test
  void aPerConversationBudgetKeepsWhatWasLeftAcrossARestartAndIsLoadedLazily() {
    Budget perConversation = Budget.perConversation(Budget.Period.DAILY, new BigDecimal("0.40"));
    try (Ralex ralex = builder(new ScriptedProvider("test").thenAnswer("a", QUARTER)).budget(perConversation)
        .usageStore(UsageStore.journal(dir)).build()) {
      ralex.chat(call("a"));
    }

    CountingStore store = new CountingStore(UsageStore.journal(dir));
    ScriptedProvider provider = new ScriptedProvider("test").thenAnswer("b", FOUR_CENTS);
    try (Ralex ralex = builder(provider).budget(perConversation).usageStore(store).build()) {
      // At build only today's total is loaded: no conversation has been seen yet.
      assertThat(store.spentScopes).containsExactly(List.of(BudgetScope.GLOBAL));
      assertThat(ralex.usage().snapshot(call("a")).remaining()).hasValueSatisfying(
          r -> assertThat(r).isEqualByComparingTo("0.15"));
      ralex.chat(call("a"));
      assertThatThrownBy(() -> ralex.chat(call("a")))
          .isInstanceOfSatisfying(BudgetExceededException.class, e -> {
            assertThat(e.budget()).isEqualTo("daily conversation a");
            assertThat(e.spent()).isEqualByComparingTo("0.29");
          });
      // Another conversation has its whole cap.
      ralex.chat(call("b"));
      // One query per conversation, the first time it was seen.
      assertThat(store.spentScopes).containsExactly(List.of(BudgetScope.GLOBAL),
          List.of(BudgetScope.conversation("a")), List.of(BudgetScope.conversation("b")));
      assertThat(provider.requests).hasSize(2);
    }
    assertThat(store.closed).isTrue();
  }

  @Test
  void aStoreFailingToAppendKeepsTheAnswerAndTheBudgetInThisProcess() {
    CountingStore store = new CountingStore(UsageStore.inMemory(ZoneOffset.UTC));
    store.failAppends = true;
    List<RalexEvent> events = new CopyOnWriteArrayList<>();
    RalexListener listener = new RalexListener() {
      @Override
      public void onEvent(RalexEvent event) {
        events.add(event);
      }
    };
    ScriptedProvider provider = new ScriptedProvider("test").thenAnswer("paid for", QUARTER)
        .thenAnswer("async", FOUR_CENTS);
    try (Ralex ralex = builder(provider).dailyBudget(new BigDecimal("0.40")).usageStore(store).listener(listener)
        .build()) {
      // The provider billed it: the caller gets the answer, not the store's failure.
      ChatResponse answer = ralex.chat(call(null));
      assertThat(answer.text()).isEqualTo("paid for");
      assertThat(events).anyMatch(e -> e instanceof RalexEvent.UsageRecorded);
      // An async call completes too (a throwing commit would leave its future pending).
      assertThat(ralex.chatAsync(call(null)).orTimeout(10, TimeUnit.SECONDS).join().text()).isEqualTo("async");
      // Both still count against the budget in this process ...
      assertThat(ralex.usage().spentToday()).isEqualByComparingTo("0.29");
      assertThatThrownBy(() -> ralex.chat(call(null))).isInstanceOf(BudgetExceededException.class);
      // ... and stay visible to reports, even over a range that reads the store.
      UsageReport report = ralex.report(UsageQuery.between(Instant.parse("2026-11-25T00:00:00Z"),
          Instant.parse("2026-11-26T00:00:00Z")));
      assertThat(report.total().calls()).isEqualTo(2);
      assertThat(report.total().cost()).isEqualByComparingTo("0.29");
      assertThat(report.complete()).isTrue();
      assertThat(((InMemoryUsageTracker) ralex.usage()).storeFailures()).isEqualTo(2);
      assertThat(store.delegate.records(Instant.EPOCH, Instant.parse("2100-01-01T00:00:00Z"))).isEmpty();

      // Once the store takes appends again, records reach it.
      store.failAppends = false;
      clock.advance(Duration.ofDays(1));
      ralex.chat(call(null));
      assertThat(store.delegate.records(Instant.EPOCH, Instant.parse("2100-01-01T00:00:00Z"))).hasSize(1);
    }
  }

  @Test
  void aStoreFailingToReadRefusesTheCallRatherThanGuessingItsSpend() {
    CountingStore store = new CountingStore(UsageStore.inMemory(ZoneOffset.UTC));
    ScriptedProvider provider = new ScriptedProvider("test");
    try (Ralex ralex = builder(provider).budget(Budget.perConversation(Budget.Period.DAILY, BigDecimal.ONE))
        .usageStore(store).build()) {
      store.failReads = true;
      assertThatThrownBy(() -> ralex.chat(call("a")))
          .isInstanceOf(LlmException.class)
          .hasRootCauseInstanceOf(UsageStoreException.class);
      assertThat(provider.requests).isEmpty();
      // The next call tries again.
      store.failReads = false;
      ralex.chat(call("a"));
      assertThat(provider.requests).hasSize(1);
    }
    // And a store that cannot be read at build fails the build, closing the store.
    CountingStore unreadable = new CountingStore(UsageStore.inMemory(ZoneOffset.UTC));
    unreadable.failReads = true;
    assertThatThrownBy(() -> builder(new ScriptedProvider("test")).usageStore(unreadable).build())
        .isInstanceOf(UsageStoreException.class);
    assertThat(unreadable.closed).isTrue();
  }

  @Test
  void reportsOverRangesOlderThanTheTrackersMemoryReadTheStoreWithItsCompactedDays() {
    Instant day1 = Instant.parse("2026-11-23T00:00:00Z");
    try (UsageStore journal = UsageStore.journal(dir)) {
      // Two days of an earlier process: the first compacted into aggregates, the second kept in detail.
      journal.append(record("old-1", day1.plusSeconds(3_600), "test/small", Usage.of(100_000, 50_000), "0.2", "a"));
      journal.append(record("old-2", day1.plusSeconds(7_200), "test/small", Usage.of(100_000, 50_000), "0.2", "a"));
      journal.append(record("old-3", day1.plus(Duration.ofDays(1)), "test/large", Usage.of(10_000, 5_000), "0.25",
          null));
      journal.compact(day1.plus(Duration.ofDays(1)));
      assertThat(journal.aggregates(day1, day1.plus(Duration.ofDays(1)))).hasSize(1);
    }

    try (Ralex ralex = builder(new ScriptedProvider("test").thenAnswer("now", Usage.of(100_000, 50_000)))
        .usageStore(UsageStore.journal(dir)).maxUsageRecords(1).build()) {
      ralex.chat(ChatRequest.builder().model("test/small").addUserMessage("x").conversationId("a").build());
      ralex.chat(ChatRequest.builder().model("test/small").addUserMessage("y").build());
      Instant end = Instant.parse("2026-11-26T00:00:00Z");

      UsageReport byDay = ralex.report(UsageQuery.between(day1, end).byDay());
      assertThat(byDay.complete()).isTrue();
      assertThat(byDay.referenceModel()).contains("test/large"); // the strongest model, by default
      assertThat(byDay.rows()).extracting(UsageReport.Row::key)
          .containsExactly("2026-11-23", "2026-11-24", "2026-11-25");
      UsageTotals compacted = byDay.row("2026-11-23").orElseThrow();
      assertThat(compacted.calls()).isEqualTo(2);
      assertThat(compacted.inputTokens()).isEqualTo(200_000);
      assertThat(compacted.cost()).isEqualByComparingTo("0.4");
      // The same tokens on test/large: 200,000 x $10/M + 100,000 x $30/M = $5.00, so $4.60 saved.
      assertThat(compacted.referenceCost()).isEqualByComparingTo("5.00");
      assertThat(compacted.savings()).isEqualByComparingTo("4.60");
      assertThat(byDay.row("2026-11-24").orElseThrow().cost()).isEqualByComparingTo("0.25");
      // Today: two calls of this process, 0.2 + 10 input and 5 output tokens of the echo.
      assertThat(byDay.row("2026-11-25").orElseThrow().calls()).isEqualTo(2);
      assertThat(byDay.total().calls()).isEqualTo(5);

      // Grouped and filtered the same way as detailed records.
      UsageReport byConversation = ralex.report(UsageQuery.between(day1, end).byConversation());
      assertThat(byConversation.row("a").orElseThrow().calls()).isEqualTo(3);
      assertThat(byConversation.row("").orElseThrow().calls()).isEqualTo(2);
      UsageReport small = ralex.report(UsageQuery.between(day1, end).byModel().comparedTo(TestModels.SMALL));
      assertThat(small.row("test/small").orElseThrow().savings()).isEqualByComparingTo("0");
      assertThat(small.row("test/large").orElseThrow().calls()).isEqualTo(1);
      assertThat(ralex.usage().spent(day1, end)).isEqualByComparingTo(byDay.total().cost());

      // Memory kept only the last record, so a range within this process reads the store too, and is complete.
      UsageReport today = ralex.report(UsageQuery.between(clock.instant(), end));
      assertThat(today.total().calls()).isEqualTo(2);
      assertThat(today.complete()).isTrue();
      assertThat(ralex.usage().records(clock.instant(), end)).hasSize(2);
    }
  }

  @Test
  void concurrentCallsAreAllDurableWithGroupCommit() throws Exception {
    int threads = 8;
    int perThread = 25;
    UsageStore journal = UsageStore.journalBuilder(dir).flushPolicy(UsageStore.FlushPolicy.GROUP_COMMIT).build();
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(threads);
    try (Ralex ralex = builder(new ScriptedProvider("test")).dailyBudget(BigDecimal.ONE).usageStore(journal)
        .build()) {
      List<java.util.concurrent.Future<?>> done = new java.util.ArrayList<>();
      for (int t = 0; t < threads; t++) {
        done.add(pool.submit(() -> {
          for (int i = 0; i < perThread; i++) {
            ralex.chat(ChatRequest.builder().model("test/small").addUserMessage("x").build()); // $0.00002 each
          }
        }));
      }
      for (java.util.concurrent.Future<?> f : done) {
        f.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    try (Ralex ralex = builder(new ScriptedProvider("test")).dailyBudget(BigDecimal.ONE)
        .usageStore(UsageStore.journal(dir)).build()) {
      assertThat(ralex.usage().spentToday()).isEqualByComparingTo("0.004");
      assertThat(ralex.usage().snapshot(ChatRequest.of("x")).spent()).isEqualByComparingTo("0.004");
      assertThat(ralex.usage().records(Instant.EPOCH, clock.instant().plusSeconds(1))).hasSize(threads * perThread);
    }
  }

  @Test
  void aRangeTheMemoryCoversIsAnsweredWithoutTheStore() {
    CountingStore store = new CountingStore(UsageStore.inMemory(ZoneOffset.UTC));
    try (Ralex ralex = builder(new ScriptedProvider("test")).usageStore(store).build()) {
      store.reads.set(0); // the reload at build
      clock.advance(Duration.ofSeconds(1));
      ralex.chat(call(null));
      UsageReport report = ralex.report(UsageQuery.between(clock.instant(), clock.instant().plusSeconds(1)));
      assertThat(report.total().calls()).isEqualTo(1);
      assertThat(report.complete()).isTrue();
      assertThat(store.reads.get()).isZero();
    }
  }

  @Test
  void ralexReportDefaultsToTheStrongestModelAndKeepsAGivenOne() {
    try (Ralex ralex = builder(new ScriptedProvider("test")).build()) {
      ralex.chat(ChatRequest.builder().model("test/small").addUserMessage("x").build()); // echo: 10 in, 5 out
      UsageQuery query = UsageQuery.between(clock.instant(), clock.instant().plusSeconds(1)).byModel();
      UsageReport report = ralex.report(query);
      assertThat(report.referenceModel()).contains("test/large");
      // 10 x $1/M + 5 x $2/M on test/small; 10 x $10/M + 5 x $30/M on test/large.
      assertThat(report.total().cost()).isEqualByComparingTo("0.00002");
      assertThat(report.total().referenceCost()).isEqualByComparingTo("0.00025");
      assertThat(ralex.report(query.comparedTo(TestModels.SMALL)).referenceModel()).contains("test/small");
      // Without Ralex, the tracker's own report has no reference: cost is its own reference.
      assertThat(ralex.usage().report(query).total().savings()).isEqualByComparingTo("0");
    }
  }

  @Test
  void aStoreInAnotherZoneIsRefusedAtBuildAndClosed() {
    CountingStore paris = new CountingStore(UsageStore.inMemory(ZoneId.of("Europe/Paris")));
    assertThatThrownBy(() -> builder(new ScriptedProvider("test")).usageStore(paris).build())
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("Europe/Paris")
        .hasMessageContaining("Z");
    assertThat(paris.closed).isTrue();
    // The same zone under another name is the same zone.
    try (Ralex ralex = builder(new ScriptedProvider("test")).zone(ZoneId.of("UTC"))
        .usageStore(UsageStore.journal(dir)).build()) {
      assertThat(ralex.usage().zone()).isEqualTo(ZoneId.of("UTC"));
    }
    // A journal refused at build is closed: its directory can be opened again.
    assertThatThrownBy(() -> builder(new ScriptedProvider("test")).zone(ZoneId.of("Asia/Tokyo"))
        .usageStore(UsageStore.journal(dir)).build()).isInstanceOf(ConfigurationException.class);
    UsageStore.journal(dir).close();
    // A store with a tracker of the caller's own is ambiguous.
    CountingStore other = new CountingStore(UsageStore.inMemory());
    assertThatThrownBy(() -> builder(new ScriptedProvider("test")).usageStore(other)
        .usageTracker(UsageTracker.inMemory(List.of(), clock, ZoneOffset.UTC, 10)).build())
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("give the store to the tracker");
  }

  @Test
  void aRestartedTrackerDoesNotAlertAgainAndReloadsMonthsAndTagValues() {
    UsageStore store = UsageStore.inMemory(ZoneOffset.UTC);
    Budget monthly = Budget.monthly(new BigDecimal("1.00"));
    Budget perUser = Budget.perTag("user", Budget.Period.MONTHLY, new BigDecimal("0.50"));
    ChatRequest ann = ChatRequest.builder().addUserMessage("x").tag("user", "ann").build();
    UsageTracker first = UsageTracker.inMemory(List.of(monthly, perUser), clock, ZoneOffset.UTC, 10, store);
    List<RalexEvent.BudgetAlert> alerts = first.reserve(ann, TestModels.SMALL, new BigDecimal("0.45"))
        .commitAlerting(record("c1", clock.instant(), "test/small", Usage.of(1, 1), "0.45", null, ann.tags()));
    assertThat(alerts).extracting(RalexEvent.BudgetAlert::budget).containsExactly("monthly tag user=ann");

    // Days later in the same month: the month's spend and ann's are back; her alert has already fired.
    clock.advance(Duration.ofDays(3));
    UsageTracker second = UsageTracker.inMemory(List.of(monthly, perUser), clock, ZoneOffset.UTC, 10, store);
    assertThat(second.spentToday()).isEqualByComparingTo("0");
    assertThat(second.snapshot(ChatRequest.of("x")).spent()).isEqualByComparingTo("0.45");
    assertThatThrownBy(() -> second.reserve(ann, TestModels.SMALL, new BigDecimal("0.10")))
        .isInstanceOfSatisfying(BudgetExceededException.class,
            e -> assertThat(e.budget()).isEqualTo("monthly tag user=ann"));
    assertThat(second.reserve(ann, TestModels.SMALL, new BigDecimal("0.01"))
        .commitAlerting(record("c2", clock.instant(), "test/small", Usage.of(1, 1), "0.01", null, ann.tags())))
        .isEmpty();
    assertThat(store.spent(Instant.EPOCH, clock.instant().plusSeconds(1), BudgetScope.tag("user", "ann")))
        .isEqualByComparingTo("0.46");
  }

  private static UsageRecord record(String callId, Instant at, String model, Usage usage, String cost,
      String conversationId) {
    return record(callId, at, model, usage, cost, conversationId, Map.of());
  }

  private static UsageRecord record(String callId, Instant at, String model, Usage usage, String cost,
      String conversationId, Map<String, String> tags) {
    return new UsageRecord(callId, at, model, "test", usage, new BigDecimal(cost), tags, conversationId);
  }

  /** A store forwarding to another, counting queries, recording the scopes summed, failing on demand. */
  private static final class CountingStore implements UsageStore {
    final UsageStore delegate;
    final List<List<BudgetScope>> spentScopes = new CopyOnWriteArrayList<>();
    final AtomicInteger reads = new AtomicInteger();
    volatile boolean failAppends;
    volatile boolean failReads;
    volatile boolean closed;

    CountingStore(UsageStore delegate) {
      this.delegate = delegate;
    }

    @Override
    public void append(UsageRecord record) {
      if (failAppends) {
        throw new UsageStoreException("disk full (test)", null);
      }
      delegate.append(record);
    }

    private void read() {
      reads.incrementAndGet();
      if (failReads) {
        throw new UsageStoreException("cannot read (test)", null);
      }
    }

    @Override
    public List<UsageRecord> records(Instant from, Instant to) {
      read();
      return delegate.records(from, to);
    }

    @Override
    public List<Aggregate> aggregates(Instant from, Instant to) {
      read();
      return delegate.aggregates(from, to);
    }

    @Override
    public Map<BudgetScope, BigDecimal> spent(Instant from, Instant to, Collection<BudgetScope> scopes) {
      read();
      spentScopes.add(List.copyOf(scopes));
      return delegate.spent(from, to, scopes);
    }

    @Override
    public void compact(Instant before) {
      delegate.compact(before);
    }

    @Override
    public ZoneId zone() {
      return delegate.zone();
    }

    @Override
    public void close() {
      closed = true;
      delegate.close();
    }
  }
}
