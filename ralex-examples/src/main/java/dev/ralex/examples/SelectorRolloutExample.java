package dev.ralex.examples;

import dev.ralex.api.ChatRequest;
import dev.ralex.api.ChatResponse;
import dev.ralex.api.ModelInfo;
import dev.ralex.api.ModelTier;
import dev.ralex.api.Rating;
import dev.ralex.api.RequestComplexity;
import dev.ralex.bandit.LinUcbSelector;
import dev.ralex.core.ComplexityAnalyzer;
import dev.ralex.core.ModelCatalog;
import dev.ralex.core.Ralex;
import dev.ralex.core.RolloutSelector;
import dev.ralex.core.RuleBasedSelector;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Random;

/**
 * Rolling the LinUCB bandit out against the rules, offline: three simulated models (cheap, balanced, strong,
 * priced like Claude Haiku, Sonnet and Opus), a stream of coding requests of five kinds, and a simulated user
 * who gives each answer a thumbs up or down with a probability that depends on the model's tier and the kind of
 * request (cheap models are fine for typo fixes and chat, poor at refactoring and analysis). The bandit decides
 * half the calls, in shadow on the rest, waits for each rating, and the guard watches its score per task type.
 *
 * <p>Run: {@code mvn -B -q -pl ralex-examples exec:java -Dexec.mainClass=dev.ralex.examples.SelectorRolloutExample}.
 * It prints, per policy, calls, thumbs-up rate, spend per call and the models it chose per task type.
 */
public final class SelectorRolloutExample {
  private static final List<ModelInfo> MODELS =
      List.of(SimulatedProvider.HAIKU_CLASS, SimulatedProvider.SONNET_CLASS, SimulatedProvider.OPUS_CLASS);

  /** Requests by kind; {@code %s} takes a file or component name. */
  private static final Map<RequestComplexity.TaskType, List<String>> PROMPTS = Map.of(
      RequestComplexity.TaskType.CODE_FIX, List.of("Fix the typo in the log message of %s",
          "Fix the off-by-one error in the loop of %s"),
      RequestComplexity.TaskType.CHAT, List.of("What is a good name for the %s component?",
          "Summarize in one sentence what %s is for."),
      RequestComplexity.TaskType.CODE_GENERATION, List.of("Write a unit test for the parser in %s",
          "Implement a builder for the config class in %s"),
      RequestComplexity.TaskType.REFACTOR, List.of("Refactor %s to remove the duplicated retry logic",
          "Restructure %s into smaller classes and decouple the storage layer"),
      RequestComplexity.TaskType.ANALYSIS, List.of("Explain why %s deadlocks under load and review the locking",
          "Review the architecture of %s and compare it with an event-sourced design"));
  private static final List<String> NAMES = List.of("Billing.java", "Ledger.java", "InvoiceService.java",
      "RetryPolicy.java", "SessionStore.java", "ReportWriter.java");

  private SelectorRolloutExample() {}

  /** The chance that the simulated user likes an answer of a model of {@code tier} to a {@code type} request. */
  static double thumbsUpChance(ModelTier tier, RequestComplexity.TaskType type) {
    switch (tier) {
      case CHEAP:
        switch (type) {
          case CODE_FIX:
          case CHAT:
            return 0.92;
          case CODE_GENERATION:
            return 0.6;
          default:
            return 0.3;
        }
      case BALANCED:
        return type == RequestComplexity.TaskType.ANALYSIS ? 0.7 : 0.9;
      default:
        return 0.95;
    }
  }

  /**
   * What one policy did.
   *
   * @param calls the calls it decided
   * @param thumbsUp how many of their answers the user liked
   * @param spent what its calls cost
   * @param picks per task type, how many calls went to each tier (cheap, balanced, strong)
   */
  record PolicyResult(int calls, int thumbsUp, BigDecimal spent, Map<RequestComplexity.TaskType, int[]> picks) {
    double thumbsUpRate() {
      return calls == 0 ? 0 : (double) thumbsUp / calls;
    }

    BigDecimal perCall() {
      return calls == 0 ? BigDecimal.ZERO : spent.divide(BigDecimal.valueOf(calls), 8, RoundingMode.HALF_EVEN);
    }
  }

  /** The results of a run, per policy, and the guard's view at the end. */
  record Result(Map<RolloutSelector.Policy, PolicyResult> byPolicy,
      Map<RequestComplexity.TaskType, RolloutSelector.GuardStats> guard) {}

  /** Runs the example. */
  public static void main(String[] args) {
    print(System.out, run(1_500, 7));
  }

  /** Sends {@code calls} requests through a rollout of LinUCB (half the traffic) against the rules. */
  static Result run(int calls, long seed) {
    LinUcbSelector bandit = LinUcbSelector.builder().awaitRatings(Duration.ofMinutes(5)).build();
    RolloutSelector rollout = RolloutSelector.builder(bandit, RuleBasedSelector.defaults())
        .names("linucb", "rules").fraction(0.5).judgeByRatings(true).build();
    Map<RolloutSelector.Policy, int[]> counts = new EnumMap<>(RolloutSelector.Policy.class);
    Map<RolloutSelector.Policy, BigDecimal> spent = new EnumMap<>(RolloutSelector.Policy.class);
    Map<RolloutSelector.Policy, Map<RequestComplexity.TaskType, int[]>> picks =
        new EnumMap<>(RolloutSelector.Policy.class);
    for (RolloutSelector.Policy p : RolloutSelector.Policy.values()) {
      counts.put(p, new int[2]);
      spent.put(p, BigDecimal.ZERO);
      picks.put(p, new EnumMap<>(RequestComplexity.TaskType.class));
    }
    Random random = new Random(seed);
    List<RequestComplexity.TaskType> types = List.of(RequestComplexity.TaskType.values());
    try (Ralex ralex = Ralex.builder()
        .provider(new SimulatedProvider())
        .catalog(ModelCatalog.of(MODELS))
        .defaultModel(SimulatedProvider.SONNET_CLASS.id())
        .selector(rollout)
        .build()) {
      for (int i = 0; i < calls; i++) {
        RequestComplexity.TaskType type = types.get(random.nextInt(types.size()));
        List<String> forms = PROMPTS.get(type);
        String prompt = String.format(Locale.ROOT, forms.get(random.nextInt(forms.size())),
            NAMES.get(random.nextInt(NAMES.size())));
        ChatRequest request = ChatRequest.builder().addUserMessage(prompt).maxOutputTokens(800).build();
        // The analyser decides the kind the selectors see; the user judges by the kind the prompt was written as.
        RequestComplexity.TaskType seen = ComplexityAnalyzer.DEFAULT.analyze(request).taskType();
        ChatResponse answer = ralex.chat(request);
        ModelInfo model = ralex.model(answer.model());
        boolean liked = random.nextDouble() < thumbsUpChance(model.tier(), type);
        ralex.rate(Rating.thumbs(answer.callId(), liked));
        RolloutSelector.Policy policy = rollout.decidedBy(answer.callId()).orElseThrow();
        counts.get(policy)[0]++;
        if (liked) {
          counts.get(policy)[1]++;
        }
        spent.merge(policy, answer.cost(), BigDecimal::add);
        picks.get(policy).computeIfAbsent(seen, t -> new int[3])[model.tier().ordinal()]++;
      }
    }
    Map<RolloutSelector.Policy, PolicyResult> byPolicy = new EnumMap<>(RolloutSelector.Policy.class);
    for (RolloutSelector.Policy p : RolloutSelector.Policy.values()) {
      byPolicy.put(p, new PolicyResult(counts.get(p)[0], counts.get(p)[1], spent.get(p), picks.get(p)));
    }
    return new Result(byPolicy, rollout.guardStats());
  }

  static void print(PrintStream out, Result result) {
    Objects.requireNonNull(out, "out");
    out.println("policy  | calls | thumbs up | $ per call | cheap/balanced/strong per task type");
    out.println("--------|-------|-----------|------------|------------------------------------");
    for (Map.Entry<RolloutSelector.Policy, PolicyResult> e : result.byPolicy().entrySet()) {
      PolicyResult r = e.getValue();
      StringBuilder mix = new StringBuilder();
      for (Map.Entry<RequestComplexity.TaskType, int[]> t : r.picks().entrySet()) {
        int[] n = t.getValue();
        mix.append(t.getKey().name().toLowerCase(Locale.ROOT)).append(' ')
            .append(n[0]).append('/').append(n[1]).append('/').append(n[2]).append("  ");
      }
      out.printf(Locale.ROOT, "%-7s | %5d | %8.1f%% | %10s | %s%n",
          e.getKey() == RolloutSelector.Policy.CANDIDATE ? "linucb" : "rules", r.calls(), r.thumbsUpRate() * 100,
          r.perCall().setScale(5, RoundingMode.HALF_EVEN).toPlainString(), mix.toString().trim());
    }
    out.println();
    out.println("guard (mean rating of each policy's recent decisions):");
    for (Map.Entry<RequestComplexity.TaskType, RolloutSelector.GuardStats> e : result.guard().entrySet()) {
      RolloutSelector.GuardStats g = e.getValue();
      out.printf(Locale.ROOT, "  %-15s linucb %.2f (%d)  rules %.2f (%d)%s%n",
          e.getKey().name().toLowerCase(Locale.ROOT), g.candidateMean(), g.candidateSamples(), g.baselineMean(),
          g.baselineSamples(), g.guarded() ? "  -> guarded: rules decide" : "");
    }
  }
}
