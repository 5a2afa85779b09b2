package dev.ralex.providers.openrouter;

import static dev.ralex.providers.openrouter.Wire.LLAMA;
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
import dev.ralex.api.ThinkingBlock;
import dev.ralex.api.ToolChoice;
import dev.ralex.api.ToolDefinition;
import dev.ralex.api.ToolResultBlock;
import dev.ralex.api.ToolUseBlock;
import java.math.BigDecimal;
import java.net.URI;
import java.util.List;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.junit5.StartStop;
import org.junit.jupiter.api.Test;

/** What goes on the wire: every field of the request, asserted on the body the server received. */
class OpenRouterRequestTest {
  @StartStop
  final MockWebServer server = new MockWebServer();

  private static final ToolDefinition WEATHER = ToolDefinition.of("get_weather",
      "Get the current weather in a given location",
      "{\"type\": \"object\", \"properties\": {\"location\": {\"type\": \"string\"}}, \"required\": [\"location\"]}");

  private RecordedRequest send(OpenRouterProvider provider, ChatRequest request) throws InterruptedException {
    server.enqueue(Wire.json(200, "response-text.json"));
    provider.chat(LLAMA, request);
    return server.takeRequest(5, TimeUnit.SECONDS);
  }

  @Test
  void toolConversationMatchesTheDocumentedRequestFieldByField() throws Exception {
    ChatRequest request = ChatRequest.builder()
        .system("You are a careful coding assistant.")
        .addUserMessage("What is the weather like in Boston?")
        .addMessage(Message.assistant(
            new ToolUseBlock("call_9pw1qnYScqvGrCH58HWCvFH6", "get_weather", "{\"location\": \"Boston, MA\"}")))
        .addMessage(Message.user(ToolResultBlock.of("call_9pw1qnYScqvGrCH58HWCvFH6", "22 degrees and sunny")))
        .tools(List.of(WEATHER))
        .toolChoice(ToolChoice.AUTO)
        .maxOutputTokens(512)
        .temperature(0.2)
        .stopSequences(List.of("\n\nUser:"))
        .option(OpenRouterOptions.class, OpenRouterOptions.builder()
            .models("meta-llama/llama-3.1-8b-instruct", "mistralai/mistral-7b-instruct")
            .order("deepinfra", "together")
            .allowFallbacks(true)
            .sort(OpenRouterOptions.Sort.PRICE)
            .dataCollection(OpenRouterOptions.DataCollection.DENY)
            .build())
        .build();

    RecordedRequest recorded = send(Wire.openRouter(server), request);

    assertThat(recorded.getMethod()).isEqualTo("POST");
    assertThat(recorded.getUrl().encodedPath()).isEqualTo("/api/v1/chat/completions");
    assertThat(recorded.getHeaders().get("Authorization")).isEqualTo("Bearer " + Wire.KEY);
    assertThat(recorded.getHeaders().get("Content-Type")).startsWith("application/json");
    JsonNode body = Wire.body(recorded);
    JsonNode expected = Wire.json("request-tools.json");
    // Field by field first, for a readable failure; then the whole tree, so nothing extra is sent.
    expected.fieldNames().forEachRemaining(field ->
        assertThat(body.get(field)).as(field).isEqualTo(expected.get(field)));
    assertThat(body).isEqualTo(expected);
  }

  @Test
  void attributionHeadersAreSentWhenConfigured() throws Exception {
    OpenRouterProvider provider = OpenRouterProvider.builder()
        .apiKey(ApiKey.of(Wire.KEY))
        .baseUrl(server.url("/api/v1/").toString())
        .referer("https://example.dev/app")
        .title("Ralex Tests")
        .build();
    RecordedRequest recorded = send(provider, ChatRequest.of("hi"));
    assertThat(recorded.getUrl().encodedPath()).isEqualTo("/api/v1/chat/completions");
    assertThat(recorded.getHeaders().get("HTTP-Referer")).isEqualTo("https://example.dev/app");
    assertThat(recorded.getHeaders().get("X-OpenRouter-Title")).isEqualTo("Ralex Tests");
    assertThat(recorded.getHeaders().get("X-Title")).isEqualTo("Ralex Tests");
  }

  @Test
  void noAttributionHeadersByDefaultAndAPlainUserMessage() throws Exception {
    RecordedRequest recorded = send(Wire.openRouter(server), ChatRequest.of("hi"));
    assertThat(recorded.getHeaders().get("HTTP-Referer")).isNull();
    assertThat(recorded.getHeaders().get("X-Title")).isNull();
    JsonNode body = Wire.body(recorded);
    assertThat(body.get("model").asText()).isEqualTo("meta-llama/llama-3.1-8b-instruct");
    assertThat(body.get("messages")).isEqualTo(Wire.MAPPER.readTree("[{\"role\":\"user\",\"content\":\"hi\"}]"));
    assertThat(body.get("stream").asBoolean()).isFalse();
    assertThat(body.has("tools")).isFalse();
    assertThat(body.has("tool_choice")).isFalse();
    assertThat(body.has("usage")).as("deprecated on OpenRouter").isFalse();
    assertThat(body.has("models")).isFalse();
    assertThat(body.has("provider")).isFalse();
  }

  @Test
  void providerPreferencesIncludeOnlyIgnoreAndMaxPrice() throws Exception {
    ChatRequest request = ChatRequest.builder().addUserMessage("hi")
        .option(OpenRouterOptions.class, OpenRouterOptions.builder()
            .only("deepinfra")
            .ignore("azure", "together")
            .allowFallbacks(false)
            .sort(OpenRouterOptions.Sort.THROUGHPUT)
            .maxPrice(new OpenRouterOptions.MaxPrice(new BigDecimal("0.50"), new BigDecimal("1.5")))
            .build())
        .build();
    JsonNode provider = Wire.body(send(Wire.openRouter(server), request)).get("provider");
    assertThat(provider).isEqualTo(Wire.MAPPER.readTree("{\"only\":[\"deepinfra\"],\"ignore\":[\"azure\",\"together\"],"
        + "\"allow_fallbacks\":false,\"sort\":\"throughput\",\"max_price\":{\"prompt\":0.50,\"completion\":1.5}}"));
  }

  @Test
  void imagesToolErrorsAndParallelToolUse() throws Exception {
    ChatRequest request = ChatRequest.builder()
        .addMessage(Message.user(ContentBlock.text("What is in these?"), ImageBlock.base64("image/png", "iVBORw0KGgo="),
            ImageBlock.url("image/jpeg", URI.create("https://example.com/cat.jpg"))))
        .addMessage(Message.assistant(ContentBlock.text("Let me look."),
            new ToolUseBlock("call_1", "get_weather", "{\"location\":\"Paris\"}"),
            new ToolUseBlock("call_2", "get_weather", "{\"location\":\"Rome\"}")))
        .addMessage(new Message(Role.USER, List.of(
            ToolResultBlock.error("call_1", "service down"),
            new ToolResultBlock("call_2", List.of(ContentBlock.text("sunny"), ImageBlock.base64("image/gif", "R0lG")),
                false, CacheControl.NONE),
            ContentBlock.text("And now?"))))
        .tools(List.of(WEATHER))
        .toolChoice(ToolChoice.ANY.withParallelToolUseDisabled())
        .build();
    JsonNode body = Wire.body(send(Wire.openRouter(server), request));
    assertThat(body.get("messages")).isEqualTo(Wire.MAPPER.readTree("["
        + "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"What is in these?\"},"
        + "{\"type\":\"image_url\",\"image_url\":{\"url\":\"data:image/png;base64,iVBORw0KGgo=\"}},"
        + "{\"type\":\"image_url\",\"image_url\":{\"url\":\"https://example.com/cat.jpg\"}}]},"
        + "{\"role\":\"assistant\",\"content\":\"Let me look.\",\"tool_calls\":["
        + "{\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"arguments\":\"{\\\"location\\\":\\\"Paris\\\"}\"}},"
        + "{\"id\":\"call_2\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"arguments\":\"{\\\"location\\\":\\\"Rome\\\"}\"}}]},"
        + "{\"role\":\"tool\",\"tool_call_id\":\"call_1\",\"content\":\"[tool error] service down\"},"
        + "{\"role\":\"tool\",\"tool_call_id\":\"call_2\",\"content\":\"sunny\"},"
        + "{\"role\":\"user\",\"content\":[{\"type\":\"image_url\",\"image_url\":{\"url\":\"data:image/gif;base64,R0lG\"}},"
        + "{\"type\":\"text\",\"text\":\"And now?\"}]}]"));
    assertThat(body.get("tool_choice").asText()).isEqualTo("required");
    assertThat(body.get("parallel_tool_calls").asBoolean(true)).isFalse();
  }

  @Test
  void forcedAndDisabledToolChoice() throws Exception {
    ChatRequest forced = ChatRequest.builder().addUserMessage("hi").tools(List.of(WEATHER))
        .toolChoice(ToolChoice.tool("get_weather")).build();
    assertThat(Wire.body(send(Wire.openRouter(server), forced)).get("tool_choice"))
        .isEqualTo(Wire.MAPPER.readTree("{\"type\":\"function\",\"function\":{\"name\":\"get_weather\"}}"));
    ChatRequest none = forced.toBuilder().toolChoice(ToolChoice.NONE).build();
    JsonNode body = Wire.body(send(Wire.openRouter(server), none));
    assertThat(body.get("tool_choice").asText()).isEqualTo("none");
    assertThat(body.has("parallel_tool_calls")).isFalse();
  }

  @Test
  void thinkingAndUnknownBlocksInHistoryAreDropped() throws Exception {
    ChatRequest request = ChatRequest.builder()
        .addUserMessage("2+2?")
        .addMessage(Message.assistant(new ThinkingBlock("add them", "sig"), ContentBlock.text("4"),
            new OtherBlock("server_tool_use", "{\"type\":\"server_tool_use\"}")))
        .addUserMessage("thanks")
        .build();
    JsonNode messages = Wire.body(send(Wire.openRouter(server), request)).get("messages");
    assertThat(messages).isEqualTo(Wire.MAPPER.readTree("[{\"role\":\"user\",\"content\":\"2+2?\"},"
        + "{\"role\":\"assistant\",\"content\":\"4\"},{\"role\":\"user\",\"content\":\"thanks\"}]"));
  }

  @Test
  void samplingParametersForAModelWithoutThemFailBeforeSending() {
    OpenRouterProvider provider = Wire.openRouter(server);
    ChatRequest request = ChatRequest.builder().addUserMessage("hi").temperature(0.5).build();
    assertThatThrownBy(() -> provider.chat(Wire.NO_SAMPLING, request))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessageContaining("sampling parameters")
        .hasMessageContaining(Wire.NO_SAMPLING.id());
    assertThat(server.getRequestCount()).isZero();
  }

  @Test
  void topPAndTopKAreSentToOpenRouter() throws Exception {
    ChatRequest request = ChatRequest.builder().addUserMessage("hi").topP(0.9).topK(40).build();
    JsonNode body = Wire.body(send(Wire.openRouter(server), request));
    assertThat(body.get("top_p").asDouble()).isEqualTo(0.9);
    assertThat(body.get("top_k").asInt()).isEqualTo(40);
  }

  @Test
  void streamingRequestAsksForAStreamWithoutDeprecatedUsageOptions() throws Exception {
    server.enqueue(Wire.sse("stream-text.sse"));
    Wire.Recorder recorder = new Wire.Recorder();
    Wire.openRouter(server).stream(LLAMA, ChatRequest.of("hi"), recorder).completion().get(5, TimeUnit.SECONDS);
    RecordedRequest recorded = server.takeRequest(5, TimeUnit.SECONDS);
    assertThat(recorded.getHeaders().get("Accept")).isEqualTo("text/event-stream");
    JsonNode body = Wire.body(recorded);
    assertThat(body.get("stream").asBoolean()).isTrue();
    assertThat(body.has("stream_options")).isFalse();
  }
}
