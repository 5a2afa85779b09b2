package dev.ralex.providers.anthropic;

import static dev.ralex.providers.anthropic.AnthropicWire.HAIKU;
import static dev.ralex.providers.anthropic.AnthropicWire.KEY;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ralex.api.ChatRequest;
import dev.ralex.api.ChatResponse;
import dev.ralex.api.ErrorKind;
import dev.ralex.api.NetworkException;
import dev.ralex.api.OtherBlock;
import dev.ralex.api.ProviderException;
import dev.ralex.api.ProviderUnavailableException;
import dev.ralex.api.RateLimitedException;
import dev.ralex.api.StopReason;
import dev.ralex.api.StreamCancelledException;
import dev.ralex.api.StreamHandle;
import dev.ralex.api.ThinkingBlock;
import dev.ralex.api.ToolUseBlock;
import dev.ralex.api.Usage;
import dev.ralex.providers.testing.StallingBody;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Streams replayed byte for byte from the samples, whole and in small pieces. */
class AnthropicStreamTest {
  private final MockWebServer server = new MockWebServer();
  private final CountDownLatch release = new CountDownLatch(1);
  private AnthropicProvider provider;

  @BeforeEach
  void start() throws Exception {
    server.start();
    provider = AnthropicWire.provider(server);
  }

  @AfterEach
  void stop() {
    release.countDown();
    server.close();
  }

  private RecordingHandler stream(MockResponse response) throws InterruptedException {
    return stream(response, provider);
  }

  private RecordingHandler stream(MockResponse response, AnthropicProvider provider) throws InterruptedException {
    server.enqueue(response);
    RecordingHandler handler = new RecordingHandler();
    StreamHandle handle = provider.stream(HAIKU, ChatRequest.of("hi"), handler);
    handler.awaitEnd();
    assertThat(handle.isDone()).isTrue();
    assertThat(handler.terminals.get()).isEqualTo(1);
    if (handler.error != null) {
      assertThat(handler.error.getMessage()).doesNotContain(KEY);
      assertThat(handle.completion()).isCompletedExceptionally();
    } else {
      assertThat(handle.completion()).isCompletedWithValue(handler.response);
    }
    return handler;
  }

  /** What the blocking call returns for the same content, served with the same request id. */
  private ChatResponse blocking(String sample) {
    server.enqueue(AnthropicWire.json(200, AnthropicWire.text(sample)).setHeader("request-id", "req_stream").build());
    return provider.chat(HAIKU, ChatRequest.of("hi"));
  }

  @Test
  void aTextStreamInSmallPiecesWithMultiByteCharactersAcrossThem() throws Exception {
    // Seven bytes per write: lines, events and UTF-8 sequences all land across reads.
    RecordingHandler h = stream(AnthropicWire.sse(AnthropicWire.text("stream-text.sse"))
        .throttleBody(7, 1, TimeUnit.MILLISECONDS).build());
    assertThat(h.error).isNull();
    assertThat(h.text.toString()).isEqualTo("Hello, wörld! 你好 👋");
    assertThat(h.events).containsExactly("usage", "text", "text", "usage", "complete");
    assertThat(h.usages).containsExactly(new Usage(25, 1, 1800, 0), new Usage(25, 15, 1800, 0));
    ChatResponse r = h.response;
    assertThat(r.id()).isEqualTo("msg_01ABCxyz");
    assertThat(r.providerModel()).contains("claude-haiku-4-5");
    assertThat(r.stopReason()).isEqualTo(StopReason.END_TURN);
    assertThat(r.providerRequestId()).contains("req_stream");
    assertThat(r.rateLimits().orElseThrow().requests().remaining()).isEqualTo(49);
    assertThat(r.rawBody()).isEmpty();
    assertThat(r).isEqualTo(blocking("response-text-as-streamed.json"));
  }

  @Test
  void aWholeTextStreamInOneRead() throws Exception {
    RecordingHandler h = stream(AnthropicWire.sse(AnthropicWire.text("stream-text.sse")).build());
    assertThat(h.response).isEqualTo(blocking("response-text-as-streamed.json"));
  }

  @Test
  void aChunkedTextStream() throws Exception {
    RecordingHandler h = stream(new MockResponse.Builder().code(200)
        .addHeader("content-type", "text/event-stream").addHeader("request-id", "req_stream")
        .chunkedBody(AnthropicWire.text("stream-text.sse"), 5).build());
    assertThat(h.text.toString()).isEqualTo("Hello, wörld! 你好 👋");
    assertThat(h.response).isEqualTo(blocking("response-text-as-streamed.json"));
  }

  @Test
  void toolInputFragmentsAreAssembledAndParsedAtTheBlocksStop() throws Exception {
    RecordingHandler h = stream(AnthropicWire.sse(AnthropicWire.text("stream-tool-use.sse"))
        .throttleBody(11, 1, TimeUnit.MILLISECONDS).build());
    assertThat(h.error).isNull();
    assertThat(h.text.toString()).isEqualTo("Let me check the weather.");
    assertThat(h.toolInputDeltas)
        .containsExactly("{\"location\": \"San Fra", "ncisco, CA\", \"unit\": \"fah", "renheit\"}");
    assertThat(h.events).containsExactly("usage", "text", "toolInput:1", "toolInput:1", "toolInput:1", "toolUse",
        "usage", "complete");
    ToolUseBlock use = h.toolUses.get(0);
    assertThat(use).isEqualTo(new ToolUseBlock("toolu_01T1x1fJ34qAmk2tNTrN7Up6", "get_weather",
        "{\"location\":\"San Francisco, CA\",\"unit\":\"fahrenheit\"}"));
    assertThat(h.response.toolUses()).containsExactly(use);
    assertThat(h.response.stopReason()).isEqualTo(StopReason.TOOL_USE);
    assertThat(h.response.usage()).isEqualTo(Usage.of(472, 89));
    assertThat(h.response).isEqualTo(blocking("response-tool-use-as-streamed.json"));
  }

  @Test
  void thinkingSignaturesUnknownBlocksAndEventsAndUsageReplacement() throws Exception {
    RecordingHandler h = stream(AnthropicWire.sse(AnthropicWire.text("stream-thinking.sse")).build());
    assertThat(h.error).isNull();
    assertThat(h.thinking.toString()).isEqualTo("Let me think step by step.");
    assertThat(h.response.content().get(0))
        .isEqualTo(new ThinkingBlock("Let me think step by step.", "EqQBCgIYAhIM1gbcDa9GJwZA2b3h"));
    assertThat(h.response.content().get(1)).isInstanceOf(OtherBlock.class);
    assertThat(h.response.text()).isEqualTo("42");
    // message_delta's input and cache-read counts replace message_start's; the cache-write count carries forward.
    assertThat(h.usages).containsExactly(new Usage(30, 1, 0, 500), new Usage(31, 57, 12, 500));
    assertThat(h.response).isEqualTo(blocking("response-thinking-as-streamed.json"));
  }

  @Test
  void aStreamCutOffMidEventFailsAfterDeliveringWhatArrived() throws Exception {
    RecordingHandler h = stream(AnthropicWire.sse(AnthropicWire.text("stream-cut-after-content.sse")).build());
    assertThat(h.text.toString()).isEqualTo("The answer is");
    assertThat(h.error).isInstanceOf(NetworkException.class);
    assertThat(h.error.isRetryable()).isTrue();
    assertThat(h.error.getMessage()).contains("cut off");
    assertThat(h.error.requestId()).contains("req_stream");
    assertThat(h.events).containsExactly("usage", "text", "error");
  }

  @Test
  void aStreamEndingBetweenEventsWithoutMessageStopFails() throws Exception {
    String sample = AnthropicWire.text("stream-text.sse");
    String head = sample.substring(0, sample.indexOf("event: message_delta"));
    RecordingHandler h = stream(AnthropicWire.sse(head).build());
    assertThat(h.error).isInstanceOf(NetworkException.class);
    assertThat(h.error.getMessage()).contains("before message_stop");
    assertThat(h.text.toString()).isEqualTo("Hello, wörld! 你好 👋");
  }

  @Test
  void aConnectionDroppedMidStreamIsANetworkFailure() throws Exception {
    String sample = AnthropicWire.text("stream-text.sse");
    String head = sample.substring(0, sample.indexOf("event: content_block_stop"));
    // The headers promise more than is sent, and the socket closes after what is sent.
    server.enqueue(new MockResponse.Builder().code(200).addHeader("content-type", "text/event-stream")
        .body(head)
        .setHeader("content-length", head.getBytes(java.nio.charset.StandardCharsets.UTF_8).length + 500)
        .onResponseEnd(new mockwebserver3.SocketEffect.CloseSocket(true, true, true)).build());
    RecordingHandler h = new RecordingHandler();
    provider.stream(HAIKU, ChatRequest.of("hi"), h);
    h.awaitEnd();
    assertThat(h.error).isInstanceOf(NetworkException.class);
    assertThat(h.text.toString()).isEqualTo("Hello, wörld! 你好 👋");
    assertThat(h.terminals.get()).isEqualTo(1);
  }

  @Test
  void anOverloadedErrorEventIsAnOverload() throws Exception {
    RecordingHandler h = stream(AnthropicWire.sse(AnthropicWire.text("stream-error-overloaded-before-content.sse"))
        .build());
    assertThat(h.error).isInstanceOf(ProviderUnavailableException.class);
    assertThat(h.error.kind()).isEqualTo(ErrorKind.OVERLOADED);
    assertThat(h.error.isRetryable()).isTrue();
    assertThat(h.error.httpStatus()).hasValue(200);
    assertThat(h.text.toString()).isEmpty();
    assertThat(h.events).containsExactly("usage", "error");
  }

  @Test
  void otherErrorEventsAreClassifiedByType() throws Exception {
    String start = AnthropicWire.text("stream-error-overloaded-before-content.sse");
    String body = start.replace("overloaded_error", "rate_limit_error").replace("Overloaded", "slow down");
    RecordingHandler h = stream(AnthropicWire.sse(body).build());
    assertThat(h.error).isInstanceOf(RateLimitedException.class);
    body = start.replace("overloaded_error", "api_error");
    assertThat(stream(AnthropicWire.sse(body).build()).error.kind()).isEqualTo(ErrorKind.UNAVAILABLE);
  }

  @Test
  void anHttpErrorBeforeTheStreamIsClassifiedWithItsHeaders() throws Exception {
    RecordingHandler h = stream(new MockResponse.Builder().code(429)
        .headers(AnthropicWire.headers("headers-429.txt"))
        .body(AnthropicWire.text("error-429-rate-limit.json")).build());
    assertThat(h.error).isInstanceOf(RateLimitedException.class);
    assertThat(((RateLimitedException) h.error).retryAfter()).contains(Duration.ofSeconds(17));
    assertThat(h.error.rateLimits().orElseThrow().tokens().isExhausted()).isTrue();
    assertThat(h.error.requestId()).contains("req_011CSHoEeqs5C35K2UUqR7Fy");
    assertThat(h.events).containsExactly("error");

    RecordingHandler overloaded = stream(AnthropicWire.json(529, AnthropicWire.text("error-529-overloaded.json"))
        .build());
    assertThat(overloaded.error.kind()).isEqualTo(ErrorKind.OVERLOADED);
    RecordingHandler html = stream(new MockResponse.Builder().code(502).addHeader("content-type", "text/html")
        .body(AnthropicWire.text("error-502-proxy.html")).build());
    assertThat(html.error.httpStatus()).hasValue(502);
  }

  @Test
  void aMalformedEventIsAProviderError() throws Exception {
    String body = "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"m\",\"usage\":"
        + "{\"input_tokens\":1,\"output_tokens\":1}}}\n\nevent: content_block_start\ndata: {not json}\n\n";
    RecordingHandler h = stream(AnthropicWire.sse(body).build());
    assertThat(h.error).isExactlyInstanceOf(ProviderException.class);
    assertThat(h.error.getMessage()).contains("not JSON");
    // The same on the fast path that reads deltas without a tree.
    String sample = AnthropicWire.text("stream-text.sse");
    String garbled = sample.replace("\"text_delta\",\"text\":\"Hello\"", "\"text_delta\",\"text\":\"Hel");
    RecordingHandler d = stream(AnthropicWire.sse(garbled).build());
    assertThat(d.error).isExactlyInstanceOf(ProviderException.class);
    assertThat(d.error.getMessage()).contains("not JSON");
    assertThat(d.text.toString()).isEmpty();
  }

  @Test
  void toolInputThatIsNotJsonIsAProviderError() throws Exception {
    String body = "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"m\"}}\n\n"
        + "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":"
        + "{\"type\":\"tool_use\",\"id\":\"t\",\"name\":\"n\",\"input\":{}}}\n\n"
        + "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":"
        + "{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"a\\\": \"}}\n\n"
        + "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n";
    RecordingHandler h = stream(AnthropicWire.sse(body).build());
    assertThat(h.error).isExactlyInstanceOf(ProviderException.class);
    assertThat(h.error.getMessage()).contains("input of block t is not valid JSON");
    assertThat(h.toolUses).isEmpty();
  }

  @Test
  void aToolCallWithoutInputFragmentsHasAnEmptyObject() throws Exception {
    String body = "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"m\"}}\n\n"
        + "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":"
        + "{\"type\":\"tool_use\",\"id\":\"t\",\"name\":\"n\",\"input\":{}}}\n\n"
        + "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":"
        + "{\"type\":\"input_json_delta\",\"partial_json\":\"\"}}\n\n"
        + "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n"
        + "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";
    RecordingHandler h = stream(AnthropicWire.sse(body).build());
    assertThat(h.response.toolUses()).containsExactly(new ToolUseBlock("t", "n", "{}"));
    assertThat(h.toolInputDeltas).isEmpty();
  }

  @Test
  void cancellingMidStreamEndsItOnceWithACancellation() throws Exception {
    String sample = AnthropicWire.text("stream-text.sse");
    String head = sample.substring(0, sample.indexOf("event: content_block_start"));
    server.enqueue(new MockResponse.Builder().code(200).addHeader("content-type", "text/event-stream")
        .body(new StallingBody(head, release)).build());
    RecordingHandler h = new RecordingHandler();
    StreamHandle handle = provider.stream(HAIKU, ChatRequest.of("hi"), h);
    assertThat(h.firstEvent.await(10, TimeUnit.SECONDS)).isTrue();
    handle.cancel();
    handle.cancel();
    h.awaitEnd();
    assertThat(h.error).isInstanceOf(StreamCancelledException.class);
    assertThat(h.error.isRetryable()).isFalse();
    assertThat(h.terminals.get()).isEqualTo(1);
    assertThat(h.events).containsExactly("usage", "error");
    ExecutionException e = org.assertj.core.api.Assertions.catchThrowableOfType(ExecutionException.class,
        () -> handle.completion().get(5, TimeUnit.SECONDS));
    assertThat(e.getCause()).isSameAs(h.error);
  }

  @Test
  void cancellingBeforeTheAnswerEndsItOnceWithACancellation() throws Exception {
    server.enqueue(new MockResponse.Builder().code(200).headersDelay(5, TimeUnit.SECONDS)
        .body(AnthropicWire.text("stream-text.sse")).build());
    RecordingHandler h = new RecordingHandler();
    StreamHandle handle = provider.stream(HAIKU, ChatRequest.of("hi"), h);
    server.takeRequest(5, TimeUnit.SECONDS);
    handle.cancel();
    h.awaitEnd();
    assertThat(h.error).isInstanceOf(StreamCancelledException.class);
    assertThat(h.events).containsExactly("error");
  }

  @Test
  void cancellingAfterCompletionDoesNothing() throws Exception {
    server.enqueue(AnthropicWire.sse(AnthropicWire.text("stream-text.sse")).build());
    RecordingHandler h = new RecordingHandler();
    StreamHandle handle = provider.stream(HAIKU, ChatRequest.of("hi"), h);
    h.awaitEnd();
    handle.cancel();
    assertThat(h.terminals.get()).isEqualTo(1);
    assertThat(h.error).isNull();
  }

  @Test
  void aThrowingHandlerEndsTheStreamWithAnError() throws Exception {
    server.enqueue(AnthropicWire.sse(AnthropicWire.text("stream-text.sse")).build());
    RecordingHandler h = new RecordingHandler() {
      @Override
      public void onTextDelta(String t) {
        throw new IllegalStateException("handler bug");
      }
    };
    provider.stream(HAIKU, ChatRequest.of("hi"), h);
    h.awaitEnd();
    assertThat(h.error).isExactlyInstanceOf(ProviderException.class);
    assertThat(h.error.getCause()).hasMessage("handler bug");
    assertThat(h.terminals.get()).isEqualTo(1);
  }

  @Test
  void manyStreamsAtOnceEachEndOnce() throws Exception {
    int n = 20;
    List<RecordingHandler> handlers = new java.util.ArrayList<>();
    for (int i = 0; i < n; i++) {
      server.enqueue(AnthropicWire.sse(AnthropicWire.text("stream-tool-use.sse")).build());
    }
    for (int i = 0; i < n; i++) {
      RecordingHandler h = new RecordingHandler();
      handlers.add(h);
      provider.stream(HAIKU, ChatRequest.of("hi"), h);
    }
    for (RecordingHandler h : handlers) {
      h.awaitEnd();
      assertThat(h.error).isNull();
      assertThat(h.terminals.get()).isEqualTo(1);
      assertThat(h.response.toolUses()).hasSize(1);
    }
  }

  @Test
  void aJsonAnswerToAStreamRequestIsDeliveredWhole() throws Exception {
    RecordingHandler h = stream(AnthropicWire.json(200, AnthropicWire.text("response-tool-use-as-streamed.json"))
        .setHeader("request-id", "req_stream").build());
    assertThat(h.error).isNull();
    assertThat(h.events).containsExactly("text", "toolInput:1", "toolUse", "usage", "complete");
    assertThat(h.response).isEqualTo(blocking("response-tool-use-as-streamed.json"));

    RecordingHandler error = stream(AnthropicWire.json(200, AnthropicWire.text("error-529-overloaded.json")).build());
    assertThat(error.error.kind()).isEqualTo(ErrorKind.OVERLOADED);
  }

  @Test
  void nullsAreRejected() {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> provider.stream(HAIKU, ChatRequest.of("hi"), null))
        .isInstanceOf(NullPointerException.class);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> provider.stream(null, ChatRequest.of("hi"),
        new RecordingHandler())).isInstanceOf(NullPointerException.class);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> provider.chat(HAIKU, null))
        .isInstanceOf(NullPointerException.class);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> provider.chatAsync(HAIKU, ChatRequest.of("hi"), null))
        .isInstanceOf(NullPointerException.class);
  }

  @Test
  void anErrorEventAfterContentEndsTheStreamAfterWhatWasDelivered() throws Exception {
    String sample = AnthropicWire.text("stream-text.sse");
    String head = sample.substring(0, sample.indexOf("event: content_block_stop"));
    String body = "event: ping\ndata: {\"type\": \"ping\"}\n\n" + head
        + "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n"
        + "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";
    RecordingHandler h = stream(AnthropicWire.sse(body).build());
    assertThat(h.text.toString()).isEqualTo("Hello, wörld! 你好 👋");
    assertThat(h.error.kind()).isEqualTo(ErrorKind.OVERLOADED);
    assertThat(h.events).containsExactly("usage", "text", "text", "error");
  }

  /** A provider made from settings, as Ralex makes it, with a short read timeout. */
  private AnthropicProvider withReadTimeout(String readTimeout) {
    return (AnthropicProvider) new AnthropicProviderFactory().create(dev.ralex.api.ProviderConfig.of(
        java.util.Map.of("apiKey", KEY, "baseUrl", server.url("/").toString(), "readTimeout", readTimeout),
        name -> null));
  }

  @Test
  void aStreamSilentForTheReadTimeoutFailsWithATimeoutAfterWhatArrived() throws Exception {
    String sample = AnthropicWire.text("stream-text.sse");
    String head = sample.substring(0, sample.indexOf("event: content_block_stop"));
    server.enqueue(new MockResponse.Builder().code(200).addHeader("content-type", "text/event-stream")
        .addHeader("request-id", "req_stream").body(new StallingBody(head, release)).build());
    RecordingHandler h = new RecordingHandler();
    StreamHandle handle = withReadTimeout("300ms").stream(HAIKU, ChatRequest.of("hi"), h);
    h.awaitEnd();
    assertThat(h.error).isInstanceOf(dev.ralex.api.LlmTimeoutException.class);
    assertThat(h.error.getMessage()).contains("readTimeout").doesNotContain(KEY);
    assertThat(h.error.requestId()).contains("req_stream");
    assertThat(h.text.toString()).isEqualTo("Hello, wörld! 你好 👋");
    assertThat(h.events).containsExactly("usage", "text", "text", "error");
    assertThat(h.terminals.get()).isEqualTo(1);
    assertThat(handle.completion()).isCompletedExceptionally();
  }

  @Test
  void noHeadersWithinTheReadTimeoutIsATimeoutToo() throws Exception {
    server.enqueue(new MockResponse.Builder().code(200).headersDelay(5, TimeUnit.SECONDS)
        .body(AnthropicWire.text("stream-text.sse")).build());
    RecordingHandler h = new RecordingHandler();
    withReadTimeout("300ms").stream(HAIKU, ChatRequest.of("hi"), h);
    h.awaitEnd();
    assertThat(h.error).isInstanceOf(dev.ralex.api.LlmTimeoutException.class);
    assertThat(h.events).containsExactly("error");
  }

  @Test
  void theReadTimeoutIsForSilenceNotForTheWholeStream() throws Exception {
    // 981 bytes at 64 bytes every 60 ms: about a second in all, never 400 ms without a byte.
    RecordingHandler h = stream(AnthropicWire.sse(AnthropicWire.text("stream-text.sse"))
        .throttleBody(64, 60, TimeUnit.MILLISECONDS).build(), withReadTimeout("400ms"));
    assertThat(h.error).isNull();
    assertThat(h.response).isEqualTo(blocking("response-text-as-streamed.json"));
  }

  @Test
  void onlyThePrefixOfALargeErrorPageIsReadAndItStillMapsByStatus() throws Exception {
    String page = "<html><body>" + "Bad gateway é 你好 ".repeat(8000) + "</body></html>"; // about 200 KB
    RecordingHandler h = stream(new MockResponse.Builder().code(502).addHeader("content-type", "text/html")
        .body(page).build());
    assertThat(h.error.httpStatus()).hasValue(502);
    assertThat(h.error.kind()).isEqualTo(ErrorKind.UNAVAILABLE);
    assertThat(h.events).containsExactly("error");
  }
}
