package dev.ralex.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import dev.ralex.api.BudgetExceededException;
import dev.ralex.api.ChatRequest;
import dev.ralex.api.Usage;
import java.math.BigDecimal;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * For any interleaving of reservations, commits (below, at and above the reservation), releases, failures and
 * racing double settlements from many threads: the spend recorded against every budget never exceeds its cap
 * (by more than what providers billed beyond the reservations, which no gate can stop once a call is sent), every
 * budget's total is exactly the sum of its records, and every reservation is settled exactly once.
 */
class BudgetPropertiesTest {
  private static final int THREADS = 8;
  private static final int OPS = 240;
  private final ManualClock clock = ManualClock.at("2026-11-25T10:00:00Z");

  /** The four kinds of call, and the budgets each falls under. */
  private static final List<ChatRequest> CALLS = List.of(
      ChatRequest.of("global only"),
      ChatRequest.builder().addUserMessage("team").tag("team", "a").build(),
      ChatRequest.builder().addUserMessage("conversation").conversationId("c1").build(),
      ChatRequest.builder().addUserMessage("both").tag("team", "a").conversationId("c2").build());

  @Test
  void spendNeverPassesAnyCapAndEveryReservationIsSettledExactlyOnce() {
    qt().withExamples(60).forAll(
            lists().of(integers().between(1, 4_000)).ofSize(OPS),   // worst case, micro-dollars
            lists().of(integers().between(0, 129)).ofSize(OPS),     // outcome
            integers().between(2_000, 150_000),                     // global cap, micro-dollars
            integers().between(1_000, 60_000))                      // team and per-conversation caps
        .checkAssert((worst, outcome, globalMicros, scopedMicros) -> {
          BigDecimal globalCap = BigDecimal.valueOf(globalMicros, 6);
          BigDecimal scopedCap = BigDecimal.valueOf(scopedMicros, 6);
          InMemoryUsageTracker tracker = (InMemoryUsageTracker) UsageTracker.inMemory(List.of(
                  Budget.daily(globalCap),
                  new Budget(Budget.Period.DAILY, scopedCap, BudgetScope.tag("team", "a")),
                  Budget.perConversation(Budget.Period.DAILY, scopedCap)),
              clock, ZoneOffset.UTC, 10_000);
          Map<String, BigDecimal> reservedByCall = new ConcurrentHashMap<>();
          Queue<UsageTracker.Reservation> contested = new ConcurrentLinkedQueue<>();
          AtomicLong granted = new AtomicLong();
          AtomicReference<Throwable> failure = new AtomicReference<>();
          CyclicBarrier barrier = new CyclicBarrier(THREADS);
          List<Thread> threads = new ArrayList<>();
          for (int t = 0; t < THREADS; t++) {
            int offset = t;
            Thread thread = new Thread(() -> {
              try {
                barrier.await(10, TimeUnit.SECONDS);
                for (int i = offset; i < OPS; i += THREADS) {
                  run(tracker, i, worst.get(i), outcome.get(i), reservedByCall, contested, granted);
                  // Settle someone else's reservation, racing its owner.
                  UsageTracker.Reservation other = contested.poll();
                  if (other != null) {
                    other.release();
                  }
                }
              } catch (Throwable e) {
                failure.compareAndSet(null, e);
              }
            });
            threads.add(thread);
            thread.start();
          }
          for (Thread thread : threads) {
            try {
              thread.join(TimeUnit.SECONDS.toMillis(30));
            } catch (InterruptedException e) {
              throw new AssertionError(e);
            }
          }
          assertThat(failure.get()).isNull();

          assertThat(tracker.outstandingReservations()).isZero();
          assertThat(tracker.settledReservations()).isEqualTo(granted.get());
          List<UsageRecord> records = tracker.records(clock.instant().minusSeconds(1), clock.instant().plusSeconds(1));
          Map<String, BigDecimal> used = tracker.usedByBudget();
          check(used, records, reservedByCall, "daily global", globalCap, r -> true);
          check(used, records, reservedByCall, "daily tag team=a", scopedCap,
              r -> "a".equals(r.tags().get("team")));
          check(used, records, reservedByCall, "daily conversation c1", scopedCap,
              r -> "c1".equals(r.conversationId()));
          check(used, records, reservedByCall, "daily conversation c2", scopedCap,
              r -> "c2".equals(r.conversationId()));
        });
  }

  /** One attempt: reserve, then release, fail, commit (at a share of the reservation, sometimes more) or race. */
  private void run(UsageTracker tracker, int i, int worstMicros, int outcome, Map<String, BigDecimal> reservedByCall,
      Queue<UsageTracker.Reservation> contested, AtomicLong granted) {
    ChatRequest request = CALLS.get(i % CALLS.size());
    BigDecimal worst = BigDecimal.valueOf(worstMicros, 6);
    UsageTracker.Reservation r;
    try {
      r = tracker.reserve(request, TestModels.SMALL, worst);
    } catch (BudgetExceededException refused) {
      return;
    }
    granted.incrementAndGet();
    String callId = "call-" + i;
    reservedByCall.put(callId, worst);
    if (outcome < 20) {
      r.release(); // refused by the rate limiter, or the provider failed before billing
      return;
    }
    if (outcome < 30) {
      try {
        throw new IllegalStateException("the attempt blew up");
      } catch (IllegalStateException e) {
        r.release();
        r.release(); // settling twice counts once
        return;
      }
    }
    if (outcome % 5 == 0) {
      contested.add(r); // another thread may release it first; the commit below is then ignored
    }
    // outcome 30..119: 0% to 99% of the reservation; 120..129: up to 10% more, as a stream can bill beyond it.
    BigDecimal cost = worst.multiply(BigDecimal.valueOf(outcome - 30)).divide(BigDecimal.valueOf(90), 6,
        java.math.RoundingMode.DOWN);
    r.commit(new UsageRecord(callId, clock.instant(), "test/small", "test", Usage.of(1, 1), cost,
        request.tags(), request.conversationId().orElse(null)));
    r.release(); // ignored: already settled
  }

  private static void check(Map<String, BigDecimal> used, List<UsageRecord> records,
      Map<String, BigDecimal> reservedByCall, String budget, BigDecimal cap,
      java.util.function.Predicate<UsageRecord> covered) {
    BigDecimal recorded = BigDecimal.ZERO;
    BigDecimal overrun = BigDecimal.ZERO;
    for (UsageRecord r : records) {
      if (covered.test(r)) {
        recorded = recorded.add(r.cost());
        overrun = overrun.add(r.cost().subtract(reservedByCall.get(r.callId())).max(BigDecimal.ZERO));
      }
    }
    BigDecimal total = used.getOrDefault(budget, BigDecimal.ZERO);
    // Nothing is left reserved, and the budget's total is exactly the sum of its records.
    assertThat(total).as(budget).isEqualByComparingTo(recorded);
    // Within the cap; only what a provider billed past a reservation can go beyond it.
    assertThat(total).as(budget).isLessThanOrEqualTo(cap.add(overrun));
    if (overrun.signum() == 0) {
      assertThat(total).as(budget).isLessThanOrEqualTo(cap);
    }
  }
}
