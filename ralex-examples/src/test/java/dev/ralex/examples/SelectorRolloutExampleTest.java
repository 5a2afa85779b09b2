package dev.ralex.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ralex.core.RolloutSelector;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class SelectorRolloutExampleTest {
  @Test
  void bothPoliciesDecideTheirShareAndTheLearnerEarnsGoodRatings() {
    SelectorRolloutExample.Result result = SelectorRolloutExample.run(800, 7);
    SelectorRolloutExample.PolicyResult bandit = result.byPolicy().get(RolloutSelector.Policy.CANDIDATE);
    SelectorRolloutExample.PolicyResult rules = result.byPolicy().get(RolloutSelector.Policy.BASELINE);
    assertThat(bandit.calls() + rules.calls()).isEqualTo(800);
    // Half the traffic, less what the guard hands back to the rules.
    assertThat(bandit.calls()).isBetween(250, 450);
    // The user likes most answers of both; the learner has found models good enough for each kind of request.
    assertThat(bandit.thumbsUpRate()).isGreaterThan(0.75);
    assertThat(rules.thumbsUpRate()).isGreaterThan(0.7);
    assertThat(bandit.spent().signum()).isPositive();
    assertThat(result.guard()).isNotEmpty();

    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    SelectorRolloutExample.print(new PrintStream(bytes, true, StandardCharsets.UTF_8), result);
    String text = bytes.toString(StandardCharsets.UTF_8);
    assertThat(text).contains("linucb  |").contains("rules   |").contains("guard (mean rating");
  }

  @Test
  void theSimulatedUserPrefersStrongerModelsForHarderWork() {
    for (dev.ralex.api.RequestComplexity.TaskType type : dev.ralex.api.RequestComplexity.TaskType.values()) {
      assertThat(SelectorRolloutExample.thumbsUpChance(dev.ralex.api.ModelTier.STRONG, type))
          .isGreaterThanOrEqualTo(SelectorRolloutExample.thumbsUpChance(dev.ralex.api.ModelTier.CHEAP, type));
    }
  }
}
