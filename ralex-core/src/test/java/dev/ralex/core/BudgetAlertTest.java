package dev.ralex.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ralex.api.ChatRequest;
import dev.ralex.api.RalexEvent;
import dev.ralex.api.RalexListener;
import dev.ralex.api.Usage;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class BudgetAlertTest {
  private final ManualClock clock = ManualClock.at("2026-11-25T10:00:00Z");

  private UsageRecord record(String callId, String cost) {
    return new UsageRecord(callId, clock.instant(), "test/small", "test", Usage.of(1, 1), new BigDecimal(cost),
        Map.of(), null);
  }

  private List<RalexEvent.BudgetAlert> spend(UsageTracker tracker, String callId, String cost) {
    return tracker.reserve(ChatRequest.of("x"), TestModels.SMALL, new BigDecimal(cost))
        .commitAlerting(record(callId, cost));
  }

  @Test
  void theAlertFiresOnceWhenCommittedSpendReachesEightyPercentAndAgainNextPeriod() {
    UsageTracker tracker = UsageTracker.inMemory(List.of(Budget.daily(new BigDecimal("1.00"))), clock,
        ZoneOffset.UTC, 100);
    assertThat(spend(tracker, "a", "0.50")).isEmpty();
    // Only committed spend alerts: 0.50 spent + 0.45 reserved is past 80%, but the reservation is released.
    tracker.reserve(ChatRequest.of("x"), TestModels.SMALL, new BigDecimal("0.45")).release();
    assertThat(spend(tracker, "b", "0.29")).isEmpty(); // 0.79 committed
    List<RalexEvent.BudgetAlert> alerts = spend(tracker, "c", "0.01"); // exactly 0.80
    assertThat(alerts).singleElement().satisfies(a -> {
      assertThat(a.callId()).isEqualTo("c");
      assertThat(a.budget()).isEqualTo("daily global");
      assertThat(a.limit()).isEqualByComparingTo("1.00");
      assertThat(a.spent()).isEqualByComparingTo("0.80");
      assertThat(a.threshold()).isEqualByComparingTo("0.8");
      assertThat(a.periodStart()).isEqualTo(Instant.parse("2026-11-25T00:00:00Z"));
    });
    assertThat(spend(tracker, "d", "0.10")).isEmpty(); // once per period

    clock.advance(Duration.ofDays(1));
    assertThat(spend(tracker, "e", "0.79")).isEmpty();
    assertThat(spend(tracker, "f", "0.05")).singleElement()
        .satisfies(a -> assertThat(a.periodStart()).isEqualTo(Instant.parse("2026-11-26T00:00:00Z")));
  }

  @Test
  void eachBudgetHasItsOwnThreshold() {
    Budget global = Budget.daily(new BigDecimal("10")).withAlertThreshold(new BigDecimal("0.5"));
    Budget team = new Budget(Budget.Period.MONTHLY, new BigDecimal("2"), BudgetScope.tag("team", "a"));
    UsageTracker tracker = UsageTracker.inMemory(List.of(global, team), clock, ZoneOffset.UTC, 100);
    ChatRequest teamCall = ChatRequest.builder().addUserMessage("x").tag("team", "a").build();
    List<RalexEvent.BudgetAlert> alerts = tracker.reserve(teamCall, TestModels.SMALL, new BigDecimal("1.6"))
        .commitAlerting(record("a", "1.6"));
    assertThat(alerts).extracting(RalexEvent.BudgetAlert::budget).containsExactly("monthly tag team=a");
    alerts = spend(tracker, "b", "3.4"); // 5.0 of 10: half
    assertThat(alerts).extracting(RalexEvent.BudgetAlert::budget).containsExactly("daily global");
  }

  @Test
  void thresholdsOutsideZeroToOneAreRejected() {
    assertThatThrownBy(() -> Budget.daily(BigDecimal.ONE).withAlertThreshold(BigDecimal.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("alertThreshold");
    assertThatThrownBy(() -> Budget.daily(BigDecimal.ONE).withAlertThreshold(new BigDecimal("1.01")))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(Budget.daily(BigDecimal.ONE).alertThreshold()).isEqualByComparingTo("0.8");
  }

  @Test
  void manyThreadsCrossingAtOnceRaiseExactlyOneAlert() throws Exception {
    int threads = 16;
    for (int round = 0; round < 50; round++) {
      // 16 commits of $0.10 against a $2.00 cap with the alert at $1.60: the 16th crosses, but all race.
      UsageTracker tracker = UsageTracker.inMemory(List.of(Budget.daily(new BigDecimal("2.00"))), clock,
          ZoneOffset.UTC, 100);
      List<UsageTracker.Reservation> reservations = new ArrayList<>();
      for (int i = 0; i < threads; i++) {
        reservations.add(tracker.reserve(ChatRequest.of("x"), TestModels.SMALL, new BigDecimal("0.10")));
      }
      CyclicBarrier barrier = new CyclicBarrier(threads);
      List<RalexEvent.BudgetAlert> alerts = new CopyOnWriteArrayList<>();
      List<Thread> workers = new ArrayList<>();
      for (int i = 0; i < threads; i++) {
        UsageTracker.Reservation r = reservations.get(i);
        String id = "call-" + i;
        Thread t = new Thread(() -> {
          try {
            barrier.await(10, TimeUnit.SECONDS);
          } catch (Exception e) {
            throw new AssertionError(e);
          }
          alerts.addAll(r.commitAlerting(record(id, "0.10")));
        });
        workers.add(t);
        t.start();
      }
      for (Thread t : workers) {
        t.join(TimeUnit.SECONDS.toMillis(10));
      }
      assertThat(alerts).singleElement().satisfies(a -> assertThat(a.spent()).isEqualByComparingTo("1.60"));
    }
  }

  @Test
  void thePipelineDeliversTheAlertToListenersOnce() {
    List<RalexEvent.BudgetAlert> seen = new CopyOnWriteArrayList<>();
    ScriptedProvider provider = new ScriptedProvider("test");
    // Each echo costs 10 x $1/M + 5 x $2/M = $0.00002; the cap is $0.0001, the alert at $0.00008 (4 calls).
    try (Ralex ralex = Ralex.builder().provider(provider)
        .catalog(ModelCatalog.of(List.of(TestModels.SMALL, TestModels.LARGE)))
        .budget(Budget.daily(new BigDecimal("0.0001")))
        .clock(clock).sleeper(new RecordingSleeper(clock)).zone(ZoneOffset.UTC)
        .listener(new RalexListener() {
          @Override
          public void onBudgetAlert(RalexEvent.BudgetAlert event) {
            seen.add(event);
          }
        }).build()) {
      List<String> callIds = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        // A small max output keeps the worst case ($0.00001 input + 10 x $2/M) under what is left.
        callIds.add(ralex.chat(ChatRequest.builder().addUserMessage("hi").maxOutputTokens(5).build()).callId());
      }
      assertThat(seen).singleElement().satisfies(a -> {
        assertThat(a.callId()).isEqualTo(callIds.get(3));
        assertThat(a.spent()).isEqualByComparingTo("0.00008");
      });
    }
  }
}
