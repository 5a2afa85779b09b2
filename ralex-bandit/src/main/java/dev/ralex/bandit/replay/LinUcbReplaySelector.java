package dev.ralex.bandit.replay;

import dev.ralex.api.BudgetSnapshot;
import dev.ralex.api.ChatRequest;
import dev.ralex.api.ModelInfo;
import dev.ralex.api.Pricing;
import dev.ralex.api.RoutingContext;
import dev.ralex.bandit.DefaultFeatureExtractor;
import dev.ralex.bandit.LinUcb;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;

/**
 * {@link LinUcb} over {@link DefaultFeatureExtractor}'s features of the prompt text (sent as one user message),
 * with reward {@code correct - weight * cost / costScale - centre}: {@code costScale} is the highest mean cost
 * per prompt of any model on the training data (so the dearest model costs about 1), and {@code centre} is the
 * mean reward over every (training prompt, model) pair, so rewards are centred and arms start at prior 0.
 * The warm start updates every arm with every training prompt.
 */
public final class LinUcbReplaySelector implements ReplaySelector {
  private static final ModelInfo PLACEHOLDER = ModelInfo.builder("replay/placeholder")
      .contextWindow(1_000_000)
      .maxOutputTokens(4_096)
      .pricing(new Pricing(BigDecimal.ZERO, BigDecimal.ZERO, BigDecimal.ZERO, BigDecimal.ZERO, "replay",
          LocalDate.of(2026, 1, 1)))
      .build();

  private final List<String> models;
  private final double weight;
  private final DefaultFeatureExtractor features;
  private final LinUcb bandit;
  private double costScale = 1.0;
  private double centre;

  /**
   * A selector over {@code models} at cost weight {@code weight}, with the bandit's exploration {@code alpha}, ridge
   * prior {@code lambda} and {@code buckets} hashed-word buckets.
   */
  public LinUcbReplaySelector(List<String> models, double weight, double alpha, double lambda, int buckets) {
    this.models = List.copyOf(models);
    if (!(weight >= 0) || Double.isInfinite(weight)) {
      throw new IllegalArgumentException("weight must be finite and >= 0 but was " + weight);
    }
    this.weight = weight;
    this.features = new DefaultFeatureExtractor(buckets);
    this.bandit = LinUcb.builder(features.dimension()).alpha(alpha).lambda(lambda).build();
    for (String m : this.models) {
      bandit.addArm(m, 0.0);
    }
  }

  @Override
  public String name() {
    return "linucb w=" + format(weight);
  }

  @Override
  public void warmStart(RouterBenchData train) {
    int n = train.prompts().size();
    if (n == 0) {
      return;
    }
    double[] total = train.totalCost();
    double max = 0;
    for (double c : total) {
      max = Math.max(max, c / n);
    }
    costScale = max > 0 ? max : 1.0;
    double sum = 0;
    for (RouterBenchData.Prompt p : train.prompts()) {
      for (int m = 0; m < models.size(); m++) {
        sum += rawReward(p.correct()[m], p.cost()[m]);
      }
    }
    centre = sum / ((double) n * models.size());
    for (RouterBenchData.Prompt p : train.prompts()) {
      double[] x = features(p.text());
      for (int m = 0; m < models.size(); m++) {
        bandit.update(models.get(m), x, rawReward(p.correct()[m], p.cost()[m]) - centre);
      }
    }
  }

  @Override
  public int choose(RouterBenchData.Prompt prompt) {
    String arm = bandit.decide(features(prompt.text()), models).arm();
    return models.indexOf(arm);
  }

  @Override
  public void observe(RouterBenchData.Prompt prompt, int model, boolean correct, double cost) {
    bandit.update(models.get(model), features(prompt.text()), rawReward(correct, cost) - centre);
  }

  private double rawReward(boolean correct, double cost) {
    return (correct ? 1.0 : 0.0) - weight * cost / costScale;
  }

  private double[] features(String text) {
    ChatRequest request = ChatRequest.of(text);
    RoutingContext context = new RoutingContext("replay", request, List.of(PLACEHOLDER), PLACEHOLDER,
        text.length() / 4, BudgetSnapshot.UNLIMITED, Map.of(),
        dev.ralex.core.ComplexityAnalyzer.DEFAULT.analyze(request));
    return features.extract(context);
  }

  static String format(double v) {
    return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
  }
}
