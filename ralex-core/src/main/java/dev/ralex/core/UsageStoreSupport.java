package dev.ralex.core;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** What every {@link UsageStore} shares: scope matching, days, spend sums and aggregation. Stateless. */
final class UsageStoreSupport {
  private UsageStoreSupport() {}

  /** Whether a call with these tags and conversation falls under {@code scope}, as {@link BudgetScope#covers}. */
  static boolean covers(BudgetScope scope, Map<String, String> tags, String conversationId) {
    if (scope.isTemplate()) {
      // A template ("each conversation") stands for many scopes: the caller asks for each concrete one.
      throw new IllegalArgumentException("usage stores sum concrete scopes; resolve the template " + scope
          + " to the conversation or tag value first");
    }
    switch (scope.kind()) {
      case GLOBAL:
        return true;
      case TAG:
        return scope.value().equals(tags.get(scope.key()));
      case CONVERSATION:
        return scope.value().equals(conversationId);
      default:
        throw new IllegalArgumentException("usage stores cannot filter by budget scope " + scope);
    }
  }

  /**
   * Checks what {@link UsageTracker#recordCacheHit} takes.
   *
   * @throws IllegalArgumentException if {@code hit} is a billed attempt, which must go through a reservation
   */
  static void checkCacheHit(UsageRecord hit) {
    Objects.requireNonNull(hit, "hit");
    if (!hit.isCacheHit()) {
      throw new IllegalArgumentException("recordCacheHit takes cache hits; call " + hit.callId()
          + " was billed and must be committed through its reservation");
    }
  }

  /** Midnight at the start of the day holding {@code at}, in {@code zone}. */
  static Instant dayStart(Instant at, ZoneId zone) {
    return LocalDate.ofInstant(at, zone).atStartOfDay(zone).toInstant();
  }

  /** Checks a query range [from, to). */
  static void checkRange(Instant from, Instant to) {
    Objects.requireNonNull(from, "from");
    Objects.requireNonNull(to, "to");
    if (to.isBefore(from)) {
      throw new IllegalArgumentException("range end " + to + " is before its start " + from);
    }
  }

  static boolean inRange(Instant at, Instant from, Instant to) {
    return !at.isBefore(from) && at.isBefore(to);
  }

  /** Per-scope sums of one {@code spent} query. Not thread-safe: one per query. */
  static final class SpendSums {
    private final BudgetScope[] scopes;
    private final BigDecimal[] sums;

    SpendSums(Collection<BudgetScope> scopes) {
      Objects.requireNonNull(scopes, "scopes");
      List<BudgetScope> distinct = new ArrayList<>();
      for (BudgetScope s : scopes) {
        Objects.requireNonNull(s, "scope");
        if (!distinct.contains(s)) {
          distinct.add(s);
        }
      }
      this.scopes = distinct.toArray(new BudgetScope[0]);
      this.sums = new BigDecimal[this.scopes.length];
      java.util.Arrays.fill(sums, BigDecimal.ZERO);
    }

    void add(Map<String, String> tags, String conversationId, BigDecimal cost) {
      for (int i = 0; i < scopes.length; i++) {
        if (covers(scopes[i], tags, conversationId)) {
          sums[i] = sums[i].add(cost);
        }
      }
    }

    void add(UsageRecord r) {
      add(r.tags(), r.conversationId(), r.cost());
    }

    void add(UsageStore.Aggregate a) {
      add(a.tags(), a.conversationId(), a.cost());
    }

    Map<BudgetScope, BigDecimal> result() {
      Map<BudgetScope, BigDecimal> out = new LinkedHashMap<>();
      for (int i = 0; i < scopes.length; i++) {
        out.put(scopes[i], sums[i]);
      }
      return java.util.Collections.unmodifiableMap(out);
    }
  }

  /** What makes records fall into one aggregate; billed attempts and cache hits never share one. */
  private record Key(Instant dayStart, String model, String provider, Map<String, String> tags, String conversationId,
      UsageRecord.Kind kind) {}

  /**
   * {@code existing} aggregates merged with {@code records} aggregated per day in {@code zone}, oldest day first;
   * aggregates of one day keep the order in which their key first appeared.
   */
  static List<UsageStore.Aggregate> aggregate(
      List<UsageStore.Aggregate> existing, List<UsageRecord> records, ZoneId zone) {
    Map<Key, UsageStore.Aggregate> byKey = new LinkedHashMap<>();
    for (UsageStore.Aggregate a : existing) {
      merge(byKey, new Key(a.dayStart(), a.model(), a.provider(), a.tags(), a.conversationId(), a.kind()), a);
    }
    for (UsageRecord r : records) {
      Instant day = dayStart(r.at(), zone);
      merge(byKey, new Key(day, r.model(), r.provider(), r.tags(), r.conversationId(), r.kind()),
          aggregateOf(r, day));
    }
    List<UsageStore.Aggregate> out = new ArrayList<>(byKey.values());
    out.sort(Comparator.comparing(UsageStore.Aggregate::dayStart));
    return out;
  }

  /** The aggregate of {@code r} alone, on the day starting at {@code dayStart}. */
  static UsageStore.Aggregate aggregateOf(UsageRecord r, Instant dayStart) {
    return new UsageStore.Aggregate(dayStart, r.model(), r.provider(), r.tags(), r.conversationId(), 1, r.usage(),
        r.cost(), r.kind(), r.saved());
  }

  private static void merge(Map<Key, UsageStore.Aggregate> byKey, Key key, UsageStore.Aggregate a) {
    byKey.merge(key, a, UsageStore.Aggregate::plus);
  }
}
