package dev.ralex.api;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One turn of a conversation: a role and its ordered content blocks, and whether it is pinned.
 *
 * <p>A pinned message is one the caller marked as important: context compression never drops, summarizes or
 * truncates it. Pinning is Ralex's own mark; it is not sent to the provider.
 *
 * @param role who wrote it
 * @param content the blocks, in order; never empty
 * @param pinned whether context compression must keep it as it is
 */
public record Message(Role role, List<ContentBlock> content, boolean pinned) {
  /** Validates the message: a non-empty list of blocks that the role may hold. */
  public Message {
    Objects.requireNonNull(role, "role");
    content = Checks.copyOf(content, "content");
    if (content.isEmpty()) {
      throw new IllegalArgumentException("a message needs at least one content block");
    }
    for (ContentBlock block : content) {
      if (role == Role.USER && (block instanceof ToolUseBlock || block instanceof ThinkingBlock)) {
        throw new IllegalArgumentException("a user message cannot hold a " + block.type() + " block");
      }
      if (role == Role.ASSISTANT && block instanceof ToolResultBlock) {
        throw new IllegalArgumentException("an assistant message cannot hold a tool_result block");
      }
    }
  }

  /** An unpinned message. */
  public Message(Role role, List<ContentBlock> content) {
    this(role, content, false);
  }

  /** This message, pinned: context compression keeps it as it is. */
  public Message pin() {
    return pinned ? this : new Message(role, content, true);
  }

  /** This message, not pinned. */
  public Message unpin() {
    return pinned ? new Message(role, content, false) : this;
  }

  /** A user message with one text block. */
  public static Message user(String text) {
    return new Message(Role.USER, List.of(ContentBlock.text(text)));
  }

  /** A user message with the given blocks. */
  public static Message user(ContentBlock... content) {
    return new Message(Role.USER, List.of(content));
  }

  /** An assistant message with one text block. */
  public static Message assistant(String text) {
    return new Message(Role.ASSISTANT, List.of(ContentBlock.text(text)));
  }

  /** An assistant message with the given blocks. */
  public static Message assistant(ContentBlock... content) {
    return new Message(Role.ASSISTANT, List.of(content));
  }

  /** The concatenated text of this message's text blocks (tool results and other blocks excluded). */
  public String text() {
    if (content.size() == 1 && content.get(0) instanceof TextBlock t) {
      return t.text();
    }
    StringBuilder sb = new StringBuilder();
    for (ContentBlock block : content) {
      if (block instanceof TextBlock t) {
        sb.append(t.text());
      }
    }
    return sb.toString();
  }

  /** The tool calls in this message, in order. */
  public List<ToolUseBlock> toolUses() {
    List<ToolUseBlock> uses = new ArrayList<>();
    for (ContentBlock block : content) {
      if (block instanceof ToolUseBlock u) {
        uses.add(u);
      }
    }
    return uses;
  }

  /** The role and the kinds of blocks, never their text. */
  @Override
  public String toString() {
    return "Message[" + role + (pinned ? ", pinned, " : ", ") + content + "]";
  }
}
