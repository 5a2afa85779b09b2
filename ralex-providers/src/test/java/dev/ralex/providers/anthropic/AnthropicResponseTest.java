package dev.ralex.providers.anthropic;

import static dev.ralex.providers.anthropic.AnthropicWire.HAIKU;
import static dev.ralex.providers.anthropic.AnthropicWire.KEY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.ralex.api.AuthenticationException;
import dev.ralex.api.ChatRequest;
import dev.ralex.api.ChatResponse;
import dev.ralex.api.ContentBlock;
import dev.ralex.api.ContextTooLongException;
import dev.ralex.api.ErrorKind;
import dev.ralex.api.InvalidRequestException;
import dev.ralex.api.LlmException;
import dev.ralex.api.LlmProvider;
import dev.ralex.api.NetworkException;
import dev.ralex.api.OtherBlock;
import dev.ralex.api.ProviderException;
import dev.ralex.api.ProviderUnavailableException;
import dev.ralex.api.RateLimitInfo;
import dev.ralex.api.RateLimitedException;
import dev.ralex.api.StopReason;
import dev.ralex.api.ThinkingBlock;
import dev.ralex.api.ToolUseBlock;
import dev.ralex.api.Usage;
import dev.ralex.providers.testing.StallingBody;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.SocketEffect;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Blocking and asynchronous answers and failures, replayed from the wire samples. */
class AnthropicResponseTest {
  private final MockWebServer server = new MockWebServer();
  private AnthropicProvider provider;

  /** Fails any test in which the provider runs work on the executor it was given. */
  private static final Executor NO_EXECUTOR = r -> {
    throw new AssertionError("chatAsync must not use the executor");
  };

  @BeforeEach
  void start() throws Exception {
    server.start();
    provider = AnthropicWire.provider(server);
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private LlmException failure(MockResponse response) {
    server.enqueue(response);
    LlmException e = catchThrowableOfType(LlmException.class, () -> provider.chat(HAIKU, ChatRequest.of("hi")));
    assertThat(e).as("an LlmException").isNotNull();
    assertThat(e.getMessage()).doesNotContain(KEY);
    assertThat(e.provider()).contains("anthropic");
    return e;
  }

  @Test
  void aTextAnswer() {
    String body = AnthropicWire.text("response-text.json");
    server.enqueue(AnthropicWire.json(200, body)
        .addHeader("anthropic-ratelimit-requests-remaining", "49")
        .addHeader("anthropic-ratelimit-tokens-reset", "2026-11-23T13:03:00Z")
        .build());
    ChatResponse r = provider.chat(HAIKU, ChatRequest.of("hi"));
    assertThat(r.id()).isEqualTo("msg_01XFDUDYJgAACzvnptvVoYEL");
    assertThat(r.text()).isEqualTo("Hello! How can I help you today?");
    assertThat(r.content()).containsExactly(ContentBlock.text("Hello! How can I help you today?"));
    assertThat(r.model()).isEqualTo("anthropic/claude-haiku-4-5");
    assertThat(r.providerModel()).contains("claude-haiku-4-5");
    assertThat(r.provider()).isEqualTo("anthropic");
    assertThat(r.stopReason()).isEqualTo(StopReason.END_TURN);
    assertThat(r.usage()).isEqualTo(new Usage(12, 11, 0, 0));
    assertThat(r.providerRequestId()).contains("req_test_200");
    assertThat(r.rawBody()).contains(body);
    RateLimitInfo limits = r.rateLimits().orElseThrow();
    assertThat(limits.requests().remaining()).isEqualTo(49);
    assertThat(limits.tokens().reset()).isEqualTo(Instant.parse("2026-11-23T13:03:00Z"));
  }

  @Test
  void aToolCallWithCacheWrites() {
    server.enqueue(AnthropicWire.json(200, AnthropicWire.text("response-tool-use.json")).build());
    ChatResponse r = provider.chat(HAIKU, ChatRequest.of("weather?"));
    assertThat(r.stopReason()).isEqualTo(StopReason.TOOL_USE);
    assertThat(r.toolUses()).containsExactly(
        new ToolUseBlock("toolu_01A09q90qw90lq917835lq9", "get_weather", "{\"location\":\"San Francisco, CA\"}"));
    assertThat(r.usage()).isEqualTo(new Usage(384, 58, 0, 1200));
    assertThat(r.rateLimits()).isEmpty();
  }

  @Test
  void unknownBlocksFieldsAndStopReasonsAreKept() {
    server.enqueue(AnthropicWire.json(200, AnthropicWire.text("response-unknown-blocks.json")).build());
    ChatResponse r = provider.chat(HAIKU, ChatRequest.of("haiku"));
    assertThat(r.content()).hasSize(4);
    assertThat(r.content().get(0)).isEqualTo(new ThinkingBlock("The user wants a haiku.", "EqQBCgIYAhIM1gbcDa9GJwZA2b3h"));
    OtherBlock redacted = (OtherBlock) r.content().get(1);
    assertThat(redacted.type()).isEqualTo("redacted_thinking");
    assertThat(AnthropicWire.json(redacted.rawJson())).isEqualTo(AnthropicWire.json(
        "{\"type\":\"redacted_thinking\",\"data\":\"EmwKAhgBEgy3va3pzix/LafPsn4aDFIT2Xlxh0L5L8rLVyIwxtE3rAFBa8cr3qpP\"}"));
    OtherBlock future = (OtherBlock) r.content().get(2);
    assertThat(future.type()).isEqualTo("hologram");
    assertThat(AnthropicWire.json(future.rawJson()))
        .isEqualTo(AnthropicWire.json("{\"type\":\"hologram\",\"frames\":[1,2.5,{\"x\":null}],\"label\":\"future block\"}"));
    assertThat(r.text()).isEqualTo("Autumn moonlight—\na worm digs silently\ninto the chestnut.");
    assertThat(r.stopReason()).isEqualTo(StopReason.CONTEXT_WINDOW_EXCEEDED);
    assertThat(r.stopReason().isKnown()).isTrue();
  }

  @Test
  void aStopReasonAddedLaterIsKeptRaw() {
    String body = AnthropicWire.text("response-text.json").replace("\"end_turn\"", "\"daydreaming\"");
    server.enqueue(AnthropicWire.json(200, body).build());
    StopReason reason = provider.chat(HAIKU, ChatRequest.of("hi")).stopReason();
    assertThat(reason.raw()).isEqualTo("daydreaming");
    assertThat(reason.isKnown()).isFalse();
  }

  @Test
  void everyDocumentedStopReasonMaps() {
    for (String raw : List.of("end_turn", "max_tokens", "stop_sequence", "tool_use", "pause_turn", "refusal",
        "model_context_window_exceeded")) {
      String body = AnthropicWire.text("response-text.json").replace("\"end_turn\"", "\"" + raw + "\"");
      server.enqueue(AnthropicWire.json(200, body).build());
      StopReason reason = provider.chat(HAIKU, ChatRequest.of("hi")).stopReason();
      assertThat(reason).isEqualTo(StopReason.of(raw));
      assertThat(reason.isKnown()).as(raw).isTrue();
    }
  }

  @Test
  void emptyTextBlocksAreDropped() {
    String body = "{\"id\":\"m\",\"type\":\"message\",\"content\":[{\"type\":\"text\",\"text\":\"\"}],"
        + "\"stop_reason\":\"max_tokens\",\"usage\":{\"input_tokens\":1,\"output_tokens\":0}}";
    server.enqueue(AnthropicWire.json(200, body).build());
    ChatResponse r = provider.chat(HAIKU, ChatRequest.of("hi"));
    assertThat(r.content()).isEmpty();
    assertThat(r.stopReason()).isEqualTo(StopReason.MAX_TOKENS);
  }

  @Test
  void promptTooLongIsContextTooLong() {
    LlmException e = failure(AnthropicWire.json(400, AnthropicWire.text("error-400-prompt-too-long.json")).build());
    assertThat(e).isInstanceOf(ContextTooLongException.class);
    assertThat(e.isRetryable()).isFalse();
    assertThat(e.httpStatus()).hasValue(400);
    assertThat(e.getMessage()).contains("prompt is too long: 213118 tokens > 200000 maximum");
    assertThat(e.requestId()).contains("req_test_400"); // The header wins over the body's request_id.
  }

  @Test
  void theBodysRequestIdIsUsedWhenTheHeaderIsMissing() {
    LlmException e = failure(new MockResponse.Builder().code(400).addHeader("content-type", "application/json")
        .body(AnthropicWire.text("error-400-tool-pairing.json")).build());
    assertThat(e).isExactlyInstanceOf(InvalidRequestException.class);
    assertThat(e.requestId()).contains("req_011CSHoEeqs5C35K2UUqR7G1");
    assertThat(e.getMessage()).contains("invalid_request_error: messages.2: `tool_use` ids were found");
  }

  @Test
  void badKeyIsAuthentication() {
    LlmException e = failure(AnthropicWire.json(401, AnthropicWire.text("error-401-authentication.json")).build());
    assertThat(e).isInstanceOf(AuthenticationException.class);
    assertThat(e.kind()).isEqualTo(ErrorKind.AUTHENTICATION);
    assertThat(e.isRetryable()).isFalse();
  }

  @Test
  void aMessageThatEchoesTheKeyHasItRedacted() {
    String body = "{\"type\":\"error\",\"error\":{\"type\":\"authentication_error\",\"message\":\"invalid x-api-key "
        + KEY + "\"}}";
    LlmException e = failure(AnthropicWire.json(401, body).build());
    assertThat(e.getMessage()).contains("invalid x-api-key ***");
  }

  @Test
  void rateLimitedWithRetryAfterAndWindows() {
    MockResponse.Builder response = new MockResponse.Builder().code(429)
        .headers(AnthropicWire.headers("headers-429.txt"))
        .body(AnthropicWire.text("error-429-rate-limit.json"));
    RateLimitedException e = (RateLimitedException) failure(response.build());
    assertThat(e.isRetryable()).isTrue();
    assertThat(e.retryAfter()).contains(Duration.ofSeconds(17));
    assertThat(e.requestId()).contains("req_011CSHoEeqs5C35K2UUqR7Fy");
    RateLimitInfo limits = e.rateLimits().orElseThrow();
    assertThat(limits.requests()).isEqualTo(new RateLimitInfo.Window(50, 31, Instant.parse("2026-11-23T13:02:41Z")));
    assertThat(limits.tokens().isExhausted()).isTrue();
    assertThat(limits.inputTokens().limit()).isEqualTo(40000);
    assertThat(limits.outputTokens().remaining()).isEqualTo(8000);
    assertThat(limits.retryAfter()).isEqualTo(Duration.ofSeconds(17));
  }

  @Test
  void aSpendCapWithoutRetryAfterIsNotRetryable() {
    String body = "{\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\",\"message\":\"You have reached your "
        + "specified workspace API usage limits.\"},\"request_id\":\"req_cap\"}";
    RateLimitedException e = (RateLimitedException) failure(AnthropicWire.json(429, body).build());
    assertThat(e.isRetryable()).isFalse();
    assertThat(e.retryAfter()).isEmpty();
    assertThat(e.getMessage()).contains("no retry-after").contains("waiting will not lift");
  }

  @Test
  void overloadedIsRetryableOverload() {
    LlmException e = failure(AnthropicWire.json(529, AnthropicWire.text("error-529-overloaded.json"))
        .addHeader("retry-after", "2").build());
    assertThat(e).isInstanceOf(ProviderUnavailableException.class);
    assertThat(e.kind()).isEqualTo(ErrorKind.OVERLOADED);
    assertThat(e.isRetryable()).isTrue();
    assertThat(((ProviderUnavailableException) e).retryAfter()).contains(Duration.ofSeconds(2));
  }

  @Test
  void documentedErrorTypesByStatus() {
    record Case(int status, String type, ErrorKind kind, boolean retryable) {}
    for (Case c : List.of(
        new Case(402, "billing_error", ErrorKind.BILLING, false),
        new Case(403, "permission_error", ErrorKind.PERMISSION_DENIED, false),
        new Case(404, "not_found_error", ErrorKind.INVALID_REQUEST, false),
        new Case(409, "conflict_error", ErrorKind.PROVIDER_ERROR, true),
        new Case(413, "request_too_large", ErrorKind.INVALID_REQUEST, false),
        new Case(500, "api_error", ErrorKind.UNAVAILABLE, true),
        new Case(504, "timeout_error", ErrorKind.TIMEOUT, true))) {
      String body = "{\"type\":\"error\",\"error\":{\"type\":\"" + c.type + "\",\"message\":\"m\"},\"request_id\":\"r\"}";
      LlmException e = failure(AnthropicWire.json(c.status, body).build());
      assertThat(e.kind()).as(c.type).isEqualTo(c.kind);
      assertThat(e.isRetryable()).as(c.type).isEqualTo(c.retryable);
      assertThat(e.httpStatus()).hasValue(c.status);
    }
  }

  @Test
  void aProxysHtmlPageStillGivesAClearFailure() {
    LlmException e = failure(new MockResponse.Builder().code(502).addHeader("content-type", "text/html")
        .body(AnthropicWire.text("error-502-proxy.html")).build());
    assertThat(e).isInstanceOf(ProviderUnavailableException.class);
    assertThat(e.kind()).isEqualTo(ErrorKind.UNAVAILABLE);
    assertThat(e.httpStatus()).hasValue(502);
    assertThat(e.getMessage()).contains("HTTP 502").contains("text/html").contains("proxy").doesNotContain("<html>");
  }

  @Test
  void malformedJsonInA200IsAProviderError() {
    LlmException e = failure(AnthropicWire.json(200, "{\"id\":\"msg_1\",\"content\":[{\"type\":\"te").build());
    assertThat(e).isExactlyInstanceOf(ProviderException.class);
    assertThat(e.isRetryable()).isFalse();
    assertThat(e.httpStatus()).hasValue(200);
    assertThat(e.requestId()).contains("req_test_200");
    assertThat(e.getMessage()).contains("not valid JSON");
  }

  @Test
  void anEmptyBodyIsAProviderError() {
    LlmException e = failure(AnthropicWire.json(200, "").build());
    assertThat(e).isExactlyInstanceOf(ProviderException.class);
    assertThat(e.getMessage()).contains("empty body");
    assertThat(e.requestId()).contains("req_test_200");
  }

  @Test
  void jsonThatIsNotAMessageIsAProviderError() {
    assertThat(failure(AnthropicWire.json(200, "[1,2]").build())).isExactlyInstanceOf(ProviderException.class);
    assertThat(failure(AnthropicWire.json(200, "{\"id\":\"m\"}").build()).getMessage()).contains("no content array");
    assertThat(failure(AnthropicWire.json(200,
        "{\"content\":[{\"type\":\"tool_use\",\"id\":\"t\",\"name\":\"n\",\"input\":[1]}]}").build()).getMessage())
        .contains("no input object");
  }

  @Test
  void anErrorObjectInA200IsAnError() {
    LlmException e = failure(AnthropicWire.json(200, AnthropicWire.text("error-529-overloaded.json")).build());
    assertThat(e.kind()).isEqualTo(ErrorKind.OVERLOADED);
  }

  @Test
  void aConnectionCutMidBodyIsANetworkFailure() {
    LlmException e = failure(AnthropicWire.json(200, AnthropicWire.text("response-text.json"))
        .onResponseBody(new SocketEffect.CloseSocket(true, true, true)).build());
    assertThat(e).isInstanceOf(NetworkException.class);
    assertThat(e.isRetryable()).isTrue();
  }

  @Test
  void chatAsyncCompletesOnTheCallbackWithoutTheExecutor() throws Exception {
    server.enqueue(AnthropicWire.json(200, AnthropicWire.text("response-text.json")).build());
    ChatResponse r = provider.chatAsync(HAIKU, ChatRequest.of("hi"), NO_EXECUTOR).get(10, TimeUnit.SECONDS);
    assertThat(r.text()).isEqualTo("Hello! How can I help you today?");
    server.enqueue(AnthropicWire.json(200, AnthropicWire.text("response-text.json")).build());
    assertThat(provider.chat(HAIKU, ChatRequest.of("hi"))).isEqualTo(r);
  }

  @Test
  void chatAsyncFailsWithTheClassifiedException() {
    server.enqueue(AnthropicWire.json(529, AnthropicWire.text("error-529-overloaded.json")).build());
    CompletableFuture<ChatResponse> future = provider.chatAsync(HAIKU, ChatRequest.of("hi"), NO_EXECUTOR);
    ExecutionException e = catchThrowableOfType(ExecutionException.class, () -> future.get(10, TimeUnit.SECONDS));
    LlmException cause = LlmProvider.unwrap(e);
    assertThat(cause.kind()).isEqualTo(ErrorKind.OVERLOADED);
    assertThat(cause.getMessage()).doesNotContain(KEY);
  }

  @Test
  void cancellingTheAsyncFutureCancelsTheCall() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    server.enqueue(new MockResponse.Builder().code(200).body(new StallingBody("", release)).build());
    try {
      CompletableFuture<ChatResponse> future = provider.chatAsync(HAIKU, ChatRequest.of("hi"), NO_EXECUTOR);
      server.takeRequest(5, TimeUnit.SECONDS);
      assertThat(future.cancel(true)).isTrue();
      assertThat(future).isCancelled();
    } finally {
      release.countDown();
    }
  }

  @Test
  void aConnectionFailureIsANetworkFailure() {
    AnthropicProvider nowhere = AnthropicProvider.builder()
        .apiKey(dev.ralex.api.ApiKey.of(KEY))
        .baseUrl(server.url("/").toString())
        .build();
    server.close();
    assertThatThrownBy(() -> nowhere.chat(HAIKU, ChatRequest.of("hi")))
        .isInstanceOf(NetworkException.class)
        .hasMessageNotContaining(KEY);
  }
}
