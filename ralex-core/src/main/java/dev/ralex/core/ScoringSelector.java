package dev.ralex.core;

import dev.ralex.api.ChatRequest;
import dev.ralex.api.ContentBlock;
import dev.ralex.api.Feedback;
import dev.ralex.api.Message;
import dev.ralex.api.ModelInfo;
import dev.ralex.api.ModelSelector;
import dev.ralex.api.ModelStats;
import dev.ralex.api.ModelTier;
import dev.ralex.api.RequestComplexity;
import dev.ralex.api.RoutingContext;
import dev.ralex.api.Selection;
import dev.ralex.api.TextBlock;
import dev.ralex.api.ToolResultBlock;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * Chooses the model with the best weighted score over four factors, each in [0, 1]:
 *
 * <ul>
 *   <li><b>capability fit</b>: how well the model's tier matches what the task needs (see {@link
 *       #heuristicTask(RoutingContext)}); a weaker tier than needed loses 1 per unit of shortfall, a stronger one
 *       0.5 per unit of excess. Tier strengths: CHEAP 0, BALANCED 0.5, STRONG 1.
 *   <li><b>cost</b>: {@code 1 - cost / maxCost}, where cost is {@link dev.ralex.api.Pricing#worstCaseCost} of the
 *       estimated input and the expected output, and maxCost the highest among the candidates that hold the
 *       request (all free: 1 for every one).
 *   <li><b>latency</b>: {@code 1 - latency / maxLatency} over the candidates' mean latencies; a model without
 *       latency samples is given the median of those that have some, and when none has any every model gets 0.5.
 *   <li><b>success</b>: {@code (successes + 1) / (calls + 2)}, a success rate with a Laplace prior, so an unseen
 *       model scores 0.5.
 * </ul>
 *
 * <p>{@code score = wCap * fit + wCost * cost + wLatency * latency + wSuccess * success}, with the weights
 * scaled to sum to 1. Only candidates whose context window holds the estimated input plus the expected output
 * (the request's {@code maxOutputTokens}, else {@link Builder#defaultOutputTokens}, capped by the model's limit)
 * are scored; when none does, the one with the largest window is chosen and the reason says so. A model the
 * request names is chosen when it is a candidate. The others follow as fallbacks in order of score.
 *
 * <p>Success and latency are kept per (model, task type) from {@link #feedback(Feedback)} (an answer the
 * validator rejected counts as a failure), in bounded maps; a
 * model without observations for the task type falls back to the pipeline's statistics in the routing context,
 * then to this selector's own observations of the model over all task types.
 *
 * <p>Thread-safe; never throws for lack of data.
 */
public final class ScoringSelector implements ModelSelector {
  /** Weight of the newest latency sample in the per-task mean. */
  private static final double ALPHA = 0.2;
  /** The key under which observations of a model over all task types are kept. */
  private static final String ANY_TASK = "*";

  private final double wCap;
  private final double wCost;
  private final double wLatency;
  private final double wSuccess;
  private final int defaultOutputTokens;
  private final Function<RoutingContext, Task> taskAnalyzer;

  private final Object lock = new Object();
  /** Task type by call id, so feedback (which carries only the call id) can be filed by task type. */
  private final Map<String, String> taskByCall;
  /** Observations by "modelId\ntaskType". */
  private final Map<String, Observed> observed;

  private ScoringSelector(Builder b) {
    double sum = b.capabilityWeight + b.costWeight + b.latencyWeight + b.successWeight;
    this.wCap = b.capabilityWeight / sum;
    this.wCost = b.costWeight / sum;
    this.wLatency = b.latencyWeight / sum;
    this.wSuccess = b.successWeight / sum;
    this.defaultOutputTokens = b.defaultOutputTokens;
    this.taskAnalyzer = b.taskAnalyzer;
    this.taskByCall = Lru.map(b.maxTrackedCalls);
    this.observed = Lru.map(b.maxTrackedStats);
  }

  /**
   * Reads a selector from a YAML ({@code .yaml}, {@code .yml}) or JSON ({@code .json}) file holding the settings
   * of a configuration file's {@code selector} section for {@code type: scoring}, so that they can be kept in a
   * file of their own; {@code type} may be left out. {@code ${ENV_VAR}} references are substituted as in {@link
   * Ralex#fromConfig(Path)}. See the README for the format.
   *
   * @throws dev.ralex.api.ConfigurationException naming the file, line and key of the first problem
   */
  public static ScoringSelector fromConfig(Path file) {
    return ConfigLoader.scoringSelector(Objects.requireNonNull(file, "file"), System::getenv);
  }

  /** A selector with the default weights. */
  public static ScoringSelector create() {
    return builder().build();
  }

  /** A builder with the default weights: capability fit 0.3, cost 0.3, latency 0.1, success 0.3. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * What a request needs, as the capability fit sees it.
   *
   * @param type the task type under which success and latency are kept, such as {@code code}
   * @param need the strength the task needs in [0, 1]: 0 for a cheap tier, 0.5 balanced, 1 strong
   */
  public record Task(String type, double need) {
    /** Validates the task. */
    public Task {
      Objects.requireNonNull(type, "type");
      if (type.isBlank()) {
        throw new IllegalArgumentException("type must not be blank");
      }
      if (!(need >= 0.0 && need <= 1.0)) {
        throw new IllegalArgumentException("need must be in [0, 1] but was " + need);
      }
    }
  }

  /**
   * The default task analysis, from the routing context's {@link RoutingContext#complexity() complexity}: the
   * type is the analyser's task type in lower case ({@code code_fix}, {@code code_generation}, {@code refactor},
   * {@code analysis}, {@code chat}); the need is 0.2 for a low, 0.5 for a medium and 0.9 for a high level, +0.3
   * when the estimated input is 8,000 tokens or more and +0.1 when the request offers tools, capped at 1.
   */
  public static Task heuristicTask(RoutingContext context) {
    Objects.requireNonNull(context, "context");
    RequestComplexity complexity = context.complexity();
    double need = switch (complexity.level()) {
      case LOW -> 0.2;
      case MEDIUM -> 0.5;
      case HIGH -> 0.9;
    };
    if (context.estimatedInputTokens() >= 8_000) {
      need += 0.3;
    }
    if (!context.request().tools().isEmpty()) {
      need += 0.1;
    }
    return new Task(complexity.taskType().name().toLowerCase(Locale.ROOT), Math.min(1.0, need));
  }

  @Override
  public Selection select(RoutingContext context) {
    Objects.requireNonNull(context, "context");
    Task task = analyze(context);
    List<ModelInfo> candidates = context.candidates();
    int n = candidates.size();

    // Which candidates hold the request, and what each would cost.
    long[] output = new long[n];
    boolean[] holds = new boolean[n];
    int holding = 0;
    for (int i = 0; i < n; i++) {
      ModelInfo m = candidates.get(i);
      output[i] = Math.min(context.request().maxOutputTokens().orElse(defaultOutputTokens), m.maxOutputTokens());
      holds[i] = (long) context.estimatedInputTokens() + output[i] <= m.contextWindow();
      if (holds[i]) {
        holding++;
      }
    }
    if (holding == 0) {
      ModelInfo largest = candidates.get(0);
      for (ModelInfo m : candidates) {
        if (m.contextWindow() > largest.contextWindow()) {
          largest = m;
        }
      }
      return Selection.of(largest, "no candidate holds ~" + context.estimatedInputTokens()
          + " input tokens plus the output; the largest context window (" + largest.contextWindow() + ")");
    }

    // Observations, copied under the lock.
    Observation[] obs = new Observation[n];
    synchronized (lock) {
      taskByCall.put(context.callId(), task.type());
      for (int i = 0; i < n; i++) {
        if (holds[i]) {
          String id = candidates.get(i).id();
          obs[i] = observation(observed.get(key(id, task.type())), context.statsOf(id),
              observed.get(key(id, ANY_TASK)));
        }
      }
    }

    // Money stays BigDecimal; only each cost's share of the largest, a score in [0, 1], becomes a double.
    BigDecimal[] cost = new BigDecimal[n];
    BigDecimal maxCost = BigDecimal.ZERO;
    List<Double> knownLatencies = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      if (holds[i]) {
        cost[i] = candidates.get(i).pricing().worstCaseCost(context.estimatedInputTokens(), output[i]);
        maxCost = maxCost.max(cost[i]);
        if (obs[i].latencyNanos > 0) {
          knownLatencies.add(obs[i].latencyNanos);
        }
      }
    }
    double median = median(knownLatencies);
    double maxLatency = 0;
    for (double latency : knownLatencies) {
      maxLatency = Math.max(maxLatency, latency);
    }

    List<Scored> scored = new ArrayList<>(holding);
    for (int i = 0; i < n; i++) {
      if (!holds[i]) {
        continue;
      }
      ModelInfo m = candidates.get(i);
      double fit = fit(strength(m.tier()), task.need());
      double costScore = maxCost.signum() > 0
          ? 1 - cost[i].divide(maxCost, MathContext.DECIMAL64).doubleValue() : 1.0;
      double latencyScore;
      String latencyNote;
      if (knownLatencies.isEmpty() || maxLatency <= 0) {
        latencyScore = 0.5;
        latencyNote = " (no samples)";
      } else if (obs[i].latencyNanos > 0) {
        latencyScore = 1 - obs[i].latencyNanos / maxLatency;
        latencyNote = "";
      } else {
        latencyScore = 1 - median / maxLatency;
        latencyNote = " (median)";
      }
      double success = (obs[i].calls - obs[i].failures + 1.0) / (obs[i].calls + 2.0);
      double score = wCap * fit + wCost * costScore + wLatency * latencyScore + wSuccess * success;
      scored.add(new Scored(m, score, fit, costScore, latencyScore, latencyNote, success, obs[i]));
    }
    // Stable: equal scores keep catalog order.
    scored.sort(Comparator.comparingDouble((Scored s) -> -s.score));

    Scored best = scored.get(0);
    String prefix = "";
    String asked = context.request().model().orElse(null);
    if (asked != null) {
      for (Scored s : scored) {
        if (s.model.id().equals(asked)) {
          best = s;
          prefix = "the request names " + asked + "; ";
          break;
        }
      }
    }
    List<ModelInfo> fallbacks = new ArrayList<>(scored.size() - 1);
    for (Scored s : scored) {
      if (s != best) {
        fallbacks.add(s.model);
      }
    }
    return new Selection(best.model, fallbacks, prefix + reason(best, task, holding, n, context));
  }

  @Override
  public void feedback(Feedback feedback) {
    Objects.requireNonNull(feedback, "feedback");
    String id = feedback.model().id();
    // An answer counts as a success unless its validator rejected it (or judged it below 0.5).
    boolean ok = feedback.succeeded() && !feedback.rejected() && feedback.quality().orElse(1.0) >= 0.5;
    double latency = feedback.latency().toNanos();
    synchronized (lock) {
      String type = taskByCall.get(feedback.callId());
      if (type != null) {
        observed.computeIfAbsent(key(id, type), k -> new Observed()).add(ok, latency);
      }
      observed.computeIfAbsent(key(id, ANY_TASK), k -> new Observed()).add(ok, latency);
    }
  }

  private Task analyze(RoutingContext context) {
    try {
      Task task = taskAnalyzer.apply(context);
      if (task != null) {
        return task;
      }
    } catch (RuntimeException e) {
      // A faulty analyser must not stop the call: fall back to the heuristic.
    }
    return heuristicTask(context);
  }

  private String reason(Scored s, Task task, int holding, int n, RoutingContext context) {
    StringBuilder sb = new StringBuilder();
    sb.append("score ").append(f(s.score))
        .append(" = cap ").append(f(s.fit)).append('x').append(f(wCap))
        .append(" + cost ").append(f(s.cost)).append('x').append(f(wCost))
        .append(" + latency ").append(f(s.latency)).append('x').append(f(wLatency)).append(s.latencyNote)
        .append(" + success ").append(f(s.success)).append('x').append(f(wSuccess))
        .append(" (").append(s.obs.calls - s.obs.failures).append(" of ").append(s.obs.calls).append(' ')
        .append(s.obs.source).append(')')
        .append("; task ").append(task.type()).append(" needs ").append(f(task.need()))
        .append(", tier ").append(s.model.tier().name().toLowerCase(Locale.ROOT));
    if (holding < n) {
      sb.append("; ").append(holding).append(" of ").append(n).append(" candidates hold ~")
          .append(context.estimatedInputTokens()).append(" input tokens");
    }
    return sb.toString();
  }

  private static String f(double d) {
    return String.format(Locale.ROOT, "%.2f", d);
  }

  private static double strength(ModelTier tier) {
    switch (tier) {
      case CHEAP:
        return 0.0;
      case BALANCED:
        return 0.5;
      case STRONG:
        return 1.0;
      default:
        return 0.5;
    }
  }

  private static double fit(double strength, double need) {
    return strength >= need ? 1 - 0.5 * (strength - need) : 1 - (need - strength);
  }

  private static double median(List<Double> values) {
    if (values.isEmpty()) {
      return 0;
    }
    double[] a = new double[values.size()];
    for (int i = 0; i < a.length; i++) {
      a[i] = values.get(i);
    }
    Arrays.sort(a);
    int mid = a.length / 2;
    return a.length % 2 == 1 ? a[mid] : (a[mid - 1] + a[mid]) / 2;
  }

  /** Per task type first, then the pipeline's statistics, then this selector's own over all task types. */
  private static Observation observation(Observed perTask, ModelStats pipeline, Observed overall) {
    double latency;
    if (perTask != null && perTask.successes() > 0) {
      latency = perTask.meanLatencyNanos;
    } else if (pipeline.calls() > pipeline.failures() && !pipeline.meanLatency().isZero()) {
      latency = pipeline.meanLatency().toNanos();
    } else if (overall != null && overall.successes() > 0) {
      latency = overall.meanLatencyNanos;
    } else {
      latency = 0;
    }
    if (perTask != null && perTask.calls > 0) {
      return new Observation(perTask.calls, perTask.failures, latency, "for the task type");
    }
    if (pipeline.calls() > 0) {
      return new Observation(pipeline.calls(), pipeline.failures(), latency, "overall");
    }
    if (overall != null && overall.calls > 0) {
      return new Observation(overall.calls, overall.failures, latency, "overall");
    }
    return new Observation(0, 0, latency, "observed");
  }

  private static String key(String modelId, String taskType) {
    return modelId + "\n" + taskType;
  }

  @Override
  public String toString() {
    return "ScoringSelector[cap=" + f(wCap) + ", cost=" + f(wCost) + ", latency=" + f(wLatency)
        + ", success=" + f(wSuccess) + "]";
  }

  /** Mutable counts of one (model, task type); guarded by the selector's lock. */
  private static final class Observed {
    long calls;
    long failures;
    double meanLatencyNanos;

    long successes() {
      return calls - failures;
    }

    void add(boolean ok, double latencyNanos) {
      calls++;
      if (!ok) {
        failures++;
      } else if (successes() == 1) {
        meanLatencyNanos = latencyNanos;
      } else {
        meanLatencyNanos = meanLatencyNanos * (1 - ALPHA) + latencyNanos * ALPHA;
      }
    }
  }

  private static final class Observation {
    final long calls;
    final long failures;
    final double latencyNanos;
    final String source;

    Observation(long calls, long failures, double latencyNanos, String source) {
      this.calls = calls;
      this.failures = failures;
      this.latencyNanos = latencyNanos;
      this.source = source;
    }
  }

  private static final class Scored {
    final ModelInfo model;
    final double score;
    final double fit;
    final double cost;
    final double latency;
    final String latencyNote;
    final double success;
    final Observation obs;

    Scored(ModelInfo model, double score, double fit, double cost, double latency, String latencyNote,
        double success, Observation obs) {
      this.model = model;
      this.score = score;
      this.fit = fit;
      this.cost = cost;
      this.latency = latency;
      this.latencyNote = latencyNote;
      this.success = success;
      this.obs = obs;
    }
  }

  /** Builds a {@link ScoringSelector}; not thread-safe. Weights need not sum to 1: they are scaled to. */
  public static final class Builder {
    private double capabilityWeight = 0.3;
    private double costWeight = 0.3;
    private double latencyWeight = 0.1;
    private double successWeight = 0.3;
    private int defaultOutputTokens = 4096;
    private int maxTrackedCalls = 10_000;
    private int maxTrackedStats = 4_096;
    private Function<RoutingContext, Task> taskAnalyzer = ScoringSelector::heuristicTask;

    private Builder() {}

    /** Sets the weight of capability fit; default 0.3. */
    public Builder capabilityWeight(double weight) {
      this.capabilityWeight = weight;
      return this;
    }

    /** Sets the weight of expected cost; default 0.3. */
    public Builder costWeight(double weight) {
      this.costWeight = weight;
      return this;
    }

    /** Sets the weight of observed latency; default 0.1. */
    public Builder latencyWeight(double weight) {
      this.latencyWeight = weight;
      return this;
    }

    /** Sets the weight of observed success rate; default 0.3. */
    public Builder successWeight(double weight) {
      this.successWeight = weight;
      return this;
    }

    /**
     * Sets the output tokens expected when the request sets none, for the fit and the cost; default 4096, as
     * {@link Ralex.Builder#defaultMaxOutputTokens(int)}.
     */
    public Builder defaultOutputTokens(int tokens) {
      this.defaultOutputTokens = tokens;
      return this;
    }

    /** Sets how many calls' task types are remembered for feedback; default 10,000, least recent dropped. */
    public Builder maxTrackedCalls(int calls) {
      this.maxTrackedCalls = calls;
      return this;
    }

    /** Sets how many (model, task type) observations are kept; default 4,096, least recent dropped. */
    public Builder maxTrackedStats(int entries) {
      this.maxTrackedStats = entries;
      return this;
    }

    /**
     * Sets what decides a request's task type and needed strength; default {@link
     * ScoringSelector#heuristicTask(RoutingContext)}, which is also used when the analyser throws or returns null.
     */
    public Builder taskAnalyzer(Function<RoutingContext, Task> analyzer) {
      this.taskAnalyzer = Objects.requireNonNull(analyzer, "analyzer");
      return this;
    }

    /**
     * Validates and builds the selector.
     *
     * @throws IllegalArgumentException if a weight is negative or not finite, all are zero, or a size is not
     *     positive
     */
    public ScoringSelector build() {
      weight(capabilityWeight, "capabilityWeight");
      weight(costWeight, "costWeight");
      weight(latencyWeight, "latencyWeight");
      weight(successWeight, "successWeight");
      if (capabilityWeight + costWeight + latencyWeight + successWeight <= 0) {
        throw new IllegalArgumentException("at least one weight must be greater than 0");
      }
      positive(defaultOutputTokens, "defaultOutputTokens");
      positive(maxTrackedCalls, "maxTrackedCalls");
      positive(maxTrackedStats, "maxTrackedStats");
      return new ScoringSelector(this);
    }

    private static void weight(double w, String name) {
      if (!(w >= 0 && Double.isFinite(w))) {
        throw new IllegalArgumentException(name + " must be a finite number >= 0 but was " + w);
      }
    }

    private static void positive(int v, String name) {
      if (v <= 0) {
        throw new IllegalArgumentException(name + " must be greater than 0 but was " + v);
      }
    }
  }
}
