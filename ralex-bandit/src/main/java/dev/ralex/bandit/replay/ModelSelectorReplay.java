package dev.ralex.bandit.replay;

import dev.ralex.api.BudgetSnapshot;
import dev.ralex.api.ChatRequest;
import dev.ralex.api.Feedback;
import dev.ralex.api.ModelInfo;
import dev.ralex.api.ModelSelector;
import dev.ralex.api.ModelTier;
import dev.ralex.api.Pricing;
import dev.ralex.api.RoutingContext;
import dev.ralex.api.Selection;
import dev.ralex.api.Usage;
import dev.ralex.core.ComplexityAnalyzer;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.function.Supplier;

/**
 * Any Ralex {@link ModelSelector} (the rules, the scoring selector) under replay. The logged models become
 * {@link ModelInfo}s priced and tiered from the training data: each model's price per token is its mean cost
 * per training prompt over an assumed 1,000 tokens (only the order and ratios matter to a selector), its id is
 * prefixed with {@code replay/} when it names no provider, and its tier is its third by that price (cheapest third {@code CHEAP}, dearest third {@code STRONG}). Every prompt is
 * sent as one user message, analysed by the pipeline's {@link ComplexityAnalyzer} as in a live call. The outcome
 * of the chosen model is fed back as the pipeline would with a validator: quality 1 for a correct answer, and
 * quality 0 with a rejection for a wrong one. The warm start feeds every training prompt's outcome for every
 * model, so a selector that learns (the scoring selector's success per model and task type) starts informed.
 */
public final class ModelSelectorReplay implements ReplaySelector {
  private static final int ASSUMED_TOKENS = 1_000;

  private final String name;
  private final List<String> modelIds;
  private final Supplier<ModelSelector> factory;
  private ModelSelector selector;
  private List<ModelInfo> models;
  private long calls;
  private String lastCallId;

  /**
   * A replay of the selectors {@code factory} makes (a fresh one per pass, once the models' prices are known).
   *
   * @param name the name in the report, such as {@code "rules"}
   * @param modelIds the data's models, in its order
   */
  public ModelSelectorReplay(String name, List<String> modelIds, Supplier<ModelSelector> factory) {
    this.name = Objects.requireNonNull(name, "name");
    this.modelIds = List.copyOf(modelIds);
    this.factory = Objects.requireNonNull(factory, "factory");
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public void warmStart(RouterBenchData train) {
    models = modelsFrom(train, modelIds);
    selector = factory.get();
    for (RouterBenchData.Prompt p : train.prompts()) {
      String callId = nextCallId();
      selector.select(context(callId, p.text()));
      for (int m = 0; m < models.size(); m++) {
        selector.feedback(outcome(callId, models.get(m), p.correct()[m], p.cost()[m]));
      }
    }
  }

  @Override
  public int choose(RouterBenchData.Prompt prompt) {
    if (selector == null) {
      warmStart(new RouterBenchData(modelIds, List.of(), 0));
    }
    Selection s = selector.select(context(lastCallId = nextCallId(), prompt.text()));
    return models.indexOf(s.model());
  }

  @Override
  public void observe(RouterBenchData.Prompt prompt, int model, boolean correct, double cost) {
    selector.feedback(outcome(lastCallId, models.get(model), correct, cost));
  }

  private String nextCallId() {
    return "replay-" + (++calls);
  }

  private RoutingContext context(String callId, String text) {
    ChatRequest request = ChatRequest.of(text);
    return new RoutingContext(callId, request, models, models.get(0), text.length() / 4, BudgetSnapshot.UNLIMITED,
        Map.of(), ComplexityAnalyzer.DEFAULT.analyze(request));
  }

  private static Feedback outcome(String callId, ModelInfo model, boolean correct, double cost) {
    return new Feedback(callId, model, Optional.empty(), Duration.ZERO,
        BigDecimal.valueOf(Math.max(0.0, cost)), Usage.ZERO, OptionalDouble.of(correct ? 1.0 : 0.0),
        correct ? Optional.empty() : Optional.of("wrong answer"));
  }

  /** The data's models as {@link ModelInfo}s, priced and tiered from {@code train} (see the class comment). */
  static List<ModelInfo> modelsFrom(RouterBenchData train, List<String> ids) {
    int n = Math.max(1, train.prompts().size());
    double[] total = train.prompts().isEmpty() ? new double[ids.size()] : train.totalCost();
    List<Integer> byPrice = new ArrayList<>();
    for (int i = 0; i < ids.size(); i++) {
      byPrice.add(i);
    }
    byPrice.sort(Comparator.comparingDouble(i -> total[i]));
    ModelTier[] tiers = new ModelTier[ids.size()];
    for (int rank = 0; rank < byPrice.size(); rank++) {
      int third = rank * 3 / byPrice.size();
      tiers[byPrice.get(rank)] = third == 0 ? ModelTier.CHEAP : third == 1 ? ModelTier.BALANCED : ModelTier.STRONG;
    }
    List<ModelInfo> out = new ArrayList<>(ids.size());
    for (int i = 0; i < ids.size(); i++) {
      // Dollars per prompt over 1,000 tokens, per million tokens.
      BigDecimal perMTok = BigDecimal.valueOf(total[i] / n).multiply(BigDecimal.valueOf(1_000_000))
          .divide(BigDecimal.valueOf(ASSUMED_TOKENS), 12, RoundingMode.HALF_EVEN);
      // Ralex's model ids name a provider; the data's may not ("gpt-4-1106-preview").
      String id = ids.get(i).contains("/") ? ids.get(i) : "replay/" + ids.get(i);
      out.add(ModelInfo.builder(id)
          .contextWindow(1_000_000)
          .maxOutputTokens(4_096)
          .tier(tiers[i])
          .pricing(new Pricing(perMTok, perMTok, BigDecimal.ZERO, BigDecimal.ZERO, "replay: mean cost per prompt",
              LocalDate.of(2026, 1, 1)))
          .build());
    }
    return List.copyOf(out);
  }
}
