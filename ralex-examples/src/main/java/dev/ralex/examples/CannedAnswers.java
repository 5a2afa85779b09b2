package dev.ralex.examples;

import dev.ralex.api.TokenEstimates;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;

/**
 * What the SIMULATED models say, shared by {@link SimulatedProvider} (in process) and {@link SimulatedLlmServer}
 * (over HTTP) so that both answer the same prompt with the same words.
 *
 * <p>Answers are canned and deterministic: the first rule whose keyword appears in the last user message wins,
 * and a request with tools gets a call of a tool unless it ends with a tool result (a real model given tools
 * usually calls one first; the simulation always does). Stateless apart from {@link OneShotMarker}, which is
 * thread-safe.
 */
final class CannedAnswers {
  /** The answer to a prompt no rule matches. */
  static final String FALLBACK = "This is a SIMULATED answer: set ANTHROPIC_API_KEY or OPENROUTER_API_KEY with a "
      + "provider module on the class path for a real one.";

  /** Canned answers: the first rule whose keyword the last user message contains answers it. */
  private static final List<Rule> RULES = List.of(
      new Rule("typo in this sentence", "The budget resets at midnight."),
      new Rule("shortned_urls", "It should be `shortened_urls`: the 'e' after 'short' is missing."),
      new Rule("refactor", "Replace the switch on order type with one OrderHandler per type behind a common "
          + "interface, and let a map from type to handler do the dispatch. Move the shared steps (validation, "
          + "pricing, persistence) into small collaborators the handlers receive. Refactor in small steps behind "
          + "the existing tests, one order type at a time."),
      new Rule("circuit breaker", "A circuit breaker watches calls to a dependency and, after too many failures, "
          + "'opens' so that further calls fail at once instead of piling up. After a cool-down it lets a trial "
          + "call through and closes again if that call succeeds."),
      new Rule("url shortener", "Start with one relational database (PostgreSQL): a table from short code to "
          + "URL with a unique index is all the core needs, and it is easy to operate. Put a cache such as Redis "
          + "in front for hot codes; move to a key-value store only if write volume demands it."),
      new Rule("short codes", "Take the row's numeric id and encode it in base 62: seven characters cover "
          + "3.5 trillion links. If codes must not be guessable, encode the id with a keyed permutation first."));

  private CannedAnswers() {}

  /** The canned text answer to a last user message. */
  static String answer(String lastUserText) {
    String text = lastUserText.toLowerCase(Locale.ROOT);
    for (Rule rule : RULES) {
      if (text.contains(rule.keyword)) {
        return rule.answer;
      }
    }
    return FALLBACK;
  }

  /**
   * Whether a request asks for a summary of a conversation: its system prompt says "summarize the conversation"
   * (as Ralex's {@code Compression.summarize} does).
   */
  static boolean isSummaryRequest(String systemText) {
    return systemText != null && systemText.toLowerCase(Locale.ROOT).contains("summarize the conversation");
  }

  /** The most characters of a simulated summary: about 600 tokens, as a real summary of a long history. */
  private static final int MAX_SUMMARY_CHARS = 2_400;

  /**
   * A SIMULATED summary of a transcript: one line per turn of it, the start of each user line, up to about 600
   * tokens; deterministic, so the same transcript gets the same summary and a different one another.
   */
  static String summary(String transcript) {
    StringBuilder sb = new StringBuilder("SIMULATED summary. The user worked through these requests:\n");
    for (String line : transcript.split("\n")) {
      if (sb.length() >= MAX_SUMMARY_CHARS) {
        break;
      }
      String trimmed = line.strip();
      if (trimmed.startsWith("user: ") && !trimmed.startsWith("user: [tool result")) {
        String gist = trimmed.substring(6);
        sb.append("- ").append(gist, 0, Math.min(gist.length(), 160)).append('\n');
      } else if (trimmed.startsWith("Previous summary:")) {
        sb.append("- (continues an earlier summary)\n");
      }
    }
    return sb.length() > MAX_SUMMARY_CHARS ? sb.substring(0, MAX_SUMMARY_CHARS) : sb.toString();
  }

  /** Whether the simulated model calls a tool: it does whenever it has tools and is not answering a tool result. */
  static boolean callsTool(boolean hasTools, boolean endsWithToolResult) {
    return hasTools && !endsWithToolResult;
  }

  /**
   * A plausible argument object for the tool, as compact JSON: the word after "module" in the prompt, if there
   * is one, else {@code {}}.
   */
  static String toolInput(String lastUserText) {
    String[] words = lastUserText.split("[^A-Za-z0-9_-]+");
    for (int i = 0; i + 1 < words.length; i++) {
      if (words[i].equalsIgnoreCase("module")) {
        // The word is [A-Za-z0-9_-]+, so it needs no JSON escaping.
        return "{\"module\":\"" + words[i + 1] + "\"}";
      }
    }
    return "{}";
  }

  /** The output tokens of a tool call, as the simulation bills them. */
  static long toolCallTokens(String toolName, String inputJson) {
    return TokenEstimates.estimateText(toolName) + TokenEstimates.estimateText(inputJson);
  }

  /** The pieces a text is streamed in: word by word, each word with the space after it. */
  static String[] words(String text) {
    return text.split("(?<= )");
  }

  /**
   * A marker that fires once: {@link #fires(String)} is true for the first text containing the marker
   * (case-insensitive), and the marker is then disarmed. Thread-safe: concurrent matching texts fire it once.
   */
  static final class OneShotMarker {
    private final AtomicReference<String> marker = new AtomicReference<>();

    /** Arms the marker; replaces one still armed. */
    void arm(String text) {
      marker.set(Objects.requireNonNull(text, "marker").toLowerCase(Locale.ROOT));
    }

    /** Whether {@code text} contains the armed marker; if so, disarms it. */
    boolean fires(String text) {
      String m = marker.get();
      return m != null && text.toLowerCase(Locale.ROOT).contains(m) && marker.compareAndSet(m, null);
    }
  }

  private record Rule(String keyword, String answer) {}
}
