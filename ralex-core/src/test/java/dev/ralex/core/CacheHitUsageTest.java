package dev.ralex.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ralex.api.ChatRequest;
import dev.ralex.api.ChatResponse;
import dev.ralex.api.Usage;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Response-cache hits recorded in usage: persisted by the store, never against a budget, in reports per tag. */
class CacheHitUsageTest {
  private static final Instant FROM = Instant.parse("2026-01-01T00:00:00Z");
  private static final Instant TO = Instant.parse("2027-01-01T00:00:00Z");
  private final ManualClock clock = ManualClock.at("2026-11-26T10:00:00Z");

  @TempDir
  Path dir;

  private Ralex.Builder builder(ScriptedProvider provider, UsageStore store) {
    return Ralex.builder()
        .provider(provider)
        .catalog(ModelCatalog.of(List.of(TestModels.SMALL, TestModels.LARGE)))
        .clock(clock)
        .sleeper(new RecordingSleeper(clock))
        .zone(ZoneOffset.UTC)
        .responseCache(InMemoryResponseCache.create(100, clock), Duration.ofMinutes(10))
        .usageStore(store);
  }

  private static ChatRequest ask(String text) {
    return ChatRequest.builder().addUserMessage(text).tag("team", "search").conversationId("conv-1").build();
  }

  @Test
  void aHitIsPersistedAndReportedPerTagAfterARestart() {
    ScriptedProvider provider = new ScriptedProvider("test").thenAnswer("Paris", Usage.of(1_000, 2_000));
    ChatResponse first;
    ChatResponse second;
    try (Ralex ralex = builder(provider, UsageStore.journal(dir)).budget(Budget.daily(new BigDecimal("1.00")))
        .build()) {
      first = ralex.chat(ask("capital of France?"));
      clock.advance(Duration.ofSeconds(1));
      second = ralex.chat(ask("capital of France?"));
      assertThat(second.fromCache()).isTrue();
      // The hit spent nothing: the budget and today's spend hold only the billed attempt.
      assertThat(ralex.usage().spentToday()).isEqualByComparingTo(first.cost());
      assertThat(ralex.usage().snapshot(ask("x")).spent()).isEqualByComparingTo(first.cost());
    }
    assertThat(provider.requests).hasSize(1);

    // A new instance on the same journal: everything below comes from the store.
    try (Ralex ralex = builder(new ScriptedProvider("test"), UsageStore.journal(dir)).build()) {
      List<UsageRecord> records = ralex.usage().records(FROM, TO);
      assertThat(records).hasSize(2);
      UsageRecord hit = records.get(1);
      assertThat(hit.isCacheHit()).isTrue();
      assertThat(hit.callId()).isEqualTo(second.callId());
      assertThat(hit.model()).isEqualTo(first.model());
      assertThat(hit.provider()).isEqualTo(first.provider());
      assertThat(hit.tags()).isEqualTo(Map.of("team", "search"));
      assertThat(hit.conversationId()).isEqualTo("conv-1");
      assertThat(hit.cost()).isZero();
      assertThat(hit.usage()).isEqualTo(Usage.ZERO);
      assertThat(hit.saved()).isEqualTo(first.cost());

      UsageTotals total = ralex.report(UsageQuery.between(FROM, TO)).total();
      assertThat(total.calls()).isEqualTo(1);
      assertThat(total.cacheHits()).isEqualTo(1);
      assertThat(total.saved()).isEqualByComparingTo(first.cost());
      assertThat(total.cost()).isEqualByComparingTo(first.cost());
      UsageReport byTeam = ralex.report(UsageQuery.between(FROM, TO).byTag("team"));
      assertThat(byTeam.row("search").orElseThrow().cacheHitRate()).isEqualTo(0.5);
      assertThat(byTeam.row("search").orElseThrow().saved()).isEqualByComparingTo(first.cost());
      // Reloaded budgets see the billed cost only.
      assertThat(ralex.usage().spentToday()).isEqualByComparingTo(first.cost());
    }
  }

  @Test
  void compactedHitsStillCountInReports() {
    ScriptedProvider provider = new ScriptedProvider("test").thenAnswer("Paris", Usage.of(1_000, 2_000));
    BigDecimal cost;
    try (Ralex ralex = builder(provider, UsageStore.journal(dir)).build()) {
      cost = ralex.chat(ask("q")).cost();
      ralex.chat(ask("q"));
      ralex.chat(ask("q"));
    }
    try (UsageStore journal = UsageStore.journal(dir)) {
      journal.compact(Instant.parse("2026-11-27T00:00:00Z"));
      assertThat(journal.records(FROM, TO)).isEmpty();
      assertThat(journal.aggregates(FROM, TO)).extracting(UsageStore.Aggregate::kind, UsageStore.Aggregate::count)
          .containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple(UsageRecord.Kind.BILLED, 1L),
              org.assertj.core.groups.Tuple.tuple(UsageRecord.Kind.CACHE_HIT, 2L));
    }
    clock.advance(Duration.ofDays(2));
    try (Ralex ralex = builder(new ScriptedProvider("test"), UsageStore.journal(dir)).build()) {
      UsageTotals search = ralex.report(UsageQuery.between(FROM, TO).byTag("team")).row("search").orElseThrow();
      assertThat(search.calls()).isEqualTo(1);
      assertThat(search.cacheHits()).isEqualTo(2);
      assertThat(search.saved()).isEqualByComparingTo(cost.multiply(BigDecimal.valueOf(2)));
      assertThat(search.cacheHitRate()).isEqualTo(2.0 / 3);
    }
  }

  @Test
  void aTrackerTakesOnlyHitsThroughRecordCacheHitAndKeepsBudgetsUnchanged() {
    UsageTracker tracker = UsageTracker.inMemory(List.of(Budget.daily(new BigDecimal("1"))), clock, ZoneOffset.UTC,
        100);
    UsageRecord billed = new UsageRecord("c1", clock.instant(), "m", "p", Usage.of(1, 1), new BigDecimal("0.1"),
        Map.of(), null);
    assertThatThrownBy(() -> tracker.recordCacheHit(billed)).isInstanceOf(IllegalArgumentException.class);
    tracker.recordCacheHit(UsageRecord.cacheHit("c2", clock.instant(), "m", "p", new BigDecimal("0.1"), Map.of(),
        null));
    assertThat(tracker.spentToday()).isZero();
    assertThat(tracker.snapshot(ask("x")).spent()).isZero();
    assertThat(tracker.records(FROM, TO)).extracting(UsageRecord::callId).containsExactly("c2");
  }

  @Test
  void recordsAndTotalsValidateTheirKind() {
    Instant at = clock.instant();
    assertThat(new UsageRecord("c", at, "m", "p", Usage.of(1, 1), BigDecimal.ONE, Map.of(), null).kind())
        .isEqualTo(UsageRecord.Kind.BILLED);
    assertThatThrownBy(() -> new UsageRecord("c", at, "m", "p", Usage.of(1, 1), BigDecimal.ONE, Map.of(), null,
        UsageRecord.Kind.BILLED, BigDecimal.ONE)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("billed attempt saves nothing");
    assertThatThrownBy(() -> new UsageRecord("c", at, "m", "p", Usage.ZERO, BigDecimal.ONE, Map.of(), null,
        UsageRecord.Kind.CACHE_HIT, BigDecimal.ONE)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no usage and no cost");
    assertThatThrownBy(() -> new UsageRecord("c", at, "m", "p", Usage.of(1, 0), BigDecimal.ZERO, Map.of(), null,
        UsageRecord.Kind.CACHE_HIT, BigDecimal.ONE)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> UsageRecord.cacheHit("c", at, "m", "p", new BigDecimal("-0.01"), Map.of(), null))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("saved");
    assertThatThrownBy(() -> UsageRecord.cacheHit("c", at, "m", "p", null, Map.of(), null))
        .isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> new UsageRecord("c", at, "m", "p", Usage.ZERO, BigDecimal.ZERO, Map.of(), null, null,
        BigDecimal.ZERO)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> new UsageStore.Aggregate(at, "m", "p", Map.of(), null, 1, Usage.ZERO, BigDecimal.ONE,
        UsageRecord.Kind.CACHE_HIT, BigDecimal.ONE)).isInstanceOf(IllegalArgumentException.class);

    assertThat(UsageTotals.ZERO.cacheHitRate()).isZero();
    UsageTotals old = new UsageTotals(3, 1, 2, 0, 0, BigDecimal.ONE, BigDecimal.ONE);
    assertThat(old.cacheHits()).isZero();
    assertThat(old.saved()).isZero();
    assertThat(old.cacheHitRate()).isZero();
    assertThat(new UsageTotals(3, 1, 2, 0, 0, BigDecimal.ONE, BigDecimal.ONE, 1, BigDecimal.TEN).cacheHitRate())
        .isEqualTo(0.25);
    assertThatThrownBy(() -> new UsageTotals(0, 0, 0, 0, 0, BigDecimal.ZERO, BigDecimal.ZERO, -1, BigDecimal.ZERO))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
