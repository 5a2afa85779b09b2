package dev.ralex.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import dev.ralex.api.BudgetExceededException;
import dev.ralex.api.BudgetSnapshot;
import dev.ralex.api.ChatRequest;
import dev.ralex.api.Usage;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class InMemoryUsageTrackerTest {
  private static final ExecutorService POOL = Executors.newFixedThreadPool(8);
  private final ManualClock clock = ManualClock.at("2026-11-25T10:00:00Z");

  @AfterAll
  static void stopPool() {
    POOL.shutdownNow();
  }

  private static UsageRecord record(ManualClock clock, BigDecimal cost) {
    return new UsageRecord("c", clock.instant(), "test/small", "test", Usage.of(1, 1), cost, Map.of(), null);
  }

  @Test
  void recordedSpendNeverExceedsTheCapUnderConcurrency() {
    // Each generated call: a worst-case cost in micro-dollars, an actual share of it, and whether it is billed.
    qt().withExamples(40).forAll(
            lists().of(integers().between(1, 5_000)).ofSize(200),
            lists().of(integers().between(0, 100)).ofSize(200),
            integers().between(1_000, 200_000))
        .checkAssert((worst, actualPercent, capMicros) -> {
          BigDecimal cap = BigDecimal.valueOf(capMicros, 6);
          UsageTracker tracker = UsageTracker.inMemory(List.of(Budget.daily(cap)), clock, ZoneOffset.UTC, 1_000);
          CountDownLatch start = new CountDownLatch(1);
          List<Future<?>> futures = new ArrayList<>();
          for (int t = 0; t < 8; t++) {
            int offset = t;
            futures.add(POOL.submit(() -> {
              start.await();
              for (int i = offset; i < worst.size(); i += 8) {
                BigDecimal worstCost = BigDecimal.valueOf(worst.get(i), 6);
                UsageTracker.Reservation r;
                try {
                  r = tracker.reserve(ChatRequest.of("x"), TestModels.SMALL, worstCost);
                } catch (BudgetExceededException refused) {
                  continue;
                }
                int percent = actualPercent.get(i);
                if (percent % 3 == 0) {
                  r.release(); // the attempt failed before billing
                } else {
                  r.commit(record(clock, worstCost.multiply(BigDecimal.valueOf(percent, 2))));
                }
              }
              return null;
            }));
          }
          start.countDown();
          for (Future<?> f : futures) {
            try {
              f.get(30, TimeUnit.SECONDS);
            } catch (Exception e) {
              throw new AssertionError(e);
            }
          }
          BigDecimal spent = tracker.spentToday();
          assertThat(spent).isLessThanOrEqualTo(cap);
          // Every reservation was settled: the snapshot shows exactly the recorded spend, nothing reserved.
          assertThat(tracker.snapshot(ChatRequest.of("x")).spent()).isEqualByComparingTo(spent);
        });
  }

  @Test
  void reservationIsAllOrNothingAcrossBudgets() {
    Budget global = Budget.daily(new BigDecimal("1.00"));
    Budget team = new Budget(Budget.Period.DAILY, new BigDecimal("0.10"), BudgetScope.tag("team", "search"));
    UsageTracker tracker = UsageTracker.inMemory(List.of(global, team), clock, ZoneOffset.UTC, 10);
    ChatRequest teamCall = ChatRequest.builder().addUserMessage("x").tag("team", "search").build();

    assertThatThrownBy(() -> tracker.reserve(teamCall, TestModels.SMALL, new BigDecimal("0.20")))
        .isInstanceOfSatisfying(BudgetExceededException.class,
            e -> assertThat(e.budget()).isEqualTo("daily tag team=search"));
    // The refused reservation took nothing from the global budget.
    tracker.reserve(ChatRequest.of("x"), TestModels.SMALL, new BigDecimal("1.00")).release();
    BudgetSnapshot snapshot = tracker.snapshot(teamCall);
    assertThat(snapshot.budget()).isEqualTo("daily tag team=search");
    assertThat(snapshot.remainingFraction()).isEqualTo(1.0);
  }

  @Test
  void dailyBudgetStartsAfreshAtMidnightInTheTrackersZone() {
    ZoneId berlin = ZoneId.of("Europe/Berlin");
    clock.set(java.time.Instant.parse("2026-11-25T22:30:00Z")); // 23:30 in Berlin
    UsageTracker tracker = UsageTracker.inMemory(List.of(Budget.daily(new BigDecimal("1"))), clock, berlin, 10);
    tracker.reserve(ChatRequest.of("x"), TestModels.SMALL, new BigDecimal("1")).commit(record(clock, BigDecimal.ONE));
    assertThatThrownBy(() -> tracker.reserve(ChatRequest.of("x"), TestModels.SMALL, new BigDecimal("0.01")))
        .isInstanceOf(BudgetExceededException.class);

    clock.advance(Duration.ofMinutes(31)); // 00:01 in Berlin, still the 25th in UTC
    tracker.reserve(ChatRequest.of("x"), TestModels.SMALL, new BigDecimal("0.01")).release();
    assertThat(tracker.spentToday()).isZero();
  }

  @Test
  void freeModelRunsWhenTheBudgetIsExhausted() {
    UsageTracker tracker = UsageTracker.inMemory(List.of(Budget.daily(BigDecimal.ZERO)), clock, ZoneOffset.UTC, 10);
    assertThatThrownBy(() -> tracker.reserve(ChatRequest.of("x"), TestModels.SMALL, new BigDecimal("0.000001")))
        .isInstanceOf(BudgetExceededException.class);
    tracker.reserve(ChatRequest.of("x"), TestModels.SMALL, BigDecimal.ZERO).release();
  }

  @Test
  void settlingTwiceCountsOnce() {
    UsageTracker tracker = UsageTracker.inMemory(List.of(Budget.daily(BigDecimal.ONE)), clock, ZoneOffset.UTC, 10);
    UsageTracker.Reservation r = tracker.reserve(ChatRequest.of("x"), TestModels.SMALL, new BigDecimal("0.5"));
    r.commit(record(clock, new BigDecimal("0.25")));
    r.commit(record(clock, new BigDecimal("0.25")));
    r.release();
    assertThat(tracker.spentToday()).isEqualByComparingTo("0.25");
    assertThat(tracker.records(clock.instant().minusSeconds(1), clock.instant().plusSeconds(1))).hasSize(1);
  }

  @Test
  void recordsAreBoundedButTotalsStayExact() {
    UsageTracker tracker = UsageTracker.inMemory(List.of(Budget.daily(BigDecimal.TEN)), clock, ZoneOffset.UTC, 3);
    for (int i = 0; i < 5; i++) {
      tracker.reserve(ChatRequest.of("x"), TestModels.SMALL, BigDecimal.ONE).commit(record(clock, BigDecimal.ONE));
    }
    assertThat(tracker.records(clock.instant().minusSeconds(1), clock.instant().plusSeconds(1))).hasSize(3);
    assertThat(tracker.spentToday()).isEqualByComparingTo("5");
    assertThat(tracker.snapshot(ChatRequest.of("x")).spent()).isEqualByComparingTo("5");
  }

  @Test
  void aReservationTakenBeforeMidnightIsChargedToTheDayThatAdmittedIt() {
    clock.set(java.time.Instant.parse("2026-11-25T23:59:00Z"));
    UsageTracker tracker = UsageTracker.inMemory(List.of(Budget.daily(BigDecimal.ONE)), clock, ZoneOffset.UTC, 10);
    UsageTracker.Reservation lateCall = tracker.reserve(ChatRequest.of("x"), TestModels.SMALL, new BigDecimal("0.6"));
    clock.advance(Duration.ofMinutes(2)); // the 26th: a new period, which never saw the reservation
    tracker.reserve(ChatRequest.of("x"), TestModels.SMALL, BigDecimal.ONE).commit(record(clock, BigDecimal.ONE));
    lateCall.commit(record(clock, new BigDecimal("0.6")));
    // The new day's budget holds exactly its cap: the late commit was admitted against the 25th.
    assertThat(tracker.snapshot(ChatRequest.of("x")).spent()).isEqualByComparingTo("1");
    // The ledger still records both by when they were billed.
    assertThat(tracker.spentToday()).isEqualByComparingTo("1.6");
  }
}
