package dev.ralex.bandit.replay;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.TreeMap;

/**
 * Offline evaluation of model selectors on logged per-prompt outcomes (RouterBench CSV format).
 *
 * <p>Each selector warm-starts on the training prompts with every model's outcome revealed, then sees the test
 * prompts in a seeded random order, picks one model per prompt from its text alone, and learns only that
 * model's outcome. Results are averaged over the seeds. The baselines: always the cheapest model and always the
 * most accurate one (both chosen on the test data, in hindsight), a uniform random choice, the cheapest fixed
 * mix of two models reaching 95% of the best model's accuracy (fitted on the training data), and the per-prompt
 * oracle (the cheapest correct model; a reference, not a selector); and Ralex's own rules and scoring selectors
 * ({@link ModelSelectorReplay}). The learned selectors are LinUCB at several
 * cost weights and an {@link AgreementCascade}, a {@link ReplayPolicy} that may call several models per prompt
 * (every call is charged; accuracy is that of the model whose answer it gives).
 *
 * <p>Run: {@code mvn -B -q -pl ralex-bandit exec:java -Dexec.mainClass=dev.ralex.bandit.replay.ReplayEvaluator
 * -Dexec.args="--train a.csv,b.csv --test c.csv --out result.json --seeds 5"}, or with {@code --data a.csv,b.csv
 * --split 0.5} for a seeded split of the given files into train and test, or {@code --data a.csv,b.csv --folds 5}
 * for a seeded 5-fold cross-validation ({@link #evaluateFolds}; every prompt tested once, so the figures do not
 * hang on one split's luck). It prints a Markdown table and the
 * cascade's fitted plan, writes the {@link Report} as JSON to {@code --out} and an HTML page with the quality-cost
 * chart to {@code --html} ({@link HtmlReport}). {@code --format routellm} reads RouteLLM response files instead
 * ({@link RouteLlmData}), {@code --exclude file.jsonl} dropping the prompts it lists.
 */
public final class ReplayEvaluator {
  /** The default LinUCB cost weights (cost normalised so the dearest model's mean is 1). */
  public static final List<Double> DEFAULT_WEIGHTS = List.of(0.0, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0);

  /** The default {@link AgreementCascade} target: 96.5% of the best model's training accuracy. */
  public static final List<Double> DEFAULT_CASCADE_TARGETS = List.of(0.965);

  private static final String USAGE = String.join("\n",
      "usage: ReplayEvaluator (--train A.csv[,B.csv...] --test C.csv[,...] | --data A.csv[,...] --split F)",
      "                       | --data A.csv[,...] --folds K)",
      "         [--out result.json] [--seeds N (5)] [--seed S (1)] [--split-seed S (42)]",
      "         [--weights 0,0.1,0.25,0.5,1,2,4] [--alpha A (3)] [--lambda L (100)] [--buckets B (32)]",
      "         [--cascade 0.965[,T...] | none] [--format routerbench|routellm] [--exclude contaminated.jsonl]",
      "         [--html report.html]");

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
   * @param callsPerPrompt the mean number of models called per test prompt (1 for a single-choice selector)
   * @param diagnostics the policy's own numbers, averaged over the seeds (a cascade's {@code escalationShare},
   *     for one); empty for most
   */
  public record SelectorResult(String name, double accuracy, double cost, double accuracyShareOfBest,
      double costShareOfBest, double regret, double extraCost, double callsPerPrompt,
      Map<String, Double> diagnostics) {
    /** Copies the diagnostics, sorted by name. */
    public SelectorResult {
      Objects.requireNonNull(name, "name");
      diagnostics = Collections.unmodifiableMap(new TreeMap<>(Objects.requireNonNull(diagnostics, "diagnostics")));
    }
  }

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
   * @param folds the number of cross-validation folds whose test sets the figures sum ({@link #evaluateFolds});
   *     1 for a single train/test pair, whose {@code trainPrompts} is then that of one fold's training set
   * @param bestModel the most accurate model on the test prompts
   * @param cheapestModel the cheapest model on the test prompts
   * @param oracleAccuracy the per-prompt oracle's accuracy
   * @param oracleCost the per-prompt oracle's total cost
   * @param mix the fixed two-model mix fitted on the training prompts
   * @param models every model's results on the test prompts
   */
  public record Summary(int trainPrompts, int testPrompts, int skippedRows, int seeds, int folds, String bestModel,
      String cheapestModel, double oracleAccuracy, double oracleCost, Map<String, Object> mix,
      List<ModelResult> models) {}

  /**
   * The cheapest selector on the test prompts whose accuracy reaches a share of the best single model's.
   *
   * @param accuracyTarget the share of the best model's accuracy to reach (0.95)
   * @param selector the selector's name
   * @param accuracyShareOfBest its accuracy over the best model's
   * @param costShareOfBest its cost over the best model's
   */
  public record Cheapest(double accuracyTarget, String selector, double accuracyShareOfBest,
      double costShareOfBest) {}

  /**
   * The whole result.
   *
   * @param data what the run evaluated on
   * @param selectors each selector's results, baselines first, the oracle (a reference) last
   * @param cheapestReaching95 the cheapest selector (not the oracle) reaching 95% of the best model's accuracy on
   *     the test prompts, or null when none does
   */
  public record Report(Summary data, List<SelectorResult> selectors, Cheapest cheapestReaching95) {}

  /**
   * Settings of a run.
   *
   * @param seeds the number of seeded passes
   * @param seed the first pass's seed (the others follow it)
   * @param weights LinUCB's cost weights
   * @param alpha LinUCB's exploration weight
   * @param lambda LinUCB's ridge prior
   * @param buckets the hashed-word buckets of the features
   * @param cascadeTargets the {@link AgreementCascade}s to run, by the share of the best model's training
   *     accuracy each aims at (none: no cascade)
   */
  public record Settings(int seeds, long seed, List<Double> weights, double alpha, double lambda, int buckets,
      List<Double> cascadeTargets) {
    /** Validates. */
    public Settings {
      if (seeds < 1) {
        throw new IllegalArgumentException("seeds must be at least 1 but was " + seeds);
      }
      weights = List.copyOf(weights);
      cascadeTargets = List.copyOf(cascadeTargets);
    }

    /** Settings with the default cascade target. */
    public Settings(int seeds, long seed, List<Double> weights, double alpha, double lambda, int buckets) {
      this(seeds, seed, weights, alpha, lambda, buckets, DEFAULT_CASCADE_TARGETS);
    }

    /** Five seeds from 1, the default weights, LinUCB's defaults, 32 buckets, the default cascade target. */
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
    RouterBenchData train = null;
    RouterBenchData test = null;
    RouterBenchData all = null;
    int folds = 0;
    Settings settings;
    try {
      List<String> known = List.of("train", "test", "data", "split", "folds", "split-seed", "out", "seeds", "seed",
          "weights", "alpha", "lambda", "buckets", "cascade", "format", "exclude", "html");
      for (String k : opts.keySet()) {
        if (!known.contains(k)) {
          throw new IllegalArgumentException("unknown option --" + k);
        }
      }
      long splitSeed = Long.parseLong(opts.getOrDefault("split-seed", "42"));
      if (opts.containsKey("data")) {
        if (opts.containsKey("train") || opts.containsKey("test")
            || opts.containsKey("split") == opts.containsKey("folds")) {
          throw new IllegalArgumentException("--data goes with one of --split and --folds, and without "
              + "--train/--test");
        }
        all = read(paths(opts.get("data")), opts);
        if (opts.containsKey("folds")) {
          folds = Integer.parseInt(opts.get("folds"));
          all.folds(folds, splitSeed); // validates now, before any work
        } else {
          List<RouterBenchData> parts = all.split(Double.parseDouble(opts.get("split")), splitSeed);
          train = parts.get(0);
          test = parts.get(1);
        }
      } else {
        if (!opts.containsKey("train") || !opts.containsKey("test")) {
          throw new IllegalArgumentException("give --train and --test, or --data with --split or --folds");
        }
        train = read(paths(opts.get("train")), opts);
        test = read(paths(opts.get("test")), opts);
      }
      List<Double> weights = new ArrayList<>();
      for (String w : opts.getOrDefault("weights", "0,0.1,0.25,0.5,1,2,4").split(",")) {
        weights.add(Double.parseDouble(w.trim()));
      }
      List<Double> targets = new ArrayList<>();
      for (String t : opts.getOrDefault("cascade", "0.965").split(",")) {
        if (!t.isBlank() && !t.trim().equals("none")) {
          targets.add(Double.parseDouble(t.trim()));
        }
      }
      settings = new Settings(Integer.parseInt(opts.getOrDefault("seeds", "5")),
          Long.parseLong(opts.getOrDefault("seed", "1")), weights,
          Double.parseDouble(opts.getOrDefault("alpha", "3")),
          Double.parseDouble(opts.getOrDefault("lambda", "100")),
          Integer.parseInt(opts.getOrDefault("buckets", "32")), targets);
    } catch (IllegalArgumentException e) {
      err.println(e.getMessage() + "\n" + USAGE);
      return 2;
    }
    Report report = folds > 0 ? evaluateFolds(all, folds, Long.parseLong(opts.getOrDefault("split-seed", "42")),
        settings) : evaluate(train, test, settings);
    out.print(markdown(report));
    RouterBenchData fitted = folds > 0 ? all : train;
    for (double t : settings.cascadeTargets()) {
      AgreementCascade cascade = AgreementCascade.create(fitted.models(), t, settings.seed());
      cascade.warmStart(fitted);
      out.print(String.format(Locale.ROOT, "%n%s, as fitted on %s:%n%s", cascade.name(),
          folds > 0 ? "all prompts (each fold fits its own)" : "train", cascade.describe()));
    }
    if (opts.containsKey("out")) {
      writeJson(report, Path.of(opts.get("out")));
    }
    if (opts.containsKey("html")) {
      Files.writeString(Path.of(opts.get("html")), HtmlReport.render(report), StandardCharsets.UTF_8);
    }
    return 0;
  }

  /** Reads {@code files} in the {@code --format} the options name, dropping {@code --exclude}'s prompts. */
  private static RouterBenchData read(List<Path> files, Map<String, String> opts) throws IOException {
    String format = opts.getOrDefault("format", "routerbench");
    if (format.equals("routerbench")) {
      if (opts.containsKey("exclude")) {
        throw new IllegalArgumentException("--exclude goes with --format routellm");
      }
      return RouterBenchData.read(files);
    }
    if (format.equals("routellm")) {
      java.util.Set<String> excluded = opts.containsKey("exclude")
          ? RouteLlmData.readExcluded(Path.of(opts.get("exclude"))) : java.util.Set.of();
      return RouteLlmData.read(files, RouteLlmData.DEFAULT_PRICES, excluded);
    }
    throw new IllegalArgumentException("unknown --format " + format + " (routerbench or routellm)");
  }

  /**
   * Evaluates the baselines, LinUCB at each of {@code settings}' weights and an {@link AgreementCascade} at each
   * of its targets.
   */
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
    TwoModelMix mix = TwoModelMix.fit(train.prompts().isEmpty() ? test : train, 0.95);
    List<ReplayPolicy.Factory> policies = policies(test.models(), argBest(test.accuracy(), test.totalCost()),
        argCheapest(test.totalCost()), mix, mixName(test.models(), mix), settings);
    return report(tally(train, test, policies, settings.seeds(), settings.seed()), test.models(),
        train.prompts().size(), train.skipped() + test.skipped(), 1, mix);
  }

  /**
   * Evaluates as {@link #evaluate(RouterBenchData, RouterBenchData, Settings)} does, by {@code folds}-fold
   * cross-validation on {@code data}: its prompts are dealt in a seeded random order ({@code foldSeed}) into
   * {@code folds} parts of (nearly) equal size; every part is the test set once, with the other parts as the
   * training set. Every prompt is thus tested exactly once, and the report's figures are over all of them: each
   * selector's correct answers and dollars summed over the folds (averaged over the pass seeds), its shares
   * against the model most accurate over all prompts. The baselines that pick a model in hindsight pick it over
   * all prompts; the two-model mix and every learned selector are fitted on each fold's training set alone.
   */
  public static Report evaluateFolds(RouterBenchData data, int folds, long foldSeed, Settings settings) {
    Objects.requireNonNull(data, "data");
    Objects.requireNonNull(settings, "settings");
    List<RouterBenchData[]> parts = data.folds(folds, foldSeed);
    List<String> models = data.models();
    int best = argBest(data.accuracy(), data.totalCost());
    int cheapest = argCheapest(data.totalCost());
    Tally sum = null;
    int trainPrompts = 0;
    for (RouterBenchData[] part : parts) {
      TwoModelMix mix = TwoModelMix.fit(part[0], 0.95);
      List<ReplayPolicy.Factory> policies = policies(models, best, cheapest, mix,
          "best-mix (two fixed models, fitted per fold)", settings);
      Tally t = tally(part[0], part[1], policies, settings.seeds(), settings.seed());
      sum = sum == null ? t : sum.plus(t);
      trainPrompts += part[0].prompts().size();
    }
    return report(sum, models, trainPrompts / parts.size(), data.skipped(), parts.size(), null);
  }

  private static String mixName(List<String> models, TwoModelMix mix) {
    return mix.weak() == mix.strong()
        ? "best-mix (" + models.get(mix.strong()) + ")"
        : String.format(Locale.ROOT, "best-mix (%s %.0f%% / %s %.0f%%)", models.get(mix.weak()),
            100 * (1 - mix.fraction()), models.get(mix.strong()), 100 * mix.fraction());
  }

  /** The baselines (hindsight picks {@code best} and {@code cheapest}), rules, scoring, LinUCB, cascades. */
  private static List<ReplayPolicy.Factory> policies(List<String> models, int best, int cheapest, TwoModelMix mix,
      String mixName, Settings settings) {
    List<ReplaySelector.Factory> factories = new ArrayList<>();
    factories.add(seed -> Baselines.always("always-cheapest (" + models.get(cheapest) + ")", cheapest));
    factories.add(seed -> Baselines.always("always-best (" + models.get(best) + ")", best));
    factories.add(seed -> Baselines.random(models.size(), seed));
    factories.add(seed -> Baselines.mix(mixName, mix));
    factories.add(seed -> new ModelSelectorReplay("rules", models, dev.ralex.core.RuleBasedSelector::defaults));
    factories.add(seed -> new ModelSelectorReplay("scoring", models, dev.ralex.core.ScoringSelector::create));
    for (double w : settings.weights()) {
      factories.add(seed -> new LinUcbReplaySelector(models, w, settings.alpha(), settings.lambda(),
          settings.buckets()));
    }
    List<ReplayPolicy.Factory> policies = new ArrayList<>();
    for (ReplaySelector.Factory f : factories) {
      policies.add(s -> ReplayPolicy.of(f.create(s)));
    }
    for (double t : settings.cascadeTargets()) {
      policies.add(s -> AgreementCascade.create(models, t, s));
    }
    return policies;
  }

  /**
   * Evaluates {@code factories}' selectors over {@code seeds} seeded orders of the test prompts (seeds
   * {@code seed}, {@code seed + 1}, ...), each selector fresh per pass; {@code mix} (nullable) is reported in the
   * summary.
   */
  public static Report evaluate(RouterBenchData train, RouterBenchData test, List<ReplaySelector.Factory> factories,
      int seeds, long seed, TwoModelMix mix) {
    List<ReplayPolicy.Factory> policies = new ArrayList<>();
    for (ReplaySelector.Factory f : factories) {
      policies.add(s -> ReplayPolicy.of(f.create(s)));
    }
    return evaluatePolicies(train, test, policies, seeds, seed, mix);
  }

  /**
   * Evaluates {@code factories}' policies over {@code seeds} seeded orders of the test prompts (seeds
   * {@code seed}, {@code seed + 1}, ...), each policy fresh per pass: every call a policy makes is charged, and
   * its accuracy is the correctness of the model whose answer it gives; {@code mix} (nullable) is reported in
   * the summary.
   */
  public static Report evaluatePolicies(RouterBenchData train, RouterBenchData test,
      List<ReplayPolicy.Factory> factories, int seeds, long seed, TwoModelMix mix) {
    Objects.requireNonNull(train, "train");
    Objects.requireNonNull(test, "test");
    Objects.requireNonNull(factories, "factories");
    return report(tally(train, test, factories, seeds, seed), test.models(), train.prompts().size(),
        train.skipped() + test.skipped(), 1, mix);
  }

  /**
   * What the policies did on some test prompts, as sums: correct answers, dollars, regret and calls summed over
   * the prompts and the pass seeds (diagnostics too), and the per-model and oracle sums over the prompts once.
   * Sums, so that the folds of a cross-validation add up.
   */
  private record Tally(List<String> names, int seeds, int prompts, double[] correct, double[] cost,
      double[] regret, double[] calls, List<Map<String, Double>> diagnostics, double[] modelCorrect,
      double[] modelCost, double oracleCorrect, double oracleCost) {

    /** The sum of two tallies of the same policies and seeds; a name that differs keeps its part before " (". */
    Tally plus(Tally o) {
      List<String> n = new ArrayList<>();
      for (int f = 0; f < names.size(); f++) {
        String a = names.get(f);
        n.add(a.equals(o.names.get(f)) ? a : a.replaceFirst(" \\(.*$", "") + " (fitted per fold)");
      }
      List<Map<String, Double>> d = new ArrayList<>();
      for (int f = 0; f < diagnostics.size(); f++) {
        Map<String, Double> m = new TreeMap<>(diagnostics.get(f));
        o.diagnostics.get(f).forEach((k, v) -> m.merge(k, v, Double::sum));
        d.add(m);
      }
      return new Tally(n, seeds, prompts + o.prompts, add(correct, o.correct), add(cost, o.cost),
          add(regret, o.regret), add(calls, o.calls), d, add(modelCorrect, o.modelCorrect),
          add(modelCost, o.modelCost), oracleCorrect + o.oracleCorrect, oracleCost + o.oracleCost);
    }

    private static double[] add(double[] a, double[] b) {
      double[] s = a.clone();
      for (int i = 0; i < s.length; i++) {
        s[i] += b[i];
      }
      return s;
    }
  }

  private static Tally tally(RouterBenchData train, RouterBenchData test, List<ReplayPolicy.Factory> factories,
      int seeds, long seed) {
    if (seeds < 1) {
      throw new IllegalArgumentException("seeds must be at least 1 but was " + seeds);
    }
    List<String> models = test.models();
    List<RouterBenchData.Prompt> prompts = test.prompts();
    double oracleCorrect = 0;
    double oracleCost = 0;
    for (RouterBenchData.Prompt p : prompts) {
      int o = p.oracle();
      oracleCorrect += p.correct()[o] ? 1 : 0;
      oracleCost += p.cost()[o];
    }
    double[] modelCorrect = test.accuracy();
    for (int m = 0; m < modelCorrect.length; m++) {
      modelCorrect[m] *= prompts.size();
    }
    int k = factories.size();
    String[] names = new String[k];
    double[] correctSum = new double[k];
    double[] costSum = new double[k];
    double[] regretSum = new double[k];
    double[] callSum = new double[k];
    List<Map<String, Double>> diagnostics = new ArrayList<>();
    for (int f = 0; f < k; f++) {
      diagnostics.add(new TreeMap<>());
    }
    for (int s = 0; s < seeds; s++) {
      long passSeed = seed + s;
      List<RouterBenchData.Prompt> order = new ArrayList<>(prompts);
      Collections.shuffle(order, new Random(passSeed));
      for (int f = 0; f < k; f++) {
        ReplayPolicy policy = factories.get(f).create(passSeed);
        names[f] = policy.name();
        policy.warmStart(train);
        for (RouterBenchData.Prompt p : order) {
          PromptCalls calls = new PromptCalls(policy.name(), p);
          int m = policy.answer(p, calls);
          if (m < 0 || m >= models.size()) {
            throw new IllegalStateException(policy.name() + " answered with model index " + m);
          }
          if (!calls.called(m)) {
            throw new IllegalStateException(policy.name() + " answered with model " + models.get(m)
                + " without calling it");
          }
          boolean ok = p.correct()[m];
          correctSum[f] += ok ? 1 : 0;
          costSum[f] += calls.spent;
          callSum[f] += calls.order.size();
          regretSum[f] += (p.correct()[p.oracle()] ? 1 : 0) - (ok ? 1 : 0);
          List<ReplayPolicy.Outcome> outcomes = new ArrayList<>();
          for (int c : calls.order) {
            outcomes.add(new ReplayPolicy.Outcome(c, p.correct()[c], p.cost()[c]));
          }
          policy.observe(p, List.copyOf(outcomes));
        }
        // Diagnostics are shares or settings: weighted by the prompts, so folds average them fairly.
        for (Map.Entry<String, Double> e : policy.diagnostics().entrySet()) {
          diagnostics.get(f).merge(e.getKey(), e.getValue() * prompts.size(), Double::sum);
        }
      }
    }
    return new Tally(List.of(names), seeds, prompts.size(), correctSum, costSum, regretSum, callSum, diagnostics,
        modelCorrect, test.totalCost(), oracleCorrect, oracleCost);
  }

  /** The report of a tally over {@code folds} test sets; {@code mix} (nullable) is reported in the summary. */
  private static Report report(Tally t, List<String> models, int trainPrompts, int skipped, int folds,
      TwoModelMix mix) {
    int n = t.prompts();
    int seeds = t.seeds();
    double[] acc = new double[models.size()];
    for (int m = 0; m < acc.length; m++) {
      acc[m] = t.modelCorrect()[m] / n;
    }
    double[] cost = t.modelCost();
    int best = argBest(acc, cost);
    int cheapest = argCheapest(cost);
    List<SelectorResult> results = new ArrayList<>();
    for (int f = 0; f < t.names().size(); f++) {
      double a = t.correct()[f] / seeds / n;
      double cst = t.cost()[f] / seeds;
      Map<String, Double> diag = new TreeMap<>();
      for (Map.Entry<String, Double> e : t.diagnostics().get(f).entrySet()) {
        diag.put(e.getKey(), e.getValue() / seeds / n);
      }
      results.add(new SelectorResult(t.names().get(f), a, cst, ratio(a, acc[best]), ratio(cst, cost[best]),
          t.regret()[f] / seeds, cst - t.oracleCost(), t.calls()[f] / seeds / n, diag));
    }
    results.add(new SelectorResult("oracle (reference)", t.oracleCorrect() / n, t.oracleCost(),
        ratio(t.oracleCorrect() / n, acc[best]), ratio(t.oracleCost(), cost[best]), 0.0, 0.0, 1.0, Map.of()));
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
    Summary summary = new Summary(trainPrompts, n, skipped, seeds, folds, models.get(best), models.get(cheapest),
        t.oracleCorrect() / n, t.oracleCost(), mixInfo, perModel);
    SelectorResult cheapestAt95 = null;
    for (SelectorResult r : results.subList(0, t.names().size())) {
      if (r.accuracyShareOfBest() >= 0.95 - 1e-12 && (cheapestAt95 == null || r.cost() < cheapestAt95.cost())) {
        cheapestAt95 = r;
      }
    }
    return new Report(summary, results, cheapestAt95 == null ? null
        : new Cheapest(0.95, cheapestAt95.name(), cheapestAt95.accuracyShareOfBest(),
            cheapestAt95.costShareOfBest()));
  }

  /** One prompt's calls: charges each model once and remembers the order. */
  private static final class PromptCalls implements ReplayPolicy.Calls {
    private final String policy;
    private final RouterBenchData.Prompt prompt;
    private final List<Integer> order = new ArrayList<>();
    private double spent;

    PromptCalls(String policy, RouterBenchData.Prompt prompt) {
      this.policy = policy;
      this.prompt = prompt;
    }

    @Override
    public ReplayPolicy.Response call(int model) {
      if (model < 0 || model >= prompt.cost().length) {
        throw new IllegalStateException(policy + " called model index " + model);
      }
      if (!order.contains(model)) {
        order.add(model);
        spent += prompt.cost()[model];
      }
      return new ReplayPolicy.Response(model, prompt.response(model), prompt.cost()[model]);
    }

    boolean called(int model) {
      return order.contains(model);
    }
  }

  /** The report as a Markdown table, one row per selector. */
  public static String markdown(Report report) {
    Summary d = report.data();
    StringBuilder sb = new StringBuilder();
    String sets = d.folds() > 1
        ? String.format(Locale.ROOT, "%d-fold cross-validation: %d prompts, each tested once (%d per training set)",
            d.folds(), d.testPrompts(), d.trainPrompts())
        : String.format(Locale.ROOT, "Train %d prompts, test %d prompts", d.trainPrompts(), d.testPrompts());
    sb.append(String.format(Locale.ROOT, "%s (%d rows skipped), %d seeds; best model %s, cheapest %s.%n%n", sets,
        d.skippedRows(), d.seeds(), d.bestModel(), d.cheapestModel()));
    sb.append("| selector | accuracy | cost ($) | accuracy vs best | cost vs best | regret | extra cost vs oracle "
        + "($) | calls per prompt |\n");
    sb.append("|---|---|---|---|---|---|---|---|\n");
    for (SelectorResult r : report.selectors()) {
      sb.append(String.format(Locale.ROOT, "| %s | %.3f | %.3f | %.1f%% | %.1f%% | %.1f | %.3f | %.2f |%n",
          r.name(), r.accuracy(), r.cost(), 100 * r.accuracyShareOfBest(), 100 * r.costShareOfBest(), r.regret(),
          r.extraCost(), r.callsPerPrompt()));
    }
    Cheapest c = report.cheapestReaching95();
    sb.append(c == null
        ? String.format(Locale.ROOT, "%nNo selector reaches 95%% of the best model's accuracy.%n")
        : String.format(Locale.ROOT, "%nCheapest reaching 95%% of the best model's accuracy: %s (%.1f%% of its "
            + "accuracy at %.1f%% of its cost).%n", c.selector(), 100 * c.accuracyShareOfBest(),
            100 * c.costShareOfBest()));
    for (SelectorResult r : report.selectors()) {
      Double esc = r.diagnostics().get("escalationShare");
      if (esc != null) {
        sb.append(String.format(Locale.ROOT, "%s: %.2f calls per prompt, %.1f%% of prompts escalated.%n",
            r.name(), r.callsPerPrompt(), 100 * esc));
      }
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

  private static int argCheapest(double[] cost) {
    int cheapest = 0;
    for (int m = 1; m < cost.length; m++) {
      if (cost[m] < cost[cheapest]) {
        cheapest = m;
      }
    }
    return cheapest;
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
