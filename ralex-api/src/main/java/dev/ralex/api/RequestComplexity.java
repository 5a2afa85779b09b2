package dev.ralex.api;

import java.util.List;
import java.util.Objects;

/**
 * How demanding a request looks, as classified by the pipeline's complexity analyser (in {@code ralex-core}) from cheap signals, with the
 * signals that led there so that a selector can quote them in its reason. Immutable.
 *
 * @param level the overall level
 * @param taskType the kind of task the request asks for
 * @param score the points the signals added up to (higher is more demanding)
 * @param signals short descriptions of the signals that fired, such as {@code "2 code blocks"}; never null
 */
public record RequestComplexity(Level level, TaskType taskType, int score, List<String> signals) {

  /** The overall level of a request's complexity. */
  public enum Level {
    /** Short and simple: a small fix, a quick question. */
    LOW,
    /** Some context or several parts. */
    MEDIUM,
    /** Long, many files or symbols, design or analysis work. */
    HIGH
  }

  /** The kind of task a request asks for. */
  public enum TaskType {
    /** Fixing a bug, an error or a typo. */
    CODE_FIX,
    /** Writing new code. */
    CODE_GENERATION,
    /** Restructuring existing code. */
    REFACTOR,
    /** Explaining, reviewing, comparing or designing. */
    ANALYSIS,
    /** Anything else. */
    CHAT
  }

  /** Validates the classification. */
  public RequestComplexity {
    Objects.requireNonNull(level, "level");
    Objects.requireNonNull(taskType, "taskType");
    signals = List.copyOf(Objects.requireNonNull(signals, "signals"));
  }

  /** A classification with no signals behind it (score 0), for tests and for selectors' own fallbacks. */
  public static RequestComplexity of(Level level, TaskType taskType) {
    return new RequestComplexity(level, taskType, 0, List.of());
  }

  /** A short description for a selection's reason, such as {@code "high refactor (keyword 'refactor', 3 files)"}. */
  public String describe() {
    String base = level.name().toLowerCase(java.util.Locale.ROOT) + " "
        + taskType.name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ');
    return signals.isEmpty() ? base : base + " (" + String.join(", ", signals) + ")";
  }
}
