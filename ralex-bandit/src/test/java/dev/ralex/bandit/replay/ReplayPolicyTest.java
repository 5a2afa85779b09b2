package dev.ralex.bandit.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ReplayPolicyTest {
  private static final RouterBenchData TRAIN =
      RouterBenchData.parse(Csv.parse(SyntheticRouterBench.threeModels(150, 11)));
  private static final RouterBenchData TEST =
      RouterBenchData.parse(Csv.parse(SyntheticRouterBench.threeModels(120, 12)));

  /** A policy that asks {@code calls} in order (some twice) and answers with {@code answer}. */
  private static ReplayPolicy asking(List<Integer> calls, int answer, List<List<ReplayPolicy.Outcome>> seen) {
    return new ReplayPolicy() {
      @Override
      public String name() {
        return "asking " + calls;
      }

      @Override
      public int answer(RouterBenchData.Prompt prompt, Calls c) {
        for (int m : calls) {
          ReplayPolicy.Response r = c.call(m);
          assertThat(r.cost()).isEqualTo(prompt.cost()[m]);
          assertThat(r.text()).isEqualTo(prompt.response(m));
        }
        return answer;
      }

      @Override
      public void observe(RouterBenchData.Prompt prompt, List<Outcome> outcomes) {
        seen.add(outcomes);
      }
    };
  }

  @Test
  void everyCallIsChargedOnceAndItsCorrectnessRevealedAfterwards() {
    List<List<ReplayPolicy.Outcome>> seen = new ArrayList<>();
    ReplayEvaluator.Report report = ReplayEvaluator.evaluatePolicies(TRAIN, TEST,
        List.of(s -> asking(List.of(2, 0, 2), 0, seen)), 1, 1, null);
    ReplayEvaluator.SelectorResult r = report.selectors().get(0);
    double[] cost = TEST.totalCost();
    assertThat(r.cost()).isCloseTo(cost[0] + cost[2], within(1e-12));
    assertThat(r.callsPerPrompt()).isEqualTo(2.0);
    assertThat(r.accuracy()).isCloseTo(TEST.accuracy()[0], within(1e-12));
    assertThat(seen).hasSize(TEST.prompts().size()).allSatisfy(o ->
        assertThat(o).extracting(ReplayPolicy.Outcome::model).containsExactly(2, 0));
  }

  @Test
  void answeringWithAModelNotCalledIsRefused() {
    assertThatThrownBy(() -> ReplayEvaluator.evaluatePolicies(TRAIN, TEST,
        List.of(s -> asking(List.of(0), 1, new ArrayList<>())), 1, 1, null))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("without calling it");
  }

  @Test
  void theAdapterKeepsASingleChoiceSelectorsNumbers() {
    // The pre-policy loop, by hand: choose, charge the chosen model, reveal its outcome.
    ReplaySelector.Factory factory = seed -> new LinUcbReplaySelector(TEST.models(), 0.5, 3.0, 100.0, 16);
    int seeds = 2;
    double correct = 0;
    double cost = 0;
    for (int s = 0; s < seeds; s++) {
      List<RouterBenchData.Prompt> order = new ArrayList<>(TEST.prompts());
      Collections.shuffle(order, new Random(1 + s));
      ReplaySelector selector = factory.create(1 + s);
      selector.warmStart(TRAIN);
      for (RouterBenchData.Prompt p : order) {
        int m = selector.choose(p);
        correct += p.correct()[m] ? 1 : 0;
        cost += p.cost()[m];
        selector.observe(p, m, p.correct()[m], p.cost()[m]);
      }
    }
    ReplayEvaluator.SelectorResult viaAdapter =
        ReplayEvaluator.evaluate(TRAIN, TEST, List.of(factory), seeds, 1, null).selectors().get(0);
    assertThat(viaAdapter.accuracy()).isEqualTo(correct / seeds / TEST.prompts().size());
    assertThat(viaAdapter.cost()).isCloseTo(cost / seeds, within(1e-12));
    assertThat(viaAdapter.callsPerPrompt()).isEqualTo(1.0);
    assertThat(viaAdapter.diagnostics()).isEmpty();
  }
}
