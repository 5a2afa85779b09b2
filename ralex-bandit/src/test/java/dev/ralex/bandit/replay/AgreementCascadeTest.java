package dev.ralex.bandit.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class AgreementCascadeTest {
  private static RouterBenchData data(int n, double hard, long seed) {
    return RouterBenchData.parse(Csv.parse(SyntheticRouterBench.agreement(n, hard, seed)));
  }

  /** Runs {@code policy} over {@code test}, recording the calls; returns {correct, cost, calls}. */
  private static double[] run(ReplayPolicy policy, RouterBenchData test, List<List<Integer>> callLog) {
    double correct = 0;
    double cost = 0;
    double calls = 0;
    for (RouterBenchData.Prompt p : test.prompts()) {
      List<Integer> called = new ArrayList<>();
      int m = policy.answer(p, model -> {
        called.add(model);
        return new ReplayPolicy.Response(model, p.response(model), p.cost()[model]);
      });
      assertThat(called).contains(m);
      correct += p.correct()[m] ? 1 : 0;
      for (int c : called) {
        cost += p.cost()[c];
      }
      calls += called.size();
      callLog.add(called);
    }
    return new double[] {correct, cost, calls};
  }

  @Test
  void acceptsAgreeingCheapModelsAndEscalatesOnDisagreement() {
    RouterBenchData train = data(300, 0.3, 1);
    RouterBenchData test = data(300, 0.3, 2);
    // Target: all of the big model's accuracy; no shrinkage, so the fit reads the data as it is.
    AgreementCascade cascade = exact(train.models(), 7);
    cascade.warmStart(train);
    List<List<Integer>> log = new ArrayList<>();
    double[] r = run(cascade, test, log);
    for (int i = 0; i < test.prompts().size(); i++) {
      RouterBenchData.Prompt p = test.prompts().get(i);
      boolean agree = p.correct()[0]; // the cheap models agree exactly when they are right
      assertThat(log.get(i)).as("prompt %d", i).containsExactlyInAnyOrderElementsOf(agree ? List.of(0, 1)
          : List.of(0, 1, 2));
    }
    assertThat(r[0]).isEqualTo(test.prompts().size()); // always right
    double bigCost = test.totalCost()[2];
    assertThat(r[1]).isLessThan(0.5 * bigCost);
    assertThat(cascade.diagnostics().get("escalationShare")).isBetween(0.2, 0.4);
    assertThat(cascade.describe()).contains("agree -> accept", "disagree -> escalate to oracle");
  }

  private static AgreementCascade exact(List<String> models, long seed) {
    return new AgreementCascade(models, 1.0, AnswerNormalizer.defaults(), AgreementCascade::promptKind,
        new AgreementCascade.Options(0, false, false), seed);
  }

  @Test
  void withTheDefaultsItAimsAtTheTargetAndStaysFarCheaperThanTheBigModel() {
    RouterBenchData train = data(400, 0.3, 5);
    RouterBenchData test = data(400, 0.3, 6);
    AgreementCascade cascade = AgreementCascade.create(train.models(), 0.965, 7);
    cascade.warmStart(train);
    double[] r = run(cascade, test, new ArrayList<>());
    assertThat(r[0] / test.prompts().size()).isBetween(0.93, 1.0);
    assertThat(r[1]).isLessThan(0.5 * test.totalCost()[2]);
    assertThat(r[2] / test.prompts().size()).isGreaterThanOrEqualTo(2.0);
  }

  @Test
  void withoutComparableAnswersItFallsBackToSingleModelsAtTheTarget() {
    // The placeholder responses are long, so agreement is never known: the cascade mixes single models.
    RouterBenchData train = RouterBenchData.parse(Csv.parse(SyntheticRouterBench.threeModels(300, 1)));
    AgreementCascade cascade = AgreementCascade.create(train.models(), 0.8, 3);
    cascade.warmStart(train);
    assertThat(cascade.describe()).doesNotContain("agree ->");
  }

  @Test
  void theEvaluatorChargesEveryCallAndReportsCallsAndEscalations() {
    RouterBenchData train = data(200, 0.25, 3);
    RouterBenchData test = data(200, 0.25, 4);
    List<ReplayPolicy.Factory> policies = List.of(s -> ReplayPolicy.of(Baselines.always("always-best", 2)),
        s -> exact(train.models(), s));
    ReplayEvaluator.Report report = ReplayEvaluator.evaluatePolicies(train, test, policies, 2, 1, null);
    Map<String, ReplayEvaluator.SelectorResult> byName = report.selectors().stream()
        .collect(Collectors.toMap(s -> s.name().split(" ")[0], Function.identity()));
    ReplayEvaluator.SelectorResult cascade = byName.get("agreement-cascade");
    long hard = test.prompts().stream().filter(p -> !p.correct()[0]).count();
    int n = test.prompts().size();
    assertThat(cascade.accuracy()).isEqualTo(1.0);
    assertThat(cascade.cost()).isCloseTo(n * 0.002 + hard * 0.02, within(1e-9));
    assertThat(cascade.callsPerPrompt()).isCloseTo(2.0 + (double) hard / n, within(1e-9));
    assertThat(cascade.diagnostics().get("escalationShare")).isCloseTo((double) hard / n, within(1e-9));
    assertThat(byName.get("always-best").callsPerPrompt()).isEqualTo(1.0);
    assertThat(report.cheapestReaching95().selector()).startsWith("agreement-cascade");
  }

  @Test
  void promptKindsComeFromTheLastBlockOfTheText() {
    assertThat(AgreementCascade.promptKind("Q?\nA) x\nB) y\nAnswer:")).isEqualTo("choice-2");
    assertThat(AgreementCascade.promptKind("['Example\\nA) 1\\nB) 2\\nC) 3\\n\\nQ?\\nA) x\\nB) y\\nC) z\\nD) w']"))
        .isEqualTo("choice-4");
    assertThat(AgreementCascade.promptKind("Write a function to add two numbers.")).isEqualTo("free");
  }
}
