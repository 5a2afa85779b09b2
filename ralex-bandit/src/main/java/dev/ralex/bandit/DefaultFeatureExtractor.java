package dev.ralex.bandit;

import dev.ralex.api.ChatRequest;
import dev.ralex.api.ContentBlock;
import dev.ralex.api.Message;
import dev.ralex.api.RequestComplexity;
import dev.ralex.api.RoutingContext;
import dev.ralex.api.ToolResultBlock;
import dev.ralex.api.ToolUseBlock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The default features, every one in [0, 1]:
 *
 * <ol>
 *   <li>{@code bias}: always 1;
 *   <li>{@code log_tokens}: {@code log(1 + estimated input tokens) / log(1 + 200,000)}, capped at 1;
 *   <li>one flag per keyword class of the last user message: {@code kw_code}, {@code kw_reasoning},
 *       {@code kw_math}, {@code kw_creative}, {@code kw_summary}, {@code kw_translate}, {@code kw_extract},
 *       {@code kw_speed} (such as "quick", "fast", "brief", "asap");
 *   <li>{@code has_code}: the conversation holds a code fence or a line that looks like code;
 *   <li>{@code has_tools}: the request offers tools or the conversation holds tool calls or results;
 *   <li>{@code depth}: {@code log(1 + messages) / log(1 + 64)}, capped at 1;
 *   <li>the task phase, one-hot, from the {@code phase} or {@code ralex.task} tag: {@code phase_planning},
 *       {@code phase_execution}, {@code phase_review}, {@code phase_summarize} (all 0 when absent or other);
 *   <li>{@code budget_left}: the tightest budget's remaining fraction (1 without a cap);
 *   <li>the routing context's {@linkplain RoutingContext#complexity() complexity}: {@code complexity} (0 low,
 *       0.5 medium, 1 high) and the task type one-hot, {@code task_code_fix}, {@code task_code_generation},
 *       {@code task_refactor}, {@code task_analysis}, {@code task_chat};
 *   <li>{@code word#0} ... : the words of the last user message hashed into a configurable number of buckets;
 *       each bucket hit holds {@code 1 / sqrt(buckets hit)}, so this block's length is 1 whatever the prompt's
 *       length.
 * </ol>
 *
 * <p>Immutable and thread-safe. Hashing uses {@link String#hashCode()}, which Java specifies, so the same
 * prompt gives the same vector on every JVM (and a saved state stays valid).
 */
public final class DefaultFeatureExtractor implements FeatureExtractor {
  /** The default number of hashed-word buckets. */
  public static final int DEFAULT_BUCKETS = 32;

  private static final Pattern WORD_SPLIT = Pattern.compile("[^\\p{L}\\p{N}]+");
  private static final Pattern CODE_LINE = Pattern.compile(
      "(?m)^\\s*(def |class |public |private |import |function |return |#include|fn |let |const |var ).*"
          + "|[;{}]\\s*$");

  private static final List<String> KEYWORD_CLASSES =
      List.of("code", "reasoning", "math", "creative", "summary", "translate", "extract", "speed");
  private static final List<Set<String>> KEYWORDS = List.of(
      Set.of("code", "function", "bug", "debug", "refactor", "compile", "java", "python", "javascript", "sql",
          "class", "method", "stacktrace", "exception", "implement", "test", "tests"),
      Set.of("why", "prove", "analyze", "analyse", "explain", "reason", "reasoning", "plan", "design",
          "tradeoff", "tradeoffs", "compare", "evaluate", "step"),
      Set.of("calculate", "compute", "equation", "solve", "integral", "derivative", "probability", "math",
          "sum", "percent"),
      Set.of("write", "story", "poem", "draft", "essay", "creative", "slogan", "imagine", "lyrics"),
      Set.of("summarize", "summarise", "summary", "tldr", "recap", "condense", "gist"),
      Set.of("translate", "translation", "french", "german", "spanish", "japanese", "chinese"),
      Set.of("extract", "parse", "classify", "label", "json", "fields", "list"),
      Set.of("quick", "quickly", "fast", "brief", "briefly", "short", "asap", "urgent", "hurry", "simple",
          "instantly", "speed"));
  private static final List<String> PHASES = List.of("planning", "execution", "review", "summarize");

  private static final double LOG_MAX_TOKENS = Math.log1p(200_000);
  private static final double LOG_MAX_DEPTH = Math.log1p(64);

  private final int buckets;
  private final int wordOffset;
  private final List<String> names;

  /** The default features with {@value #DEFAULT_BUCKETS} hashed-word buckets. */
  public DefaultFeatureExtractor() {
    this(DEFAULT_BUCKETS);
  }

  /** The default features with {@code buckets} hashed-word buckets ({@code >= 0}). */
  public DefaultFeatureExtractor(int buckets) {
    if (buckets < 0) {
      throw new IllegalArgumentException("buckets must not be negative but was " + buckets);
    }
    this.buckets = buckets;
    List<String> n = new ArrayList<>();
    n.add("bias");
    n.add("log_tokens");
    for (String k : KEYWORD_CLASSES) {
      n.add("kw_" + k);
    }
    n.add("has_code");
    n.add("has_tools");
    n.add("depth");
    for (String p : PHASES) {
      n.add("phase_" + p);
    }
    n.add("budget_left");
    n.add("complexity");
    for (RequestComplexity.TaskType t : RequestComplexity.TaskType.values()) {
      n.add("task_" + t.name().toLowerCase(Locale.ROOT));
    }
    this.wordOffset = n.size();
    for (int i = 0; i < buckets; i++) {
      n.add("word#" + i);
    }
    this.names = Collections.unmodifiableList(n);
  }

  /** The number of hashed-word buckets. */
  public int buckets() {
    return buckets;
  }

  @Override
  public int dimension() {
    return names.size();
  }

  @Override
  public List<String> names() {
    return names;
  }

  @Override
  public double[] extract(RoutingContext context) {
    Objects.requireNonNull(context, "context");
    ChatRequest request = context.request();
    double[] x = new double[dimension()];
    int i = 0;
    x[i++] = 1.0;
    x[i++] = Math.min(1.0, Math.log1p(context.estimatedInputTokens()) / LOG_MAX_TOKENS);

    String text = request.lastUserText();
    String[] words = WORD_SPLIT.split(text.toLowerCase(Locale.ROOT));
    for (Set<String> keywords : KEYWORDS) {
      boolean hit = false;
      for (String w : words) {
        if (keywords.contains(w)) {
          hit = true;
          break;
        }
      }
      x[i++] = hit ? 1.0 : 0.0;
    }

    boolean code = false;
    boolean tools = !request.tools().isEmpty();
    for (Message m : request.messages()) {
      for (ContentBlock block : m.content()) {
        if (block instanceof ToolUseBlock || block instanceof ToolResultBlock) {
          tools = true;
        }
      }
      if (!code) {
        String t = m.text();
        code = t.contains("```") || CODE_LINE.matcher(t).find();
      }
    }
    x[i++] = code ? 1.0 : 0.0;
    x[i++] = tools ? 1.0 : 0.0;
    x[i++] = Math.min(1.0, Math.log1p(request.messages().size()) / LOG_MAX_DEPTH);

    int phase = phaseOf(request);
    for (int p = 0; p < PHASES.size(); p++) {
      x[i++] = p == phase ? 1.0 : 0.0;
    }
    double left = context.budget().remainingFraction();
    x[i++] = Double.isFinite(left) ? Math.max(0.0, Math.min(1.0, left)) : 1.0;
    RequestComplexity complexity = context.complexity();
    x[i++] = complexity.level().ordinal() / 2.0;
    x[i + complexity.taskType().ordinal()] = 1.0;

    if (buckets > 0) {
      boolean[] hit = new boolean[buckets];
      int distinct = 0;
      for (String w : words) {
        if (w.isEmpty()) {
          continue;
        }
        int bucket = Math.floorMod(mix(w.hashCode()), buckets);
        if (!hit[bucket]) {
          hit[bucket] = true;
          distinct++;
        }
      }
      if (distinct > 0) {
        double v = 1.0 / Math.sqrt(distinct);
        for (int b = 0; b < buckets; b++) {
          if (hit[b]) {
            x[wordOffset + b] = v;
          }
        }
      }
    }
    return x;
  }

  private static int phaseOf(ChatRequest request) {
    String tag = request.tags().get("phase");
    if (tag == null) {
      tag = request.tags().get("ralex.task");
    }
    if (tag == null) {
      return -1;
    }
    switch (tag.toLowerCase(Locale.ROOT)) {
      case "plan":
      case "planning":
        return 0;
      case "execute":
      case "execution":
      case "implement":
      case "implementation":
      case "coding":
        return 1;
      case "review":
      case "reviewing":
        return 2;
      case "summarize":
      case "summary":
        return 3;
      default:
        return -1;
    }
  }

  /** Murmur3's finalizer, so that similar words spread over the buckets. */
  private static int mix(int h) {
    h ^= h >>> 16;
    h *= 0x85ebca6b;
    h ^= h >>> 13;
    h *= 0xc2b2ae35;
    h ^= h >>> 16;
    return h;
  }
}
