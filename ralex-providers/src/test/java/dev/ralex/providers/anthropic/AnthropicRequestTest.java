package dev.ralex.providers.anthropic;

import static dev.ralex.providers.anthropic.AnthropicWire.HAIKU;
import static dev.ralex.providers.anthropic.AnthropicWire.KEY;
import static dev.ralex.providers.anthropic.AnthropicWire.NO_SAMPLING;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ralex.api.ApiKey;
import dev.ralex.api.CacheControl;
import dev.ralex.api.ChatRequest;
import dev.ralex.api.ContentBlock;
import dev.ralex.api.ImageBlock;
import dev.ralex.api.InvalidRequestException;
import dev.ralex.api.Message;
import dev.ralex.api.OtherBlock;
import dev.ralex.api.Role;
import dev.ralex.api.TextBlock;
import dev.ralex.api.ThinkingBlock;
import dev.ralex.api.ToolChoice;
import dev.ralex.api.ToolDefinition;
import dev.ralex.api.ToolResultBlock;
import dev.ralex.api.ToolUseBlock;
import java.net.URI;
import java.util.List;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What goes on the wire: headers and the request body, field by field. */
class AnthropicRequestTest {
  private final MockWebServer server = new MockWebServer();

  @BeforeEach
  void start() throws Exception {
    server.start();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private RecordedRequest send(AnthropicProvider provider, ChatRequest request) throws InterruptedException {
    server.enqueue(AnthropicWire.json(200, AnthropicWire.text("response-text.json")).build());
    provider.chat(HAIKU, request);
    return server.takeRequest(5, TimeUnit.SECONDS);
  }

  private static final String WEATHER_SCHEMA = "{\"type\": \"object\", \"properties\": {\"location\": {\"type\": "
      + "\"string\", \"description\": \"City and state, e.g. San Francisco, CA\"}}, \"required\": [\"location\"]}";

  @Test
  void theDocumentedToolRequestIsSentExactly() throws Exception {
    ChatRequest request = ChatRequest.builder()
        .systemBlocks(List.of(new TextBlock("You are a careful coding assistant.", CacheControl.EPHEMERAL)))
        .addTool(ToolDefinition.of("get_weather", "Get the current weather in a given location", WEATHER_SCHEMA))
        .addUserMessage("What is the weather like in San Francisco?")
        .addMessage(Message.assistant(ContentBlock.text("I'll check the weather for you."),
            new ToolUseBlock("toolu_01A09q90qw90lq917835lq9", "get_weather", "{\"location\": \"San Francisco, CA\"}")))
        .addMessage(Message.user(ToolResultBlock.of("toolu_01A09q90qw90lq917835lq9", "15 degrees, foggy")))
        .stopSequences(List.of("\n\nHuman:"))
        .maxOutputTokens(1024)
        .option(AnthropicOptions.class, AnthropicOptions.userId("user-42"))
        .build();
    RecordedRequest recorded = send(AnthropicWire.provider(server), request);

    assertThat(recorded.getMethod()).isEqualTo("POST");
    assertThat(recorded.getUrl().encodedPath()).isEqualTo("/v1/messages");
    assertThat(recorded.getHeaders().get("x-api-key")).isEqualTo(KEY);
    assertThat(recorded.getHeaders().get("authorization")).isNull();
    assertThat(recorded.getHeaders().get("anthropic-version")).isEqualTo("2026-10-21");
    assertThat(recorded.getHeaders().get("content-type")).startsWith("application/json");
    assertThat(recorded.getHeaders().get("accept")).isEqualTo("application/json");
    // Field by field: the trees compare every member, in any order.
    assertThat(AnthropicWire.body(recorded)).isEqualTo(AnthropicWire.json(AnthropicWire.text("request-tools.json")));
  }

  @Test
  void everyBlockKindAndCacheBreakpoint() throws Exception {
    String png = "iVBORw0KGgo=";
    ChatRequest request = ChatRequest.builder()
        .systemBlocks(List.of(new TextBlock("stable part", CacheControl.EPHEMERAL_1H), ContentBlock.text("tail")))
        .addTool(new ToolDefinition("t1", "", "{\"type\":\"object\"}", CacheControl.EPHEMERAL))
        .toolChoice(ToolChoice.tool("t1").withParallelToolUseDisabled())
        .addMessage(Message.user(
            new TextBlock("look", CacheControl.EPHEMERAL),
            ImageBlock.base64("image/png", png),
            new ImageBlock("image/jpeg", null, URI.create("https://example.com/a.jpg"), CacheControl.EPHEMERAL)))
        .addMessage(Message.assistant(
            new ThinkingBlock("hmm", "sig=="),
            new OtherBlock("redacted_thinking", "{\"type\":\"redacted_thinking\",\"data\":\"abc\"}"),
            new ToolUseBlock("toolu_1", "t1", "{\"n\": [1, 2.50, {\"deep\": null}]}")))
        .addMessage(Message.user(
            new ToolResultBlock("toolu_1", List.of(ContentBlock.text("boom"), ImageBlock.base64("image/gif", png)),
                true, CacheControl.EPHEMERAL_1H),
            new ToolResultBlock("toolu_2", List.of(), false, CacheControl.NONE)))
        .build();
    RecordedRequest recorded = send(AnthropicWire.provider(server), request);
    JsonNode body = AnthropicWire.body(recorded);

    assertThat(body.get("model").asText()).isEqualTo("claude-haiku-4-5");
    assertThat(body.get("max_tokens").asInt()).isEqualTo(4096);
    assertThat(body.has("stream")).isFalse();
    assertThat(body.get("system")).isEqualTo(AnthropicWire.json("[{\"type\":\"text\",\"text\":\"stable part\","
        + "\"cache_control\":{\"type\":\"ephemeral\",\"ttl\":\"1h\"}},{\"type\":\"text\",\"text\":\"tail\"}]"));
    assertThat(body.get("tools")).isEqualTo(AnthropicWire.json("[{\"name\":\"t1\",\"input_schema\":{\"type\":\"object\"},"
        + "\"cache_control\":{\"type\":\"ephemeral\"}}]"));
    assertThat(body.get("tool_choice")).isEqualTo(
        AnthropicWire.json("{\"type\":\"tool\",\"name\":\"t1\",\"disable_parallel_tool_use\":true}"));
    JsonNode messages = body.get("messages");
    assertThat(messages.get(0)).isEqualTo(AnthropicWire.json("{\"role\":\"user\",\"content\":["
        + "{\"type\":\"text\",\"text\":\"look\",\"cache_control\":{\"type\":\"ephemeral\"}},"
        + "{\"type\":\"image\",\"source\":{\"type\":\"base64\",\"media_type\":\"image/png\",\"data\":\"" + png + "\"}},"
        + "{\"type\":\"image\",\"source\":{\"type\":\"url\",\"url\":\"https://example.com/a.jpg\"},"
        + "\"cache_control\":{\"type\":\"ephemeral\"}}]}"));
    assertThat(messages.get(1)).isEqualTo(AnthropicWire.json("{\"role\":\"assistant\",\"content\":["
        + "{\"type\":\"thinking\",\"thinking\":\"hmm\",\"signature\":\"sig==\"},"
        + "{\"type\":\"redacted_thinking\",\"data\":\"abc\"},"
        + "{\"type\":\"tool_use\",\"id\":\"toolu_1\",\"name\":\"t1\",\"input\":{\"n\":[1,2.50,{\"deep\":null}]}}]}"));
    assertThat(messages.get(2)).isEqualTo(AnthropicWire.json("{\"role\":\"user\",\"content\":["
        + "{\"type\":\"tool_result\",\"tool_use_id\":\"toolu_1\",\"content\":[{\"type\":\"text\",\"text\":\"boom\"},"
        + "{\"type\":\"image\",\"source\":{\"type\":\"base64\",\"media_type\":\"image/gif\",\"data\":\"" + png + "\"}}],"
        + "\"is_error\":true,\"cache_control\":{\"type\":\"ephemeral\",\"ttl\":\"1h\"}},"
        + "{\"type\":\"tool_result\",\"tool_use_id\":\"toolu_2\"}]}"));
    // Raw JSON is copied as given, number text and spacing included.
    assertThat(recorded.getBody().utf8()).contains("\"input\":{\"n\": [1, 2.50, {\"deep\": null}]}");
  }

  @Test
  void toolChoiceModes() throws Exception {
    ToolDefinition tool = ToolDefinition.of("t", "d", "{}");
    AnthropicProvider provider = AnthropicWire.provider(server);
    ChatRequest base = ChatRequest.builder().addUserMessage("hi").addTool(tool).build();
    assertThat(AnthropicWire.body(send(provider, base)).get("tool_choice"))
        .isEqualTo(AnthropicWire.json("{\"type\":\"auto\"}"));
    assertThat(AnthropicWire.body(send(provider, base.toBuilder().toolChoice(ToolChoice.ANY).build()))
        .get("tool_choice")).isEqualTo(AnthropicWire.json("{\"type\":\"any\"}"));
    assertThat(AnthropicWire.body(send(provider, base.toBuilder().toolChoice(ToolChoice.NONE).build()))
        .get("tool_choice")).isEqualTo(AnthropicWire.json("{\"type\":\"none\"}"));
    assertThat(AnthropicWire.body(send(provider,
        base.toBuilder().toolChoice(ToolChoice.AUTO.withParallelToolUseDisabled()).build())).get("tool_choice"))
        .isEqualTo(AnthropicWire.json("{\"type\":\"auto\",\"disable_parallel_tool_use\":true}"));
    JsonNode noTools = AnthropicWire.body(send(provider, ChatRequest.of("hi")));
    assertThat(noTools.has("tools")).isFalse();
    assertThat(noTools.has("tool_choice")).isFalse();
    assertThat(noTools.has("system")).isFalse();
    assertThat(noTools.has("metadata")).isFalse();
    assertThat(noTools.get("messages")).isEqualTo(AnthropicWire.json("[{\"role\":\"user\",\"content\":\"hi\"}]"));
  }

  @Test
  void maxTokensDefaultsToTheSmallerOf4096AndTheModelLimit() throws Exception {
    AnthropicProvider provider = AnthropicWire.provider(server);
    server.enqueue(AnthropicWire.json(200, AnthropicWire.text("response-text.json")).build());
    provider.chat(NO_SAMPLING, ChatRequest.of("hi"));
    JsonNode body = AnthropicWire.body(server.takeRequest(5, TimeUnit.SECONDS));
    assertThat(body.get("max_tokens").asInt()).isEqualTo(2000);
    assertThat(body.get("model").asText()).isEqualTo("claude-sonnet-5");
    assertThat(AnthropicWire.body(send(provider, ChatRequest.builder().addUserMessage("hi").maxOutputTokens(7).build()))
        .get("max_tokens").asInt()).isEqualTo(7);
  }

  @Test
  void samplingParametersAreSentUnderTheOlderVersionToModelsThatAcceptThem() throws Exception {
    AnthropicProvider provider = AnthropicWire.provider(server, "2023-06-01");
    RecordedRequest recorded = send(provider,
        ChatRequest.builder().addUserMessage("hi").temperature(0.25).topP(0.9).topK(40).build());
    JsonNode body = AnthropicWire.body(recorded);
    assertThat(recorded.getHeaders().get("anthropic-version")).isEqualTo("2023-06-01");
    assertThat(body.get("temperature").asDouble()).isEqualTo(0.25);
    assertThat(body.get("top_p").asDouble()).isEqualTo(0.9);
    assertThat(body.get("top_k").asInt()).isEqualTo(40);
  }

  @Test
  void samplingParametersAreRefusedBeforeSendingUnderTheDefaultVersion() {
    AnthropicProvider provider = AnthropicWire.provider(server);
    for (ChatRequest request : List.of(
        ChatRequest.builder().addUserMessage("hi").temperature(1.0).build(),
        ChatRequest.builder().addUserMessage("hi").topP(0.5).build(),
        ChatRequest.builder().addUserMessage("hi").topK(3).build())) {
      assertThatThrownBy(() -> provider.chat(HAIKU, request))
          .isInstanceOf(InvalidRequestException.class)
          .hasMessageContaining("2026-10-21 removed temperature, top_p and top_k")
          .hasMessageContaining("2023-06-01");
      assertThatThrownBy(() -> provider.stream(HAIKU, request, new RecordingHandler()))
          .isInstanceOf(InvalidRequestException.class);
      assertThat(provider.chatAsync(HAIKU, request, Runnable::run)).isCompletedExceptionally()
          .failsWithin(java.time.Duration.ZERO).withThrowableOfType(java.util.concurrent.ExecutionException.class)
          .withCauseInstanceOf(InvalidRequestException.class);
    }
    assertThat(server.getRequestCount()).isZero();
  }

  @Test
  void samplingParametersAreRefusedForModelsWithoutTheCapability() {
    AnthropicProvider provider = AnthropicWire.provider(server, "2023-06-01");
    assertThatThrownBy(() -> provider.chat(NO_SAMPLING, ChatRequest.builder().addUserMessage("hi").temperature(0.2).build()))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessageContaining("claude-sonnet-5 does not accept temperature");
    assertThatThrownBy(() -> provider.chat(HAIKU, ChatRequest.builder().addUserMessage("hi").temperature(1.5).build()))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessageContaining("[0, 1]");
    assertThat(server.getRequestCount()).isZero();
  }

  @Test
  void documentBlocksInAssistantMessagesAreRefusedUnderTheNewVersion() {
    OtherBlock document = new OtherBlock("document",
        "{\"type\":\"document\",\"source\":{\"type\":\"text\",\"media_type\":\"text/plain\",\"data\":\"x\"}}");
    ChatRequest request = ChatRequest.builder().addUserMessage("hi").addMessage(Message.assistant(document))
        .addUserMessage("and?").build();
    assertThatThrownBy(() -> AnthropicWire.provider(server).chat(HAIKU, request))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessageContaining("document blocks in assistant messages");
    assertThat(server.getRequestCount()).isZero();
  }

  @Test
  void aBearerTokenGoesOutAsAuthorization() throws Exception {
    AnthropicProvider provider = AnthropicProvider.builder()
        .authToken(ApiKey.of("gateway-token-1"))
        .baseUrl(server.url("/").toString())
        .build();
    RecordedRequest recorded = send(provider, ChatRequest.of("hi"));
    assertThat(recorded.getHeaders().get("authorization")).isEqualTo("Bearer gateway-token-1");
    assertThat(recorded.getHeaders().get("x-api-key")).isNull();
  }

  @Test
  void aBaseUrlWithAPathPrefixKeepsIt() throws Exception {
    AnthropicProvider provider = AnthropicProvider.builder()
        .apiKey(ApiKey.of(KEY))
        .baseUrl(server.url("/proxy/anthropic").toString())
        .build();
    assertThat(send(provider, ChatRequest.of("hi")).getUrl().encodedPath()).isEqualTo("/proxy/anthropic/v1/messages");
    AnthropicProvider trailing = AnthropicProvider.builder()
        .apiKey(ApiKey.of(KEY))
        .baseUrl(server.url("/proxy/").toString())
        .build();
    assertThat(send(trailing, ChatRequest.of("hi")).getUrl().encodedPath()).isEqualTo("/proxy/v1/messages");
  }

  @Test
  void streamingAsksForAnEventStream() throws Exception {
    server.enqueue(AnthropicWire.sse(AnthropicWire.text("stream-text.sse")).build());
    RecordingHandler handler = new RecordingHandler();
    AnthropicWire.provider(server).stream(HAIKU, ChatRequest.of("hi"), handler);
    RecordedRequest recorded = server.takeRequest(5, TimeUnit.SECONDS);
    assertThat(recorded.getHeaders().get("accept")).isEqualTo("text/event-stream");
    assertThat(AnthropicWire.body(recorded).get("stream").asBoolean()).isTrue();
    handler.awaitEnd();
  }

  @Test
  void roleNamesOnTheWire() throws Exception {
    JsonNode body = AnthropicWire.body(send(AnthropicWire.provider(server),
        ChatRequest.builder().addUserMessage("a").addAssistantMessage("b").addUserMessage("c").build()));
    assertThat(body.get("messages").findValuesAsText("role")).containsExactly("user", "assistant", "user");
    assertThat(Role.values()).hasSize(2);
  }
}
