package dev.ralex.core;

import dev.ralex.api.BudgetExceededException;
import dev.ralex.api.ChatRequest;
import dev.ralex.api.ChatResponse;
import dev.ralex.api.ErrorDetails;
import dev.ralex.api.InvalidRequestException;
import dev.ralex.api.LlmException;
import dev.ralex.api.Message;
import dev.ralex.api.Role;
import dev.ralex.api.UnknownModelException;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.UnaryOperator;

/**
 * The history of one conversation, sent through the same pipeline as every other call. Each {@link #send}
 * appends the new user message and the answer to the history only when the call succeeds, so a failed call
 * leaves the history as it was.
 *
 * <p>Messages keep their {@linkplain Message#pinned() pin} (a pinned message is never compressed away); {@link
 * #pin(int)} and {@link #unpin(int)} change it later. The system prompt is not a message and is always sent.
 * Before every send the history is checked by Ralex's {@link HistoryRepair}: a {@code tool_use} left without its
 * {@code tool_result} (or the reverse) by a crash or a concurrent send is repaired or refused, by configuration.
 *
 * <p>The conversation's state (history with pins, system prompt, model preference, daily budget) is loaded from
 * Ralex's {@link ConversationStore} on first use and saved after every successful send and every change. If the
 * store fails to save, the change is kept in memory (the next save writes it) and {@link
 * ConversationStoreException} is thrown.
 *
 * <p>Thread-safe: sends and changes to one conversation are serialized by a fair lock (a second send waits for the
 * first), and conversations proceed in parallel. Obtain one with {@link Ralex#conversation(String)}.
 */
public final class Conversation {
  private final Ralex ralex;
  private final ConversationRegistry registry;
  private final String id;
  private final ReentrantLock lock = new ReentrantLock(true);
  private final List<Message> history;
  private volatile String systemPrompt;
  private volatile String model;
  private volatile BigDecimal dailyBudget;
  private boolean deleted;

  Conversation(Ralex ralex, ConversationRegistry registry, String id, ConversationState state) {
    this.ralex = ralex;
    this.registry = registry;
    this.id = id;
    this.history = new ArrayList<>(state.messages());
    this.systemPrompt = state.systemPrompt();
    this.model = state.model();
    this.dailyBudget = state.dailyBudget();
  }

  /** The conversation's id, also the {@link ChatRequest#conversationId()} of its calls. */
  public String id() {
    return id;
  }

  /**
   * Sets the system prompt for the following sends; {@code null} removes it. Saved to the store.
   *
   * @throws IllegalStateException if the conversation was deleted
   */
  public Conversation system(String systemPrompt) {
    lock.lock();
    try {
      checkLive();
      this.systemPrompt = systemPrompt;
      save();
    } finally {
      lock.unlock();
    }
    return this;
  }

  /** The system prompt, if set. */
  public Optional<String> system() {
    return Optional.ofNullable(systemPrompt);
  }

  /**
   * Prefers a model for the following sends; {@code null} lets Ralex's selector choose. Saved to the store.
   *
   * @throws UnknownModelException if this Ralex cannot call the model
   * @throws IllegalStateException if the conversation was deleted
   */
  public Conversation model(String modelId) {
    if (modelId != null) {
      ralex.model(modelId);
    }
    lock.lock();
    try {
      checkLive();
      this.model = modelId;
      save();
    } finally {
      lock.unlock();
    }
    return this;
  }

  /** The preferred model, if set. */
  public Optional<String> model() {
    return Optional.ofNullable(model);
  }

  /**
   * Caps what this conversation may spend per day (days start at midnight in Ralex's time zone), in US dollars;
   * {@code null} removes the cap. Saved to the store.
   *
   * <p>The cap is checked before each send against the usage tracker's records of this conversation's calls
   * today: once they reach the cap, sends are refused with {@link BudgetExceededException}. Since the cost of a
   * call is known only afterwards, the last call allowed may take the spend past the cap by its own cost; for a
   * hard cap that reserves each attempt's worst case, configure {@code Budget} with {@link
   * BudgetScope#conversation(String)} on the builder. Spend the tracker no longer keeps (beyond its record
   * limit) is not counted.
   *
   * @throws IllegalArgumentException if {@code dailyLimit} is negative
   * @throws IllegalStateException if the conversation was deleted
   */
  public Conversation budget(BigDecimal dailyLimit) {
    if (dailyLimit != null && dailyLimit.signum() < 0) {
      throw new IllegalArgumentException("dailyLimit must not be negative but was " + dailyLimit);
    }
    lock.lock();
    try {
      checkLive();
      this.dailyBudget = dailyLimit;
      save();
    } finally {
      lock.unlock();
    }
    return this;
  }

  /** The daily budget, if set. */
  public Optional<BigDecimal> budget() {
    return Optional.ofNullable(dailyBudget);
  }

  /** What this conversation's calls cost today (in Ralex's time zone), from the usage tracker's records. */
  public BigDecimal spentToday() {
    Instant now = ralex.clock.instant();
    Instant start = LocalDate.ofInstant(now, registry.zone).atStartOfDay(registry.zone).toInstant();
    BigDecimal sum = BigDecimal.ZERO;
    for (UsageRecord r : ralex.usage().records(start, now.plusNanos(1))) {
      if (id.equals(r.conversationId())) {
        sum = sum.add(r.cost());
      }
    }
    return sum;
  }

  /**
   * Sends a user message with this text and waits for the answer.
   *
   * @throws LlmException as {@link Ralex#chat}, or {@link InvalidRequestException} if the history is broken and
   *     the policy refuses it; the history is then unchanged
   */
  public ChatResponse send(String userText) {
    return send(Message.user(userText));
  }

  /**
   * Sends a pinned user message with this text (never compressed away) and waits for the answer.
   *
   * @throws LlmException as {@link #send(String)}
   */
  public ChatResponse sendPinned(String userText) {
    return send(Message.user(userText).pin());
  }

  /**
   * Sends a user message (text, images or tool results; pinned or not, as given) and waits for the answer.
   *
   * @throws LlmException as {@link #send(String)}
   */
  public ChatResponse send(Message userMessage) {
    return send(userMessage, UnaryOperator.identity());
  }

  /**
   * Sends a user message, letting {@code customizer} set further request fields (tools, max output tokens,
   * tags); the messages, system prompt, model preference and conversation id are set by the conversation.
   *
   * <p>Before sending, the daily budget is checked and the history plus {@code userMessage} goes through the
   * history repair; the history sent (repaired, if it was) and the answer become the history when the call
   * succeeds, and are saved.
   *
   * @throws LlmException as {@link Ralex#chat}; {@link BudgetExceededException} if the conversation's daily
   *     budget is spent; {@link InvalidRequestException} if the history is broken and the policy refuses it, or
   *     if nothing of {@code userMessage} is left after repair (all its tool results answer nothing). The
   *     history is then unchanged.
   * @throws ConversationStoreException if the call succeeded but the store failed to save (the history in
   *     memory holds the answer)
   * @throws IllegalStateException if the conversation was deleted
   */
  public ChatResponse send(Message userMessage, UnaryOperator<ChatRequest.Builder> customizer) {
    Objects.requireNonNull(userMessage, "userMessage");
    Objects.requireNonNull(customizer, "customizer");
    if (userMessage.role() != Role.USER) {
      throw new IllegalArgumentException("a conversation sends user messages; append answers with the response");
    }
    lock.lock();
    try {
      checkLive();
      checkBudget();
      List<Message> messages = new ArrayList<>(history.size() + 1);
      messages.addAll(history);
      messages.add(userMessage);
      messages = registry.repair.apply(id, messages);
      if (messages.isEmpty() || messages.get(messages.size() - 1).role() != Role.USER) {
        throw new InvalidRequestException("conversation '" + id + "': the message sent holds only tool results "
            + "that answer no tool_use of the assistant message before it; nothing is left to send",
            ErrorDetails.NONE);
      }
      ChatRequest.Builder builder = customizer.apply(ChatRequest.builder());
      ChatRequest request = builder
          .messages(messages)
          .system(systemPrompt)
          .model(model)
          .conversationId(id)
          .build();
      ChatResponse response = ralex.chat(request);
      history.clear();
      history.addAll(messages);
      if (!response.content().isEmpty()) {
        history.add(response.toMessage());
      }
      save();
      return response;
    } finally {
      lock.unlock();
    }
  }

  private void checkBudget() {
    BigDecimal limit = dailyBudget;
    if (limit == null) {
      return;
    }
    BigDecimal spent = spentToday();
    if (spent.compareTo(limit) >= 0) {
      throw new BudgetExceededException("daily conversation " + id, limit, spent, BigDecimal.ZERO);
    }
  }

  /** A snapshot of the history, oldest first, with each message's pin. */
  public List<Message> history() {
    lock.lock();
    try {
      return List.copyOf(history);
    } finally {
      lock.unlock();
    }
  }

  /**
   * Pins the history's message at {@code index}: context compression keeps it as it is. Saved to the store.
   *
   * @throws IndexOutOfBoundsException if there is no such message
   * @throws IllegalStateException if the conversation was deleted
   */
  public Conversation pin(int index) {
    return setPinned(index, true);
  }

  /**
   * Unpins the history's message at {@code index}. Saved to the store.
   *
   * @throws IndexOutOfBoundsException if there is no such message
   * @throws IllegalStateException if the conversation was deleted
   */
  public Conversation unpin(int index) {
    return setPinned(index, false);
  }

  private Conversation setPinned(int index, boolean pinned) {
    lock.lock();
    try {
      checkLive();
      Objects.checkIndex(index, history.size());
      Message m = history.get(index);
      if (m.pinned() != pinned) {
        history.set(index, pinned ? m.pin() : m.unpin());
        save();
      }
    } finally {
      lock.unlock();
    }
    return this;
  }

  /**
   * Empties the history; the system prompt, model preference and budget stay. Saved to the store.
   *
   * @throws IllegalStateException if the conversation was deleted
   */
  public void clear() {
    lock.lock();
    try {
      checkLive();
      history.clear();
      save();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Removes this conversation from its {@link Ralex} and its store; a later lookup of the id starts a new, empty
   * one. This object can no longer be used: its sends and changes throw {@link IllegalStateException}.
   * Idempotent.
   *
   * @throws ConversationStoreException if the store cannot remove it (it is still forgotten in memory)
   */
  public void delete() {
    lock.lock();
    try {
      if (deleted) {
        return;
      }
      deleted = true;
      history.clear();
      registry.forget(this);
      registry.store.delete(id);
    } finally {
      lock.unlock();
    }
  }

  /** Whether {@code thread} is waiting for this conversation's lock, for tests. */
  boolean hasQueuedThread(Thread thread) {
    return lock.hasQueuedThread(thread);
  }

  /** Guarded by the lock. */
  private void checkLive() {
    if (deleted) {
      throw new IllegalStateException("conversation '" + id + "' was deleted; get a new one from Ralex");
    }
  }

  /** Guarded by the lock. */
  private void save() {
    registry.store.save(id, new ConversationState(history, systemPrompt, model, dailyBudget));
  }

  @Override
  public String toString() {
    return "Conversation[" + id + ", " + history.size() + " messages]";
  }
}
