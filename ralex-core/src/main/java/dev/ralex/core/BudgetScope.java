package dev.ralex.core;

import dev.ralex.api.ChatRequest;
import java.util.Objects;
import java.util.Optional;

/**
 * Which calls a {@link Budget} covers: all of them, those with one tag value, or those of one conversation; or,
 * as a template, each conversation or each value of a tag apart, so that every new conversation or tag value
 * gets a budget of its own without being listed. Immutable.
 *
 * @param kind the kind of scope
 * @param key the tag key for {@link Kind#TAG}, else empty
 * @param value the tag value for {@link Kind#TAG}, the conversation id for {@link Kind#CONVERSATION}, else
 *     empty; empty for a {@link Kind#TAG} or {@link Kind#CONVERSATION} scope makes it a template
 */
public record BudgetScope(Kind kind, String key, String value) {
  /** Every call. */
  public static final BudgetScope GLOBAL = new BudgetScope(Kind.GLOBAL, "", "");

  /** The kinds of scope. */
  public enum Kind {
    /** Every call. */
    GLOBAL,
    /** Calls tagged {@code key=value}, or each value of {@code key} apart. */
    TAG,
    /** Calls of one conversation, or each conversation apart. */
    CONVERSATION
  }

  /** Validates the scope. */
  public BudgetScope {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(value, "value");
    if (kind == Kind.TAG && key.isBlank()) {
      throw new IllegalArgumentException("a tag scope needs a key");
    }
    if (kind != Kind.GLOBAL && !value.isEmpty() && value.isBlank()) {
      throw new IllegalArgumentException("a " + kind.name().toLowerCase(java.util.Locale.ROOT)
          + " scope's value must not be blank; leave it empty for a template");
    }
    if (kind == Kind.GLOBAL && !(key.isEmpty() && value.isEmpty())) {
      throw new IllegalArgumentException("the global scope has no key or value");
    }
  }

  /** Calls tagged {@code key=value}. */
  public static BudgetScope tag(String key, String value) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException("a tag scope needs a key and a value");
    }
    return new BudgetScope(Kind.TAG, key, value);
  }

  /** Calls of the conversation with this id. */
  public static BudgetScope conversation(String conversationId) {
    if (conversationId == null || conversationId.isBlank()) {
      throw new IllegalArgumentException("a conversation scope needs a conversation id");
    }
    return new BudgetScope(Kind.CONVERSATION, "", conversationId);
  }

  /** A template: each conversation apart, with a budget of its own. Calls outside conversations are not covered. */
  public static BudgetScope eachConversation() {
    return new BudgetScope(Kind.CONVERSATION, "", "");
  }

  /** A template: each value of the tag {@code key} apart, with a budget of its own. Untagged calls are not covered. */
  public static BudgetScope eachTag(String key) {
    return new BudgetScope(Kind.TAG, key, "");
  }

  /** Whether this scope stands for each conversation or each tag value apart rather than for one set of calls. */
  public boolean isTemplate() {
    return kind != Kind.GLOBAL && value.isEmpty();
  }

  /**
   * The concrete scope {@code request} falls under: this scope itself unless it is a template, else the scope of
   * the request's conversation or tag value; empty if the request is not covered.
   */
  public Optional<BudgetScope> resolve(ChatRequest request) {
    if (!isTemplate()) {
      return covers(request) ? Optional.of(this) : Optional.empty();
    }
    Optional<String> v = valueOf(request);
    return v.isEmpty() || v.get().isBlank() ? Optional.empty() : Optional.of(new BudgetScope(kind, key, v.get()));
  }

  /** The conversation id or tag value of {@code request} this scope looks at; empty for the global scope. */
  Optional<String> valueOf(ChatRequest request) {
    switch (kind) {
      case TAG:
        return Optional.ofNullable(request.tags().get(key));
      case CONVERSATION:
        return request.conversationId();
      default:
        return Optional.empty();
    }
  }

  /** Whether a call of {@code request} falls under this scope; a template covers every call with a value. */
  public boolean covers(ChatRequest request) {
    switch (kind) {
      case GLOBAL:
        return true;
      case TAG:
      case CONVERSATION:
        Optional<String> v = valueOf(request);
        return isTemplate() ? v.isPresent() && !v.get().isBlank() : v.map(value::equals).orElse(false);
      default:
        throw new AssertionError(kind);
    }
  }

  @Override
  public String toString() {
    switch (kind) {
      case GLOBAL:
        return "global";
      case TAG:
        return isTemplate() ? "each tag " + key : "tag " + key + "=" + value;
      default:
        return isTemplate() ? "each conversation" : "conversation " + value;
    }
  }
}
