package dev.ralex.store.redis;

import dev.ralex.api.ChatRequest;
import dev.ralex.api.ChatResponse;
import dev.ralex.api.ContentBlock;
import dev.ralex.api.LlmProvider;
import dev.ralex.api.ModelInfo;
import dev.ralex.api.StopReason;
import dev.ralex.api.Usage;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.ToIntFunction;

/**
 * A provider for tests that answers at once, billing one input token and as many output tokens as {@code
 * outputTokens} says for the request (never more than the request allows, so the real cost stays within the
 * worst case Ralex reserved). Counts its calls. Thread-safe.
 */
final class FixedUsageProvider implements LlmProvider {
  private final String id;
  private final List<ModelInfo> models;
  private final ToIntFunction<ChatRequest> outputTokens;
  final AtomicLong calls = new AtomicLong();

  FixedUsageProvider(String id, ToIntFunction<ChatRequest> outputTokens, ModelInfo... models) {
    this.id = id;
    this.outputTokens = outputTokens;
    this.models = List.of(models);
  }

  @Override
  public String id() {
    return id;
  }

  @Override
  public List<ModelInfo> models() {
    return models;
  }

  @Override
  public ChatResponse chat(ModelInfo model, ChatRequest request) {
    calls.incrementAndGet();
    int out = outputTokens.applyAsInt(request);
    if (request.maxOutputTokens().isPresent()) {
      out = Math.min(out, request.maxOutputTokens().getAsInt());
    }
    return ChatResponse.builder()
        .id("msg_" + calls.get())
        .content(List.of(ContentBlock.text("ok")))
        .model(model.id())
        .provider(model.provider())
        .usage(Usage.of(1, out))
        .stopReason(StopReason.END_TURN)
        .providerRequestId("req_test")
        .build();
  }
}
