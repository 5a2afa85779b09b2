package dev.ralex.core;

import dev.ralex.api.ChatRequest;
import dev.ralex.api.ContentBlock;
import dev.ralex.api.ConfigurationException;
import dev.ralex.api.Message;
import dev.ralex.api.TextBlock;
import dev.ralex.api.ThinkingBlock;
import dev.ralex.api.ToolResultBlock;
import dev.ralex.api.ToolUseBlock;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * Replaces the oldest turns by a summary a cheap model writes through the Ralex pipeline; see {@link
 * Compression#summarize(String, double)}. Summaries are cached by a digest of the messages they cover (and the
 * summary they extend), so the same prefix is never summarized twice; a longer prefix of a conversation starts
 * from the summary of the shorter one and adds only the new turns.
 */
final class Summarize implements Compression {
  /** The tag every summarization call carries; the compressing context manager passes such calls through. */
  static final String TASK_TAG = "ralex.task";
  static final String TASK = "summarize";
  private static final int MAX_CACHED = 1_000;
  private static final int MAX_SUMMARY_TOKENS = 1_024;
  /** The most characters of one block put into the transcript the summarizer reads. */
  private static final int MAX_BLOCK_CHARS = 4_000;
  private static final String INSTRUCTIONS = "You compress conversations. Summarize the conversation below so "
      + "that an assistant can continue it without the original: keep decisions, facts, names, numbers, file "
      + "and function names, open questions and the user's goals and preferences; drop pleasantries. If a "
      + "previous summary is given, merge it with the new turns. Answer with the summary only.";

  private final String modelId;
  private final double refillFraction;
  private volatile Ralex ralex;
  // Conversation id -> the first message of the newest turn its summary covers.
  private final Map<String, Message> coveredThrough = new java.util.concurrent.ConcurrentHashMap<>();
  // Digest of the covered messages -> summary; least recently used first.
  private final Map<String, String> cache = Lru.map(MAX_CACHED);

  Summarize(String modelId, double refillFraction) {
    this.modelId = modelId;
    this.refillFraction = refillFraction;
  }

  /** Connects the step to the pipeline it summarizes through; called when the Ralex instance is built. */
  void bind(Ralex ralex) {
    ralex.model(modelId); // Fails the build if the summarizer model is not served.
    this.ralex = ralex;
  }

  @Override
  public String name() {
    return "summarize";
  }

  @Override
  public void apply(History history) {
    Ralex pipeline = ralex;
    if (pipeline == null) {
      throw new ConfigurationException("Compression.summarize(" + modelId + ") is not bound to a Ralex instance: "
          + "give its context manager to Ralex.builder().contextManager(...)");
    }
    String conversation = history.conversationId().orElse(null);
    Message lastCovered = conversation == null ? null : coveredThrough.get(conversation);
    if (lastCovered == null && history.fits()) {
      return;
    }
    // Sticky per conversation: the turns summarized on an earlier turn are summarized again (the summary comes
    // from the cache), so the prompt's prefix stays the same while that is enough.
    List<History.Turn> covered = new ArrayList<>();
    long coveredTokens = 0;
    int sticky = lastCovered == null ? -1 : Compressions.DropOldest.indexOf(history.turns(), lastCovered);
    for (History.Turn t : history.turns()) {
      if (t.index() > sticky || !t.removable()) {
        break;
      }
      covered.add(t);
      coveredTokens += t.tokens();
    }
    if (!covered.isEmpty()) {
      String summary = summaryOf(pipeline, history, covered);
      if (history.tokens() - coveredTokens + history.summaryTokens(summary) <= history.budget()) {
        history.summarize(covered, summary);
        return;
      }
    }
    // More is needed: the oldest removable turns, up to the first pinned or newest one, until the rest fits the
    // target; no more at once than the summarizer's own window takes, with room for its instructions and
    // answer (what is still over budget is left to the next step).
    long target = (long) Math.floor(history.budget() * refillFraction);
    long maxCovered = Math.max(1, (pipeline.model(modelId).contextWindow() - MAX_SUMMARY_TOKENS - 1_000) * 9L / 10);
    long remaining = history.tokens() - coveredTokens;
    for (History.Turn t : history.turns()) {
      if (t.index() <= sticky && covered.contains(t)) {
        continue;
      }
      if (remaining <= target || !t.removable() || coveredTokens + t.tokens() > maxCovered) {
        break;
      }
      covered.add(t);
      coveredTokens += t.tokens();
      remaining -= t.tokens();
    }
    if (covered.isEmpty()) {
      return;
    }
    history.summarize(covered, summaryOf(pipeline, history, covered));
    if (conversation != null) {
      if (coveredThrough.size() >= MAX_CACHED) {
        coveredThrough.clear();
      }
      coveredThrough.put(conversation, covered.get(covered.size() - 1).messages().get(0));
    }
  }

  /** The summary of {@code covered}: cached, or extended from the summary of the longest cached prefix. */
  private String summaryOf(Ralex pipeline, History history, List<History.Turn> covered) {
    String conversation = history.conversationId().orElse("");
    // Digests of each prefix, so the longest one already summarized can be found.
    MessageDigest digest = sha256();
    digest.update(conversation.getBytes(StandardCharsets.UTF_8));
    String[] prefixKeys = new String[covered.size()];
    for (int i = 0; i < covered.size(); i++) {
      for (Message m : covered.get(i).messages()) {
        digest.update(transcript(List.of(m)).getBytes(StandardCharsets.UTF_8));
      }
      prefixKeys[i] = HexFormat.of().formatHex(cloneDigest(digest).digest());
    }
    String full = prefixKeys[prefixKeys.length - 1];
    String previous = null;
    int from = 0;
    synchronized (cache) {
      String hit = cache.get(full);
      if (hit != null) {
        return hit;
      }
      for (int i = prefixKeys.length - 2; i >= 0; i--) {
        String s = cache.get(prefixKeys[i]);
        if (s != null) {
          previous = s;
          from = i + 1;
          break;
        }
      }
    }
    List<Message> fresh = new ArrayList<>();
    for (int i = from; i < covered.size(); i++) {
      fresh.addAll(covered.get(i).messages());
    }
    String input = (previous == null ? "" : "Previous summary:\n" + previous + "\n\nNew turns:\n") + transcript(fresh);
    String summary = pipeline.chat(ChatRequest.builder()
        .model(modelId)
        .system(INSTRUCTIONS)
        .addUserMessage(input)
        .maxOutputTokens(MAX_SUMMARY_TOKENS)
        .tags(Map.of(TASK_TAG, TASK))
        .build()).text();
    if (summary.isBlank()) {
      summary = previous != null ? previous : "(no content to summarize)";
    }
    synchronized (cache) {
      cache.put(full, summary);
    }
    return summary;
  }

  /** The messages as plain text for the summarizer: roles, text, tool calls and results (long ones cut). */
  static String transcript(List<Message> messages) {
    StringBuilder sb = new StringBuilder();
    for (Message m : messages) {
      sb.append(m.role().name().toLowerCase(java.util.Locale.ROOT)).append(": ");
      for (ContentBlock b : m.content()) {
        if (b instanceof TextBlock t) {
          sb.append(clip(t.text()));
        } else if (b instanceof ToolUseBlock u) {
          sb.append("[called tool ").append(u.name()).append(' ').append(clip(u.inputJson())).append(']');
        } else if (b instanceof ToolResultBlock r) {
          sb.append("[tool result").append(r.isError() ? " (error)" : "").append(": ");
          for (ContentBlock inner : r.content()) {
            if (inner instanceof TextBlock t) {
              sb.append(clip(t.text()));
            }
          }
          sb.append(']');
        } else if (!(b instanceof ThinkingBlock)) {
          sb.append('[').append(b.type()).append(']');
        }
        sb.append(' ');
      }
      sb.append('\n');
    }
    return sb.toString();
  }

  private static String clip(String text) {
    return text.length() <= MAX_BLOCK_CHARS ? text : text.substring(0, MAX_BLOCK_CHARS) + " ...";
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  private static MessageDigest cloneDigest(MessageDigest d) {
    try {
      return (MessageDigest) d.clone();
    } catch (CloneNotSupportedException e) {
      throw new IllegalStateException("the JDK's SHA-256 digests are cloneable", e);
    }
  }
}
