package dev.ralex.bandit.replay;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ralex.api.ModelInfo;
import dev.ralex.api.ModelTier;
import dev.ralex.core.RuleBasedSelector;
import dev.ralex.core.ScoringSelector;
import java.util.List;
import org.junit.jupiter.api.Test;

class ModelSelectorReplayTest {
  private static final RouterBenchData TRAIN =
      RouterBenchData.parse(Csv.parse(SyntheticRouterBench.threeModels(200, 1)));
  private static final RouterBenchData TEST =
      RouterBenchData.parse(Csv.parse(SyntheticRouterBench.threeModels(50, 2)));

  @Test
  void modelsArePricedAndTieredFromTheTrainingCosts() {
    List<ModelInfo> models = ModelSelectorReplay.modelsFrom(TRAIN, TRAIN.models());
    assertThat(models).extracting(ModelInfo::id).isEqualTo(SyntheticRouterBench.MODELS);
    assertThat(models).extracting(ModelInfo::tier)
        .containsExactly(ModelTier.CHEAP, ModelTier.BALANCED, ModelTier.STRONG);
    // $0.0001 and $0.002 per prompt, over 1,000 tokens: $0.1 and $2 per million.
    assertThat(models.get(0).pricing().inputPerMTok()).isEqualByComparingTo("0.1");
    assertThat(models.get(2).pricing().outputPerMTok()).isEqualByComparingTo("2");
  }

  @Test
  void aLearningSelectorIsWarmStartedWithEveryOutcomeAndKeepsLearning() {
    // Success alone: the generalist is right about 80% of the time, each cheap model about half.
    ModelSelectorReplay scoring = new ModelSelectorReplay("scoring", TRAIN.models(),
        () -> ScoringSelector.builder().capabilityWeight(0).costWeight(0).latencyWeight(0).successWeight(1)
            .build());
    scoring.warmStart(TRAIN);
    for (RouterBenchData.Prompt p : TEST.prompts()) {
      int chosen = scoring.choose(p);
      assertThat(chosen).isEqualTo(2);
      scoring.observe(p, chosen, p.correct()[chosen], p.cost()[chosen]);
    }
  }

  @Test
  void theRulesChooseAmongTheDataModelsByTier() {
    ModelSelectorReplay rules = new ModelSelectorReplay("rules", TRAIN.models(), RuleBasedSelector::defaults);
    rules.warmStart(TRAIN);
    assertThat(rules.name()).isEqualTo("rules");
    for (RouterBenchData.Prompt p : TEST.prompts()) {
      // Short prompts with no demanding keyword are low complexity: the cheap tier.
      assertThat(rules.choose(p)).isZero();
    }
  }
}
