package dev.ralex.examples.custom;

import dev.ralex.api.ChatRequest;
import dev.ralex.api.ChatResponse;
import dev.ralex.api.ContentBlock;
import dev.ralex.api.LlmProvider;
import dev.ralex.api.ModelInfo;
import dev.ralex.api.StopReason;
import dev.ralex.api.TokenEstimates;
import dev.ralex.api.Usage;
import java.util.List;
import java.util.Objects;

/**
 * A minimal {@link LlmProvider}: it answers every request with a prefix and the last user message. Copy it as the
 * skeleton of a provider for your own service; a real one would send the request over HTTP in {@link #chat} and
 * map the service's errors to the specific {@link dev.ralex.api.LlmException} subtypes.
 *
 * <p>Only {@link #id()} and {@link #chat} are required. Ralex has already chosen the model, checked the budget
 * and taken a rate-limit permit when it calls {@code chat}; it retries, falls back and prices the usage itself.
 * Thread-safe: the only state is an immutable string.
 */
public final class EchoProvider implements LlmProvider {
  /** The provider id, and so the prefix of the ids of the models it serves, such as {@code echo/v1}. */
  public static final String ID = "echo";

  private final String prefix;

  /**
   * Creates the provider.
   *
   * @param prefix the text put before each echoed message
   */
  public EchoProvider(String prefix) {
    this.prefix = Objects.requireNonNull(prefix, "prefix");
  }

  @Override
  public String id() {
    return ID;
  }

  @Override
  public ChatResponse chat(ModelInfo model, ChatRequest request) {
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(request, "request");
    String answer = prefix + request.lastUserText();
    // Report usage as billed; Ralex prices it with the model's pricing. Estimates stand in for a real count.
    Usage usage = Usage.of(estimateInputTokens(model, request), TokenEstimates.estimateText(answer));
    return ChatResponse.builder()
        .content(List.of(ContentBlock.text(answer)))
        .model(model.id())
        .provider(ID)
        .usage(usage)
        .stopReason(StopReason.END_TURN)
        .build();
  }

  @Override
  public String toString() {
    return "EchoProvider[prefix=" + prefix + "]";
  }
}
