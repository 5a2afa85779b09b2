package dev.ralex.bandit.replay;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Random;

/**
 * Offline evaluation of model selectors on logged per-prompt outcomes (RouterBench CSV format).
 *
 * <p>Each selector warm-starts on the training prompts with every model's outcome revealed, then sees the test
 * prompts in a seeded random order, picks one model per prompt from its text alone, and learns only that
 * model's outcome. Results are averaged over the seeds. The baselines: always the cheapest model and always the
 * most accurate one (both chosen on the test data, in hindsight), a uniform random choice, the cheapest fixed
 * mix of two models reaching 95% of the best model's accuracy (fitted on the training data), and the per-prompt
 * oracle (the cheapest correct model; a reference, not a selector). The learned selectors are LinUCB at several
 * cost weights.
 *
 * <p>Run: {@code mvn -B -q -pl ralex-bandit exec:java -Dexec.mainClass=dev.ralex.bandit.replay.ReplayEvaluator
 * -Dexec.args="--train a.csv,b.csv --test c.csv --out result.json --seeds 5"}, or with {@code --data a.csv,b.csv
 * --split 0.5} for a seeded split of the given files into train and test. It prints a Markdown table and writes
 * the {@link Report} as JSON to {@code --out}.
 */
public final class ReplayEvaluator {
  /** The default LinUCB cost weights (cost normalised so the dearest model's mean is 1). */
  public static final List<Double> DEFAULT_WEIGHTS = List.of(0.0, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0);

  private static final String USAGE = String.join("\n",
      "usage: ReplayEvaluator (--train A.csv[,B.csv...] --test C.csv[,...] | --data A.csv[,...] --split F)",
      "         [--out result.json] [--seeds N (5)] [--seed S (1)] [--split-seed S (42)]",
      "         [--weights 0,0.1,0.25,0.5,1,2,4] [--alpha A (3)] [--lambda L (100)] [--buckets B (32)]");

  private ReplayEvaluator() {}

  /**
   * One selector's results, averaged over the seeds.
   *
   * @param name the selector
   * @param accuracy the share of test prompts answered correctly
   * @param cost the total dollar cost over the test prompts
   * @param accuracyShareOfBest {@code accuracy} over the best single model's
   * @param costShareOfBest {@code cost} over the best single model's
   * @param regret the cumulative regret against the per-prompt oracle: the test prompts the oracle answers
   *     correctly and the selector does not (the oracle answers every prompt some model answers)
   * @param extraCost {@code cost} minus the oracle's cost
   */
  public record SelectorResult(String name, double accuracy, double cost, double accuracyShareOfBest,
      double costShareOfBest, double regret, double extraCost) {}

  /**
   * One model's results on the test prompts.
   *
   * @param model the model
   * @param accuracy its accuracy
   * @param cost its total cost
   */
  public record ModelResult(String model, double accuracy, double cost) {}

  /**
   * What the run evaluated on.
   *
   * @param trainPrompts the usable training prompts
   * @param testPrompts the usable test prompts
   * @param skippedRows rows skipped for an empty or NaN cell (both sets)
   * @param seeds the number of seeded passes averaged
   * @param bestModel the most accurate model on the test prompts
   * @param cheapestModel the cheapest model on the test prompts
   * @param oracleAccuracy the per-prompt oracle's accuracy
   * @param oracleCost the per-prompt oracle's total cost
   * @param mix the fixed two-model mix fitted on the training prompts
   * @param models every model's results on the test prompts
   */
  public record Summary(int trainPrompts, int testPrompts, int skippedRows, int seeds, String bestModel,
      String cheapestModel, double oracleAccuracy, double oracleCost, Map<String, Object> mix,
      List<ModelResult> models) {}

  /**
   * The whole result.
   *
   * @param data what the run evaluated on
   * @param selectors each selector's results, baselines first
   */
  public record Report(Summary data, List<SelectorResult> selectors) {}

  /**
   * Settings of a run.
   *
   * @param seeds the number of seeded passes
   * @param seed the first pass's seed (the others follow it)
   * @param weights LinUCB's cost weights
   * @param alpha LinUCB's exploration weight
   * @param lambda LinUCB's ridge prior
   * @param buckets the hashed-word buckets of the features
   */
  public record Settings(int seeds, long seed, List<Double> weights, double alpha, double lambda, int buckets) {
    /** Validates. */
    public Settings {
      if (seeds < 1) {
        throw new IllegalArgumentException("seeds must be at least 1 but was " + seeds);
      }
      weights = List.copyOf(weights);
    }

    /** Five seeds from 1, the default weights, LinUCB's defaults, 32 buckets. */
    public static Settings defaults() {
      return new Settings(5, 1, DEFAULT_WEIGHTS, 3.0, 100.0, 32);
    }
  }

  /** Runs from the command line; see the class comment. */
  public static void main(String[] args) throws IOException {
    int status = run(args, System.out, System.err);
    if (status != 0) {
      System.exit(status);
    }
  }

  /** Runs from the command line, printing to {@code out} and {@code err}; returns the exit status. */
  public static int run(String[] args, PrintStream out, PrintStream err) throws IOException {
    Map<String, String> opts = new LinkedHashMap<>();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (!a.startsWith("--") || i + 1 >= args.length) {
        err.println("bad argument '" + a + "'\n" + USAGE);
        return 2;
      }
      opts.put(a.substring(2), args[++i]);
    }
    RouterBenchData train;
    RouterBenchData test;
    Settings settings;
    try {
      List<String> known = List.of("train", "test", "data", "split", "split-seed", "out", "seeds", "seed",
          "weights", "alpha", "lambda", "buckets");
      for (String k : opts.keySet()) {
        if (!known.contains(k)) {
          throw new IllegalArgumentException("unknown option --" + k);
        }
      }
      if (opts.containsKey("data")) {
        if (opts.containsKey("train") || opts.containsKey("test") || !opts.containsKey("split")) {
          throw new IllegalArgumentException("--data goes with --split and without --train/--test");
        }
        List<RouterBenchData> parts = RouterBenchData.read(paths(opts.get("data")))
            .split(Double.parseDouble(opts.get("split")), Long.parseLong(opts.getOrDefault("split-seed", "42")));
        train = parts.get(0);
        test = parts.get(1);
      } else {
        if (!opts.containsKey("train") || !opts.containsKey("test")) {
          throw new IllegalArgumentException("give --train and --test, or --data and --split");
        }
        train = RouterBenchData.read(paths(opts.get("train")));
        test = RouterBenchData.read(paths(opts.get("test")));
      }
      List<Double> weights = new ArrayList<>();
      for (String w : opts.getOrDefault("weights", "0,0.1,0.25,0.5,1,2,4").split(",")) {
        weights.add(Double.parseDouble(w.trim()));
      }
      settings = new Settings(Integer.parseInt(opts.getOrDefault("seeds", "5")),
          Long.parseLong(opts.getOrDefault("seed", "1")), weights,
          Double.parseDouble(opts.getOrDefault("alpha", "3")),
          Double.parseDouble(opts.getOrDefault("lambda", "100")),
          Integer.parseInt(opts.getOrDefault("buckets", "32")));
    } catch (IllegalArgumentException e) {
      err.println(e.getMessage() + "\n" + USAGE);
      return 2;
    }
    Report report = evaluate(train, test, settings);
    out.print(markdown(report));
    if (opts.containsKey("out")) {
      writeJson(report, Path.of(opts.get("out")));
    }
    return 0;
  }

  /** Evaluates the baselines and LinUCB at each of {@code settings}' weights. */
  public static Report evaluate(RouterBenchData train, RouterBenchData test, Settings settings) {
    Objects.requireNonNull(train, "train");
    Objects.requireNonNull(test, "test");
    Objects.requireNonNull(settings, "settings");
    if (!train.models().equals(test.models())) {
      throw new IllegalArgumentException("train and test have different models");
    }
    if (test.prompts().isEmpty()) {
      throw new IllegalArgumentException("no usable test prompts");
    }
    List<String> models = test.models();
    double[] acc = test.accuracy();
    double[] cost = test.totalCost();
    int best = argBest(acc, cost);
    int cheapest = 0;
    for (int m = 1; m < cost.length; m++) {
      if (cost[m] < cost[cheapest]) {
        cheapest = m;
      }
    }
    List<ReplaySelector.Factory> factories = new ArrayList<>();
    final int b = best;
    final int c = cheapest;
    factories.add(seed -> Baselines.always("always-cheapest (" + models.get(c) + ")", c));
    factories.add(seed -> Baselines.always("always-best (" + models.get(b) + ")", b));
    factories.add(seed -> Baselines.random(models.size(), seed));
    TwoModelMix mix = TwoModelMix.fit(train.prompts().isEmpty() ? test : train, 0.95);
    String mixName = mix.weak() == mix.strong()
        ? "best-mix (" + models.get(mix.strong()) + ")"
        : String.format(Locale.ROOT, "best-mix (%s %.0f%% / %s %.0f%%)", models.get(mix.weak()),
            100 * (1 - mix.fraction()), models.get(mix.strong()), 100 * mix.fraction());
    factories.add(seed -> Baselines.mix(mixName, mix));
    for (double w : settings.weights()) {
      factories.add(seed -> new LinUcbReplaySelector(models, w, settings.alpha(), settings.lambda(),
          settings.buckets()));
    }
    return evaluate(train, test, factories, settings.seeds(), settings.seed(), mix);
  }

  /**
   * Evaluates {@code factories}' selectors over {@code seeds} seeded orders of the test prompts (seeds
   * {@code seed}, {@code seed + 1}, ...), each selector fresh per pass; {@code mix} (nullable) is reported in the
   * summary.
   */
  public static Report evaluate(RouterBenchData train, RouterBenchData test, List<ReplaySelector.Factory> factories,
      int seeds, long seed, TwoModelMix mix) {
    List<String> models = test.models();
    List<RouterBenchData.Prompt> prompts = test.prompts();
    int n = prompts.size();
    double[] acc = test.accuracy();
    double[] cost = test.totalCost();
    int best = argBest(acc, cost);
    int cheapest = 0;
    for (int m = 1; m < cost.length; m++) {
      if (cost[m] < cost[cheapest]) {
        cheapest = m;
      }
    }
    double oracleCorrect = 0;
    double oracleCost = 0;
    for (RouterBenchData.Prompt p : prompts) {
      int o = p.oracle();
      oracleCorrect += p.correct()[o] ? 1 : 0;
      oracleCost += p.cost()[o];
    }
    String[] names = new String[factories.size()];
    double[] correctSum = new double[factories.size()];
    double[] costSum = new double[factories.size()];
    double[] regretSum = new double[factories.size()];
    for (int s = 0; s < seeds; s++) {
      long passSeed = seed + s;
      List<RouterBenchData.Prompt> order = new ArrayList<>(prompts);
      Collections.shuffle(order, new Random(passSeed));
      for (int f = 0; f < factories.size(); f++) {
        ReplaySelector selector = factories.get(f).create(passSeed);
        names[f] = selector.name();
        selector.warmStart(train);
        for (RouterBenchData.Prompt p : order) {
          int m = selector.choose(p);
          if (m < 0 || m >= models.size()) {
            throw new IllegalStateException(selector.name() + " chose model index " + m);
          }
          boolean ok = p.correct()[m];
          correctSum[f] += ok ? 1 : 0;
          costSum[f] += p.cost()[m];
          regretSum[f] += (p.correct()[p.oracle()] ? 1 : 0) - (ok ? 1 : 0);
          selector.observe(p, m, ok, p.cost()[m]);
        }
      }
    }
    List<SelectorResult> results = new ArrayList<>();
    for (int f = 0; f < factories.size(); f++) {
      double a = correctSum[f] / seeds / n;
      double cst = costSum[f] / seeds;
      results.add(new SelectorResult(names[f], a, cst, ratio(a, acc[best]), ratio(cst, cost[best]),
          regretSum[f] / seeds, cst - oracleCost));
    }
    results.add(new SelectorResult("oracle (reference)", oracleCorrect / n, oracleCost,
        ratio(oracleCorrect / n, acc[best]), ratio(oracleCost, cost[best]), 0.0, 0.0));
    List<ModelResult> perModel = new ArrayList<>();
    for (int m = 0; m < models.size(); m++) {
      perModel.add(new ModelResult(models.get(m), acc[m], cost[m]));
    }
    Map<String, Object> mixInfo = new LinkedHashMap<>();
    if (mix != null) {
      mixInfo.put("weak", models.get(mix.weak()));
      mixInfo.put("strong", models.get(mix.strong()));
      mixInfo.put("strongFraction", mix.fraction());
      mixInfo.put("trainAccuracy", mix.expectedAccuracy());
      mixInfo.put("trainCostPerPrompt", mix.expectedCost());
    }
    Summary summary = new Summary(train.prompts().size(), n, train.skipped() + test.skipped(), seeds,
        models.get(best), models.get(cheapest), oracleCorrect / n, oracleCost, mixInfo, perModel);
    return new Report(summary, results);
  }

  /** The report as a Markdown table, one row per selector. */
  public static String markdown(Report report) {
    Summary d = report.data();
    StringBuilder sb = new StringBuilder();
    sb.append(String.format(Locale.ROOT, "Train %d prompts, test %d prompts (%d rows skipped), %d seeds; best "
        + "model %s, cheapest %s.%n%n", d.trainPrompts(), d.testPrompts(), d.skippedRows(), d.seeds(),
        d.bestModel(), d.cheapestModel()));
    sb.append("| selector | accuracy | cost ($) | accuracy vs best | cost vs best | regret | extra cost vs oracle "
        + "($) |\n");
    sb.append("|---|---|---|---|---|---|---|\n");
    for (SelectorResult r : report.selectors()) {
      sb.append(String.format(Locale.ROOT, "| %s | %.3f | %.3f | %.1f%% | %.1f%% | %.1f | %.3f |%n", r.name(),
          r.accuracy(), r.cost(), 100 * r.accuracyShareOfBest(), 100 * r.costShareOfBest(), r.regret(),
          r.extraCost()));
    }
    return sb.toString();
  }

  /** Writes the report as pretty-printed JSON. */
  public static void writeJson(Report report, Path file) throws IOException {
    new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(file.toFile(), report);
  }

  private static int argBest(double[] acc, double[] cost) {
    int best = 0;
    for (int m = 1; m < acc.length; m++) {
      if (acc[m] > acc[best] || (acc[m] == acc[best] && cost[m] < cost[best])) {
        best = m;
      }
    }
    return best;
  }

  private static double ratio(double a, double b) {
    return b == 0 ? Double.NaN : a / b;
  }

  private static List<Path> paths(String csv) {
    List<Path> out = new ArrayList<>();
    for (String s : csv.split(",")) {
      if (!s.isBlank()) {
        out.add(Path.of(s.trim()));
      }
    }
    return out;
  }
}
