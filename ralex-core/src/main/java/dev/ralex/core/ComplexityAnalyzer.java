package dev.ralex.core;

import dev.ralex.api.RequestComplexity;
import dev.ralex.api.ChatRequest;
import dev.ralex.api.ContentBlock;
import dev.ralex.api.Message;
import dev.ralex.api.ToolResultBlock;
import dev.ralex.api.ToolUseBlock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Classifies a request's complexity ({@link RequestComplexity.Level}) and task type from cheap signals: the
 * length of the last user message, its code blocks, keywords, the files and code symbols it names, and the
 * tools in play. Reads only the request; never calls a model. Stateless and thread-safe; use {@link #DEFAULT}.
 *
 * <p>Scoring: length (1,000 characters +1, 4,000 +2), code blocks (1 +1, 3 or more +2), files named (2 +1, 4 or
 * more +2), code symbols named (5 +1, 15 or more +2), tools or tool turns (+1), a long conversation (20 messages
 * +1), demanding keywords such as {@code refactor} or {@code architecture} (+2) and simple ones such as {@code
 * typo} (-1). A score of 1 or less is {@code LOW}, 2 to 3 {@code MEDIUM}, 4 or more {@code HIGH}.
 */
public final class ComplexityAnalyzer {
  /** The shared analyser. */
  public static final ComplexityAnalyzer DEFAULT = new ComplexityAnalyzer();

  private static final Pattern FILE = Pattern.compile(
      "(?<![\\w.])[\\w./-]*\\w\\.(?:java|kt|scala|py|ts|tsx|js|jsx|go|rs|c|cc|cpp|h|hpp|cs|rb|php|swift|sql|md"
          + "|json|ya?ml|xml|toml|gradle|sh|html|css)\\b");
  /** camelCase or PascalCase identifiers with an inner capital, snake_case, or a name followed by "(". */
  private static final Pattern SYMBOL = Pattern.compile(
      "\\b(?:[a-z]+[A-Z]\\w*|[A-Z][a-z0-9]+[A-Z]\\w*|[a-z0-9]+_[a-z0-9_]+|\\w+(?=\\())");

  private static final Set<String> FIX = Set.of("fix", "bug", "bugs", "error", "errors", "typo", "typos",
      "broken", "crash", "crashes", "fails", "failing", "exception", "npe");
  private static final Set<String> REFACTOR = Set.of("refactor", "refactoring", "restructure", "rename",
      "extract", "cleanup", "simplify", "decouple", "modularize", "migrate");
  private static final Set<String> ANALYSIS = Set.of("analyze", "analyse", "analysis", "explain", "review",
      "compare", "why", "architecture", "design", "evaluate", "assess", "audit", "optimize", "optimise");
  private static final Set<String> GENERATION = Set.of("write", "implement", "create", "generate", "add",
      "build", "scaffold", "code", "function", "class", "method", "test", "tests");
  private static final Set<String> DEMANDING = Set.of("refactor", "refactoring", "architecture", "design",
      "analyze", "analyse", "complex", "optimize", "optimise", "review", "migrate", "concurrency", "distributed",
      "scalable", "security");
  private static final Set<String> SIMPLE = Set.of("typo", "simple", "quick", "small", "trivial", "format",
      "comment", "rename", "one-line", "oneliner");

  private ComplexityAnalyzer() {}

  /** Classifies {@code request} from its last user message, its tools and the length of its conversation. */
  public RequestComplexity analyze(ChatRequest request) {
    Objects.requireNonNull(request, "request");
    String text = request.lastUserText();
    List<String> signals = new ArrayList<>(6);
    int score = 0;

    int length = text.length();
    if (length >= 4_000) {
      score += 2;
      signals.add(length + " characters");
    } else if (length >= 1_000) {
      score += 1;
      signals.add(length + " characters");
    }

    int fences = count(text, "```");
    int codeBlocks = fences / 2 + (fences % 2);
    if (codeBlocks >= 3) {
      score += 2;
    } else if (codeBlocks >= 1) {
      score += 1;
    }
    if (codeBlocks > 0) {
      signals.add(codeBlocks == 1 ? "1 code block" : codeBlocks + " code blocks");
    }

    int files = distinct(FILE.matcher(text), 16);
    if (files >= 4) {
      score += 2;
    } else if (files >= 2) {
      score += 1;
    }
    if (files > 0) {
      signals.add(files == 1 ? "1 file" : files + " files");
    }

    int symbols = distinct(SYMBOL.matcher(text), 32);
    if (symbols >= 15) {
      score += 2;
    } else if (symbols >= 5) {
      score += 1;
    }
    if (symbols >= 5) {
      signals.add(symbols + " symbols");
    }

    if (!request.tools().isEmpty() || hasToolTurns(request.messages())) {
      score += 1;
      int tools = request.tools().size();
      signals.add(tools == 0 ? "tool turns" : tools == 1 ? "1 tool" : tools + " tools");
    }
    if (request.messages().size() >= 20) {
      score += 1;
      signals.add(request.messages().size() + " messages");
    }

    // One pass over the words: the first keyword of each kind, in the order they appear.
    String fix = null;
    String refactor = null;
    String analysis = null;
    String generation = null;
    String demanding = null;
    String simple = null;
    String lower = text.toLowerCase(Locale.ROOT);
    int i = 0;
    int n = lower.length();
    while (i < n) {
      while (i < n && !isWordChar(lower.charAt(i))) {
        i++;
      }
      int start = i;
      while (i < n && isWordChar(lower.charAt(i))) {
        i++;
      }
      if (i > start && i - start <= 16) {
        String w = lower.substring(start, i);
        if (fix == null && FIX.contains(w)) {
          fix = w;
        }
        if (refactor == null && REFACTOR.contains(w)) {
          refactor = w;
        }
        if (analysis == null && ANALYSIS.contains(w)) {
          analysis = w;
        }
        if (generation == null && GENERATION.contains(w)) {
          generation = w;
        }
        if (demanding == null && DEMANDING.contains(w)) {
          demanding = w;
        }
        if (simple == null && SIMPLE.contains(w)) {
          simple = w;
        }
      }
    }
    if (demanding != null) {
      score += 2;
      signals.add("keyword '" + demanding + "'");
    } else if (simple != null) {
      score -= 1;
      signals.add("keyword '" + simple + "'");
    }

    RequestComplexity.TaskType type;
    if (refactor != null) {
      type = RequestComplexity.TaskType.REFACTOR;
    } else if (fix != null) {
      type = RequestComplexity.TaskType.CODE_FIX;
    } else if (analysis != null) {
      type = RequestComplexity.TaskType.ANALYSIS;
    } else if (generation != null || codeBlocks > 0) {
      type = RequestComplexity.TaskType.CODE_GENERATION;
    } else {
      type = RequestComplexity.TaskType.CHAT;
    }

    RequestComplexity.Level level = score <= 1 ? RequestComplexity.Level.LOW
        : score <= 3 ? RequestComplexity.Level.MEDIUM : RequestComplexity.Level.HIGH;
    return new RequestComplexity(level, type, score, signals);
  }

  private static boolean isWordChar(char c) {
    return Character.isLetterOrDigit(c) || c == '-';
  }

  private static int count(String text, String needle) {
    int c = 0;
    int from = 0;
    while ((from = text.indexOf(needle, from)) >= 0) {
      c++;
      from += needle.length();
    }
    return c;
  }

  /** Distinct matches, counting at most {@code cap} so a huge paste stays cheap. */
  private static int distinct(Matcher m, int cap) {
    Set<String> seen = null;
    while (m.find()) {
      if (seen == null) {
        seen = new HashSet<>();
      }
      seen.add(m.group());
      if (seen.size() >= cap) {
        break;
      }
    }
    return seen == null ? 0 : seen.size();
  }

  private static boolean hasToolTurns(List<Message> messages) {
    for (Message m : messages) {
      for (ContentBlock b : m.content()) {
        if (b instanceof ToolUseBlock || b instanceof ToolResultBlock) {
          return true;
        }
      }
    }
    return false;
  }

  @Override
  public String toString() {
    return "ComplexityAnalyzer";
  }
}
