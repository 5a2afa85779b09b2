package dev.ralex.core;

import dev.ralex.api.ChatRequest;
import java.util.Objects;

/**
 * Which calls a {@link Budget} covers: all of them, those with one tag value, or those of one conversation.
 *
 * @param kind the kind of scope
 * @param key the tag key for {@link Kind#TAG}, else empty
 * @param value the tag value for {@link Kind#TAG}, the conversation id for {@link Kind#CONVERSATION}, else empty
 */
public record BudgetScope(Kind kind, String key, String value) {
  /** Every call. */
  public static final BudgetScope GLOBAL = new BudgetScope(Kind.GLOBAL, "", "");

  /** The kinds of scope. */
  public enum Kind {
    /** Every call. */
    GLOBAL,
    /** Calls tagged {@code key=value}. */
    TAG,
    /** Calls of one conversation. */
    CONVERSATION
  }

  /** Validates the scope. */
  public BudgetScope {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(value, "value");
    if (kind == Kind.TAG && (key.isBlank() || value.isBlank())) {
      throw new IllegalArgumentException("a tag scope needs a key and a value");
    }
    if (kind == Kind.CONVERSATION && value.isBlank()) {
      throw new IllegalArgumentException("a conversation scope needs a conversation id");
    }
  }

  /** Calls tagged {@code key=value}. */
  public static BudgetScope tag(String key, String value) {
    return new BudgetScope(Kind.TAG, key, value);
  }

  /** Calls of the conversation with this id. */
  public static BudgetScope conversation(String conversationId) {
    return new BudgetScope(Kind.CONVERSATION, "", conversationId);
  }

  /** Whether a call of {@code request} falls under this scope. */
  public boolean covers(ChatRequest request) {
    switch (kind) {
      case GLOBAL:
        return true;
      case TAG:
        return value.equals(request.tags().get(key));
      default:
        return request.conversationId().map(value::equals).orElse(false);
    }
  }

  @Override
  public String toString() {
    switch (kind) {
      case GLOBAL:
        return "global";
      case TAG:
        return "tag " + key + "=" + value;
      default:
        return "conversation " + value;
    }
  }
}
