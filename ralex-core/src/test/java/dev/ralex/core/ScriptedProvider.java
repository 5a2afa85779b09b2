package dev.ralex.core;

import dev.ralex.api.ChatRequest;
import dev.ralex.api.ChatResponse;
import dev.ralex.api.ContentBlock;
import dev.ralex.api.LlmException;
import dev.ralex.api.LlmProvider;
import dev.ralex.api.ModelInfo;
import dev.ralex.api.StopReason;
import dev.ralex.api.Usage;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiFunction;

/**
 * A provider for tests: answers each call from a script of outcomes, in order, then with an echo. Records every
 * request it receives. Thread-safe.
 */
class ScriptedProvider implements LlmProvider {
  private final String id;
  private final List<ModelInfo> models;
  private final Queue<BiFunction<ModelInfo, ChatRequest, ChatResponse>> script = new ConcurrentLinkedQueue<>();
  final List<ChatRequest> requests = new CopyOnWriteArrayList<>();
  final List<String> modelsCalled = new CopyOnWriteArrayList<>();
  volatile boolean closed;

  ScriptedProvider(String id, ModelInfo... models) {
    this.id = id;
    this.models = List.of(models);
  }

  /** The next call fails with {@code error}. */
  ScriptedProvider thenFail(LlmException error) {
    script.add((m, r) -> {
      throw error;
    });
    return this;
  }

  /** The next call answers {@code text} with this usage. */
  ScriptedProvider thenAnswer(String text, Usage usage) {
    script.add((m, r) -> answer(m, text, usage));
    return this;
  }

  static ChatResponse answer(ModelInfo model, String text, Usage usage) {
    return ChatResponse.builder()
        .id("msg_" + model.providerModelId())
        .content(List.of(ContentBlock.text(text)))
        .model(model.id())
        .provider(model.provider())
        .usage(usage)
        .stopReason(StopReason.END_TURN)
        .providerRequestId("req_test")
        .build();
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
    requests.add(request);
    modelsCalled.add(model.id());
    BiFunction<ModelInfo, ChatRequest, ChatResponse> next = script.poll();
    if (next != null) {
      return next.apply(model, request);
    }
    return answer(model, "echo: " + request.lastUserText(), Usage.of(10, 5));
  }

  @Override
  public void close() {
    closed = true;
  }
}
