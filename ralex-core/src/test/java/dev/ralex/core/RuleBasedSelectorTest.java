package dev.ralex.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ralex.api.BudgetExceededException;
import dev.ralex.api.BudgetSnapshot;
import dev.ralex.api.ChatRequest;
import dev.ralex.api.Feedback;
import dev.ralex.api.Rating;
import dev.ralex.api.ModelInfo;
import dev.ralex.api.ModelStats;
import dev.ralex.api.ModelTier;
import dev.ralex.api.Pricing;
import dev.ralex.api.RoutingContext;
import dev.ralex.api.Selection;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RuleBasedSelectorTest {
  private static final ModelInfo CHEAP_A = TestModels.model("t/cheap-a", 100_000, 8_000, "1", "2", ModelTier.CHEAP);
  private static final ModelInfo CHEAP_B = TestModels.model("t/cheap-b", 100_000, 8_000, "0.5", "1", ModelTier.CHEAP);
  private static final ModelInfo BAL = TestModels.model("t/balanced", 100_000, 8_000, "3", "15", ModelTier.BALANCED);
  private static final ModelInfo STRONG = TestModels.model("t/strong", 200_000, 8_000, "15", "75", ModelTier.STRONG);
  private static final ModelInfo STRONG_SMALL =
      TestModels.model("t/strong-small", 8_000, 4_000, "10", "30", ModelTier.STRONG);
  private static final List<ModelInfo> ALL = List.of(CHEAP_A, CHEAP_B, BAL, STRONG);

  private final RuleBasedSelector selector = RuleBasedSelector.defaults();

  private static RoutingContext ctx(ChatRequest request, List<ModelInfo> candidates, int tokens,
      BudgetSnapshot budget, Map<String, ModelStats> stats) {
    return new RoutingContext("call-1", request, candidates, candidates.get(0), tokens, budget, stats,
        ComplexityAnalyzer.DEFAULT.analyze(request));
  }

  private static RoutingContext ctx(String text) {
    return ctx(ChatRequest.of(text), ALL, 100, BudgetSnapshot.UNLIMITED, Map.of());
  }

  private static BudgetSnapshot daily(String spent) {
    return BudgetSnapshot.of("daily global", new BigDecimal(spent), new BigDecimal("5"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"fix", "typo", "simple", "quick", "small", "format", "add", "comment"})
  void cheapKeywordsPickTheCheapestCheapModel(String keyword) {
    Selection s = selector.select(ctx("please " + keyword + " this line"));
    assertThat(s.model()).isEqualTo(CHEAP_B);
    assertThat(s.fallbacks()).containsExactly(CHEAP_A, BAL, STRONG);
    assertThat(s.reason()).contains("rule 'cheap keywords' matched '" + keyword + "' -> cheap tier");
  }

  @ParameterizedTest
  @ValueSource(strings = {"refactor", "analyze", "complex", "architecture", "design", "review", "optimize"})
  void strongKeywordsPickTheStrongModel(String keyword) {
    Selection s = selector.select(ctx("Please " + keyword.toUpperCase() + " the module"));
    assertThat(s.model()).isEqualTo(STRONG);
    assertThat(s.fallbacks()).containsExactly(BAL, CHEAP_B, CHEAP_A);
    assertThat(s.reason()).contains("'" + keyword + "' -> strong tier");
  }

  @Test
  void theStrongestMatchingRuleWins() {
    assertThat(selector.select(ctx("fix the architecture")).model()).isEqualTo(STRONG);
  }

  @Test
  void customRegexRulesName() {
    RuleBasedSelector s = RuleBasedSelector.builder().clearRules()
        .regex("stack trace", "at [\\w.$]+\\(\\w+\\.java:\\d+\\)", ModelTier.BALANCED).build();
    Selection sel = s.select(ctx("why? at com.x.Foo.bar(Foo.java:12)"));
    assertThat(sel.model()).isEqualTo(BAL);
    assertThat(sel.reason()).startsWith("rule 'stack trace' matched");
  }

  @Test
  void withoutARuleTheComplexityDecides() {
    Selection s = selector.select(ctx("hello there"));
    assertThat(s.model()).isEqualTo(CHEAP_B);
    assertThat(s.reason()).startsWith("complexity low chat -> cheap tier");
  }

  @Test
  void phaseTagsPickTheirTier() {
    assertThat(selector.select(phase("planning")).model()).isEqualTo(STRONG);
    assertThat(selector.select(phase("implementation")).model()).isEqualTo(CHEAP_B);
    Selection review = selector.select(phase("Review"));
    assertThat(review.model()).isEqualTo(BAL);
    assertThat(review.reason()).startsWith("phase 'Review' -> balanced tier");
    Selection unknown = selector.select(phase("dreaming"));
    assertThat(unknown.reason()).contains("unknown phase 'dreaming' ignored");
  }

  private static RoutingContext inConversation(String callId, String phase) {
    ChatRequest r = ChatRequest.builder().addUserMessage("fix the parser").tag("phase", phase)
        .conversationId("conv-1").build();
    return new RoutingContext(callId, r, ALL, ALL.get(0), 100, BudgetSnapshot.UNLIMITED, Map.of(),
        ComplexityAnalyzer.DEFAULT.analyze(r));
  }

  private static Feedback answered(String callId, ModelInfo model, String rejection) {
    return new Feedback(callId, model, java.util.Optional.empty(), Duration.ofMillis(100), java.math.BigDecimal.ONE,
        dev.ralex.api.Usage.of(10, 10), java.util.OptionalDouble.of(rejection == null ? 1.0 : 0.0),
        java.util.Optional.ofNullable(rejection));
  }

  @Test
  void capabilityTagsKeepTheModelsThatHaveThem() {
    ModelInfo seeing = CHEAP_A.toBuilder().capabilities(dev.ralex.api.Capability.TOOLS,
        dev.ralex.api.Capability.VISION).build();
    List<ModelInfo> pool = List.of(seeing, CHEAP_B, BAL, STRONG);
    // "fix" asks for the cheap tier; the cheapest cheap model cannot see, so the one that can is chosen.
    ChatRequest vision = ChatRequest.builder().addUserMessage("fix the caption").tag("needs", "vision").build();
    Selection s = selector.select(ctx(vision, pool, 100, BudgetSnapshot.UNLIMITED, Map.of()));
    assertThat(s.model()).isEqualTo(seeing);
    assertThat(s.fallbacks()).isEmpty();
    assertThat(s.reason()).contains("needs vision");
    // Long context: only the strong model's 200,000-token window counts.
    ChatRequest longContext = ChatRequest.builder().addUserMessage("fix the caption")
        .tag("needs", "long_context, teleportation").build();
    Selection l = selector.select(ctx(longContext, ALL, 100, BudgetSnapshot.UNLIMITED, Map.of()));
    assertThat(l.model()).isEqualTo(STRONG);
    assertThat(l.reason()).contains("unknown capability 'teleportation' ignored");
    // A capability no candidate has is reported, and the choice goes on without it.
    ChatRequest thinking = ChatRequest.builder().addUserMessage("fix the caption").tag("needs", "thinking").build();
    Selection t = selector.select(ctx(thinking, ALL, 100, BudgetSnapshot.UNLIMITED, Map.of()));
    assertThat(t.model()).isEqualTo(CHEAP_B);
    assertThat(t.reason()).contains("no candidate has thinking");
  }

  @Test
  void aRejectedImplementationSendsTheConversationBackToPlanningUntilAnAnswerIsAccepted() {
    RuleBasedSelector rules = RuleBasedSelector.defaults();
    Selection impl = rules.select(inConversation("c1", "implementation"));
    assertThat(impl.model().tier()).isEqualTo(ModelTier.CHEAP);
    rules.feedback(answered("c1", impl.model(), "tests fail"));

    Selection replan = rules.select(inConversation("c2", "implementation"));
    assertThat(replan.model()).isEqualTo(STRONG);
    assertThat(replan.reason()).startsWith("the implementation answer in conversation 'conv-1' was rejected"
        + " -> back to planning (strong tier)");
    rules.feedback(answered("c2", replan.model(), null));

    assertThat(rules.select(inConversation("c3", "implementation")).model().tier()).isEqualTo(ModelTier.CHEAP);
  }

  @Test
  void aLowRatingCountsAsARejectionAndAGoodOneEndsTheReplanning() {
    RuleBasedSelector rules = RuleBasedSelector.defaults();
    rules.select(inConversation("c1", "review"));
    rules.rated(Rating.thumbs("c1", false));
    assertThat(rules.select(inConversation("c2", "review")).model()).isEqualTo(STRONG);
    rules.rated(Rating.of("c2", 0.9));
    assertThat(rules.select(inConversation("c3", "review")).model().tier()).isEqualTo(ModelTier.BALANCED);
    // A rating for a call the selector never saw changes nothing.
    rules.rated(Rating.thumbs("unknown", false));
    assertThat(rules.select(inConversation("c4", "review")).model().tier()).isEqualTo(ModelTier.BALANCED);
  }

  private static RoutingContext phase(String phase) {
    // "fix" would pick cheap; the phase tag comes first.
    ChatRequest r = ChatRequest.builder().addUserMessage("fix the parser").tag("phase", phase).build();
    return ctx(r, ALL, 100, BudgetSnapshot.UNLIMITED, Map.of());
  }

  @Test
  void speedWithoutStatsTakesTheCheapestCheapModel() {
    Selection s = selector.select(ctx("yolo, ship it"));
    assertThat(s.model()).isEqualTo(CHEAP_B);
    assertThat(s.reason()).contains("speed keyword 'yolo' -> cheapest cheap model (no latency observed)")
        .contains("output capped at 1024 tokens");
    assertThat(s.maxOutputTokens()).hasValue(1024);
  }

  @Test
  void speedWithStatsTakesTheFastestCheapModel() {
    Map<String, ModelStats> stats = Map.of(
        CHEAP_A.id(), new ModelStats(10, 0, Duration.ofMillis(200)),
        CHEAP_B.id(), new ModelStats(10, 1, Duration.ofMillis(900)),
        BAL.id(), new ModelStats(10, 0, Duration.ofMillis(50)));
    Selection s = selector.select(ctx(ChatRequest.of("I need this NOW"), ALL, 100, BudgetSnapshot.UNLIMITED, stats));
    assertThat(s.model()).isEqualTo(CHEAP_A);
    assertThat(s.fallbacks()).containsExactly(CHEAP_B, BAL, STRONG);
    assertThat(s.reason()).contains("fastest cheap model (mean latency 200 ms)");
  }

  @Test
  void speedIgnoresModelsThatOnlyFailed() {
    Map<String, ModelStats> stats = Map.of(CHEAP_A.id(), new ModelStats(3, 3, Duration.ZERO));
    Selection s = selector.select(ctx(ChatRequest.of("urgent"), ALL, 100, BudgetSnapshot.UNLIMITED, stats));
    assertThat(s.model()).isEqualTo(CHEAP_B);
  }

  @Test
  void budgetAboveFortyPercentAllowsAnyModel() {
    Selection s = selector.select(ctx(ChatRequest.of("refactor it"), ALL, 100, daily("2.90"), Map.of()));
    assertThat(s.model()).isEqualTo(STRONG);
  }

  @Test
  void budgetBetweenTenAndFortyPercentAllowsCheapModelsOnly() {
    Selection s = selector.select(ctx(ChatRequest.of("refactor it"), ALL, 100, daily("4"), Map.of()));
    assertThat(s.model()).isEqualTo(CHEAP_B);
    assertThat(s.fallbacks()).containsExactly(CHEAP_A);
    assertThat(s.reason()).contains("budget 'daily global' 20% left: cheap models only");
  }

  @Test
  void budgetUnderTenPercentTakesTheCheapest() {
    Selection s = selector.select(ctx(ChatRequest.of("refactor it"), ALL, 100, daily("4.75"), Map.of()));
    assertThat(s.model()).isEqualTo(CHEAP_B);
    assertThat(s.fallbacks()).containsExactly(CHEAP_A, BAL, STRONG);
    assertThat(s.reason()).startsWith("cheapest model").contains("5% left");
    assertThat(s.maxOutputTokens()).hasValue(1024);
  }

  @Test
  void anExhaustedBudgetRefusesUnlessAFreeModelFits() {
    assertThatThrownBy(() -> selector.select(ctx(ChatRequest.of("hi"), ALL, 100, daily("5"), Map.of())))
        .isInstanceOf(BudgetExceededException.class)
        .hasMessageContaining("daily global");
    ModelInfo free = ModelInfo.builder("local/llama").contextWindow(100_000).maxOutputTokens(4_000)
        .tier(ModelTier.BALANCED).pricing(Pricing.FREE).build();
    Selection s = selector.select(ctx(ChatRequest.of("refactor"), List.of(STRONG, free), 100, daily("5"),
        Map.of()));
    assertThat(s.model()).isEqualTo(free);
    assertThat(s.fallbacks()).isEmpty();
    assertThat(s.reason()).contains("exhausted: free models only");
  }

  @Test
  void modelsWhoseWindowCannotHoldTheRequestAreSkipped() {
    List<ModelInfo> models = List.of(CHEAP_B, STRONG_SMALL, STRONG);
    Selection s = selector.select(ctx(ChatRequest.of("refactor"), models, 5_000, BudgetSnapshot.UNLIMITED, Map.of()));
    assertThat(s.model()).isEqualTo(STRONG);
    assertThat(s.fallbacks()).doesNotContain(STRONG_SMALL);
    assertThat(s.reason()).contains("1 models skipped: context too small");
    // With a small requested output it fits again, and is cheaper than the big strong model.
    ChatRequest small = ChatRequest.builder().addUserMessage("refactor").maxOutputTokens(500).build();
    assertThat(selector.select(ctx(small, models, 5_000, BudgetSnapshot.UNLIMITED, Map.of())).model())
        .isEqualTo(STRONG_SMALL);
  }

  @Test
  void whenNothingFitsTheWidestWindowIsTakenWithoutThrowing() {
    Selection s = selector.select(ctx(ChatRequest.of("hi"), ALL, 500_000, BudgetSnapshot.UNLIMITED, Map.of()));
    assertThat(s.model()).isEqualTo(STRONG);
    assertThat(s.reason()).contains("widest window");
  }

  @Test
  void aModelTheRequestNamesIsHonoured() {
    ChatRequest r = ChatRequest.builder().addUserMessage("fix it").model(BAL.id()).build();
    Selection s = selector.select(ctx(r, ALL, 100, BudgetSnapshot.UNLIMITED, Map.of()));
    assertThat(s.model()).isEqualTo(BAL);
    assertThat(s.reason()).startsWith("the request names t/balanced");
  }

  @Test
  void aMissingTierFallsToTheNearestOne() {
    Selection s = selector.select(ctx(ChatRequest.of("refactor"), List.of(CHEAP_A, BAL), 100,
        BudgetSnapshot.UNLIMITED, Map.of()));
    assertThat(s.model()).isEqualTo(BAL);
    assertThat(s.reason()).contains("no strong model available");
  }

  @Test
  void invalidBudgetTiersAreRejected() {
    assertThatThrownBy(() -> RuleBasedSelector.builder().budgetTiers(0.1, 0.4).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("budget tiers");
  }
}
