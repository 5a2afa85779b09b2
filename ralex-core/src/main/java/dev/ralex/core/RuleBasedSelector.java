package dev.ralex.core;

import dev.ralex.api.BudgetExceededException;
import dev.ralex.api.Capability;
import dev.ralex.api.ChatRequest;
import dev.ralex.api.Feedback;
import dev.ralex.api.ModelInfo;
import dev.ralex.api.ModelSelector;
import dev.ralex.api.ModelStats;
import dev.ralex.api.ModelTier;
import dev.ralex.api.Rating;
import dev.ralex.api.RequestComplexity;
import dev.ralex.api.RoutingContext;
import dev.ralex.api.Selection;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A selector driven by rules on the request and the budget. Build one with {@link
 * #builder()} (defaults included) or take {@link #defaults()}.
 *
 * <p>In order, the first that applies picks a target tier:
 * <ol>
 *   <li>the request's tag {@code phase}: {@code planning} -> strong, {@code implementation} -> cheap, {@code
 *       review} -> balanced;
 *   <li>speed keywords ({@code yolo, urgent, fast, now, quickly}): the fastest cheap model by observed mean
 *       latency, else the cheapest;
 *   <li>keyword and regex rules on the last user message; when several match, the strongest tier wins (defaults:
 *       {@code fix, typo, simple, quick, small, format, add, comment} -> cheap; {@code refactor, analyze, complex,
 *       architecture, design, review, optimize} -> strong);
 *   <li>the request's complexity ({@link RoutingContext#complexity()}): low -> cheap, medium -> balanced, high -> strong.
 * </ol>
 * A model the request names is honoured when it passes the constraints below.
 *
 * <p>Constraints, applied to the candidates before the choice: context fit (a model whose window cannot hold the
 * estimated input plus the output it would be asked for is skipped), capability tags (the request's {@value
 * #NEEDS_TAG} tag, such as {@code "vision,long_context"}, keeps the models that have each capability, as far as
 * any candidate has it; the pipeline already keeps only models that can take the request's tools and images) and
 * budget tiers on the share of the budget
 * left (defaults: more than 40% any model, 10% to 40% cheap or free models only, under 10% the cheapest model,
 * nothing left: free models only, else {@link BudgetExceededException}). Fallbacks: the rest of the target tier
 * by price for this request, then the other tiers by distance from the target (stronger first on a tie).
 *
 * <p>The speed rule and the lowest budget tier cap the output at {@link Builder#reducedMaxOutputTokens} through
 * {@link Selection#maxOutputTokens()}. Escalation back to planning: when the answer to a phase-tagged call in a
 * conversation is rejected (by the pipeline's {@code ResponseValidator}, or by a {@link Rating} below 0.5), the
 * conversation's next phase-tagged call goes to the planning tier, until an answer there is accepted.
 *
 * <p>Thread-safe: the rules are immutable; the little state kept for replanning (bounded to 10,000 calls and
 * conversations) is guarded by a lock.
 */
public final class RuleBasedSelector implements ModelSelector {
  /** The request tag naming the task phase. */
  public static final String PHASE_TAG = "phase";
  /**
   * The request tag naming capabilities the task needs, comma-separated: {@code tools}, {@code vision}, {@code
   * thinking}, {@code caching}, {@code long_context} (a window of at least {@value #LONG_CONTEXT_TOKENS} tokens).
   */
  public static final String NEEDS_TAG = "needs";
  /** The context window that counts as long for the {@code long_context} capability tag. */
  public static final int LONG_CONTEXT_TOKENS = 200_000;
  /** The phase a rejected answer sends its conversation back to. */
  public static final String PLANNING = "planning";

  private final List<Rule> rules;
  private final Pattern speed;
  private final Map<String, ModelTier> phases;
  private final double anyAbove;
  private final double cheapestBelow;
  private final int defaultMaxOutputTokens;
  private final int reducedMaxOutputTokens;

  private final Object lock = new Object();
  /** Conversation and phase by call id, for phase-tagged calls in a conversation; bounded. */
  private final Map<String, PhasedCall> phasedCalls = Lru.map(10_000);
  /** Phase of the rejected answer by conversation: the conversation's next phase-tagged call plans again. */
  private final Map<String, String> replanning = Lru.map(10_000);

  private record PhasedCall(String conversation, String phase) {}

  private RuleBasedSelector(Builder b) {
    this.rules = List.copyOf(b.rules);
    this.speed = b.speedKeywords.isEmpty() ? null : words(b.speedKeywords);
    this.phases = Map.copyOf(b.phases);
    this.anyAbove = b.anyAbove;
    this.cheapestBelow = b.cheapestBelow;
    this.defaultMaxOutputTokens = b.defaultMaxOutputTokens;
    this.reducedMaxOutputTokens = b.reducedMaxOutputTokens;
  }

  /** A selector with the default rules. */
  public static RuleBasedSelector defaults() {
    return builder().build();
  }

  /**
   * Reads a selector from a YAML ({@code .yaml}, {@code .yml}) or JSON ({@code .json}) file holding the settings
   * of a configuration file's {@code selector} section for {@code type: rules}, so that they can be kept in a
   * file of their own; {@code type} may be left out. {@code ${ENV_VAR}} references are substituted as in {@link
   * Ralex#fromConfig(Path)}. See the README for the format.
   *
   * @throws dev.ralex.api.ConfigurationException naming the file, line and key of the first problem
   */
  public static RuleBasedSelector fromConfig(Path file) {
    return ConfigLoader.ruleBasedSelector(Objects.requireNonNull(file, "file"), System::getenv);
  }

  /** A builder holding the default rules, phases and budget tiers. */
  public static Builder builder() {
    return new Builder();
  }

  /** A rule: when {@code pattern} is found in the last user message, target {@code tier}. */
  public record Rule(String name, Pattern pattern, ModelTier tier) {
    /** Validates the rule. */
    public Rule {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(pattern, "pattern");
      Objects.requireNonNull(tier, "tier");
    }
  }

  @Override
  public Selection select(RoutingContext context) {
    Objects.requireNonNull(context, "context");
    ChatRequest request = context.request();
    List<ModelInfo> candidates = context.candidates();
    List<String> notes = new ArrayList<>(3);

    // Context fit.
    List<ModelInfo> pool = new ArrayList<>(candidates.size());
    for (ModelInfo m : candidates) {
      if (fits(context, m)) {
        pool.add(m);
      }
    }
    if (pool.isEmpty()) {
      ModelInfo widest = candidates.get(0);
      for (ModelInfo m : candidates) {
        if (m.contextWindow() > widest.contextWindow()) {
          widest = m;
        }
      }
      return new Selection(widest, List.of(), "no candidate's window holds " + context.estimatedInputTokens()
          + " input tokens plus the output; the widest window, " + widest.contextWindow() + " tokens");
    }
    if (pool.size() < candidates.size()) {
      notes.add((candidates.size() - pool.size()) + " models skipped: context too small");
    }

    // Capability tags: what the caller says the task needs, beyond what the request itself shows.
    String needs = request.tags().get(NEEDS_TAG);
    if (needs != null) {
      List<String> missing = new ArrayList<>();
      for (String need : needs.split(",")) {
        String n = need.trim().toLowerCase(Locale.ROOT);
        if (n.isEmpty()) {
          continue;
        }
        java.util.function.Predicate<ModelInfo> has = capability(n);
        if (has == null) {
          notes.add("unknown capability '" + n + "' ignored");
          continue;
        }
        List<ModelInfo> able = filter(pool, has);
        if (able.isEmpty()) {
          missing.add(n);
        } else {
          pool = able;
        }
      }
      notes.add(missing.isEmpty() ? "needs " + needs.trim()
          : "needs " + needs.trim() + " (no candidate has " + String.join(", ", missing) + ")");
    }

    // Budget tiers.
    boolean cheapestOnly = false;
    if (context.budget().limit().isPresent()) {
      double left = context.budget().remainingFraction();
      String budgetName = context.budget().budget();
      if (context.budget().isExhausted() || left <= 0.0) {
        List<ModelInfo> free = filter(pool, m -> m.pricing().isFree());
        if (free.isEmpty()) {
          ModelInfo cheapest = sortByPrice(context, pool).get(0);
          throw new BudgetExceededException(budgetName, context.budget().limit().orElseThrow(),
              context.budget().spent(), worstCase(context, cheapest));
        }
        pool = free;
        notes.add("budget '" + budgetName + "' exhausted: free models only");
      } else if (left < cheapestBelow) {
        cheapestOnly = true;
        notes.add(String.format(Locale.ROOT, "budget '%s' %.0f%% left: cheapest model (output capped at %d)",
            budgetName, left * 100, reducedMaxOutputTokens));
      } else if (left <= anyAbove) {
        List<ModelInfo> cheap = filter(pool, m -> m.tier() == ModelTier.CHEAP || m.pricing().isFree());
        if (cheap.isEmpty()) {
          cheapestOnly = true;
          notes.add(String.format(Locale.ROOT, "budget '%s' %.0f%% left, no cheap model fits: cheapest model",
              budgetName, left * 100));
        } else {
          pool = cheap;
          notes.add(String.format(Locale.ROOT, "budget '%s' %.0f%% left: cheap models only", budgetName,
              left * 100));
        }
      }
    }

    if (cheapestOnly) {
      List<ModelInfo> sorted = sortByPrice(context, pool);
      return selection(sorted.get(0), sorted.subList(1, sorted.size()), "cheapest model", notes)
          .withMaxOutputTokens(reducedMaxOutputTokens);
    }

    // A model the request names.
    String asked = request.model().orElse(null);
    if (asked != null) {
      for (ModelInfo m : pool) {
        if (m.id().equals(asked)) {
          return selection(m, ordered(context, pool, m.tier(), m), "the request names " + asked, notes);
        }
      }
      notes.add("the requested " + asked + " is ruled out");
    }

    String text = request.lastUserText();

    // Phase tag; a rejected answer sends its conversation back to planning.
    String phase = request.tags().get(PHASE_TAG);
    if (phase != null) {
      String conversation = request.conversationId().orElse(null);
      if (conversation != null) {
        String rejected;
        synchronized (lock) {
          phasedCalls.put(context.callId(), new PhasedCall(conversation, phase));
          rejected = replanning.get(conversation);
        }
        ModelTier planning = phases.get(PLANNING);
        if (rejected != null && planning != null) {
          return byTier(context, pool, planning, "the " + rejected + " answer in conversation '" + conversation
              + "' was rejected -> back to planning (" + name(planning) + " tier)", notes);
        }
      }
      ModelTier tier = phases.get(phase.toLowerCase(Locale.ROOT));
      if (tier != null) {
        return byTier(context, pool, tier, "phase '" + phase + "' -> " + name(tier) + " tier", notes);
      }
      notes.add("unknown phase '" + phase + "' ignored");
    }

    // Speed keywords.
    if (speed != null) {
      Matcher sm = speed.matcher(text);
      if (sm.find()) {
        return fastest(context, pool, sm.group(1).toLowerCase(Locale.ROOT), notes);
      }
    }

    // Keyword and regex rules: the strongest tier matched wins.
    Rule fired = null;
    String matched = null;
    for (Rule rule : rules) {
      if (fired != null && rule.tier().compareTo(fired.tier()) <= 0) {
        continue;
      }
      Matcher m = rule.pattern().matcher(text);
      if (m.find()) {
        fired = rule;
        matched = m.group();
      }
    }
    if (fired != null) {
      return byTier(context, pool, fired.tier(), "rule '" + fired.name() + "' matched '"
          + matched.toLowerCase(Locale.ROOT) + "' -> " + name(fired.tier()) + " tier", notes);
    }

    // Complexity.
    RequestComplexity complexity = context.complexity();
    ModelTier tier = switch (complexity.level()) {
      case LOW -> ModelTier.CHEAP;
      case MEDIUM -> ModelTier.BALANCED;
      case HIGH -> ModelTier.STRONG;
    };
    return byTier(context, pool, tier, "complexity " + complexity.describe() + " -> " + name(tier) + " tier",
        notes);
  }

  /**
   * A rejected answer (the validator's verdict) to a phase-tagged call in a conversation sends the conversation's
   * next phase-tagged call to planning; an accepted answer there ends the replanning.
   */
  @Override
  public void feedback(Feedback feedback) {
    if (feedback.succeeded()) {
      judged(feedback.callId(), feedback.rejected());
    }
  }

  /** A rating below 0.5 counts as a rejection, as {@link #feedback} describes; a better one as an acceptance. */
  @Override
  public void rated(Rating rating) {
    judged(rating.callId(), rating.rejected());
  }

  private void judged(String callId, boolean rejected) {
    synchronized (lock) {
      PhasedCall call = phasedCalls.get(callId);
      if (call == null) {
        return;
      }
      if (rejected) {
        replanning.put(call.conversation(), call.phase());
      } else {
        replanning.remove(call.conversation());
      }
    }
  }

  private Selection byTier(RoutingContext context, List<ModelInfo> pool, ModelTier tier, String reason,
      List<String> notes) {
    List<ModelInfo> order = ordered(context, pool, tier, null);
    ModelInfo first = order.get(0);
    if (first.tier() != tier) {
      notes.add("no " + name(tier) + " model available, took " + first.id());
    }
    return selection(first, order.subList(1, order.size()), reason, notes);
  }

  private Selection fastest(RoutingContext context, List<ModelInfo> pool, String keyword, List<String> notes) {
    List<ModelInfo> cheap = filter(pool, m -> m.tier() == ModelTier.CHEAP);
    List<ModelInfo> from = cheap.isEmpty() ? pool : cheap;
    ModelInfo best = null;
    Duration bestLatency = null;
    for (ModelInfo m : from) {
      ModelStats s = context.statsOf(m.id());
      Duration latency = s.meanLatency();
      if (s.calls() > s.failures() && latency.compareTo(Duration.ZERO) > 0
          && (bestLatency == null || latency.compareTo(bestLatency) < 0)) {
        best = m;
        bestLatency = latency;
      }
    }
    String reason;
    if (best == null) {
      best = sortByPrice(context, from).get(0);
      reason = "speed keyword '" + keyword + "' -> cheapest cheap model (no latency observed)";
    } else {
      reason = "speed keyword '" + keyword + "' -> fastest cheap model (mean latency " + bestLatency.toMillis()
          + " ms)";
    }
    reason += ", output capped at " + reducedMaxOutputTokens + " tokens";
    return selection(best, ordered(context, pool, ModelTier.CHEAP, best), reason, notes)
        .withMaxOutputTokens(reducedMaxOutputTokens);
  }

  /** {@code first} (if given) then the pool by tier distance from {@code tier} (stronger on a tie), then price. */
  private List<ModelInfo> ordered(RoutingContext context, List<ModelInfo> pool, ModelTier tier, ModelInfo first) {
    List<ModelInfo> sorted = new ArrayList<>(pool);
    Comparator<ModelInfo> byDistance = Comparator.comparingInt(m -> {
      int d = m.tier().ordinal() - tier.ordinal();
      return d >= 0 ? 2 * d : -2 * d + 1;
    });
    sorted.sort(byDistance.thenComparing(m -> worstCase(context, m)));
    if (first != null) {
      sorted.remove(first);
      sorted.add(0, first);
    }
    return sorted;
  }

  private List<ModelInfo> sortByPrice(RoutingContext context, List<ModelInfo> pool) {
    List<ModelInfo> sorted = new ArrayList<>(pool);
    sorted.sort(Comparator.comparing(m -> worstCase(context, m)));
    return sorted;
  }

  private static Selection selection(ModelInfo model, List<ModelInfo> rest, String reason, List<String> notes) {
    List<ModelInfo> fallbacks = new ArrayList<>(rest);
    fallbacks.remove(model);
    return new Selection(model, fallbacks, notes.isEmpty() ? reason : reason + "; " + String.join("; ", notes));
  }

  private int outputFor(ChatRequest request, ModelInfo m) {
    return Math.min(request.maxOutputTokens().orElse(defaultMaxOutputTokens), m.maxOutputTokens());
  }

  private boolean fits(RoutingContext context, ModelInfo m) {
    return (long) context.estimatedInputTokens() + outputFor(context.request(), m) <= m.contextWindow();
  }

  private BigDecimal worstCase(RoutingContext context, ModelInfo m) {
    return m.pricing().worstCaseCost(context.estimatedInputTokens(), outputFor(context.request(), m));
  }

  /** What a capability tag asks of a model, or null for a tag this selector does not know. */
  private static java.util.function.Predicate<ModelInfo> capability(String tag) {
    switch (tag) {
      case "tools":
        return m -> m.has(Capability.TOOLS);
      case "vision":
        return m -> m.has(Capability.VISION);
      case "thinking":
        return m -> m.has(Capability.EXTENDED_THINKING);
      case "caching":
        return m -> m.has(Capability.PROMPT_CACHING);
      case "long_context":
        return m -> m.contextWindow() >= LONG_CONTEXT_TOKENS;
      default:
        return null;
    }
  }

  private static List<ModelInfo> filter(List<ModelInfo> pool, java.util.function.Predicate<ModelInfo> keep) {
    List<ModelInfo> out = new ArrayList<>(pool.size());
    for (ModelInfo m : pool) {
      if (keep.test(m)) {
        out.add(m);
      }
    }
    return out;
  }

  private static String name(ModelTier tier) {
    return tier.name().toLowerCase(Locale.ROOT);
  }

  private static Pattern words(List<String> keywords) {
    StringBuilder sb = new StringBuilder("(?<![\\w-])(");
    for (int i = 0; i < keywords.size(); i++) {
      if (i > 0) {
        sb.append('|');
      }
      sb.append(Pattern.quote(keywords.get(i)));
    }
    return Pattern.compile(sb.append(")(?![\\w-])").toString(), Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE);
  }

  @Override
  public String toString() {
    return "RuleBasedSelector[rules=" + rules.size() + ", phases=" + phases.keySet() + ", budget any>" + anyAbove
        + " cheapest<" + cheapestBelow + "]";
  }

  /** Builds a {@link RuleBasedSelector}; starts with the default rules. Not thread-safe. */
  public static final class Builder {
    private final List<Rule> rules = new ArrayList<>();
    private final List<String> speedKeywords = new ArrayList<>(List.of("yolo", "urgent", "fast", "now", "quickly"));
    private final Map<String, ModelTier> phases = new LinkedHashMap<>();
    private double anyAbove = 0.40;
    private double cheapestBelow = 0.10;
    private int defaultMaxOutputTokens = 4096;
    private int reducedMaxOutputTokens = 1024;

    private Builder() {
      keywords("cheap keywords", ModelTier.CHEAP, "fix", "typo", "simple", "quick", "small", "format", "add",
          "comment");
      keywords("strong keywords", ModelTier.STRONG, "refactor", "analyze", "complex", "architecture", "design",
          "review", "optimize");
      phases.put("planning", ModelTier.STRONG);
      phases.put("implementation", ModelTier.CHEAP);
      phases.put("review", ModelTier.BALANCED);
    }

    /** Removes every keyword and regex rule, the default ones included. */
    public Builder clearRules() {
      rules.clear();
      return this;
    }

    /** Adds a rule: any of {@code keywords}, as whole words in any case, targets {@code tier}. */
    public Builder keywords(String name, ModelTier tier, String... keywords) {
      Objects.requireNonNull(keywords, "keywords");
      if (keywords.length == 0) {
        throw new IllegalArgumentException("a keyword rule needs at least one keyword");
      }
      for (String k : keywords) {
        if (Objects.requireNonNull(k, "keyword").isBlank()) {
          throw new IllegalArgumentException("keywords must not be blank");
        }
      }
      rules.add(new Rule(name, words(List.of(keywords)), tier));
      return this;
    }

    /** Adds a rule: when {@code regex} is found (case-insensitive) in the last user message, target {@code tier}. */
    public Builder regex(String name, String regex, ModelTier tier) {
      Objects.requireNonNull(regex, "regex");
      rules.add(new Rule(name, Pattern.compile(regex, Pattern.CASE_INSENSITIVE), tier));
      return this;
    }

    /** Replaces the speed keywords; none turns the speed rule off. */
    public Builder speedKeywords(String... keywords) {
      speedKeywords.clear();
      for (String k : keywords) {
        speedKeywords.add(Objects.requireNonNull(k, "keyword"));
      }
      return this;
    }

    /** Maps a value of the request's {@code phase} tag (case-insensitive) to a tier. */
    public Builder phase(String phase, ModelTier tier) {
      Objects.requireNonNull(phase, "phase");
      phases.put(phase.toLowerCase(Locale.ROOT), Objects.requireNonNull(tier, "tier"));
      return this;
    }

    /**
     * Sets the budget tiers as shares of the cap left: above {@code anyAbove} any model, from {@code
     * cheapestBelow} to {@code anyAbove} cheap models only, below {@code cheapestBelow} the cheapest model.
     */
    public Builder budgetTiers(double anyAbove, double cheapestBelow) {
      this.anyAbove = anyAbove;
      this.cheapestBelow = cheapestBelow;
      return this;
    }

    /** The output assumed when the request sets none, for context fit and prices; 4096 by default, as Ralex's. */
    public Builder defaultMaxOutputTokens(int tokens) {
      this.defaultMaxOutputTokens = tokens;
      return this;
    }

    /** The reduced output recommended by the speed rule and the lowest budget tier; 1024 by default. */
    public Builder reducedMaxOutputTokens(int tokens) {
      this.reducedMaxOutputTokens = tokens;
      return this;
    }

    /**
     * Validates and builds the selector.
     *
     * @throws IllegalArgumentException when a budget share or token count is out of range
     */
    public RuleBasedSelector build() {
      if (!(cheapestBelow >= 0.0 && cheapestBelow <= anyAbove && anyAbove <= 1.0)) {
        throw new IllegalArgumentException("budget tiers need 0 <= cheapestBelow <= anyAbove <= 1 but were "
            + cheapestBelow + " and " + anyAbove);
      }
      if (defaultMaxOutputTokens <= 0 || reducedMaxOutputTokens <= 0) {
        throw new IllegalArgumentException("max output tokens should be greater than 0");
      }
      return new RuleBasedSelector(this);
    }
  }
}
