package dev.ralex.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ralex.api.BudgetSnapshot;
import dev.ralex.api.ChatRequest;
import dev.ralex.api.Feedback;
import dev.ralex.api.ModelInfo;
import dev.ralex.api.ModelSelector;
import dev.ralex.api.Rating;
import dev.ralex.api.RequestComplexity;
import dev.ralex.api.RoutingContext;
import dev.ralex.api.Selection;
import dev.ralex.api.Usage;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class RolloutSelectorTest {
  private static final ModelInfo A = TestModels.SMALL;
  private static final ModelInfo B = TestModels.LARGE;

  /** Always picks one model and counts what it is told. */
  private static final class Fixed implements ModelSelector {
    final ModelInfo model;
    final AtomicInteger selects = new AtomicInteger();
    final AtomicInteger feedbacks = new AtomicInteger();
    final AtomicInteger ratings = new AtomicInteger();

    Fixed(ModelInfo model) {
      this.model = model;
    }

    @Override
    public Selection select(RoutingContext context) {
      selects.incrementAndGet();
      return new Selection(model, List.of(), "always " + model.id());
    }

    @Override
    public void feedback(Feedback feedback) {
      feedbacks.incrementAndGet();
    }

    @Override
    public void rated(Rating rating) {
      ratings.incrementAndGet();
    }
  }

  private static RoutingContext ctx(String callId, String prompt) {
    ChatRequest r = ChatRequest.of(prompt);
    return new RoutingContext(callId, r, List.of(A, B), A, 10, BudgetSnapshot.UNLIMITED, Map.of(),
        ComplexityAnalyzer.DEFAULT.analyze(r));
  }

  private static Feedback outcome(String callId, ModelInfo model, double quality) {
    return new Feedback(callId, model, Optional.empty(), Duration.ofMillis(100), BigDecimal.ZERO, Usage.of(1, 1),
        OptionalDouble.of(quality), Optional.empty());
  }

  @Test
  void theCandidateDecidesItsFractionOfCallsAndACallAlwaysGoesTheSameWay() {
    Fixed bandit = new Fixed(A);
    Fixed rules = new Fixed(B);
    RolloutSelector rollout = RolloutSelector.builder(bandit, rules).names("linucb", "rules").fraction(0.2).build();
    int byBandit = 0;
    for (int i = 0; i < 10_000; i++) {
      Selection s = rollout.select(ctx("call-" + i, "hello"));
      if (s.model() == A) {
        byBandit++;
        assertThat(s.reason()).startsWith("rollout: linucb (within the linucb's 20.0% of traffic): always");
      } else {
        assertThat(s.reason()).startsWith("rollout: rules (outside the linucb's 20.0% of traffic): always");
      }
    }
    assertThat(byBandit).isBetween(1_850, 2_150);
    for (int i = 0; i < 100; i++) {
      String id = "call-" + i;
      ModelInfo first = rollout.select(ctx(id, "hello")).model();
      assertThat(rollout.select(ctx(id, "hello")).model()).isEqualTo(first);
      assertThat(rollout.decidedBy(id)).hasValue(first == A ? RolloutSelector.Policy.CANDIDATE
          : RolloutSelector.Policy.BASELINE);
    }
    // In shadow, the candidate saw every call; both saw every outcome.
    assertThat(bandit.selects.get()).isEqualTo(10_200);
    rollout.feedback(outcome("call-1", B, 1.0));
    rollout.rated(Rating.thumbs("call-1", true));
    assertThat(bandit.feedbacks.get()).isEqualTo(1);
    assertThat(rules.feedbacks.get()).isEqualTo(1);
    assertThat(bandit.ratings.get()).isEqualTo(1);
    assertThat(rules.ratings.get()).isEqualTo(1);
  }

  @Test
  void theFractionAndTheKillSwitchChangeAtRunTime() {
    Fixed bandit = new Fixed(A);
    RolloutSelector rollout = RolloutSelector.builder(bandit, new Fixed(B)).shadow(false).fraction(0).build();
    assertThat(countCandidate(rollout, "a", 1_000)).isZero();
    assertThat(bandit.selects.get()).as("not in shadow: the candidate is not asked").isZero();
    rollout.setFraction(1.0);
    assertThat(countCandidate(rollout, "b", 1_000)).isEqualTo(1_000);
    rollout.setKilled(true);
    assertThat(rollout.select(ctx("k", "hello")).reason()).contains("(kill switch on)");
    assertThat(countCandidate(rollout, "c", 1_000)).isZero();
    rollout.setKilled(false);
    assertThat(countCandidate(rollout, "d", 1_000)).isEqualTo(1_000);
    assertThatThrownBy(() -> rollout.setFraction(1.5)).isInstanceOf(IllegalArgumentException.class);
  }

  private static int countCandidate(RolloutSelector rollout, String prefix, int calls) {
    int n = 0;
    for (int i = 0; i < calls; i++) {
      if (rollout.select(ctx(prefix + i, "hello")).model() == A) {
        n++;
      }
    }
    return n;
  }

  @Test
  void theGuardSendsATaskTypeBackToTheBaselineWhereTheCandidateDoesWorseAndLiftsWhenItRecovers() {
    RolloutSelector rollout = RolloutSelector.builder(new Fixed(A), new Fixed(B)).fraction(0.5)
        .guardSamples(20, 40).build();
    double[] candidateQuality = {0.2};
    // Code fixes: the candidate's answers score 0.2, the baseline's 0.9; chat: both score 0.9.
    for (int i = 0; i < 400; i++) {
      for (String prompt : List.of("fix the typo in the readme", "hello there")) {
        String id = prompt.charAt(0) + "-" + i;
        Selection s = rollout.select(ctx(id, prompt));
        boolean fix = prompt.startsWith("fix");
        rollout.feedback(outcome(id, s.model(), s.model() == A && fix ? candidateQuality[0] : 0.9));
      }
    }
    Map<RequestComplexity.TaskType, RolloutSelector.GuardStats> stats = rollout.guardStats();
    assertThat(stats.get(RequestComplexity.TaskType.CODE_FIX).guarded()).isTrue();
    assertThat(stats.get(RequestComplexity.TaskType.CHAT).guarded()).isFalse();
    int fixByCandidate = 0;
    int chatByCandidate = 0;
    for (int i = 0; i < 2_000; i++) {
      Selection fix = rollout.select(ctx("fix-probe-" + i, "fix the typo in the readme"));
      if (fix.model() == A) {
        fixByCandidate++;
        assertThat(fix.reason()).contains("guard: the candidate's recent score on code_fix is below the baseline's"
            + " (probe)");
      }
      if (rollout.select(ctx("chat-probe-" + i, "hello there")).model() == A) {
        chatByCandidate++;
      }
    }
    assertThat(fixByCandidate).as("a tenth of the 50%% share still probes").isBetween(50, 160);
    assertThat(chatByCandidate).isBetween(900, 1_100);

    // The candidate improves: its probes lift the guard.
    candidateQuality[0] = 1.0;
    for (int i = 0; i < 3_000 && rollout.guardStats().get(RequestComplexity.TaskType.CODE_FIX).guarded(); i++) {
      String id = "later-" + i;
      Selection s = rollout.select(ctx(id, "fix the typo in the readme"));
      rollout.feedback(outcome(id, s.model(), s.model() == A ? candidateQuality[0] : 0.9));
    }
    assertThat(rollout.guardStats().get(RequestComplexity.TaskType.CODE_FIX).guarded()).isFalse();

    rollout.setGuard(false);
    assertThat(rollout.isGuardOn()).isFalse();
  }

  @Test
  void aFailingCandidateLeavesTheCallToTheBaseline() {
    ModelSelector broken = context -> {
      throw new IllegalStateException("broken bandit");
    };
    RolloutSelector rollout = RolloutSelector.builder(broken, new Fixed(B)).fraction(1.0).build();
    Selection s = rollout.select(ctx("x", "hello"));
    assertThat(s.model()).isEqualTo(B);
    assertThat(s.reason()).startsWith("rollout: baseline (candidate failed)");
  }

  @Test
  void aSelectionsOutputCapSurvivesTheRollout() {
    ModelSelector capped = context -> new Selection(A, List.of(), "short").withMaxOutputTokens(64);
    RolloutSelector rollout = RolloutSelector.builder(capped, new Fixed(B)).fraction(1.0).build();
    assertThat(rollout.select(ctx("x", "hello")).maxOutputTokens()).hasValue(64);
  }

  @Test
  void concurrentDecisionsAndOutcomesKeepConsistentStatistics() throws Exception {
    RolloutSelector rollout = RolloutSelector.builder(new Fixed(A), new Fixed(B)).fraction(0.5)
        .guardSamples(10, 100_000).maxTrackedCalls(100_000).build();
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        int thread = t;
        futures.add(pool.submit(() -> {
          for (int i = 0; i < 2_000; i++) {
            String id = "t" + thread + "-" + i;
            Selection s = rollout.select(ctx(id, "hello"));
            rollout.feedback(outcome(id, s.model(), 1.0));
            if (i % 100 == 0) {
              rollout.setFraction(i % 200 == 0 ? 0.4 : 0.6);
            }
          }
        }));
      }
      for (Future<?> f : futures) {
        f.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    RolloutSelector.GuardStats chat = rollout.guardStats().get(RequestComplexity.TaskType.CHAT);
    assertThat(chat.candidateSamples() + chat.baselineSamples()).isEqualTo(16_000);
    assertThat(chat.candidateMean()).isEqualTo(1.0);
    assertThat(chat.baselineMean()).isEqualTo(1.0);
  }
}
