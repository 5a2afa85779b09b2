package dev.ralex.core;

import dev.ralex.api.ContentBlock;
import dev.ralex.api.ErrorDetails;
import dev.ralex.api.InvalidRequestException;
import dev.ralex.api.Message;
import dev.ralex.api.Role;
import dev.ralex.api.ToolResultBlock;
import dev.ralex.api.ToolUseBlock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks a conversation's history before it is sent, and repairs or refuses a broken one, so that a history left
 * broken by a crash or a concurrent send fails here with a clear message (or is fixed) rather than at the
 * provider with a 400.
 *
 * <p>The pairing rules: every {@code tool_use} block of an assistant message must be answered by a {@code
 * tool_result} block with the same id in the very next message, which must be a user message; every {@code
 * tool_result} block must answer a {@code tool_use} of the assistant message right before it, at most once. A
 * block that breaks a rule is an {@linkplain Orphan orphan}.
 *
 * <p>{@link Policy#REPAIR} drops orphan blocks, drops messages left empty, and merges adjacent messages of the
 * same role (their blocks in order; the merged message is pinned if either was), so roles alternate; then tells
 * the {@link Listener}. Correctly paired blocks are never dropped, pinned messages are dropped only when all their
 * blocks were orphans, and repair is idempotent. {@link Policy#REFUSE} throws {@link InvalidRequestException}
 * naming the first orphan's message index and tool id.
 *
 * <p>Immutable and thread-safe; the listener is called on the sending thread.
 */
public final class HistoryRepair {
  private static final Logger LOG = LoggerFactory.getLogger(HistoryRepair.class);

  /** What to do with a broken history. */
  public enum Policy {
    /** Drop the orphans, keep roles alternating, tell the listener, and send. */
    REPAIR,
    /** Refuse to send: throw {@link InvalidRequestException}. */
    REFUSE
  }

  /** Which side of a pair is missing. */
  public enum OrphanKind {
    /** A {@code tool_use} not answered by a {@code tool_result} in the next message. */
    TOOL_USE,
    /** A {@code tool_result} that answers no {@code tool_use} of the message before it (or answers one twice). */
    TOOL_RESULT
  }

  /**
   * One block that breaks the pairing rules.
   *
   * @param messageIndex the index of the message holding it, in the list that was checked
   * @param toolUseId the tool call's id
   * @param kind which side of the pair it is
   */
  public record Orphan(int messageIndex, String toolUseId, OrphanKind kind) {
    /** Validates the orphan. */
    public Orphan {
      Objects.requireNonNull(toolUseId, "toolUseId");
      Objects.requireNonNull(kind, "kind");
    }

    /** A sentence naming the message index, the tool id and what is wrong. */
    public String describe() {
      return kind == OrphanKind.TOOL_USE
          ? "message " + messageIndex + " has tool_use '" + toolUseId
              + "' with no tool_result for it in the next user message"
          : "message " + messageIndex + " has tool_result '" + toolUseId
              + "' that answers no tool_use of the assistant message before it";
    }
  }

  /**
   * What a repair did.
   *
   * @param messages the repaired history
   * @param orphans the orphan blocks dropped, with indexes in the history as it was before the repair
   * @param droppedMessages how many messages were dropped because only orphans were left in them
   * @param mergedMessages how many messages were merged into the one before them to keep roles alternating
   */
  public record Result(List<Message> messages, List<Orphan> orphans, int droppedMessages, int mergedMessages) {
    /** Validates the result. */
    public Result {
      messages = List.copyOf(messages);
      orphans = List.copyOf(orphans);
    }

    /** Whether the repair changed anything. */
    public boolean changed() {
      return !orphans.isEmpty() || droppedMessages > 0 || mergedMessages > 0;
    }
  }

  /**
   * Told of every repair that changed a history. Implementations must be thread-safe; an exception thrown here is
   * logged and does not fail the send.
   */
  @FunctionalInterface
  public interface Listener {
    /** Ignores repairs. */
    Listener NONE = (conversationId, result) -> { };

    /**
     * A history was repaired before a send.
     *
     * @param conversationId the conversation's id
     * @param result what changed
     */
    void onRepaired(String conversationId, Result result);
  }

  private static final HistoryRepair REPAIRING = new HistoryRepair(Policy.REPAIR, Listener.NONE);
  private static final HistoryRepair REFUSING = new HistoryRepair(Policy.REFUSE, Listener.NONE);

  private final Policy policy;
  private final Listener listener;

  private HistoryRepair(Policy policy, Listener listener) {
    this.policy = policy;
    this.listener = listener;
  }

  /** Repairs broken histories, telling no one (the default). */
  public static HistoryRepair repairing() {
    return REPAIRING;
  }

  /** Repairs broken histories and tells {@code listener} what changed. */
  public static HistoryRepair repairing(Listener listener) {
    return new HistoryRepair(Policy.REPAIR, Objects.requireNonNull(listener, "listener"));
  }

  /** Refuses to send a broken history. */
  public static HistoryRepair refusing() {
    return REFUSING;
  }

  /** The policy. */
  public Policy policy() {
    return policy;
  }
  /** This repair, also telling {@code also} about each repair, after its own listener; a refusal is unchanged. */
  HistoryRepair alsoNotifying(Listener also) {
    if (policy == Policy.REFUSE) {
      return this;
    }
    Listener first = listener;
    return new HistoryRepair(policy, (conversationId, result) -> {
      try {
        first.onRepaired(conversationId, result);
      } finally {
        also.onRepaired(conversationId, result);
      }
    });
  }


  /**
   * Applies the policy to {@code messages} before a send: returns them unchanged when no block is an orphan;
   * otherwise, under {@link Policy#REPAIR}, returns the {@linkplain #repair repaired} history and tells the
   * listener, and under {@link Policy#REFUSE} throws. Under REPAIR, adjacent messages of one role are merged
   * even when nothing is an orphan.
   *
   * @throws InvalidRequestException under {@link Policy#REFUSE}, naming the first orphan's message index and id
   */
  public List<Message> apply(String conversationId, List<Message> messages) {
    Objects.requireNonNull(conversationId, "conversationId");
    if (policy == Policy.REFUSE) {
      List<Orphan> orphans = findOrphans(messages);
      if (!orphans.isEmpty()) {
        throw new InvalidRequestException("conversation '" + conversationId + "': history is broken, "
            + orphans.get(0).describe() + (orphans.size() > 1 ? " (and " + (orphans.size() - 1) + " more)" : "")
            + "; refused by the REFUSE history-repair policy", ErrorDetails.NONE);
      }
      return List.copyOf(messages);
    }
    Result result = repair(messages);
    if (result.changed()) {
      try {
        listener.onRepaired(conversationId, result);
      } catch (RuntimeException e) {
        LOG.warn("history repair listener {} failed; the send goes on", listener.getClass().getName(), e);
      }
    }
    return result.messages();
  }

  /** The orphan blocks of {@code messages}, in order; empty if every tool call is answered correctly. */
  public static List<Orphan> findOrphans(List<Message> messages) {
    Objects.requireNonNull(messages, "messages");
    List<Orphan> orphans = new ArrayList<>();
    for (int i = 0; i < messages.size(); i++) {
      boolean[] orphan = orphanBlocks(messages, i);
      List<ContentBlock> content = messages.get(i).content();
      for (int j = 0; j < orphan.length; j++) {
        if (orphan[j]) {
          ContentBlock b = content.get(j);
          orphans.add(b instanceof ToolUseBlock u
              ? new Orphan(i, u.id(), OrphanKind.TOOL_USE)
              : new Orphan(i, ((ToolResultBlock) b).toolUseId(), OrphanKind.TOOL_RESULT));
        }
      }
    }
    return orphans;
  }

  /** Which blocks of message {@code i} are orphans; a repeated id in one message makes the repeat an orphan. */
  private static boolean[] orphanBlocks(List<Message> messages, int i) {
    Message m = messages.get(i);
    boolean[] orphan = new boolean[m.content().size()];
    Set<String> seen = new HashSet<>();
    if (m.role() == Role.ASSISTANT) {
      Set<String> answered = i + 1 < messages.size() && messages.get(i + 1).role() == Role.USER
          ? resultIds(messages.get(i + 1)) : Set.of();
      for (int j = 0; j < orphan.length; j++) {
        if (m.content().get(j) instanceof ToolUseBlock u) {
          orphan[j] = !seen.add(u.id()) || !answered.contains(u.id());
        }
      }
    } else {
      Set<String> asked = i > 0 && messages.get(i - 1).role() == Role.ASSISTANT
          ? useIds(messages.get(i - 1)) : Set.of();
      for (int j = 0; j < orphan.length; j++) {
        if (m.content().get(j) instanceof ToolResultBlock r) {
          orphan[j] = !seen.add(r.toolUseId()) || !asked.contains(r.toolUseId());
        }
      }
    }
    return orphan;
  }

  /**
   * Repairs {@code messages} whatever the policy: drops every orphan block, drops messages left empty, and merges
   * adjacent messages of the same role, repeating until nothing changes. The result has no orphan and
   * alternating roles; repairing it again changes nothing. The orphans reported carry indexes into {@code
   * messages} (a second round, rarely needed, reports indexes into the history its first round left).
   */
  public static Result repair(List<Message> messages) {
    Objects.requireNonNull(messages, "messages");
    List<Message> current = List.copyOf(messages);
    List<Orphan> allOrphans = new ArrayList<>();
    int dropped = 0;
    int merged = 0;
    while (true) {
      List<Orphan> orphans = findOrphans(current);
      allOrphans.addAll(orphans);
      List<Message> next = new ArrayList<>(current.size());
      for (int i = 0; i < current.size(); i++) {
        Message m = current.get(i);
        if (orphans.isEmpty()) {
          next.add(m);
          continue;
        }
        boolean[] orphan = orphanBlocks(current, i);
        List<ContentBlock> kept = new ArrayList<>(m.content().size());
        for (int j = 0; j < orphan.length; j++) {
          if (!orphan[j]) {
            kept.add(m.content().get(j));
          }
        }
        if (kept.isEmpty()) {
          dropped++;
        } else {
          next.add(kept.size() == m.content().size() ? m : new Message(m.role(), kept, m.pinned()));
        }
      }
      List<Message> alternating = new ArrayList<>(next.size());
      for (Message m : next) {
        Message last = alternating.isEmpty() ? null : alternating.get(alternating.size() - 1);
        if (last != null && last.role() == m.role()) {
          List<ContentBlock> blocks = new ArrayList<>(last.content());
          blocks.addAll(m.content());
          alternating.set(alternating.size() - 1, new Message(m.role(), blocks, last.pinned() || m.pinned()));
          merged++;
        } else {
          alternating.add(m);
        }
      }
      boolean changed = !orphans.isEmpty() || alternating.size() != current.size();
      current = alternating;
      if (!changed) {
        return new Result(current, allOrphans, dropped, merged);
      }
    }
  }

  private static Set<String> resultIds(Message m) {
    Set<String> ids = new HashSet<>();
    for (ContentBlock b : m.content()) {
      if (b instanceof ToolResultBlock r) {
        ids.add(r.toolUseId());
      }
    }
    return ids;
  }

  private static Set<String> useIds(Message m) {
    Set<String> ids = new HashSet<>();
    for (ContentBlock b : m.content()) {
      if (b instanceof ToolUseBlock u) {
        ids.add(u.id());
      }
    }
    return ids;
  }

  @Override
  public String toString() {
    return "HistoryRepair[" + policy + "]";
  }
}
