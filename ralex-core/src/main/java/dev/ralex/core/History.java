package dev.ralex.core;

import dev.ralex.api.ChatRequest;
import dev.ralex.api.ContentBlock;
import dev.ralex.api.Message;
import dev.ralex.api.ModelInfo;
import dev.ralex.api.Role;
import dev.ralex.api.TextBlock;
import dev.ralex.api.ToolResultBlock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.function.ToIntFunction;

/**
 * A request's history being fitted, as {@link Compression} steps see it: the messages grouped into turns, token
 * counts, and the only operations a step may use. Each operation keeps the request valid for every provider:
 *
 * <ul>
 *   <li>A turn is a user message that is not only tool results, with everything after it up to the next such
 *       message: the assistant's answers, its {@code tool_use} blocks and the {@code tool_result} messages that
 *       answer them. Turns are dropped or summarized whole, so a {@code tool_use} and its results go together,
 *       a cut always falls before a user turn, and roles keep alternating.
 *   <li>The system prompt, every pinned turn (one holding a pinned message) and the newest turn (holding the
 *       newest user message) are never dropped, summarized or truncated.
 * </ul>
 *
 * <p>Not thread-safe: one instance per fit, used by one step at a time.
 */
public final class History {
  private final ChatRequest request;
  private final ModelInfo model;
  private final int budget;
  private final int fixedTokens;
  private final ToIntFunction<Message> messageTokens;
  private final List<Turn> turns;
  private final List<Turn> view;
  private final List<TextBlock> summary = new ArrayList<>(1);
  private int summaryTokens;
  private int keptTokens;
  // What the current step did, for its event.
  int dropped;
  int summarized;
  int truncated;

  /**
   * A history of {@code request}'s messages, whose tokens are {@code counts} (one per message, in order);
   * {@code messageTokens} counts messages the steps create (summaries, shortened results).
   */
  History(ChatRequest request, ModelInfo model, int budget, int fixedTokens, int[] counts,
      ToIntFunction<Message> messageTokens) {
    this.request = request;
    this.model = model;
    this.budget = budget;
    this.fixedTokens = fixedTokens;
    this.messageTokens = messageTokens;
    this.turns = split(request.messages(), counts);
    this.view = Collections.unmodifiableList(turns);
    for (Turn t : turns) {
      keptTokens += t.tokens;
    }
  }

  private static List<Turn> split(List<Message> messages, int[] counts) {
    List<Turn> turns = new ArrayList<>();
    int start = 0;
    for (int i = 1; i <= messages.size(); i++) {
      if (i == messages.size() || startsTurn(messages.get(i))) {
        turns.add(new Turn(turns.size(), messages.subList(start, i), counts, start));
        start = i;
      }
    }
    if (!turns.isEmpty()) {
      turns.get(turns.size() - 1).newest = true;
    }
    return turns;
  }

  /** A user message that is not only tool results opens a turn. */
  private static boolean startsTurn(Message m) {
    if (m.role() != Role.USER) {
      return false;
    }
    for (ContentBlock b : m.content()) {
      if (!(b instanceof ToolResultBlock)) {
        return true;
      }
    }
    return false;
  }

  /** The request as it came in. */
  public ChatRequest request() {
    return request;
  }

  /** The model the request is being fitted to. */
  public ModelInfo model() {
    return model;
  }

  /** The conversation the request belongs to, if any: steps may remember per conversation. */
  public Optional<String> conversationId() {
    return request.conversationId();
  }

  /** The most input tokens the request may have: the model's window less the requested output. */
  public int budget() {
    return budget;
  }

  /** The estimated input tokens of the request as it stands. */
  public int tokens() {
    return fixedTokens + summaryTokens + keptTokens;
  }

  /** Whether the request fits its budget as it stands. */
  public boolean fits() {
    return tokens() <= budget;
  }

  /** The turns, oldest first, dropped ones included (see {@link Turn#dropped()}). */
  public List<Turn> turns() {
    return view;
  }

  /** The summary placed after the system prompt so far; empty when none. */
  public String summary() {
    return summary.isEmpty() ? "" : summary.get(0).text();
  }

  /**
   * Drops a turn.
   *
   * @return false, changing nothing, if the turn is pinned, the newest, or already dropped
   */
  public boolean drop(Turn turn) {
    if (!turn.removable()) {
      return false;
    }
    turn.dropped = true;
    keptTokens -= turn.tokens;
    dropped += turn.messages.size();
    return true;
  }

  /**
   * Replaces {@code covered} turns (each removable, none dropped yet) by {@code text}, a summary placed after the
   * system prompt; replaces any earlier summary of this fit.
   *
   * @throws IllegalArgumentException if a turn cannot be removed or the text is blank
   */
  public void summarize(List<Turn> covered, String text) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException("a summary needs text");
    }
    for (Turn t : covered) {
      if (!t.removable()) {
        throw new IllegalArgumentException("turn " + t.index + " is pinned, the newest or dropped");
      }
    }
    for (Turn t : covered) {
      t.dropped = true;
      keptTokens -= t.tokens;
      summarized += t.messages.size();
    }
    TextBlock block = summaryBlock(text);
    summary.clear();
    summary.add(block);
    summaryTokens = messageTokens.applyAsInt(new Message(Role.USER, List.of(block)));
  }

  /** The tokens a summary with this text would add. */
  int summaryTokens(String text) {
    return messageTokens.applyAsInt(new Message(Role.USER, List.of(summaryBlock(text))));
  }

  private static TextBlock summaryBlock(String text) {
    return new TextBlock("<conversation_summary>\n" + text.strip() + "\n</conversation_summary>",
        dev.ralex.api.CacheControl.NONE);
  }

  /**
   * Replaces the messages of a removable turn (to shorten tool results, say) by {@code messages}, which must
   * keep the turn's shape: as many messages, the same roles, the same tool ids in the same places.
   *
   * @throws IllegalArgumentException if the turn cannot be changed or the shape differs
   */
  public void replace(Turn turn, List<Message> messages) {
    if (!turn.removable()) {
      throw new IllegalArgumentException("turn " + turn.index + " is pinned, the newest or dropped");
    }
    if (messages.size() != turn.messages.size()) {
      throw new IllegalArgumentException("a replacement must keep the turn's " + turn.messages.size() + " messages");
    }
    for (int i = 0; i < messages.size(); i++) {
      Message before = turn.messages.get(i);
      Message after = messages.get(i);
      if (before.role() != after.role() || !toolIds(before).equals(toolIds(after))) {
        throw new IllegalArgumentException("a replacement must keep each message's role and tool ids");
      }
    }
    keptTokens -= turn.tokens;
    turn.messages = List.copyOf(messages);
    turn.tokens = 0;
    for (Message m : turn.messages) {
      turn.tokens += messageTokens.applyAsInt(m);
    }
    keptTokens += turn.tokens;
  }

  private static List<String> toolIds(Message m) {
    List<String> ids = new ArrayList<>();
    for (ContentBlock b : m.content()) {
      if (b instanceof ToolResultBlock r) {
        ids.add("result:" + r.toolUseId());
      } else if (b instanceof dev.ralex.api.ToolUseBlock u) {
        ids.add("use:" + u.id());
      }
    }
    return ids;
  }

  /** The kept messages, oldest first. */
  List<Message> keptMessages() {
    List<Message> kept = new ArrayList<>();
    for (Turn t : turns) {
      if (!t.dropped) {
        kept.addAll(t.messages);
      }
    }
    return kept;
  }

  List<TextBlock> summaryBlocks() {
    return summary;
  }

  /** One turn of the history. */
  public static final class Turn {
    private final int index;
    private List<Message> messages;
    private int tokens;
    private final boolean pinned;
    private boolean newest;
    private boolean dropped;

    Turn(int index, List<Message> messages, int[] counts, int offset) {
      this.index = index;
      this.messages = messages;
      boolean anyPinned = false;
      for (int i = 0; i < messages.size(); i++) {
        tokens += counts[offset + i];
        anyPinned |= messages.get(i).pinned();
      }
      this.pinned = anyPinned;
    }

    /** Its position, 0 for the oldest. */
    public int index() {
      return index;
    }

    /** Its messages, oldest first. */
    public List<Message> messages() {
      return messages;
    }

    /** Its estimated tokens. */
    public int tokens() {
      return tokens;
    }

    /** Whether it holds a pinned message. */
    public boolean pinned() {
      return pinned;
    }

    /** Whether it holds the newest user message. */
    public boolean newest() {
      return newest;
    }

    /** Whether a step dropped or summarized it. */
    public boolean dropped() {
      return dropped;
    }

    /** Whether a step may drop, summarize or change it. */
    public boolean removable() {
      return !pinned && !newest && !dropped;
    }
  }
}
