package dev.ralex.bandit.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReplayEvaluatorTest {
  private static final List<String> TWO = List.of("m/a", "m/b");

  /** a: correct on prompts 1 and 4, $1 each; b: correct on 1, 2, 3, $10 each; plus a row with a NaN cost. */
  private static String tiny() {
    return SyntheticRouterBench.csv(TWO, List.of(
        new SyntheticRouterBench.Row("one, \"quoted\"\nline", "t", new int[] {1, 1}, new double[] {1, 10}),
        new SyntheticRouterBench.Row("two", "t", new int[] {0, 1}, new double[] {1, 10}),
        new SyntheticRouterBench.Row("three", "t", new int[] {0, 1}, new double[] {1, 10}),
        new SyntheticRouterBench.Row("skipped", "t", new int[] {0, 1}, new double[] {Double.NaN, 10}),
        new SyntheticRouterBench.Row("skipped too", "t", new int[] {-1, 1}, new double[] {1, 10}),
        new SyntheticRouterBench.Row("four", "t", new int[] {1, 0}, new double[] {1, 10})));
  }

  @Test
  void parsesRouterBenchRowsAndSkipsMissingCells() {
    RouterBenchData data = RouterBenchData.parse(Csv.parse(tiny()));
    assertThat(data.models()).isEqualTo(TWO);
    assertThat(data.skipped()).isEqualTo(2);
    assertThat(data.prompts()).extracting(RouterBenchData.Prompt::text)
        .containsExactly("one, \"quoted\"\nline", "two", "three", "four");
    assertThat(data.accuracy()).containsExactly(0.5, 0.75);
    assertThat(data.totalCost()).containsExactly(4.0, 40.0);
    assertThat(data.prompts()).extracting(RouterBenchData.Prompt::oracle).containsExactly(0, 1, 1, 0);
  }

  @Test
  void keepsEachModelsResponseOrEmptyStringsWhenTheFileHasNone() {
    List<SyntheticRouterBench.Row> rows = List.of(
        new SyntheticRouterBench.Row("q1", "t", new int[] {1, 0}, new double[] {1, 2}, List.of("['A\\n']", "B")),
        new SyntheticRouterBench.Row("q2", "t", new int[] {0, 1}, new double[] {1, 2}, List.of("x, \"y\"\nz", "C")));
    RouterBenchData with = RouterBenchData.parse(Csv.parse(SyntheticRouterBench.csv(TWO, rows, true)));
    assertThat(with.prompts()).extracting(p -> p.responses())
        .containsExactly(List.of("['A\\n']", "B"), List.of("x, \"y\"\nz", "C"));
    assertThat(with.prompts().get(1).response(0)).isEqualTo("x, \"y\"\nz");
    RouterBenchData without = RouterBenchData.parse(Csv.parse(SyntheticRouterBench.csv(TWO, rows, false)));
    assertThat(without.prompts()).hasSize(2).allSatisfy(p -> {
      assertThat(p.responses()).isEmpty();
      assertThat(p.response(1)).isEmpty();
    });
    assertThat(without.accuracy()).containsExactly(with.accuracy());
  }

  @Test
  void computesTheBaselinesExactlyOnATinyFile() {
    RouterBenchData data = RouterBenchData.parse(Csv.parse(tiny()));
    TwoModelMix mix = TwoModelMix.fit(data, 0.95);
    // target 0.95 * 0.75 = 0.7125 = 0.15 * 0.5 + 0.85 * 0.75
    assertThat(mix.weak()).isZero();
    assertThat(mix.strong()).isEqualTo(1);
    assertThat(mix.fraction()).isCloseTo(0.85, within(1e-12));
    assertThat(mix.expectedAccuracy()).isCloseTo(0.7125, within(1e-12));
    assertThat(mix.expectedCost()).isCloseTo(0.15 * 1 + 0.85 * 10, within(1e-12));

    ReplayEvaluator.Report report = ReplayEvaluator.evaluate(data, data,
        new ReplayEvaluator.Settings(3, 1, List.of(1.0), 3.0, 100.0, 8));
    Map<String, ReplayEvaluator.SelectorResult> byName = report.selectors().stream()
        .collect(Collectors.toMap(r -> r.name().split(" ")[0], Function.identity()));
    ReplayEvaluator.SelectorResult cheapest = byName.get("always-cheapest");
    assertThat(cheapest.name()).isEqualTo("always-cheapest (m/a)");
    assertThat(cheapest.accuracy()).isEqualTo(0.5);
    assertThat(cheapest.cost()).isEqualTo(4.0);
    assertThat(cheapest.accuracyShareOfBest()).isCloseTo(0.5 / 0.75, within(1e-12));
    assertThat(cheapest.costShareOfBest()).isCloseTo(0.1, within(1e-12));
    assertThat(cheapest.regret()).isEqualTo(2.0);
    assertThat(cheapest.extraCost()).isEqualTo(4.0 - 22.0);
    ReplayEvaluator.SelectorResult best = byName.get("always-best");
    assertThat(best.name()).isEqualTo("always-best (m/b)");
    assertThat(best.accuracy()).isEqualTo(0.75);
    assertThat(best.cost()).isEqualTo(40.0);
    assertThat(best.accuracyShareOfBest()).isEqualTo(1.0);
    assertThat(best.costShareOfBest()).isEqualTo(1.0);
    assertThat(best.regret()).isEqualTo(1.0);
    // The mix sends floor(4 * 0.85) = 3 of the 4 prompts to b, whatever the order.
    assertThat(byName.get("best-mix").cost()).isCloseTo(3 * 10 + 1, within(1e-9));
    ReplayEvaluator.SelectorResult oracle = byName.get("oracle");
    assertThat(oracle.accuracy()).isEqualTo(1.0);
    assertThat(oracle.cost()).isEqualTo(22.0);
    assertThat(report.data().testPrompts()).isEqualTo(4);
    assertThat(report.data().bestModel()).isEqualTo("m/b");
    assertThat(report.data().cheapestModel()).isEqualTo("m/a");
  }

  @Test
  void linUcbBeatsRandomOnSyntheticData() {
    RouterBenchData train = RouterBenchData.parse(Csv.parse(SyntheticRouterBench.threeModels(200, 1)));
    RouterBenchData test = RouterBenchData.parse(Csv.parse(SyntheticRouterBench.threeModels(200, 2)));
    ReplayEvaluator.Report report = ReplayEvaluator.evaluate(train, test,
        new ReplayEvaluator.Settings(3, 1, List.of(1.0), 3.0, 100.0, 32));
    Map<String, ReplayEvaluator.SelectorResult> byName = report.selectors().stream()
        .collect(Collectors.toMap(ReplayEvaluator.SelectorResult::name, Function.identity()));
    ReplayEvaluator.SelectorResult linUcb = byName.get("linucb w=1");
    ReplayEvaluator.SelectorResult random = byName.get("random");
    assertThat(linUcb.accuracy()).isGreaterThan(0.9).isGreaterThan(random.accuracy() + 0.2);
    assertThat(linUcb.regret()).isLessThan(random.regret() / 3);
    // It answers most prompts with the right cheap model, so it costs well under the big model's bill.
    assertThat(linUcb.costShareOfBest()).isLessThan(0.3);
  }

  @Test
  void commandLineWritesTheDocumentedJsonAndATable(@TempDir Path dir) throws Exception {
    Path train = dir.resolve("train.csv");
    Path test = dir.resolve("test.csv");
    Path out = dir.resolve("result.json");
    Files.writeString(train, SyntheticRouterBench.threeModels(120, 3));
    Files.writeString(test, SyntheticRouterBench.threeModels(80, 4));
    ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    ByteArrayOutputStream stderr = new ByteArrayOutputStream();
    int status = ReplayEvaluator.run(new String[] {"--train", train.toString(), "--test", test.toString(),
        "--out", out.toString(), "--seeds", "2", "--weights", "0,1"},
        new PrintStream(stdout, true, StandardCharsets.UTF_8), new PrintStream(stderr, true, StandardCharsets.UTF_8));
    assertThat(status).as(stderr.toString(StandardCharsets.UTF_8)).isZero();
    assertThat(stdout.toString(StandardCharsets.UTF_8))
        .contains("| selector | accuracy | cost ($) |")
        .contains("| linucb w=0 |", "| linucb w=1 |", "| random |");

    JsonNode json = new ObjectMapper().readTree(out.toFile());
    assertThat(json.path("data").path("trainPrompts").asInt()).isEqualTo(120);
    assertThat(json.path("data").path("testPrompts").asInt()).isEqualTo(80);
    assertThat(json.path("data").path("seeds").asInt()).isEqualTo(2);
    assertThat(json.path("data").path("models")).hasSize(3);
    JsonNode selectors = json.path("selectors");
    // baselines, the rules and scoring selectors, LinUCB weights, the cascade, the oracle
    assertThat(selectors).hasSize(4 + 2 + 2 + 1 + 1);
    assertThat(selectors.findValuesAsText("name")).contains("rules", "scoring");
    for (JsonNode s : selectors) {
      assertThat(s.path("name").isTextual()).isTrue();
      for (String field : List.of("accuracy", "cost", "accuracyShareOfBest", "costShareOfBest", "regret",
          "extraCost", "callsPerPrompt")) {
        assertThat(s.path(field).isNumber()).as(field).isTrue();
      }
      assertThat(s.path("diagnostics").isObject()).isTrue();
    }
    JsonNode cascade = selectors.get(8);
    assertThat(cascade.path("name").asText()).startsWith("agreement-cascade");
    assertThat(cascade.path("diagnostics").path("escalationShare").isNumber()).isTrue();
    JsonNode cheapest = json.path("cheapestReaching95");
    assertThat(cheapest.path("accuracyTarget").asDouble()).isEqualTo(0.95);
    assertThat(cheapest.path("selector").isTextual()).isTrue();
    assertThat(cheapest.path("accuracyShareOfBest").asDouble()).isGreaterThanOrEqualTo(0.95);
    assertThat(cheapest.path("costShareOfBest").isNumber()).isTrue();
    assertThat(stdout.toString(StandardCharsets.UTF_8)).contains("Cheapest reaching 95%",
        "as fitted on train:");
  }

  @Test
  void splitOptionAndBadArguments(@TempDir Path dir) throws Exception {
    Path all = dir.resolve("all.csv");
    Files.writeString(all, SyntheticRouterBench.threeModels(100, 5));
    ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    ByteArrayOutputStream stderr = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(stdout, true, StandardCharsets.UTF_8);
    PrintStream err = new PrintStream(stderr, true, StandardCharsets.UTF_8);
    assertThat(ReplayEvaluator.run(new String[] {"--data", all.toString(), "--split", "0.5", "--seeds", "1"},
        out, err)).isZero();
    assertThat(stdout.toString(StandardCharsets.UTF_8)).startsWith("Train 50 prompts, test 50 prompts");
    assertThat(ReplayEvaluator.run(new String[] {"--train", all.toString()}, out, err)).isEqualTo(2);
    assertThat(ReplayEvaluator.run(new String[] {"--bogus", "1"}, out, err)).isEqualTo(2);
    assertThat(stderr.toString(StandardCharsets.UTF_8)).contains("unknown option --bogus", "usage:");
  }
  @Test
  void foldsTestEveryPromptExactlyOnceAndNeverTrainOnIt() {
    RouterBenchData data = RouterBenchData.parse(Csv.parse(SyntheticRouterBench.threeModels(103, 9)));
    List<RouterBenchData[]> folds = data.folds(5, 42);
    assertThat(folds).hasSize(5);
    List<String> tested = new java.util.ArrayList<>();
    for (RouterBenchData[] f : folds) {
      assertThat(f[1].prompts().size()).isBetween(20, 21);
      assertThat(f[0].prompts().size() + f[1].prompts().size()).isEqualTo(103);
      assertThat(f[0].prompts()).doesNotContainAnyElementsOf(f[1].prompts());
      f[1].prompts().forEach(p -> tested.add(p.sampleId()));
    }
    assertThat(tested).hasSize(103).doesNotHaveDuplicates()
        .containsExactlyInAnyOrderElementsOf(data.prompts().stream().map(RouterBenchData.Prompt::sampleId).toList());
    assertThat(data.folds(5, 42).get(2)[1].prompts()).isEqualTo(folds.get(2)[1].prompts());
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> data.folds(1, 42))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("folds must be in [2, 103]");
  }

  @Test
  void crossValidationReportsOverAllPromptsWithHindsightBaselinesOverAll() {
    RouterBenchData data = RouterBenchData.parse(Csv.parse(SyntheticRouterBench.threeModels(120, 3)));
    ReplayEvaluator.Settings settings = new ReplayEvaluator.Settings(2, 1, List.of(0.5), 3.0, 100.0, 16,
        List.of(0.9));
    ReplayEvaluator.Report report = ReplayEvaluator.evaluateFolds(data, 4, 7, settings);
    assertThat(report.data().folds()).isEqualTo(4);
    assertThat(report.data().testPrompts()).isEqualTo(120);
    assertThat(report.data().trainPrompts()).isEqualTo(90);
    Map<String, ReplayEvaluator.SelectorResult> byName = report.selectors().stream()
        .collect(Collectors.toMap(r -> r.name().split(" ")[0], Function.identity()));
    double[] acc = data.accuracy();
    double[] cost = data.totalCost();
    int best = 0;
    for (int m = 1; m < acc.length; m++) {
      best = acc[m] > acc[best] ? m : best;
    }
    // Always-best over the folds is the best model over all prompts, exactly.
    assertThat(byName.get("always-best").accuracy()).isCloseTo(acc[best], within(1e-12));
    assertThat(byName.get("always-best").cost()).isCloseTo(cost[best], within(1e-9));
    assertThat(byName.get("always-best").accuracyShareOfBest()).isCloseTo(1.0, within(1e-12));
    // The oracle over the folds is the oracle over all prompts.
    double oracleCost = data.prompts().stream().mapToDouble(p -> p.cost()[p.oracle()]).sum();
    assertThat(byName.get("oracle").cost()).isCloseTo(oracleCost, within(1e-9));
    // The mix is fitted per fold, and says so.
    assertThat(report.selectors()).anySatisfy(r -> assertThat(r.name()).startsWith("best-mix").contains("per fold"));
    // The cascade's diagnostics stay shares after summing folds.
    assertThat(byName.get("agreement-cascade").diagnostics().get("escalationShare")).isBetween(0.0, 1.0);
  }

  @Test
  void foldsOption(@TempDir Path dir) throws Exception {
    Path all = dir.resolve("all.csv");
    Files.writeString(all, SyntheticRouterBench.threeModels(60, 5));
    ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    ByteArrayOutputStream stderr = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(stdout, true, StandardCharsets.UTF_8);
    PrintStream err = new PrintStream(stderr, true, StandardCharsets.UTF_8);
    Path json = dir.resolve("r.json");
    assertThat(ReplayEvaluator.run(new String[] {"--data", all.toString(), "--folds", "3", "--seeds", "1",
        "--weights", "1", "--out", json.toString()}, out, err)).isZero();
    assertThat(stdout.toString(StandardCharsets.UTF_8))
        .startsWith("3-fold cross-validation: 60 prompts, each tested once (40 per training set)")
        .contains("as fitted on all prompts (each fold fits its own)");
    assertThat(new ObjectMapper().readTree(json.toFile()).path("data").path("folds").asInt()).isEqualTo(3);
    assertThat(ReplayEvaluator.run(new String[] {"--data", all.toString(), "--folds", "3", "--split", "0.5"},
        out, err)).isEqualTo(2);
    assertThat(ReplayEvaluator.run(new String[] {"--data", all.toString(), "--folds", "1"}, out, err))
        .isEqualTo(2);
    assertThat(stderr.toString(StandardCharsets.UTF_8)).contains("one of --split and --folds",
        "folds must be in [2, 60]");
  }
}
