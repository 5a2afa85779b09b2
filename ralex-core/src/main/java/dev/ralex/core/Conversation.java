package dev.ralex.core;

import dev.ralex.api.ChatRequest;
import dev.ralex.api.ChatResponse;
import dev.ralex.api.LlmException;
import dev.ralex.api.Message;
import dev.ralex.api.Role;
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
 * <p>Thread-safe: sends to one conversation are serialized (a second send waits for the first), and
 * conversations proceed in parallel. Obtain one with {@link Ralex#conversation(String)}.
 */
public final class Conversation {
  private final Ralex ralex;
  private final String id;
  private final ReentrantLock lock = new ReentrantLock(true);
  private final List<Message> history = new ArrayList<>();
  private volatile String systemPrompt;
  private volatile String model;

  Conversation(Ralex ralex, String id) {
    this.ralex = ralex;
    this.id = id;
  }

  /** The conversation's id, also the {@link ChatRequest#conversationId()} of its calls. */
  public String id() {
    return id;
  }

  /** Sets the system prompt for the following sends; {@code null} removes it. */
  public Conversation system(String systemPrompt) {
    this.systemPrompt = systemPrompt;
    return this;
  }

  /** The system prompt, if set. */
  public Optional<String> system() {
    return Optional.ofNullable(systemPrompt);
  }

  /** Prefers a model for the following sends; {@code null} lets Ralex's selector choose. */
  public Conversation model(String modelId) {
    if (modelId != null) {
      ralex.model(modelId);
    }
    this.model = modelId;
    return this;
  }

  /** The preferred model, if set. */
  public Optional<String> model() {
    return Optional.ofNullable(model);
  }

  /**
   * Sends a user message with this text and waits for the answer.
   *
   * @throws LlmException as {@link Ralex#chat}; the history is then unchanged
   */
  public ChatResponse send(String userText) {
    return send(Message.user(userText));
  }

  /**
   * Sends a user message (text, images or tool results) and waits for the answer.
   *
   * @throws LlmException as {@link Ralex#chat}; the history is then unchanged
   */
  public ChatResponse send(Message userMessage) {
    return send(userMessage, UnaryOperator.identity());
  }

  /**
   * Sends a user message, letting {@code customizer} set further request fields (tools, max output tokens,
   * tags); the messages, system prompt, model preference and conversation id are set by the conversation.
   *
   * @throws LlmException as {@link Ralex#chat}; the history is then unchanged
   */
  public ChatResponse send(Message userMessage, UnaryOperator<ChatRequest.Builder> customizer) {
    Objects.requireNonNull(userMessage, "userMessage");
    Objects.requireNonNull(customizer, "customizer");
    if (userMessage.role() != Role.USER) {
      throw new IllegalArgumentException("a conversation sends user messages; append answers with the response");
    }
    lock.lock();
    try {
      List<Message> messages = new ArrayList<>(history.size() + 1);
      messages.addAll(history);
      messages.add(userMessage);
      ChatRequest.Builder builder = customizer.apply(ChatRequest.builder());
      ChatRequest request = builder
          .messages(messages)
          .system(systemPrompt)
          .model(model)
          .conversationId(id)
          .build();
      ChatResponse response = ralex.chat(request);
      history.add(userMessage);
      if (!response.content().isEmpty()) {
        history.add(response.toMessage());
      }
      return response;
    } finally {
      lock.unlock();
    }
  }

  /** A snapshot of the history, oldest first. */
  public List<Message> history() {
    lock.lock();
    try {
      return List.copyOf(history);
    } finally {
      lock.unlock();
    }
  }

  /** Empties the history; the system prompt and model preference stay. */
  public void clear() {
    lock.lock();
    try {
      history.clear();
    } finally {
      lock.unlock();
    }
  }

  /** Removes this conversation from its {@link Ralex}; a later lookup of the id starts a new, empty one. */
  public void delete() {
    lock.lock();
    try {
      history.clear();
      ralex.forget(id);
    } finally {
      lock.unlock();
    }
  }

  @Override
  public String toString() {
    return "Conversation[" + id + ", " + history.size() + " messages]";
  }
}
