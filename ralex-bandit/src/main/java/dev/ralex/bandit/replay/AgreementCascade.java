package dev.ralex.bandit.replay;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A cascade learned on the training data: per kind of prompt (read from the prompt text alone, by default the
 * number of lettered options in its last block, see {@link #promptKind}), it either asks one model, or asks two
 * models and acts on whether their normalised answers ({@link AnswerNormalizer}) agree: accept one of their
 * answers, ask a third model for a vote (its answer when it sides with either, else escalate to the most accurate
 * model), or escalate to another model. Free-text answers (code, explanations) are not compared: their agreement
 * is "unknown", a state of its own.
 *
 * <p>Fitting (full information on the training prompts): for every kind, every plan and every state the plan can
 * reach, the training accuracy (shrunk towards the kind's, see {@link Options}) and cost of each action are
 * counted. For a multiplier {@code mu} (accuracy per
 * dollar), each state takes the action with the most {@code correct - mu * cost}, and each kind the plan with the
 * most; the marginal gain per dollar of every choice is thus at least {@code 1 / mu}. The multiplier is the
 * largest (the cheapest policy) whose training accuracy reaches {@code targetShare} times the best single model's
 * training accuracy; where the policy jumps across the target at that multiplier, the prompts are shared at
 * random (seeded) between the policies just above and just below it, so the expected training accuracy is the
 * target exactly. The policy stays fixed on the test prompts.
 */
public final class AgreementCascade implements ReplayPolicy {
  /** Kinds with fewer training prompts than this are pooled into one kind, {@code other}. */
  public static final int MIN_KIND_PROMPTS = 20;

  /** A state more specific than agree/disagree needs at least this many training prompts of its own. */
  public static final int MIN_STATE_PROMPTS = 25;

  private static final Pattern OPTION = Pattern.compile("(?m)^\\s*\\(?([A-Z])\\)");
  private static final String OTHER = "other";
  private static final String AGREE = "agree";
  private static final String DISAGREE = "disagree";
  private static final String UNKNOWN = "unknown";

  private final List<String> models;
  private final double targetShare;
  private final AnswerNormalizer normalizer;
  private final Function<String, String> kinds;
  private final Options options;
  private final Random rng;
  private Map<String, Plan> cheaper = Map.of();
  private Map<String, Plan> dearer = Map.of();
  private double dearerShare;
  private double mu;
  private int prompts;
  private int escalations;
  private int bestModel;

  /**
   * How much the fit may read into the training data.
   *
   * @param shrinkage pseudo-prompts pulling each state's accuracy of accepting or escalating to a model towards
   *     that model's accuracy over the whole kind ({@code n * (correct + s * kindAccuracy) / (n + s)}); 0: none
   * @param specificStates whether states name the answers ({@code agree on B}, {@code disagree A/B}) when at least
   *     {@link #MIN_STATE_PROMPTS} training prompts reach them, rather than only agree / disagree / unknown
   * @param anyVoteFallback whether a vote without a majority may escalate to any model (or take the voter's
   *     answer), rather than only to the most accurate model on the training data
   */
  public record Options(double shrinkage, boolean specificStates, boolean anyVoteFallback) {
    /** Validates. */
    public Options {
      if (!(shrinkage >= 0) || Double.isInfinite(shrinkage)) {
        throw new IllegalArgumentException("shrinkage must be finite and >= 0 but was " + shrinkage);
      }
    }

    /**
     * Shrinkage 10, coarse states, votes escalating to the most accurate model: the best of the variants tried
     * on inner 50/50 splits of a training half (the richer ones fit the training data better and the held-out
     * data worse).
     */
    public static Options defaults() {
      return new Options(10.0, false, false);
    }
  }

  /**
   * A cascade over {@code models} aiming at {@code targetShare} of the best model's training accuracy, comparing
   * answers with {@code normalizer}, grouping prompts with {@code kinds} (prompt text to a kind name), fitting
   * with {@code options}, mixing policies with a generator seeded by {@code seed}.
   */
  public AgreementCascade(List<String> models, double targetShare, AnswerNormalizer normalizer,
      Function<String, String> kinds, Options options, long seed) {
    this.models = List.copyOf(models);
    if (!(targetShare > 0 && targetShare <= 1.5)) {
      throw new IllegalArgumentException("targetShare must be in (0, 1.5] but was " + targetShare);
    }
    this.targetShare = targetShare;
    this.normalizer = Objects.requireNonNull(normalizer, "normalizer");
    this.kinds = Objects.requireNonNull(kinds, "kinds");
    this.options = Objects.requireNonNull(options, "options");
    this.rng = new Random(seed * 0x9E3779B97F4A7C15L + 0x2545F4914F6CDD1DL);
  }

  /** A cascade with the default normaliser, prompt kinds and options. */
  public static AgreementCascade create(List<String> models, double targetShare, long seed) {
    return new AgreementCascade(models, targetShare, AnswerNormalizer.defaults(), AgreementCascade::promptKind,
        Options.defaults(), seed);
  }

  /**
   * The default kind of a prompt, from its text: {@code choice-N} when the last blank-line-separated block
   * (escaped {@code \n} read as newlines) lists {@code N} lettered options ({@code "A) ..."} at line starts),
   * else {@code free}.
   */
  public static String promptKind(String text) {
    String t = Objects.requireNonNull(text, "text").replace("\\n", "\n").strip();
    String[] blocks = t.split("\\n\\s*\\n");
    String last = blocks[blocks.length - 1];
    Matcher m = OPTION.matcher(last);
    Set<String> letters = new TreeSet<>();
    while (m.find()) {
      letters.add(m.group(1));
    }
    return letters.isEmpty() ? "free" : "choice-" + letters.size();
  }

  @Override
  public String name() {
    return String.format(Locale.ROOT, "agreement-cascade (target %.1f%% of best, train)", 100 * targetShare);
  }

  @Override
  public void warmStart(RouterBenchData train) {
    Objects.requireNonNull(train, "train");
    if (!train.models().equals(models)) {
      throw new IllegalArgumentException("train has other models: " + train.models());
    }
    List<RouterBenchData.Prompt> ps = train.prompts();
    if (ps.isEmpty()) {
      return;
    }
    Map<String, List<RouterBenchData.Prompt>> byKind = new TreeMap<>();
    for (RouterBenchData.Prompt p : ps) {
      byKind.computeIfAbsent(kinds.apply(p.text()), k -> new ArrayList<>()).add(p);
    }
    Map<String, List<RouterBenchData.Prompt>> grouped = new TreeMap<>();
    for (Map.Entry<String, List<RouterBenchData.Prompt>> e : byKind.entrySet()) {
      String k = e.getValue().size() < MIN_KIND_PROMPTS ? OTHER : e.getKey();
      grouped.computeIfAbsent(k, x -> new ArrayList<>()).addAll(e.getValue());
    }
    double[] acc = train.accuracy();
    bestModel = 0;
    for (int m = 1; m < acc.length; m++) {
      if (acc[m] > acc[bestModel]) {
        bestModel = m;
      }
    }
    Map<String, List<Candidate>> candidates = new TreeMap<>();
    for (Map.Entry<String, List<RouterBenchData.Prompt>> e : grouped.entrySet()) {
      candidates.put(e.getKey(), candidates(e.getValue()));
    }
    candidates.put("*", candidates(ps)); // for kinds never seen in training
    double target = targetShare * acc[bestModel] * ps.size();
    Map<String, Plan> atZero = choose(candidates, 0.0);
    if (totals(atZero)[0] < target - 1e-9) {
      cheaper = atZero;
      dearer = atZero;
      dearerShare = 1.0;
      mu = 0.0;
      return;
    }
    double lo = 0.0;
    double hi = 1.0;
    while (totals(choose(candidates, hi))[0] >= target - 1e-9 && hi < 1e12) {
      lo = hi;
      hi *= 4;
    }
    for (int i = 0; i < 60; i++) {
      double mid = lo == 0.0 ? hi / 1024 : Math.sqrt(lo * hi);
      if (totals(choose(candidates, mid))[0] >= target - 1e-9) {
        lo = mid;
      } else {
        hi = mid;
      }
    }
    mu = lo;
    dearer = choose(candidates, lo);
    cheaper = choose(candidates, hi);
    double aDear = totals(dearer)[0];
    double aCheap = totals(cheaper)[0];
    dearerShare = aDear - aCheap <= 1e-12 ? 1.0
        : Math.min(1.0, Math.max(0.0, (target - aCheap) / (aDear - aCheap)));
  }

  @Override
  public int answer(RouterBenchData.Prompt prompt, Calls calls) {
    Objects.requireNonNull(prompt, "prompt");
    Objects.requireNonNull(calls, "calls");
    prompts++;
    Map<String, Plan> plans = rng.nextDouble() < dearerShare ? dearer : cheaper;
    if (plans.isEmpty()) {
      calls.call(0);
      return 0;
    }
    String kind = kinds.apply(prompt.text());
    Plan plan = plans.get(kind);
    if (plan == null) {
      plan = plans.getOrDefault(OTHER, plans.get("*"));
    }
    if (plan.second() < 0) {
      call(calls, plan.first());
      return plan.first();
    }
    Optional<String> a = normalizer.normalize(call(calls, plan.first()));
    Optional<String> b = normalizer.normalize(call(calls, plan.second()));
    Action act = plan.actions().get(fineState(a, b));
    if (act == null) {
      act = plan.actions().get(coarseState(a, b));
    }
    if (act == null) { // a state no training prompt reached
      return plan.first();
    }
    switch (act.type()) {
      case ACCEPT:
        return act.model();
      case ESCALATE:
        escalations++;
        call(calls, act.model());
        return act.model();
      default:
        escalations++;
        Optional<String> c = normalizer.normalize(call(calls, act.model()));
        if (c.isPresent() && (c.equals(a) || c.equals(b)) || act.fallback() < 0) {
          return act.model();
        }
        call(calls, act.fallback());
        return act.fallback();
    }
  }

  private static String call(Calls calls, int model) {
    return calls.call(model).text();
  }

  @Override
  public Map<String, Double> diagnostics() {
    Map<String, Double> d = new LinkedHashMap<>();
    d.put("escalationShare", prompts == 0 ? 0.0 : (double) escalations / prompts);
    d.put("multiplier", mu);
    d.put("dearerPolicyShare", dearerShare);
    return d;
  }

  /** The fitted policy in words: per kind, the plan and what each state does. */
  public String describe() {
    StringBuilder sb = new StringBuilder();
    double[] dear = totals(dearer);
    double[] cheap = totals(cheaper);
    sb.append(String.format(Locale.ROOT, "multiplier %.4g accuracy per $; %.0f%% of prompts take the dearer "
        + "policy; on train: %.1f correct for $%.3f (dearer), %.1f for $%.3f (cheaper)%n", mu, 100 * dearerShare,
        dear[0], dear[1], cheap[0], cheap[1]));
    for (Map.Entry<String, Plan> e : dearer.entrySet()) {
      sb.append("- ").append(e.getKey()).append(": ").append(describe(e.getValue()));
      Plan other = cheaper.get(e.getKey());
      if (other != null && !other.equals(e.getValue())) {
        sb.append(" | cheaper policy: ").append(describe(other));
      }
      sb.append('\n');
    }
    return sb.toString();
  }

  private String describe(Plan p) {
    if (p.second() < 0) {
      return "ask " + shortName(p.first());
    }
    StringBuilder sb = new StringBuilder("ask " + shortName(p.first()) + " + " + shortName(p.second()));
    for (Map.Entry<String, Action> e : p.actions().entrySet()) {
      Action a = e.getValue();
      sb.append("; ").append(e.getKey()).append(" -> ");
      switch (a.type()) {
        case ACCEPT:
          sb.append("accept ").append(shortName(a.model()));
          break;
        case ESCALATE:
          sb.append("escalate to ").append(shortName(a.model()));
          break;
        default:
          sb.append("vote of ").append(shortName(a.model()));
          if (a.fallback() >= 0) {
            sb.append(", else ").append(shortName(a.fallback()));
          }
      }
    }
    return sb.toString();
  }

  private String shortName(int m) {
    String n = models.get(m);
    return n.substring(n.lastIndexOf('/') + 1);
  }

  /** {@code agree}, {@code disagree} or {@code unknown} (an answer that cannot be compared). */
  private static String coarseState(Optional<String> a, Optional<String> b) {
    if (a.isEmpty() || b.isEmpty()) {
      return UNKNOWN;
    }
    return a.equals(b) ? AGREE : DISAGREE;
  }

  /** The coarse state with the answers: {@code agree on B}, {@code disagree A/B} (first/second model). */
  private static String fineState(Optional<String> a, Optional<String> b) {
    String coarse = coarseState(a, b);
    switch (coarse) {
      case AGREE:
        return AGREE + " on " + a.get();
      case DISAGREE:
        return DISAGREE + " " + a.get() + "/" + b.get();
      default:
        return coarse;
    }
  }

  /** What a state does. */
  private enum Type { ACCEPT, ESCALATE, VOTE }

  /** An action; {@code fallback} only for a vote ({@code -1}: take the voter's answer). */
  private record Action(Type type, int model, int fallback, double correct, double cost) {}

  /** A plan: ask {@code first} (and {@code second}, unless it is {@code -1}), then the action per state. */
  private record Plan(int first, int second, Map<String, Action> actions, double correct, double cost) {}

  /**
   * A plan with its actions still open: the pair's own correctness and cost for a single-model plan, or per state
   * every possible action's training totals.
   */
  private record Candidate(int first, int second, double baseCorrect, double baseCost,
      Map<String, List<Action>> states) {}

  private List<Candidate> candidates(List<RouterBenchData.Prompt> ps) {
    int k = models.size();
    List<Candidate> out = new ArrayList<>();
    for (int m = 0; m < k; m++) {
      double correct = 0;
      double cost = 0;
      for (RouterBenchData.Prompt p : ps) {
        correct += p.correct()[m] ? 1 : 0;
        cost += p.cost()[m];
      }
      out.add(new Candidate(m, -1, correct, cost, Map.of()));
    }
    double[] kindAcc = new double[k];
    for (RouterBenchData.Prompt p : ps) {
      for (int m = 0; m < k; m++) {
        kindAcc[m] += p.correct()[m] ? 1.0 / ps.size() : 0;
      }
    }
    // Normalised answers, computed once.
    List<List<Optional<String>>> answers = new ArrayList<>();
    for (RouterBenchData.Prompt p : ps) {
      List<Optional<String>> row = new ArrayList<>();
      for (int m = 0; m < k; m++) {
        row.add(normalizer.normalize(p.response(m)));
      }
      answers.add(row);
    }
    for (int a = 0; a < k; a++) {
      for (int b = a + 1; b < k; b++) {
        double baseCost = 0;
        Map<String, List<Integer>> fine = new TreeMap<>();
        for (int i = 0; i < ps.size(); i++) {
          baseCost += ps.get(i).cost()[a] + ps.get(i).cost()[b];
          fine.computeIfAbsent(fineState(answers.get(i).get(a), answers.get(i).get(b)), x -> new ArrayList<>())
              .add(i);
        }
        // Specific states with enough prompts stand alone; the rest pool into their coarse state.
        Map<String, List<Integer>> inState = new TreeMap<>();
        for (Map.Entry<String, List<Integer>> e : fine.entrySet()) {
          String key = e.getKey();
          boolean specific = !key.equals(UNKNOWN);
          String coarse = key.startsWith(AGREE) ? AGREE : key.startsWith(DISAGREE) ? DISAGREE : UNKNOWN;
          String target = options.specificStates() && specific && e.getValue().size() >= MIN_STATE_PROMPTS ? key
              : coarse;
          inState.computeIfAbsent(target, x -> new ArrayList<>()).addAll(e.getValue());
        }
        Map<String, List<Action>> states = new TreeMap<>();
        for (Map.Entry<String, List<Integer>> e : inState.entrySet()) {
          states.put(e.getKey(), actions(ps, answers, e.getValue(), e.getKey().equals(UNKNOWN), a, b, kindAcc));
        }
        out.add(new Candidate(a, b, 0, baseCost, states));
      }
    }
    return out;
  }

  private List<Action> actions(List<RouterBenchData.Prompt> ps, List<List<Optional<String>>> answers,
      List<Integer> idx, boolean unknown, int a, int b, double[] kindAcc) {
    List<Action> out = new ArrayList<>();
    if (idx.isEmpty()) {
      return out;
    }
    int k = models.size();
    double shrink = options.shrinkage();
    int n = idx.size();
    for (int x : new int[] {a, b}) {
      double correct = 0;
      for (int i : idx) {
        correct += ps.get(i).correct()[x] ? 1 : 0;
      }
      correct = n * (correct + shrink * kindAcc[x]) / (n + shrink);
      out.add(new Action(Type.ACCEPT, x, -1, correct, 0));
    }
    for (int m = 0; m < k; m++) {
      if (m == a || m == b) {
        continue;
      }
      double correct = 0;
      double cost = 0;
      for (int i : idx) {
        correct += ps.get(i).correct()[m] ? 1 : 0;
        cost += ps.get(i).cost()[m];
      }
      correct = n * (correct + shrink * kindAcc[m]) / (n + shrink);
      out.add(new Action(Type.ESCALATE, m, -1, correct, cost));
      if (unknown) {
        continue;
      }
      for (int e = options.anyVoteFallback() ? -1 : 0; e < k; e++) {
        if (e == a || e == b || e == m || (!options.anyVoteFallback() && e != bestModel)) {
          continue;
        }
        double vc = 0;
        double vcost = 0;
        for (int i : idx) {
          RouterBenchData.Prompt p = ps.get(i);
          List<Optional<String>> ans = answers.get(i);
          vcost += p.cost()[m];
          Optional<String> c = ans.get(m);
          if (c.isPresent() && (c.equals(ans.get(a)) || c.equals(ans.get(b)))) {
            vc += p.correct()[m] ? 1 : 0;
          } else if (e < 0) {
            vc += p.correct()[m] ? 1 : 0;
          } else {
            vc += p.correct()[e] ? 1 : 0;
            vcost += p.cost()[e];
          }
        }
        out.add(new Action(Type.VOTE, m, e, vc, vcost));
      }
    }
    return out;
  }

  /** Per kind, the plan with the most {@code correct - mu * cost}, fewer dollars on a tie. */
  private static Map<String, Plan> choose(Map<String, List<Candidate>> candidates, double mu) {
    Map<String, Plan> out = new TreeMap<>();
    for (Map.Entry<String, List<Candidate>> e : candidates.entrySet()) {
      Plan best = null;
      double bestValue = Double.NEGATIVE_INFINITY;
      for (Candidate c : e.getValue()) {
        double correct = c.baseCorrect();
        double cost = c.baseCost();
        Map<String, Action> acts = new TreeMap<>();
        for (Map.Entry<String, List<Action>> st : c.states().entrySet()) {
          Action pick = null;
          for (Action a : st.getValue()) {
            if (pick == null || better(a.correct() - mu * a.cost(), a.cost(), pick.correct() - mu * pick.cost(),
                pick.cost())) {
              pick = a;
            }
          }
          if (pick != null) {
            acts.put(st.getKey(), pick);
            correct += pick.correct();
            cost += pick.cost();
          }
        }
        double value = correct - mu * cost;
        if (best == null || better(value, cost, bestValue, best.cost())) {
          best = new Plan(c.first(), c.second(), acts, correct, cost);
          bestValue = value;
        }
      }
      out.put(e.getKey(), best);
    }
    return out;
  }

  private static boolean better(double value, double cost, double otherValue, double otherCost) {
    double eps = 1e-9 * Math.max(1.0, Math.abs(otherValue));
    return value > otherValue + eps || (Math.abs(value - otherValue) <= eps && cost < otherCost);
  }

  /** Training correct count and cost of the plans, over the real kinds (not the fallback). */
  private static double[] totals(Map<String, Plan> plans) {
    double correct = 0;
    double cost = 0;
    for (Map.Entry<String, Plan> e : plans.entrySet()) {
      if (!e.getKey().equals("*")) {
        correct += e.getValue().correct();
        cost += e.getValue().cost();
      }
    }
    return new double[] {correct, cost};
  }
}
