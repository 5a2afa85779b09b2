package dev.ralex.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ralex.api.BudgetSnapshot;
import dev.ralex.api.ChatRequest;
import dev.ralex.api.ErrorKind;
import dev.ralex.api.Feedback;
import dev.ralex.api.ModelInfo;
import dev.ralex.api.ModelStats;
import dev.ralex.api.ModelTier;
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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ScoringSelectorTest {
  private static final ModelInfo CHEAP_A = TestModels.model("a/cheap", 100_000, 4_000, "1", "2", ModelTier.BALANCED);
  private static final ModelInfo PRICY_B = TestModels.model("b/pricy", 100_000, 4_000, "10", "20", ModelTier.BALANCED);
  private static final ModelInfo TWIN_A = TestModels.model("a/twin", 100_000, 4_000, "3", "15", ModelTier.BALANCED);
  private static final ModelInfo TWIN_B = TestModels.model("b/twin", 100_000, 4_000, "3", "15", ModelTier.BALANCED);
  private static final ModelInfo STRONG = TestModels.model("s/strong", 200_000, 8_000, "15", "75", ModelTier.STRONG);
  private static final ModelInfo TINY = TestModels.model("t/tiny", 2_000, 1_000, "0.1", "0.2", ModelTier.CHEAP);

  private static final AtomicInteger IDS = new AtomicInteger();

  private static RoutingContext context(ChatRequest request, int estimate, Map<String, ModelStats> stats,
      ModelInfo... candidates) {
    return new RoutingContext("call-" + IDS.incrementAndGet(), request, List.of(candidates), candidates[0],
        estimate, BudgetSnapshot.UNLIMITED, stats, ComplexityAnalyzer.DEFAULT.analyze(request));
  }

  private static RoutingContext context(int estimate, ModelInfo... candidates) {
    return context(ChatRequest.of("hello"), estimate, Map.of(), candidates);
  }

  private static Feedback feedback(String callId, ModelInfo model, boolean ok, long millis) {
    return new Feedback(callId, model, ok ? Optional.empty() : Optional.of(ErrorKind.OVERLOADED),
        Duration.ofMillis(millis), BigDecimal.ZERO, Usage.ZERO, OptionalDouble.empty(), Optional.empty());
  }

  @Test
  void cheaperWinsAtEqualQuality() {
    Selection s = ScoringSelector.create().select(context(1_000, PRICY_B, CHEAP_A));

    assertThat(s.model()).isEqualTo(CHEAP_A);
    assertThat(s.fallbacks()).containsExactly(PRICY_B);
  }

  @Test
  void aFailingModelLosesAfterFeedback() {
    ScoringSelector selector = ScoringSelector.create();
    RoutingContext first = context(500, TWIN_A, TWIN_B);
    assertThat(selector.select(first).model()).isEqualTo(TWIN_A); // a tie keeps catalog order

    for (int i = 0; i < 5; i++) {
      RoutingContext ctx = context(500, TWIN_A, TWIN_B);
      selector.select(ctx);
      selector.feedback(feedback(ctx.callId(), TWIN_A, false, 900));
    }

    Selection after = selector.select(context(500, TWIN_A, TWIN_B));
    assertThat(after.model()).isEqualTo(TWIN_B);
    assertThat(after.fallbacks()).containsExactly(TWIN_A);
  }

  @Test
  void pipelineStatsCountWhenTheTaskTypeHasNoObservations() {
    Map<String, ModelStats> stats = Map.of(TWIN_A.id(), new ModelStats(10, 8, Duration.ofMillis(400)));
    Selection s = ScoringSelector.create().select(context(ChatRequest.of("hi"), 500, stats, TWIN_A, TWIN_B));

    assertThat(s.model()).isEqualTo(TWIN_B);
  }

  @Test
  void observationsAreKeptPerTaskType() {
    ScoringSelector selector = ScoringSelector.create();
    ChatRequest code = ChatRequest.of("Fix this:\n```java\nint x = 1\n```");
    for (int i = 0; i < 5; i++) {
      RoutingContext ctx = context(code, 500, Map.of(), TWIN_A, TWIN_B);
      selector.select(ctx);
      selector.feedback(feedback(ctx.callId(), TWIN_A, false, 900));
      RoutingContext chat = context(ChatRequest.of("hi"), 500, Map.of(), TWIN_A, TWIN_B);
      selector.select(chat);
      selector.feedback(feedback(chat.callId(), TWIN_A, true, 900));
    }

    assertThat(selector.select(context(code, 500, Map.of(), TWIN_A, TWIN_B)).model()).isEqualTo(TWIN_B);
    assertThat(selector.select(context(ChatRequest.of("hi"), 500, Map.of(), TWIN_A, TWIN_B)).model())
        .isEqualTo(TWIN_A);
  }

  @Test
  void answersTheValidatorRejectedCountAsFailures() {
    ScoringSelector bySuccess = ScoringSelector.builder()
        .capabilityWeight(0).costWeight(0).latencyWeight(0).successWeight(1).build();
    for (int i = 0; i < 10; i++) {
      String id = "r" + i;
      bySuccess.select(context(ChatRequest.of("hi"), 100, Map.of(), TWIN_A, TWIN_B));
      // A answers but is rejected every time; B answers and is accepted.
      bySuccess.feedback(new Feedback(id, TWIN_A, Optional.empty(), Duration.ofMillis(5), BigDecimal.ZERO,
          Usage.ZERO, OptionalDouble.of(0.0), Optional.of("wrong")));
      bySuccess.feedback(new Feedback(id, TWIN_B, Optional.empty(), Duration.ofMillis(5), BigDecimal.ZERO,
          Usage.ZERO, OptionalDouble.of(1.0), Optional.empty()));
    }
    Selection s = bySuccess.select(context(ChatRequest.of("hi"), 100, Map.of(), TWIN_A, TWIN_B));
    assertThat(s.model()).isEqualTo(TWIN_B);
    assertThat(s.reason()).contains("(10 of 10");
  }

  @Test
  void noStatsNeverThrows() {
    ScoringSelector selector = ScoringSelector.create();
    Selection s = selector.select(context(0, TWIN_A));
    assertThat(s.model()).isEqualTo(TWIN_A);
    assertThat(s.reason()).contains("latency 0.50x0.10 (no samples)").contains("success 0.50x0.30");

    // Free models, zero estimate, and feedback for a call the selector never saw.
    ModelInfo free = ModelInfo.builder("f/free").contextWindow(1_000).maxOutputTokens(100)
        .pricing(dev.ralex.api.Pricing.FREE).build();
    selector.feedback(feedback("unknown-call", free, true, 5));
    assertThat(selector.select(context(0, free, TWIN_A)).model()).isNotNull();
  }

  @Test
  void aModelWithoutLatencySamplesGetsTheMedian() {
    Map<String, ModelStats> stats = Map.of(
        TWIN_A.id(), new ModelStats(3, 0, Duration.ofMillis(1_000)),
        STRONG.id(), new ModelStats(3, 0, Duration.ofMillis(3_000)));
    ScoringSelector byLatency = ScoringSelector.builder()
        .capabilityWeight(0).costWeight(0).latencyWeight(1).successWeight(0).build();
    Selection s = byLatency.select(context(ChatRequest.of("hi"), 100, stats, TWIN_B, TWIN_A, STRONG));

    // latency: A 1 - 1000/3000 = 0.67; B (no samples) the median 2000 -> 0.33; STRONG 0
    assertThat(s.model()).isEqualTo(TWIN_A);
    assertThat(s.fallbacks()).containsExactly(TWIN_B, STRONG);
    Selection onlyB = byLatency.select(context(ChatRequest.of("hi"), 100, stats, TWIN_B, STRONG));
    assertThat(onlyB.model()).isEqualTo(TWIN_B);
    assertThat(onlyB.reason()).contains("latency 0.00x1.00 (median)");
  }

  @Test
  void weightsChangeTheChoice() {
    // A long refactoring over several files needs the strong tier; cost favours the cheap one.
    ChatRequest request = ChatRequest.of("Refactor the architecture of Billing.java, Ledger.java and Invoice.java:"
        + "\n```java\nclass Billing {}\n```\n```java\nclass Ledger {}\n```");
    ScoringSelector byCapability = ScoringSelector.builder()
        .capabilityWeight(1).costWeight(0).latencyWeight(0).successWeight(0).build();
    ScoringSelector byCost = ScoringSelector.builder()
        .capabilityWeight(0).costWeight(1).latencyWeight(0).successWeight(0).build();

    assertThat(byCapability.select(context(request, 10_000, Map.of(), CHEAP_A, STRONG)).model()).isEqualTo(STRONG);
    assertThat(byCost.select(context(request, 10_000, Map.of(), CHEAP_A, STRONG)).model()).isEqualTo(CHEAP_A);
  }

  @Test
  void theReasonListsEachFactor() {
    Selection s = ScoringSelector.builder().capabilityWeight(3).costWeight(4).latencyWeight(1).successWeight(2)
        .build().select(context(1_000, PRICY_B, CHEAP_A));

    assertThat(s.reason())
        .matches("score \\d\\.\\d\\d = cap \\d\\.\\d\\dx0\\.30 \\+ cost \\d\\.\\d\\dx0\\.40 "
            + "\\+ latency \\d\\.\\d\\dx0\\.10.* \\+ success \\d\\.\\d\\dx0\\.20.*")
        .contains("cost 0.90x0.40", "task chat");
  }

  @Test
  void theReasonAddsUp() {
    Selection s = ScoringSelector.create().select(context(1_000, PRICY_B, CHEAP_A));
    // cap: balanced (0.5) for need 0.2 -> 0.85; cost 0.9; latency 0.5; success 0.5
    assertThat(s.reason()).startsWith("score 0.73 = cap 0.85x0.30 + cost 0.90x0.30 + latency 0.50x0.10");
  }

  @Test
  void aModelThatCannotHoldTheRequestIsNeverChosen() {
    // TINY is cheapest and favoured by cost, but 1,500 input + 1,000 output exceed its 2,000 window.
    ScoringSelector selector = ScoringSelector.builder().capabilityWeight(0).costWeight(1).latencyWeight(0)
        .successWeight(0).build();
    Selection s = selector.select(context(1_500, TINY, CHEAP_A));
    assertThat(s.model()).isEqualTo(CHEAP_A);
    assertThat(s.fallbacks()).doesNotContain(TINY);
    assertThat(s.reason()).contains("1 of 2 candidates hold");

    // With a small requested output it fits and wins.
    ChatRequest small = ChatRequest.builder().addUserMessage("hi").maxOutputTokens(200).build();
    assertThat(selector.select(context(small, 1_500, Map.of(), TINY, CHEAP_A)).model()).isEqualTo(TINY);
  }

  @Test
  void whenNoneHoldsTheRequestTheLargestWindowIsChosenAndSaid() {
    Selection s = ScoringSelector.create().select(context(500_000, TINY, CHEAP_A, STRONG));
    assertThat(s.model()).isEqualTo(STRONG);
    assertThat(s.reason()).contains("no candidate holds");
  }

  @Test
  void aModelTheRequestNamesIsChosen() {
    ChatRequest named = ChatRequest.builder().addUserMessage("hi").model(PRICY_B.id()).build();
    Selection s = ScoringSelector.create().select(context(named, 100, Map.of(), CHEAP_A, PRICY_B));
    assertThat(s.model()).isEqualTo(PRICY_B);
    assertThat(s.fallbacks()).containsExactly(CHEAP_A);
    assertThat(s.reason()).startsWith("the request names " + PRICY_B.id());
  }

  @Test
  void heuristicTaskReadsTheRequest() {
    // The routing context's complexity decides: a short chat needs little, a long refactor with tools a lot.
    assertThat(ScoringSelector.heuristicTask(context(10, TWIN_A))).isEqualTo(new ScoringSelector.Task("chat", 0.2));
    ScoringSelector.Task fix = ScoringSelector.heuristicTask(context(ChatRequest.of("fix the typo"), 10, Map.of(),
        TWIN_A));
    assertThat(fix).isEqualTo(new ScoringSelector.Task("code_fix", 0.2));
    ChatRequest refactor = ChatRequest.of("Refactor the architecture of Billing.java, Ledger.java and Invoice.java:"
        + "\n```java\nclass Billing {}\n```\n```java\nclass Ledger {}\n```");
    ScoringSelector.Task t = ScoringSelector.heuristicTask(context(refactor, 20_000, Map.of(), TWIN_A));
    assertThat(t.type()).isEqualTo("refactor");
    assertThat(t.need()).isEqualTo(1.0);
  }

  @Test
  void aFaultyAnalyserFallsBackToTheHeuristic() {
    ScoringSelector selector = ScoringSelector.builder().taskAnalyzer(c -> {
      throw new IllegalStateException("boom");
    }).build();
    assertThat(selector.select(context(100, TWIN_A)).reason()).contains("task chat");
  }

  @Test
  void invalidWeightsAreRejected() {
    assertThatThrownBy(() -> ScoringSelector.builder().costWeight(-1).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("costWeight");
    assertThatThrownBy(() -> ScoringSelector.builder().latencyWeight(Double.NaN).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("latencyWeight");
    assertThatThrownBy(() -> ScoringSelector.builder().capabilityWeight(0).costWeight(0).latencyWeight(0)
        .successWeight(0).build()).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void selectAndFeedbackFromEightThreads() throws Exception {
    ScoringSelector selector = ScoringSelector.create();
    ExecutorService pool = Executors.newFixedThreadPool(8);
    CountDownLatch start = new CountDownLatch(1);
    List<Future<?>> futures = new ArrayList<>();
    try {
      for (int t = 0; t < 8; t++) {
        int thread = t;
        futures.add(pool.submit(() -> {
          start.await();
          for (int i = 0; i < 2_000; i++) {
            RoutingContext ctx = context(i % 2 == 0 ? ChatRequest.of("hi") : ChatRequest.of("```\nx;\n```"),
                100 + i, Map.of(), TWIN_A, TWIN_B, CHEAP_A, STRONG);
            Selection s = selector.select(ctx);
            assertThat(List.of(TWIN_A, TWIN_B, CHEAP_A, STRONG)).contains(s.model());
            assertThat(s.fallbacks()).hasSize(3).doesNotContain(s.model());
            // As if each call had tried both twins: TWIN_A always fails, TWIN_B always succeeds.
            selector.feedback(feedback(ctx.callId(), TWIN_A, false, 100 + (thread * i) % 500));
            selector.feedback(feedback(ctx.callId(), TWIN_B, true, 100 + (thread * i) % 500));
          }
          return null;
        }));
      }
      start.countDown();
      for (Future<?> f : futures) {
        f.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    Selection s = selector.select(context(100, TWIN_A, TWIN_B));
    assertThat(s.model()).isEqualTo(TWIN_B);
    // 8 threads x 1,000 chat calls each, none lost.
    assertThat(s.reason()).contains("(8000 of 8000 for the task type)");
  }
}
