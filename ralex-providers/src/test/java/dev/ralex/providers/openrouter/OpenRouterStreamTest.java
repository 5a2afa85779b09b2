package dev.ralex.providers.openrouter;

import static dev.ralex.providers.openrouter.Wire.LLAMA;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.ralex.api.ChatRequest;
import dev.ralex.api.ChatResponse;
import dev.ralex.api.ContentBlock;
import dev.ralex.api.ErrorKind;
import dev.ralex.api.InvalidRequestException;
import dev.ralex.api.LlmException;
import dev.ralex.api.NetworkException;
import dev.ralex.api.ProviderException;
import dev.ralex.api.ProviderUnavailableException;
import dev.ralex.api.RateLimitedException;
import dev.ralex.api.StopReason;
import dev.ralex.api.StreamCancelledException;
import dev.ralex.api.StreamHandle;
import dev.ralex.api.ThinkingBlock;
import dev.ralex.api.ToolUseBlock;
import dev.ralex.api.Usage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import mockwebserver3.MockResponseBody;
import mockwebserver3.MockWebServer;
import mockwebserver3.junit5.StartStop;
import okio.Buffer;
import okio.BufferedSink;
import org.junit.jupiter.api.Test;

/** Server-sent-event streams replayed byte for byte: deltas, assembly, cuts, errors and cancellation. */
class OpenRouterStreamTest {
  @StartStop
  final MockWebServer server = new MockWebServer();

  private Wire.Recorder stream(MockResponse response) throws Exception {
    server.enqueue(response);
    Wire.Recorder recorder = new Wire.Recorder();
    StreamHandle handle = Wire.openRouter(server).stream(LLAMA, ChatRequest.of("hi"), recorder);
    try {
      handle.completion().get(10, TimeUnit.SECONDS);
    } catch (ExecutionException expected) {
      // Failures are asserted on the recorder.
    }
    assertThat(handle.isDone()).isTrue();
    assertThat(recorder.completions.size() + recorder.errors.size()).as("exactly one terminal callback").isEqualTo(1);
    return recorder;
  }

  private ChatResponse blocking(String json) {
    server.enqueue(new MockResponse.Builder().setHeader("Content-Type", "application/json").body(json).build());
    return Wire.openRouter(server).chat(LLAMA, ChatRequest.of("hi"));
  }

  @Test
  void textStreamDeltasAndFinalResponseEqualTheBlockingCall() throws Exception {
    Wire.Recorder r = stream(Wire.sse("stream-text.sse"));
    assertThat(r.events).containsExactly("text:Hel", "text:lo, wörld! 你好 👋", "usage", "complete");
    ChatResponse streamed = r.completions.get(0);
    assertThat(streamed.content()).containsExactly(ContentBlock.text("Hello, wörld! 你好 👋"));
    assertThat(streamed.usage()).isEqualTo(new Usage(14, 9, 0, 0));
    assertThat(streamed.cost()).isEqualByComparingTo("0.0000007");
    assertThat(streamed.stopReason()).isEqualTo(StopReason.END_TURN);
    assertThat(streamed.rawBody()).isEmpty();

    ChatResponse same = blocking("{\"id\":\"gen-1732366700-StrEaMiD\",\"model\":\"meta-llama/llama-3.1-8b-instruct\","
        + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"Hello, wörld! 你好 👋\"},"
        + "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":14,\"completion_tokens\":9,\"total_tokens\":23,"
        + "\"cost\":0.0000007,\"prompt_tokens_details\":{\"cached_tokens\":0}}}");
    assertThat(streamed).isEqualTo(same);
  }

  @Test
  void toolCallFragmentsAreAssembledByIndex() throws Exception {
    Wire.Recorder r = stream(Wire.sse("stream-tool-calls.sse"));
    assertThat(r.events).containsExactly(
        "input:0:{\"locat", "input:0:ion\": \"Boston, MA\"}", "input:1:{\"location\": \"Paris\"}",
        "tool:call_9pw1qnYScqvGrCH58HWCvFH6", "tool:call_Xk2", "usage", "complete");
    // Tool uses are delivered at the finish reason, before the usage chunk that follows it.
    List<ToolUseBlock> expected = List.of(
        new ToolUseBlock("call_9pw1qnYScqvGrCH58HWCvFH6", "get_weather", "{\"location\": \"Boston, MA\"}"),
        new ToolUseBlock("call_Xk2", "get_weather", "{\"location\": \"Paris\"}"));
    assertThat(r.toolUses).isEqualTo(expected);
    ChatResponse streamed = r.completions.get(0);
    assertThat(streamed.content()).isEqualTo(List.copyOf(expected));
    assertThat(streamed.stopReason()).isEqualTo(StopReason.TOOL_USE);
    assertThat(streamed.usage()).isEqualTo(new Usage(96, 40, 0, 0));

    ChatResponse same = blocking("{\"id\":\"gen-1732366800-ToOlS\",\"model\":\"meta-llama/llama-3.1-8b-instruct\",\"choices\":[{\"index\":0,\"message\":{"
        + "\"role\":\"assistant\",\"content\":null,\"tool_calls\":["
        + "{\"id\":\"call_9pw1qnYScqvGrCH58HWCvFH6\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\","
        + "\"arguments\":\"{\\\"location\\\": \\\"Boston, MA\\\"}\"}},"
        + "{\"id\":\"call_Xk2\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\","
        + "\"arguments\":\"{\\\"location\\\": \\\"Paris\\\"}\"}}]},\"finish_reason\":\"tool_calls\"}],"
        + "\"usage\":{\"prompt_tokens\":96,\"completion_tokens\":40,\"total_tokens\":136,\"cost\":0.0000041}}");
    assertThat(streamed).isEqualTo(same);
    // The model OpenRouter says answered, which may differ from the one asked for when it falls back.
    assertThat(streamed.providerModel()).hasValue("meta-llama/llama-3.1-8b-instruct");
  }

  @Test
  void bytesArrivingInTinyPiecesSplitMultiByteCharacters() throws Exception {
    // Five bytes at a time: the 2-, 3- and 4-byte UTF-8 characters of the sample straddle reads.
    Wire.Recorder r = stream(Wire.sse("stream-text.sse").newBuilder().throttleBody(5, 1, TimeUnit.MILLISECONDS).build());
    assertThat(r.completions.get(0).text()).isEqualTo("Hello, wörld! 你好 👋");
    assertThat(r.text.toString()).isEqualTo("Hello, wörld! 你好 👋");
  }

  @Test
  void chunkedTransferWithOneByteChunks() throws Exception {
    String sample = Wire.text("stream-text.sse");
    Wire.Recorder r = stream(new MockResponse.Builder().setHeader("Content-Type", "text/event-stream")
        .chunkedBody(sample, 1).build());
    assertThat(r.completions.get(0).text()).isEqualTo("Hello, wörld! 你好 👋");
  }

  @Test
  void aCharacterSplitAcrossWritesWithFlushesInBetween() throws Exception {
    byte[] bytes = Wire.bytes("stream-text.sse");
    int split = indexOf(bytes, "你".getBytes(StandardCharsets.UTF_8)) + 1; // Inside the 3-byte character.
    Wire.Recorder r = stream(new MockResponse.Builder().setHeader("Content-Type", "text/event-stream")
        .body(new MockResponseBody() {
          @Override
          public long getContentLength() {
            return -1;
          }

          @Override
          public void writeTo(BufferedSink sink) throws IOException {
            sink.write(Arrays.copyOfRange(bytes, 0, split)).flush();
            sink.write(Arrays.copyOfRange(bytes, split, bytes.length)).flush();
          }
        }).build());
    assertThat(r.completions.get(0).text()).isEqualTo("Hello, wörld! 你好 👋");
  }

  @Test
  void streamCutMidEventIsANetworkFailure() throws Exception {
    String sample = Wire.text("stream-text.sse");
    String cut = sample.substring(0, sample.indexOf("lo, w") + 3); // Inside the second data event.
    Wire.Recorder r = stream(new MockResponse.Builder().setHeader("Content-Type", "text/event-stream").body(cut).build());
    assertThat(r.events).containsExactly("text:Hel", "error:NETWORK");
    assertThat(r.errors.get(0)).isInstanceOf(NetworkException.class).hasMessageContaining("middle of an event");
    assertThat(r.errors.get(0).isRetryable()).isTrue();
  }

  @Test
  void streamEndingAfterFinishButBeforeDoneIsANetworkFailure() throws Exception {
    String sample = Wire.text("stream-text.sse");
    String cut = sample.substring(0, sample.indexOf("data: {", sample.indexOf("\"finish_reason\":\"stop\""))); // Usage lost.
    Wire.Recorder r = stream(new MockResponse.Builder().setHeader("Content-Type", "text/event-stream").body(cut).build());
    assertThat(r.errors.get(0)).isInstanceOf(NetworkException.class).hasMessageContaining("[DONE]");
  }

  @Test
  void socketClosedMidStreamIsANetworkFailure() throws Exception {
    Wire.Recorder r = stream(Wire.sse("stream-text.sse").newBuilder()
        .onResponseBody(new mockwebserver3.SocketEffect.CloseSocket(true, false, false)).build());
    assertThat(r.errors.get(0)).isInstanceOf(NetworkException.class);
  }

  @Test
  void emptyStreamBodyIsANetworkFailure() throws Exception {
    Wire.Recorder r = stream(new MockResponse.Builder().setHeader("Content-Type", "text/event-stream").body("").build());
    assertThat(r.errors.get(0)).isInstanceOf(NetworkException.class).hasMessageContaining("[DONE]");
  }

  @Test
  void htmlErrorPageOnAStreamRequest() throws Exception {
    Wire.Recorder r = stream(new MockResponse.Builder().code(502).setHeader("Content-Type", "text/html")
        .body(Wire.buffer("error-502-html.txt")).build());
    assertThat(r.errors.get(0)).isInstanceOf(ProviderUnavailableException.class).hasMessageContaining("502");
    assertThat(r.errors.get(0).httpStatus()).hasValue(502);
  }

  @Test
  void manyConcurrentStreamsThroughOneProvider() throws Exception {
    server.setDispatcher(new mockwebserver3.Dispatcher() {
      @Override
      public MockResponse dispatch(mockwebserver3.RecordedRequest request) {
        return Wire.sse("stream-tool-calls.sse");
      }
    });
    OpenRouterProvider provider = Wire.openRouter(server);
    List<Wire.Recorder> recorders = new java.util.ArrayList<>();
    List<CompletableFuture<ChatResponse>> futures = new java.util.ArrayList<>();
    for (int i = 0; i < 64; i++) {
      Wire.Recorder r = new Wire.Recorder();
      recorders.add(r);
      futures.add(provider.stream(LLAMA, ChatRequest.of("hi " + i), r).completion());
    }
    CompletableFuture.allOf(futures.toArray(new CompletableFuture<?>[0])).get(20, TimeUnit.SECONDS);
    for (Wire.Recorder r : recorders) {
      assertThat(r.errors).isEmpty();
      assertThat(r.toolUses).hasSize(2);
      assertThat(r.completions.get(0).usage()).isEqualTo(new Usage(96, 40, 0, 0));
    }
  }

  @Test
  void malformedEventIsAProviderError() throws Exception {
    String body = ": OPENROUTER PROCESSING\n\ndata: {\"id\":\"gen-x\",\"choices\":[{\"delta\":{\"content\":\"Hi\"}}]}\n\n"
        + "data: {\"id\":\"gen-x\",\"choices\":[{\"delta\":{\"content\":\"secret te\n\ndata: [DONE]\n\n";
    Wire.Recorder r = stream(new MockResponse.Builder().setHeader("Content-Type", "text/event-stream").body(body).build());
    assertThat(r.events).containsExactly("text:Hi", "error:PROVIDER_ERROR");
    assertThat(r.errors.get(0)).isInstanceOf(ProviderException.class).hasMessageNotContaining("secret");
  }

  @Test
  void midStreamErrorEventIsClassified() throws Exception {
    Wire.Recorder r = stream(Wire.sse("stream-error-mid.sse"));
    assertThat(r.events).containsExactly("text:Partial ans", "error:UNAVAILABLE");
    LlmException e = r.errors.get(0);
    assertThat(e).isInstanceOf(ProviderUnavailableException.class);
    assertThat(e.getMessage()).contains("Provider disconnected unexpectedly").contains("server_error");
  }

  @Test
  void midStreamRateLimitErrorIsARateLimit() throws Exception {
    String body = "data: {\"id\":\"gen-r\",\"error\":{\"code\":\"rate_limit_exceeded\",\"message\":\"slow down\"},"
        + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"\"},\"finish_reason\":\"error\"}]}\n\ndata: [DONE]\n\n";
    Wire.Recorder r = stream(new MockResponse.Builder().setHeader("Content-Type", "text/event-stream").body(body).build());
    assertThat(r.errors.get(0)).isInstanceOf(RateLimitedException.class);
  }

  @Test
  void midStreamContextLengthCodeIsContextTooLong() throws Exception {
    String body = "data: {\"id\":\"gen-r\",\"error\":{\"code\":\"context_length_exceeded\",\"message\":\"too big\"},"
        + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"\"},\"finish_reason\":\"error\"}]}\n\ndata: [DONE]\n\n";
    Wire.Recorder r = stream(new MockResponse.Builder().setHeader("Content-Type", "text/event-stream").body(body).build());
    assertThat(r.errors.get(0)).isInstanceOf(dev.ralex.api.ContextTooLongException.class);
  }

  @Test
  void httpErrorOnAStreamRequestHonoursRetryAfter() throws Exception {
    Wire.Recorder r = stream(Wire.json(429, "error-429-rate-limit.json").newBuilder().setHeader("Retry-After", "3").build());
    assertThat(r.errors.get(0)).isInstanceOfSatisfying(RateLimitedException.class,
        e -> assertThat(e.retryAfter()).contains(Duration.ofSeconds(3)));
  }

  @Test
  void errorObjectInA200JsonBodyOnAStreamRequest() throws Exception {
    Wire.Recorder r = stream(Wire.json(200, "error-200-body.json"));
    assertThat(r.errors.get(0)).isInstanceOf(ProviderUnavailableException.class)
        .hasMessageContaining("invalid response");
  }

  @Test
  void reasoningDeltasBecomeThinking() throws Exception {
    String body = "data: {\"id\":\"gen-t\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\","
        + "\"reasoning\":\"Think\"},\"finish_reason\":null}]}\n\n"
        + "data: {\"id\":\"gen-t\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"\",\"reasoning\":\"ing.\"},"
        + "\"finish_reason\":null}]}\n\n"
        + "data: {\"id\":\"gen-t\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"4\"},\"finish_reason\":\"stop\"}]}\n\n"
        + "data: {\"id\":\"gen-t\",\"choices\":[],\"usage\":{\"prompt_tokens\":1000,\"completion_tokens\":30,"
        + "\"cost\":0.001,\"prompt_tokens_details\":{\"cached_tokens\":800},"
        + "\"completion_tokens_details\":{\"reasoning_tokens\":25}}}\n\ndata: [DONE]\n\n";
    Wire.Recorder r = stream(new MockResponse.Builder().setHeader("Content-Type", "text/event-stream").body(body).build());
    assertThat(r.events).containsExactly("thinking:Think", "thinking:ing.", "text:4", "usage", "complete");
    ChatResponse response = r.completions.get(0);
    assertThat(response.content()).containsExactly(new ThinkingBlock("Thinking.", ""), ContentBlock.text("4"));
    assertThat(response.usage()).isEqualTo(new Usage(200, 30, 800, 0));
  }

  @Test
  void invalidRequestIsReportedThroughTheHandler() {
    Wire.Recorder r = new Wire.Recorder();
    StreamHandle handle = Wire.openRouter(server).stream(Wire.NO_SAMPLING,
        ChatRequest.builder().addUserMessage("hi").temperature(1.0).build(), r);
    assertThat(handle.isDone()).isTrue();
    assertThat(r.errors).singleElement().isInstanceOf(InvalidRequestException.class);
    assertThat(server.getRequestCount()).isZero();
  }

  @Test
  void cancelDeliversOneCancellationAndClosesTheConnection() throws Exception {
    CountDownLatch firstEventWritten = new CountDownLatch(1);
    CountDownLatch cancelled = new CountDownLatch(1);
    CompletableFuture<IOException> serverWriteFailure = new CompletableFuture<>();
    server.enqueue(new MockResponse.Builder().setHeader("Content-Type", "text/event-stream")
        .body(new MockResponseBody() {
          @Override
          public long getContentLength() {
            return -1;
          }

          @Override
          public void writeTo(BufferedSink sink) throws IOException {
            sink.writeUtf8("data: {\"id\":\"gen-c\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hel\"}}]}\n\n").flush();
            firstEventWritten.countDown();
            try {
              cancelled.await(10, TimeUnit.SECONDS);
              // Keep writing until the closed connection makes a write fail.
              for (int i = 0; i < 10_000; i++) {
                sink.writeUtf8("data: {\"id\":\"gen-c\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"lo\"}}]}\n\n")
                    .flush();
              }
              serverWriteFailure.complete(null);
            } catch (IOException e) {
              serverWriteFailure.complete(e);
              throw e;
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }
        }).build());
    Wire.Recorder r = new Wire.Recorder();
    StreamHandle handle = Wire.openRouter(server).stream(LLAMA, ChatRequest.of("hi"), r);
    assertThat(firstEventWritten.await(5, TimeUnit.SECONDS)).isTrue();
    assertThat(r.firstDelta.await(5, TimeUnit.SECONDS)).isTrue();
    handle.cancel();
    handle.cancel(); // Idempotent.
    cancelled.countDown();
    ExecutionException e = catchThrowableOfType(ExecutionException.class,
        () -> handle.completion().get(5, TimeUnit.SECONDS));
    assertThat(e.getCause()).isInstanceOf(StreamCancelledException.class);
    assertThat(serverWriteFailure.get(10, TimeUnit.SECONDS)).as("the server saw the connection close").isNotNull();
    assertThat(r.errors).singleElement().satisfies(err -> assertThat(err.kind()).isEqualTo(ErrorKind.CANCELLED));
    assertThat(r.completions).isEmpty();
    assertThat(r.events).containsExactly("text:Hel", "error:CANCELLED");
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i <= haystack.length - needle.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    throw new IllegalArgumentException("not found");
  }

  @Test
  void aServerSilentForTheReadTimeoutFailsTheStreamWithATimeout() throws Exception {
    server.enqueue(new MockResponse.Builder().headersDelay(5, TimeUnit.SECONDS)
        .setHeader("Content-Type", "text/event-stream").body(Wire.buffer("stream-text.sse")).build());
    dev.ralex.api.LlmProvider provider = new OpenRouterProviderFactory().create(dev.ralex.api.ProviderConfig.of(
        java.util.Map.of("apiKey", Wire.KEY, "baseUrl", server.url("/api/v1").toString(), "readTimeout", "300ms"),
        name -> null));
    Wire.Recorder recorder = new Wire.Recorder();
    StreamHandle handle = provider.stream(LLAMA, ChatRequest.of("hi"), recorder);
    ExecutionException e = org.assertj.core.api.Assertions.catchThrowableOfType(ExecutionException.class,
        () -> handle.completion().get(10, TimeUnit.SECONDS));
    assertThat(e.getCause()).isInstanceOf(dev.ralex.api.LlmTimeoutException.class);
    assertThat(e.getCause().getMessage()).contains("readTimeout").doesNotContain(Wire.KEY);
    assertThat(recorder.errors).containsExactly((dev.ralex.api.LlmException) e.getCause());
    assertThat(recorder.completions).isEmpty();
  }
}
