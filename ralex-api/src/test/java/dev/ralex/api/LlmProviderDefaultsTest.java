package dev.ralex.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

class LlmProviderDefaultsTest {
  private static final ModelInfo HAIKU = Fixtures.model("fake/claude-haiku-4-5", 200_000);
  private static final ModelInfo LLAMA = Fixtures.model("fake/meta-llama/llama-3.1-8b-instruct", 131_072);

  /** A provider that implements only what it must, answering every call from {@code answer}. */
  private static final class TinyProvider implements LlmProvider {
    private final Supplier<ChatResponse> answer;
    private final List<ModelInfo> models;
    final AtomicInteger calls = new AtomicInteger();
    volatile String chatThread;

    TinyProvider(Supplier<ChatResponse> answer, List<ModelInfo> models) {
      this.answer = answer;
      this.models = models;
    }

    @Override
    public String id() {
      return "fake";
    }

    @Override
    public List<ModelInfo> models() {
      return models;
    }

    @Override
    public ChatResponse chat(ModelInfo model, ChatRequest request) {
      calls.incrementAndGet();
      chatThread = Thread.currentThread().getName();
      return answer.get();
    }
  }

  /** Records every callback as a line of text, in order. */
  private static final class RecordingHandler implements StreamHandler {
    final List<String> events = new ArrayList<>();
    ChatResponse completed;
    LlmException error;

    @Override
    public void onTextDelta(String text) {
      events.add("text:" + text);
    }

    @Override
    public void onThinkingDelta(String thinking) {
      events.add("thinking:" + thinking);
    }

    @Override
    public void onToolInputDelta(int blockIndex, String partialJson) {
      events.add("toolInput:" + blockIndex + ":" + partialJson);
    }

    @Override
    public void onToolUse(ToolUseBlock toolUse) {
      events.add("toolUse:" + toolUse.id() + ":" + toolUse.name());
    }

    @Override
    public void onUsage(Usage usage) {
      events.add("usage:" + usage.inputTokens() + "/" + usage.outputTokens());
    }

    @Override
    public void onComplete(ChatResponse response) {
      events.add("complete");
      completed = response;
    }

    @Override
    public void onError(LlmException e) {
      events.add("error:" + e.kind());
      error = e;
    }
  }

  @Test
  void defaultStreamDeliversTheAnswerPieceByPieceThenCompletes() {
    ChatResponse answer = Fixtures.response(List.of(
        new ThinkingBlock("plan", "sig"),
        ContentBlock.text("Let me check. "),
        new ToolUseBlock("toolu_1", "get_weather", "{\"city\":\"Paris\"}"),
        ContentBlock.text("Done.")));
    TinyProvider provider = new TinyProvider(() -> answer, List.of());
    RecordingHandler handler = new RecordingHandler();

    StreamHandle handle = provider.stream(HAIKU, ChatRequest.of("weather?"), handler);

    assertThat(handler.events).containsExactly(
        "thinking:plan",
        "text:Let me check. ",
        "toolInput:2:{\"city\":\"Paris\"}",
        "toolUse:toolu_1:get_weather",
        "text:Done.",
        "usage:12/34",
        "complete");
    assertThat(handler.completed).isSameAs(answer);
    assertThat(handle.isDone()).isTrue();
    assertThat(handle.completion().join()).isSameAs(answer);
    assertThat(provider.calls).hasValue(1);
  }

  @Test
  void defaultStreamOfAnEmptyAnswerSendsUsageAndCompletion() {
    ChatResponse answer = Fixtures.response(List.of());
    RecordingHandler handler = new RecordingHandler();
    new TinyProvider(() -> answer, List.of()).stream(HAIKU, ChatRequest.of("x"), handler);
    assertThat(handler.events).containsExactly("usage:12/34", "complete");
  }

  @Test
  void defaultStreamReportsAFailureToTheHandlerAndTheHandle() {
    RateLimitedException failure = new RateLimitedException("slow down", null, ErrorDetails.of("fake", 429, null));
    TinyProvider provider = new TinyProvider(() -> {
      throw failure;
    }, List.of());
    RecordingHandler handler = new RecordingHandler();

    StreamHandle handle = provider.stream(HAIKU, ChatRequest.of("x"), handler);

    assertThat(handler.events).containsExactly("error:RATE_LIMITED");
    assertThat(handler.error).isSameAs(failure);
    assertThat(handler.completed).isNull();
    assertThat(handle.isDone()).isTrue();
    assertThat(handle.completion()).isCompletedExceptionally();
    assertThat(LlmProvider.unwrap(catchThrowable(() -> handle.completion().join()))).isSameAs(failure);
  }

  @Test
  void cancellingAFinishedDefaultStreamChangesNothing() {
    ChatResponse answer = Fixtures.response(List.of(ContentBlock.text("hi")));
    RecordingHandler handler = new RecordingHandler();
    StreamHandle handle = new TinyProvider(() -> answer, List.of()).stream(HAIKU, ChatRequest.of("x"), handler);

    handle.cancel();
    handle.cancel();

    assertThat(handle.completion().join()).isSameAs(answer);
    assertThat(handler.events).containsExactly("text:hi", "usage:12/34", "complete");
  }

  @Test
  void defaultStreamNeedsAHandler() {
    TinyProvider provider = new TinyProvider(() -> Fixtures.response(List.of()), List.of());
    assertThatThrownBy(() -> provider.stream(HAIKU, ChatRequest.of("x"), null))
        .isInstanceOf(NullPointerException.class).hasMessageContaining("handler");
    assertThat(provider.calls).hasValue(0);
  }

  @Test
  void defaultChatAsyncRunsChatOnTheGivenExecutor() throws Exception {
    ChatResponse answer = Fixtures.response(List.of(ContentBlock.text("hi")));
    TinyProvider provider = new TinyProvider(() -> answer, List.of());
    ExecutorService executor = Executors.newSingleThreadExecutor(r -> new Thread(r, "given-executor-thread"));
    try {
      CompletableFuture<ChatResponse> future = provider.chatAsync(HAIKU, ChatRequest.of("x"), executor);
      assertThat(future.get(10, TimeUnit.SECONDS)).isSameAs(answer);
      assertThat(provider.chatThread).isEqualTo("given-executor-thread");
    } finally {
      executor.shutdownNow();
    }
  }

  @Test
  void defaultChatAsyncDoesNothingUntilTheExecutorRunsIt() {
    TinyProvider provider = new TinyProvider(() -> Fixtures.response(List.of()), List.of());
    List<Runnable> queued = new ArrayList<>();

    CompletableFuture<ChatResponse> future = provider.chatAsync(HAIKU, ChatRequest.of("x"), queued::add);

    assertThat(queued).hasSize(1);
    assertThat(provider.calls).hasValue(0);
    assertThat(future).isNotDone();
    queued.get(0).run();
    assertThat(provider.calls).hasValue(1);
    assertThat(future).isCompleted();
  }

  @Test
  void defaultChatAsyncFailsWithTheProvidersException() {
    NetworkException failure = new NetworkException("reset", ErrorDetails.of("fake"));
    TinyProvider provider = new TinyProvider(() -> {
      throw failure;
    }, List.of());

    CompletableFuture<ChatResponse> future = provider.chatAsync(HAIKU, ChatRequest.of("x"), Runnable::run);

    Throwable thrown = catchThrowable(future::join);
    assertThat(thrown).isInstanceOf(CompletionException.class);
    assertThat(LlmProvider.unwrap(thrown)).isSameAs(failure);
  }

  @Test
  void defaultChatAsyncNeedsAnExecutor() {
    TinyProvider provider = new TinyProvider(() -> Fixtures.response(List.of()), List.of());
    assertThatThrownBy(() -> provider.chatAsync(HAIKU, ChatRequest.of("x"), null))
        .isInstanceOf(NullPointerException.class).hasMessageContaining("executor");
  }

  @Test
  void defaultContextLimitLooksUpTheProviderSideModelId() {
    TinyProvider provider = new TinyProvider(() -> null, List.of(HAIKU, LLAMA));

    assertThat(provider.contextLimit("claude-haiku-4-5")).isEqualTo(OptionalInt.of(200_000));
    assertThat(provider.contextLimit("meta-llama/llama-3.1-8b-instruct")).isEqualTo(OptionalInt.of(131_072));
    assertThat(provider.contextLimit("fake/claude-haiku-4-5")).isEqualTo(OptionalInt.empty());
    assertThat(provider.contextLimit("claude-opus")).isEqualTo(OptionalInt.empty());
    assertThatThrownBy(() -> provider.contextLimit(null)).isInstanceOf(NullPointerException.class);
  }

  @Test
  void defaultsOfAMinimalProvider() {
    LlmProvider minimal = new LlmProvider() {
      @Override
      public String id() {
        return "min";
      }

      @Override
      public ChatResponse chat(ModelInfo model, ChatRequest request) {
        throw new UnsupportedOperationException();
      }
    };
    assertThat(minimal.models()).isEmpty();
    assertThat(minimal.contextLimit("anything")).isEqualTo(OptionalInt.empty());
    // 4 per message + ceil(5 / 4)
    assertThat(minimal.estimateInputTokens(HAIKU, ChatRequest.of("hello"))).isEqualTo(6);
  }
}
