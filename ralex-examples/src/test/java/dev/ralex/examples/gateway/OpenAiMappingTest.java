package dev.ralex.examples.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ralex.api.BudgetExceededException;
import dev.ralex.api.ChatRequest;
import dev.ralex.api.ChatResponse;
import dev.ralex.api.ContentBlock;
import dev.ralex.api.ErrorDetails;
import dev.ralex.api.ImageBlock;
import dev.ralex.api.LlmTimeoutException;
import dev.ralex.api.Message;
import dev.ralex.api.ProviderUnavailableException;
import dev.ralex.api.RateLimitedException;
import dev.ralex.api.Role;
import dev.ralex.api.StopReason;
import dev.ralex.api.ToolChoice;
import dev.ralex.api.ToolResultBlock;
import dev.ralex.api.ToolUseBlock;
import dev.ralex.api.Usage;
import dev.ralex.api.AuthenticationException;
import java.math.BigDecimal;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class OpenAiMappingTest {
  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final Set<String> MODELS = Set.of("simulated/haiku-class");

  private static OpenAiMapping.Parsed parse(String body) throws Exception {
    return OpenAiMapping.request((ObjectNode) JSON.readTree(body), MODELS, Map.of("gateway.caller", "alice"));
  }

  @Test
  void mapsRolesPartsAndParameters() throws Exception {
    OpenAiMapping.Parsed parsed = parse("{\"model\":\"simulated/haiku-class\",\"max_tokens\":100,"
        + "\"temperature\":0.5,\"top_p\":0.9,\"stop\":\"END\",\"stream\":true,"
        + "\"stream_options\":{\"include_usage\":true},\"messages\":["
        + "{\"role\":\"system\",\"content\":\"Be brief.\"},"
        + "{\"role\":\"developer\",\"content\":[{\"type\":\"text\",\"text\":\"Use Java.\"}]},"
        + "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"What is this?\"},"
        + "{\"type\":\"image_url\",\"image_url\":{\"url\":\"data:image/png;base64,iVBORw0KGgo=\"}},"
        + "{\"type\":\"image_url\",\"image_url\":{\"url\":\"https://example.com/cat.webp\"}}]}]}");

    ChatRequest request = parsed.request();
    assertThat(parsed.stream()).isTrue();
    assertThat(parsed.includeUsage()).isTrue();
    assertThat(request.model()).contains("simulated/haiku-class");
    assertThat(request.maxOutputTokens()).hasValue(100);
    assertThat(request.temperature()).hasValue(0.5);
    assertThat(request.topP()).hasValue(0.9);
    assertThat(request.stopSequences()).containsExactly("END");
    assertThat(request.systemText()).isEqualTo("Be brief.\n\nUse Java.");
    assertThat(request.tags()).containsEntry("gateway.caller", "alice");
    assertThat(request.messages()).hasSize(1);
    List<ContentBlock> content = request.messages().get(0).content();
    assertThat(content).hasSize(3);
    assertThat(((ImageBlock) content.get(1)).mediaType()).isEqualTo("image/png");
    assertThat(((ImageBlock) content.get(1)).base64Data()).isEqualTo("iVBORw0KGgo=");
    assertThat(((ImageBlock) content.get(2)).url()).isEqualTo(URI.create("https://example.com/cat.webp"));
    assertThat(((ImageBlock) content.get(2)).mediaType()).isEqualTo("image/webp");
  }

  @Test
  void autoOrNoModelLetsRalexChooseAndMaxCompletionTokensWins() throws Exception {
    assertThat(parse("{\"model\":\"auto\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}").request().model())
        .isEmpty();
    ChatRequest request = parse("{\"max_tokens\":10,\"max_completion_tokens\":20,"
        + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}").request();
    assertThat(request.model()).isEmpty();
    assertThat(request.maxOutputTokens()).hasValue(20);
  }

  @Test
  void toolCallsAndToolResultsRoundTrip() throws Exception {
    ChatRequest request = parse("{\"messages\":["
        + "{\"role\":\"user\",\"content\":\"Run the tests\"},"
        + "{\"role\":\"assistant\",\"content\":\"\",\"tool_calls\":["
        + "{\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":\"run_tests\",\"arguments\":\"{}\"}},"
        + "{\"id\":\"call_2\",\"type\":\"function\",\"function\":{\"name\":\"lint\",\"arguments\":\"\"}}]},"
        + "{\"role\":\"tool\",\"tool_call_id\":\"call_1\",\"content\":\"12 passed\"},"
        + "{\"role\":\"tool\",\"tool_call_id\":\"call_2\",\"content\":\"clean\"},"
        + "{\"role\":\"user\",\"content\":\"Thanks, now summarize\"}],"
        + "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"run_tests\",\"description\":\"Runs tests\","
        + "\"parameters\":{\"type\":\"object\",\"properties\":{}}}},{\"type\":\"function\",\"function\":"
        + "{\"name\":\"lint\"}}],\"tool_choice\":{\"type\":\"function\",\"function\":{\"name\":\"lint\"}},"
        + "\"parallel_tool_calls\":false}").request();

    List<Message> messages = request.messages();
    assertThat(messages).extracting(Message::role).containsExactly(Role.USER, Role.ASSISTANT, Role.USER);
    assertThat(messages.get(1).content()).containsExactly(new ToolUseBlock("call_1", "run_tests", "{}"),
        new ToolUseBlock("call_2", "lint", "{}"));
    // Both tool results and the user's next words travel in one user message, results first.
    assertThat(messages.get(2).content()).hasSize(3);
    assertThat(((ToolResultBlock) messages.get(2).content().get(0)).toolUseId()).isEqualTo("call_1");
    assertThat(((ToolResultBlock) messages.get(2).content().get(1)).text()).isEqualTo("clean");
    assertThat(request.tools()).extracting(t -> t.name()).containsExactly("run_tests", "lint");
    assertThat(request.toolChoice()).isEqualTo(ToolChoice.tool("lint").withParallelToolUseDisabled());
  }

  @Test
  void toolChoiceKeywords() throws Exception {
    String tools = "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\"}}],"
        + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]";
    assertThat(parse("{\"tool_choice\":\"required\"," + tools + "}").request().toolChoice())
        .isEqualTo(ToolChoice.ANY);
    assertThat(parse("{\"tool_choice\":\"none\"," + tools + "}").request().toolChoice()).isEqualTo(ToolChoice.NONE);
    assertThat(parse("{\"tool_choice\":\"auto\"," + tools + "}").request().toolChoice()).isEqualTo(ToolChoice.AUTO);
  }

  @Test
  void refusesWhatItCannotMap() {
    assertThatThrownBy(() -> parse("{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"))
        .isInstanceOfSatisfying(OpenAiError.class, e -> {
          assertThat(e.status()).isEqualTo(404);
          assertThat(e.code()).contains("model_not_found");
        });
    assertError("{\"n\":2,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", "n");
    assertError("{\"max_tokens\":0,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", "max_tokens");
    assertError("{\"messages\":[{\"role\":\"function\",\"content\":\"hi\"}]}", "messages[0].role");
    assertError("{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"input_audio\"}]}]}",
        "messages[0].content");
    assertError("{\"messages\":[{\"role\":\"system\",\"content\":\"only a system prompt\"}]}", "messages");
    assertError("{\"stop\":7,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", "stop");
    assertError("{\"messages\":[{\"role\":\"assistant\",\"tool_calls\":[{\"id\":\"c\",\"function\":"
        + "{\"name\":\"f\",\"arguments\":\"not json\"}}]}]}", "messages[0]");
  }

  private static void assertError(String body, String param) {
    assertThatThrownBy(() -> parse(body)).isInstanceOfSatisfying(OpenAiError.class, e -> {
      assertThat(e.status()).isEqualTo(400);
      assertThat(e.type()).isEqualTo("invalid_request_error");
      assertThat(e.param()).contains(param);
    });
  }

  @Test
  void completionMapsStopReasonsAndUsage() {
    ChatResponse response = ChatResponse.builder()
        .id("msg_1").callId("call-1").model("simulated/haiku-class").provider("simulated")
        .content(List.of(ContentBlock.text("Hello"), new ToolUseBlock("toolu_1", "f", "{\"a\":1}")))
        .usage(new Usage(10, 5, 30, 2)).stopReason(StopReason.TOOL_USE).build();

    ObjectNode completion = OpenAiMapping.completion(JSON, "chatcmpl-1", 7, response);

    assertThat(completion.path("model").asText()).isEqualTo("simulated/haiku-class");
    assertThat(completion.at("/choices/0/finish_reason").asText()).isEqualTo("tool_calls");
    assertThat(completion.at("/choices/0/message/content").asText()).isEqualTo("Hello");
    assertThat(completion.at("/choices/0/message/tool_calls/0/function/arguments").asText()).isEqualTo("{\"a\":1}");
    assertThat(completion.at("/usage/prompt_tokens").asLong()).isEqualTo(42);
    assertThat(completion.at("/usage/prompt_tokens_details/cached_tokens").asLong()).isEqualTo(30);
    assertThat(completion.at("/usage/completion_tokens").asLong()).isEqualTo(5);
    assertThat(completion.at("/usage/total_tokens").asLong()).isEqualTo(47);
    assertThat(OpenAiMapping.finishReason(StopReason.END_TURN)).isEqualTo("stop");
    assertThat(OpenAiMapping.finishReason(StopReason.MAX_TOKENS)).isEqualTo("length");
    assertThat(OpenAiMapping.finishReason(StopReason.REFUSAL)).isEqualTo("stop");
    assertThat(OpenAiMapping.finishReason(StopReason.of("something_new"))).isEqualTo("stop");
  }

  @Test
  void errorsMapToOpenAiStatuses() {
    OpenAiError budget = OpenAiError.of(new BudgetExceededException("daily tag gateway.caller=bob",
        BigDecimal.ONE, BigDecimal.ONE, new BigDecimal("0.01")));
    assertThat(budget.status()).isEqualTo(429);
    assertThat(budget.type()).isEqualTo("insufficient_quota");

    OpenAiError limited = OpenAiError.of(new RateLimitedException("slow down", Duration.ofMillis(1500),
        ErrorDetails.NONE));
    assertThat(limited.status()).isEqualTo(429);
    assertThat(limited.retryAfter()).contains(Duration.ofMillis(1500));

    assertThat(OpenAiError.of(new ProviderUnavailableException("busy", true, ErrorDetails.of("anthropic", 529,
        null))).status()).isEqualTo(503);
    assertThat(OpenAiError.of(new LlmTimeoutException("slow", ErrorDetails.NONE, null)).status()).isEqualTo(504);

    OpenAiError auth = OpenAiError.of(new AuthenticationException("Incorrect API key provided: sk-proj-abc123456789",
        ErrorDetails.of("openai", 401, null)));
    assertThat(auth.status()).isEqualTo(502);
    assertThat(auth.getMessage()).doesNotContain("sk-proj");
  }

  @Test
  void redactsWhatLooksLikeAKey() {
    assertThat(OpenAiError.redact("bad key sk-ant-api03-abcdefgh and Bearer abcdefghijk and rgw-0123456789"))
        .isEqualTo("bad key [redacted] and Bearer [redacted] and [redacted]");
    assertThat(OpenAiError.redact("the model 'gpt-4o' does not exist")).isEqualTo("the model 'gpt-4o' does not exist");
  }
}
