package dev.ralex.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ralex.api.Usage;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What every {@link UsageStore} must do. A store's test extends this and says how to open the store; durable
 * stores also say so, and every check is then repeated after closing and reopening.
 */
abstract class UsageStoreContract {
  static final Instant ALL_FROM = Instant.parse("2000-01-01T00:00:00Z");
  static final Instant ALL_TO = Instant.parse("2100-01-01T00:00:00Z");
  static final BudgetScope TEAM_SEARCH = BudgetScope.tag("team", "search");
  static final BudgetScope TEAM_ADS = BudgetScope.tag("team", "ads");
  static final BudgetScope CONV_1 = BudgetScope.conversation("conv-1");

  @TempDir
  Path dir;

  UsageStore store;

  /** Opens the store under test on {@code directory} (which durable stores keep their data in). */
  protected abstract UsageStore open(Path directory);

  /** Whether what was appended survives {@link UsageStore#close()} and {@link #open(Path)} again. */
  protected boolean durable() {
    return false;
  }

  @BeforeEach
  void openStore() {
    store = open(dir);
  }

  @AfterEach
  void closeStore() {
    store.close();
  }

  /** Closes and reopens a durable store; a no-op for others. */
  void reopen() {
    if (durable()) {
      store.close();
      store = open(dir);
    }
  }

  static UsageRecord record(String id, Instant at, String cost, Map<String, String> tags, String conversation) {
    return new UsageRecord(id, at, "test/model", "test", Usage.of(100, 20), new BigDecimal(cost), tags, conversation);
  }

  static UsageRecord record(String id, Instant at, String cost) {
    return record(id, at, cost, Map.of(), null);
  }

  @Test
  void everyFieldRoundTrips() {
    Map<String, String> tags = new LinkedHashMap<>();
    tags.put("team", "search");
    tags.put("user", "\u00e9l\u00e8ve \u4e2d\u6587 \ud83d\ude00");
    tags.put("", "empty key");
    tags.put("empty value", "");
    UsageRecord full = new UsageRecord("call-\u00fc-1", Instant.parse("2026-03-10T12:34:56.123456789Z"),
        "anthropic/claude-sonnet-4-6", "anthropic",
        new Usage(1_234_567, 890, 4_000_000_000L, Long.MAX_VALUE / 4), new BigDecimal("0.000123450"), tags,
        "conv/\u00e9/1");
    UsageRecord bare = new UsageRecord("", Instant.parse("1970-01-01T00:00:00Z").plusSeconds(2_000_000_000L),
        "m", "p", Usage.ZERO, BigDecimal.ZERO, Map.of(), null);
    UsageRecord huge = new UsageRecord("c3", Instant.parse("2026-03-10T12:34:57Z"), "m", "p", Usage.of(1, 1),
        new BigDecimal("123456789012345678901234567890.123456789012345678901234567890"), Map.of("k", "v"), "c");
    UsageRecord integral = new UsageRecord("c4", Instant.parse("2026-03-10T12:34:58Z"), "m", "p", Usage.of(1, 1),
        new BigDecimal("1.5E+3"), Map.of(), null);
    List<UsageRecord> all = List.of(full, bare, huge, integral);
    for (UsageRecord r : all) {
      store.append(r);
    }

    assertRoundTrip(all);
    reopen();
    assertRoundTrip(all);
  }

  private void assertRoundTrip(List<UsageRecord> expected) {
    List<UsageRecord> back = store.records(ALL_FROM, ALL_TO);
    assertThat(back).containsExactlyInAnyOrderElementsOf(expected);
    for (UsageRecord r : back) {
      UsageRecord original = expected.stream().filter(e -> e.callId().equals(r.callId())).findFirst().orElseThrow();
      // equals() on BigDecimal also compares the scale: "0.000123450" must not come back as "0.00012345".
      assertThat(r.cost()).isEqualTo(original.cost());
      assertThat(r.cost().scale()).isEqualTo(original.cost().scale());
      assertThat(r.at()).isEqualTo(original.at());
      assertThat(r.tags()).isEqualTo(original.tags());
      assertThat(r.conversation()).isEqualTo(original.conversation());
      assertThat(r.usage()).isEqualTo(original.usage());
    }
  }

  @Test
  void recordsComeOldestFirstAcrossMonths() {
    Instant t = Instant.parse("2026-01-31T23:59:59.999999999Z");
    List<Instant> times = List.of(t.plusSeconds(3600 * 24 * 40), t, t.plusNanos(1), t.minusSeconds(86_400 * 40),
        t.plusSeconds(5), t.minusNanos(1));
    for (int i = 0; i < times.size(); i++) {
      store.append(record("r" + i, times.get(i), "0.01"));
    }
    store.append(record("same-a", t.plusSeconds(7), "0.01"));
    store.append(record("same-b", t.plusSeconds(7), "0.01"));

    for (int pass = 0; pass < 2; pass++) {
      List<UsageRecord> back = store.records(ALL_FROM, ALL_TO);
      assertThat(back).extracting(UsageRecord::at).isSorted().hasSize(8);
      List<String> ids = back.stream().map(UsageRecord::callId).toList();
      assertThat(ids.indexOf("same-a")).isLessThan(ids.indexOf("same-b"));
      reopen();
    }
  }

  @Test
  void rangesIncludeTheirStartAndExcludeTheirEnd() {
    Instant from = Instant.parse("2026-05-01T00:00:00Z");
    Instant to = Instant.parse("2026-05-02T00:00:00Z");
    store.append(record("before", from.minusNanos(1), "1"));
    store.append(record("start", from, "2"));
    store.append(record("inside", from.plusSeconds(3600), "4"));
    store.append(record("end", to, "8"));

    assertThat(store.records(from, to)).extracting(UsageRecord::callId).containsExactly("start", "inside");
    assertThat(store.spent(from, to, BudgetScope.GLOBAL)).isEqualByComparingTo("6");
    assertThat(store.records(from, from)).isEmpty();
    assertThat(store.spent(from, from, BudgetScope.GLOBAL)).isEqualByComparingTo("0");
    assertThatThrownBy(() -> store.records(to, from)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void spentIsExactPerScopeInOnePass() {
    Instant t = Instant.parse("2026-05-01T10:00:00Z");
    for (int i = 0; i < 10; i++) {
      store.append(record("s" + i, t.plusSeconds(i), "0.1", Map.of("team", "search"), i < 3 ? "conv-1" : null));
    }
    store.append(record("a", t.plusSeconds(20), "0.2", Map.of("team", "ads", "x", "y"), "conv-1"));
    store.append(record("n", t.plusSeconds(21), "0.0000001"));

    for (int pass = 0; pass < 2; pass++) {
      Map<BudgetScope, BigDecimal> spent = store.spent(ALL_FROM, ALL_TO,
          List.of(BudgetScope.GLOBAL, TEAM_SEARCH, TEAM_ADS, CONV_1, BudgetScope.conversation("none"), TEAM_ADS));
      assertThat(spent).hasSize(5);
      // Exact decimal sums: ten times 0.1 is 1.0, not 0.9999999999999999.
      assertThat(spent.get(BudgetScope.GLOBAL)).isEqualTo(new BigDecimal("1.2000001"));
      assertThat(spent.get(TEAM_SEARCH)).isEqualTo(new BigDecimal("1.0"));
      assertThat(spent.get(TEAM_ADS)).isEqualTo(new BigDecimal("0.2"));
      assertThat(spent.get(CONV_1)).isEqualTo(new BigDecimal("0.5"));
      assertThat(spent.get(BudgetScope.conversation("none"))).isEqualByComparingTo("0");
      assertThat(store.spent(t, t.plusSeconds(5), TEAM_SEARCH)).isEqualTo(new BigDecimal("0.5"));
      reopen();
    }
  }

  @Test
  @Timeout(120)
  void concurrentAppendsAreEachStoredExactlyOnce() throws Exception {
    int threads = 16;
    int perThread = 1_000;
    Instant base = Instant.parse("2026-06-30T23:00:00Z"); // the records straddle a month boundary
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch start = new CountDownLatch(1);
    List<Future<?>> futures = new ArrayList<>();
    try {
      for (int t = 0; t < threads; t++) {
        int thread = t;
        futures.add(pool.submit(() -> {
          start.await();
          for (int i = 0; i < perThread; i++) {
            store.append(record("t" + thread + "-" + i, base.plusMillis(thread * 7_919L + i * 3_701L), "0.001",
                Map.of("thread", Integer.toString(thread)), null));
          }
          return null;
        }));
      }
      start.countDown();
      for (Future<?> f : futures) {
        f.get(110, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }

    Set<String> expected = new HashSet<>();
    for (int t = 0; t < threads; t++) {
      for (int i = 0; i < perThread; i++) {
        expected.add("t" + t + "-" + i);
      }
    }
    for (int pass = 0; pass < 2; pass++) {
      List<UsageRecord> back = store.records(ALL_FROM, ALL_TO);
      assertThat(back).hasSize(threads * perThread);
      Set<String> ids = new HashSet<>();
      List<String> duplicates = new ArrayList<>();
      for (UsageRecord r : back) {
        if (!ids.add(r.callId())) {
          duplicates.add(r.callId());
        }
      }
      assertThat(duplicates).isEmpty();
      assertThat(ids).isEqualTo(expected);
      assertThat(back).extracting(UsageRecord::at).isSorted();
      assertThat(store.spent(ALL_FROM, ALL_TO, BudgetScope.GLOBAL)).isEqualTo(new BigDecimal("16.000"));
      assertThat(store.spent(ALL_FROM, ALL_TO, BudgetScope.tag("thread", "3"))).isEqualTo(new BigDecimal("1.000"));
      reopen();
    }
  }

  @Test
  void compactionKeepsEveryTotalExact() {
    ZoneId zone = store.zone();
    LocalDate firstDay = LocalDate.of(2026, 1, 29);
    List<BudgetScope> scopes = List.of(BudgetScope.GLOBAL, TEAM_SEARCH, TEAM_ADS, CONV_1);
    int n = 0;
    for (int day = 0; day < 6; day++) {
      Instant midnight = firstDay.plusDays(day).atStartOfDay(zone).toInstant();
      for (int i = 0; i < 7; i++) {
        // The first and last instants of the day, and some between.
        Instant at = i == 0 ? midnight : i == 6 ? midnight.plus(Duration.ofDays(1)).minusNanos(1)
            : midnight.plusSeconds(i * 11_111L);
        Map<String, String> tags = i % 2 == 0 ? Map.of("team", "search") : Map.of("team", "ads", "env", "prod");
        UsageRecord r = new UsageRecord("c" + n++, at, i % 3 == 0 ? "m/a" : "m/b", "p",
            new Usage(i, 2L * i, 3L * i, 4L * i), new BigDecimal("0.00" + (i + 1) + "7"), tags,
            i < 3 ? "conv-1" : null);
        store.append(r);
      }
    }
    Instant from = firstDay.atStartOfDay(zone).toInstant();
    Instant to = firstDay.plusDays(6).atStartOfDay(zone).toInstant();
    Map<BudgetScope, BigDecimal> before = store.spent(from, to, scopes);
    List<Map<BudgetScope, BigDecimal>> perDayBefore = perDay(firstDay, 6, scopes);
    List<UsageRecord> recordsBefore = store.records(ALL_FROM, ALL_TO);

    // Mid-day: only the days that end by then are compacted (Jan 29, 30, 31 and Feb 1).
    Instant cut = firstDay.plusDays(4).atStartOfDay(zone).toInstant();
    store.compact(cut.plusSeconds(5 * 3600));

    for (int pass = 0; pass < 2; pass++) {
      assertThat(store.spent(from, to, scopes)).isEqualTo(before);
      assertThat(perDay(firstDay, 6, scopes)).isEqualTo(perDayBefore);
      List<UsageRecord> left = store.records(ALL_FROM, ALL_TO);
      assertThat(left).allMatch(r -> !r.at().isBefore(cut)).hasSize(14);
      assertThat(left).isEqualTo(recordsBefore.stream().filter(r -> !r.at().isBefore(cut)).toList());
      List<UsageStore.Aggregate> aggregates = store.aggregates(ALL_FROM, ALL_TO);
      assertThat(aggregates).extracting(UsageStore.Aggregate::dayStart).isSorted()
          .allMatch(d -> d.isBefore(cut) && !d.isBefore(from));
      assertThat(aggregates.stream().mapToLong(UsageStore.Aggregate::count).sum()).isEqualTo(28);
      assertThat(aggregates.stream().map(UsageStore.Aggregate::usage).reduce(Usage.ZERO, Usage::plus))
          .isEqualTo(recordsBefore.stream().filter(r -> r.at().isBefore(cut)).map(UsageRecord::usage)
              .reduce(Usage.ZERO, Usage::plus));
      // Compacting the same days again, or nothing, changes nothing.
      store.compact(cut);
      store.compact(from);
      reopen();
    }

    // A late record for a compacted day still counts, and a second compaction merges it.
    store.append(record("late", from.plusSeconds(60), "1.5", Map.of("team", "search"), "conv-1"));
    Map<BudgetScope, BigDecimal> withLate = store.spent(from, to, scopes);
    assertThat(withLate.get(TEAM_SEARCH)).isEqualTo(before.get(TEAM_SEARCH).add(new BigDecimal("1.5")));
    store.compact(to);
    assertThat(store.records(ALL_FROM, ALL_TO)).isEmpty();
    assertThat(store.spent(from, to, scopes)).isEqualTo(withLate);
    reopen();
    assertThat(store.spent(from, to, scopes)).isEqualTo(withLate);
  }

  private List<Map<BudgetScope, BigDecimal>> perDay(LocalDate first, int days, List<BudgetScope> scopes) {
    List<Map<BudgetScope, BigDecimal>> out = new ArrayList<>();
    for (int d = 0; d < days; d++) {
      out.add(store.spent(first.plusDays(d).atStartOfDay(store.zone()).toInstant(),
          first.plusDays(d + 1).atStartOfDay(store.zone()).toInstant(), scopes));
    }
    return Collections.unmodifiableList(out);
  }

  @Test
  void aClosedStoreRefusesEverything() {
    store.append(record("a", Instant.parse("2026-05-01T10:00:00Z"), "1"));
    store.close();
    store.close(); // idempotent

    UsageRecord r = record("b", Instant.parse("2026-05-01T10:00:00Z"), "1");
    assertThatThrownBy(() -> store.append(r)).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    assertThatThrownBy(() -> store.records(ALL_FROM, ALL_TO)).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> store.aggregates(ALL_FROM, ALL_TO)).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> store.spent(ALL_FROM, ALL_TO, BudgetScope.GLOBAL))
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> store.compact(ALL_TO)).isInstanceOf(IllegalStateException.class);
    if (durable()) {
      store = open(dir);
      assertThat(store.records(ALL_FROM, ALL_TO)).extracting(UsageRecord::callId).containsExactly("a");
    }
  }

  @Test
  void nullsAreRefusedAtTheBoundary() {
    assertThatThrownBy(() -> store.append(null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> store.records(null, ALL_TO)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> store.spent(ALL_FROM, ALL_TO, (BudgetScope) null))
        .isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> store.compact(null)).isInstanceOf(NullPointerException.class);
  }

  static UsageRecord hit(String id, Instant at, String saved, Map<String, String> tags, String conversation) {
    return UsageRecord.cacheHit(id, at, "test/model", "test", new BigDecimal(saved), tags, conversation);
  }

  @Test
  void cacheHitsRoundTripWithTheirKindAndExactSavings() {
    Instant t = Instant.parse("2026-03-10T12:00:00Z");
    UsageRecord billed = record("billed", t, "0.004500", Map.of("team", "search"), "conv-1");
    UsageRecord hit = hit("hit", t.plusNanos(1), "0.004500", Map.of("team", "search"), "conv-1");
    UsageRecord integral = hit("hit-integral", t.plusSeconds(1), "1.5E+3", Map.of(), null);
    UsageRecord free = hit("hit-free", t.plusSeconds(2), "0", Map.of("team", "ads"), null);
    List<UsageRecord> all = List.of(billed, hit, integral, free);
    all.forEach(store::append);

    for (int pass = 0; pass < 2; pass++) {
      List<UsageRecord> back = store.records(ALL_FROM, ALL_TO);
      assertThat(back).containsExactlyElementsOf(all);
      for (int i = 0; i < all.size(); i++) {
        assertThat(back.get(i).kind()).isEqualTo(all.get(i).kind());
        assertThat(back.get(i).saved().scale()).as(all.get(i).callId()).isEqualTo(all.get(i).saved().scale());
      }
      // A hit costs nothing: what budgets are rebuilt from does not see it.
      assertThat(store.spent(ALL_FROM, ALL_TO, List.of(BudgetScope.GLOBAL, TEAM_SEARCH, TEAM_ADS, CONV_1)))
          .containsEntry(BudgetScope.GLOBAL, new BigDecimal("0.004500"))
          .containsEntry(TEAM_SEARCH, new BigDecimal("0.004500"))
          .containsEntry(TEAM_ADS, BigDecimal.ZERO)
          .containsEntry(CONV_1, new BigDecimal("0.004500"));
      reopen();
    }
  }

  @Test
  void cacheHitsAreCompactedApartAndReportTheSameTotalsAfterwards() {
    ZoneId zone = store.zone();
    LocalDate day = LocalDate.of(2026, 2, 3);
    Instant midnight = day.atStartOfDay(zone).toInstant();
    Map<String, String> search = Map.of("team", "search");
    Map<String, String> ads = Map.of("team", "ads");
    store.append(record("b1", midnight.plusSeconds(10), "0.010", search, "conv-1"));
    store.append(hit("h1", midnight.plusSeconds(20), "0.010", search, "conv-1"));
    store.append(hit("h2", midnight.plusSeconds(30), "0.0200", search, "conv-1"));
    store.append(record("b2", midnight.plusSeconds(40), "0.5", ads, null));
    store.append(hit("h3", midnight.plusSeconds(50), "0.5", ads, null));
    store.append(record("b3", midnight.plusSeconds(60), "0.25", search, "conv-1"));
    Instant from = midnight;
    Instant to = day.plusDays(1).atStartOfDay(zone).toInstant();
    List<BudgetScope> scopes = List.of(BudgetScope.GLOBAL, TEAM_SEARCH, TEAM_ADS, CONV_1);
    Map<BudgetScope, BigDecimal> spentBefore = store.spent(from, to, scopes);
    UsageQuery byTeam = UsageQuery.between(from, to).byTag("team");
    UsageReport before = UsageReport.of(byTeam, zone, store.records(from, to), true);
    assertThat(before.row("search").orElseThrow()).satisfies(t -> {
      assertThat(t.calls()).isEqualTo(2);
      assertThat(t.cacheHits()).isEqualTo(2);
      assertThat(t.saved()).isEqualTo(new BigDecimal("0.0300"));
      assertThat(t.cost()).isEqualTo(new BigDecimal("0.260"));
      assertThat(t.cacheHitRate()).isEqualTo(0.5);
    });
    assertThat(before.total().cacheHits()).isEqualTo(3);
    assertThat(before.total().calls()).isEqualTo(3);

    store.compact(to);

    for (int pass = 0; pass < 2; pass++) {
      assertThat(store.records(ALL_FROM, ALL_TO)).isEmpty();
      List<UsageStore.Aggregate> aggregates = store.aggregates(ALL_FROM, ALL_TO);
      // Billed attempts and hits of one model, tags and conversation are two aggregates, never one.
      assertThat(aggregates).hasSize(4);
      assertThat(aggregates).filteredOn(a -> a.kind() == UsageRecord.Kind.CACHE_HIT)
          .allSatisfy(a -> {
            assertThat(a.cost()).isZero();
            assertThat(a.usage()).isEqualTo(Usage.ZERO);
          })
          .extracting(UsageStore.Aggregate::count, UsageStore.Aggregate::saved)
          .containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple(2L, new BigDecimal("0.0300")),
              org.assertj.core.groups.Tuple.tuple(1L, new BigDecimal("0.5")));
      assertThat(aggregates).filteredOn(a -> a.kind() == UsageRecord.Kind.BILLED)
          .allMatch(a -> a.saved().signum() == 0)
          .extracting(UsageStore.Aggregate::count).containsExactlyInAnyOrder(2L, 1L);
      assertThat(store.spent(from, to, scopes)).isEqualTo(spentBefore);
      // The aggregates sum to the same totals as the records did, group by group.
      Map<String, UsageTotals> after = new java.util.TreeMap<>();
      for (UsageStore.Aggregate a : aggregates) {
        after.merge(a.tags().get("team"), UsageTotals.ZERO.plus(a, a.cost()), UsageStoreContract::sumTotals);
      }
      for (UsageReport.Row row : before.rows()) {
        assertThat(after.get(row.key())).as(row.key()).isEqualTo(row.totals());
      }
      reopen();
    }
  }

  /** Two totals summed field by field, for comparing compacted aggregates with the records they replaced. */
  private static UsageTotals sumTotals(UsageTotals x, UsageTotals y) {
    return new UsageTotals(x.calls() + y.calls(), x.inputTokens() + y.inputTokens(),
        x.outputTokens() + y.outputTokens(), x.cacheReadTokens() + y.cacheReadTokens(),
        x.cacheWriteTokens() + y.cacheWriteTokens(), x.cost().add(y.cost()),
        x.referenceCost().add(y.referenceCost()), x.cacheHits() + y.cacheHits(), x.saved().add(y.saved()));
  }
}
