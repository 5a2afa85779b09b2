package dev.ralex.core;

import dev.ralex.api.Message;
import java.math.BigDecimal;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What a {@link ConversationStore} keeps of one conversation: its history (with each message's pin), system
 * prompt, model preference and daily budget. Immutable.
 *
 * @param messages the history, oldest first
 * @param systemPrompt the system prompt, or {@code null}
 * @param model the preferred model's id, or {@code null}
 * @param dailyBudget the conversation's daily cap in US dollars (see {@link Conversation#budget(BigDecimal)}), or
 *     {@code null}
 */
public record ConversationState(List<Message> messages, String systemPrompt, String model, BigDecimal dailyBudget) {
  /** An empty conversation with no settings. */
  public static final ConversationState EMPTY = new ConversationState(List.of(), null, null, null);

  /** Validates the state. */
  public ConversationState {
    messages = List.copyOf(Objects.requireNonNull(messages, "messages"));
    if (dailyBudget != null && dailyBudget.signum() < 0) {
      throw new IllegalArgumentException("dailyBudget must not be negative but was " + dailyBudget);
    }
  }

  /** The system prompt, if set. */
  public Optional<String> system() {
    return Optional.ofNullable(systemPrompt);
  }

  /** The preferred model, if set. */
  public Optional<String> preferredModel() {
    return Optional.ofNullable(model);
  }

  /** The daily budget, if set. */
  public Optional<BigDecimal> budget() {
    return Optional.ofNullable(dailyBudget);
  }

  /** Names the sizes, never the text. */
  @Override
  public String toString() {
    return "ConversationState[" + messages.size() + " messages" + (systemPrompt != null ? ", system prompt" : "")
        + (model != null ? ", model=" + model : "") + (dailyBudget != null ? ", dailyBudget=" + dailyBudget : "")
        + "]";
  }
}
