package dev.ralex.providers.anthropic;

import static dev.ralex.providers.anthropic.AnthropicWire.HAIKU;
import static dev.ralex.providers.anthropic.AnthropicWire.KEY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import dev.ralex.api.ApiKey;
import dev.ralex.api.AuthenticationException;
import dev.ralex.api.ChatRequest;
import dev.ralex.api.ContentBlock;
import dev.ralex.api.LlmException;
import dev.ralex.api.Message;
import dev.ralex.api.ProviderException;
import dev.ralex.api.ProviderUnavailableException;
import dev.ralex.api.RateLimitedException;
import dev.ralex.api.TokenEstimates;
import dev.ralex.api.ToolDefinition;
import dev.ralex.api.ToolResultBlock;
import dev.ralex.api.ToolUseBlock;
import dev.ralex.providers.internal.WireLog;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** {@code POST /v1/messages/count_tokens}: the request, the answer, failures, and the exact-counting option. */
class AnthropicCountTokensTest {
  private final MockWebServer server = new MockWebServer();

  @BeforeEach
  void start() throws Exception {
    server.start();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private static final String SCHEMA = "{\"type\": \"object\", \"properties\": {\"location\": {\"type\": \"string\"}}}";

  /** The documented tool-use request, with every field a message request has and count_tokens refuses. */
  private static final ChatRequest REQUEST = ChatRequest.builder()
      .system("You are a careful coding assistant.")
      .addTool(ToolDefinition.of("get_weather", "Get the current weather in a given location", SCHEMA))
      .addUserMessage("What is the weather like in San Francisco?")
      .addMessage(Message.assistant(ContentBlock.text("I'll check."),
          new ToolUseBlock("toolu_1", "get_weather", "{\"location\": \"San Francisco, CA\"}")))
      .addMessage(Message.user(ToolResultBlock.of("toolu_1", "15 degrees, foggy")))
      .stopSequences(List.of("\n\nHuman:"))
      .maxOutputTokens(1024)
      .option(AnthropicOptions.class, AnthropicOptions.userId("user-42"))
      .build();

  private AnthropicProvider exact() {
    return AnthropicProvider.builder().apiKey(ApiKey.of(KEY)).baseUrl(server.url("/").toString())
        .clock(AnthropicWire.CLOCK).exactTokenCounting(true).build();
  }

  @Test
  void postsTheCountableFieldsAndReadsTheCount() throws Exception {
    server.enqueue(AnthropicWire.json(200, "{\"input_tokens\": 2095}").build());
    assertThat(AnthropicWire.provider(server).countTokens(HAIKU, REQUEST)).isEqualTo(2095);

    RecordedRequest recorded = server.takeRequest(5, TimeUnit.SECONDS);
    assertThat(recorded.getMethod()).isEqualTo("POST");
    assertThat(recorded.getUrl().encodedPath()).isEqualTo("/v1/messages/count_tokens");
    assertThat(recorded.getHeaders().get("x-api-key")).isEqualTo(KEY);
    assertThat(recorded.getHeaders().get("anthropic-version")).isEqualTo("2026-10-21");
    assertThat(recorded.getHeaders().get("content-type")).startsWith("application/json");
    JsonNode body = AnthropicWire.body(recorded);
    // Field by field: exactly the countable fields, written as a message request writes them.
    assertThat(body).isEqualTo(AnthropicWire.json("{"
        + "\"model\":\"claude-haiku-4-5\","
        + "\"system\":\"You are a careful coding assistant.\","
        + "\"messages\":["
        + "{\"role\":\"user\",\"content\":\"What is the weather like in San Francisco?\"},"
        + "{\"role\":\"assistant\",\"content\":[{\"type\":\"text\",\"text\":\"I'll check.\"},"
        + "{\"type\":\"tool_use\",\"id\":\"toolu_1\",\"name\":\"get_weather\","
        + "\"input\":{\"location\":\"San Francisco, CA\"}}]},"
        + "{\"role\":\"user\",\"content\":[{\"type\":\"tool_result\",\"tool_use_id\":\"toolu_1\","
        + "\"content\":\"15 degrees, foggy\"}]}],"
        + "\"tools\":[{\"name\":\"get_weather\",\"description\":\"Get the current weather in a given location\","
        + "\"input_schema\":" + SCHEMA + "}],"
        + "\"tool_choice\":{\"type\":\"auto\"}}"));
    assertThat(body.has("max_tokens")).isFalse();
    assertThat(body.has("stream")).isFalse();
    assertThat(body.has("stop_sequences")).isFalse();
    assertThat(body.has("metadata")).isFalse();
  }

  @Test
  void samplingParametersAreNotSentForCounting() throws Exception {
    server.enqueue(AnthropicWire.json(200, "{\"input_tokens\": 12}").build());
    AnthropicProvider older = AnthropicWire.provider(server, "2023-06-01");
    assertThat(older.countTokens(HAIKU, ChatRequest.builder().addUserMessage("hi").temperature(0.5).topK(3).build()))
        .isEqualTo(12);
    JsonNode body = AnthropicWire.body(server.takeRequest(5, TimeUnit.SECONDS));
    assertThat(body).isEqualTo(AnthropicWire.json(
        "{\"model\":\"claude-haiku-4-5\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"));
  }

  @Test
  void errorsAreMappedAsForChat() {
    AnthropicProvider provider = AnthropicWire.provider(server);
    server.enqueue(AnthropicWire.json(401, AnthropicWire.text("error-401-authentication.json")).build());
    assertThatThrownBy(() -> provider.countTokens(HAIKU, REQUEST)).isInstanceOf(AuthenticationException.class);

    server.enqueue(new MockResponse.Builder().code(429).headers(AnthropicWire.headers("headers-429.txt"))
        .body(AnthropicWire.text("error-429-rate-limit.json")).build());
    RateLimitedException limited = (RateLimitedException) catchLlm(() -> provider.countTokens(HAIKU, REQUEST));
    assertThat(limited.isRetryable()).isTrue();
    assertThat(limited.retryAfter()).contains(Duration.ofSeconds(17));

    server.enqueue(AnthropicWire.json(529, AnthropicWire.text("error-529-overloaded.json")).build());
    assertThatThrownBy(() -> provider.countTokens(HAIKU, REQUEST)).isInstanceOf(ProviderUnavailableException.class);

    server.enqueue(AnthropicWire.json(200, AnthropicWire.text("error-529-overloaded.json")).build());
    assertThatThrownBy(() -> provider.countTokens(HAIKU, REQUEST)).isInstanceOf(ProviderUnavailableException.class);

    for (String malformed : List.of("{\"input_tokens\": \"many\"}", "{}", "not json", "",
        "{\"input_tokens\": -3}", "{\"input_tokens\": 1.5}")) {
      server.enqueue(AnthropicWire.json(200, malformed).build());
      assertThatThrownBy(() -> provider.countTokens(HAIKU, REQUEST)).as(malformed)
          .isInstanceOf(ProviderException.class);
    }
  }

  @Test
  void aKeyEchoedInAnErrorIsRedacted() {
    String body = "{\"type\":\"error\",\"error\":{\"type\":\"authentication_error\",\"message\":\"invalid x-api-key "
        + KEY + "\"}}";
    server.enqueue(AnthropicWire.json(401, body).build());
    LlmException e = catchLlm(() -> AnthropicWire.provider(server).countTokens(HAIKU, REQUEST));
    assertThat(e.getMessage()).contains("***").doesNotContain(KEY);
    assertThat(e.toString()).doesNotContain(KEY);
  }

  @Test
  void estimatesAreTheEstimateUnlessExactCountingIsOn() throws Exception {
    assertThat(AnthropicWire.provider(server).estimateInputTokens(HAIKU, REQUEST))
        .isEqualTo(TokenEstimates.estimateInputTokens(REQUEST));
    assertThat(server.getRequestCount()).isZero();

    server.enqueue(AnthropicWire.json(200, "{\"input_tokens\": 431}").build());
    assertThat(exact().estimateInputTokens(HAIKU, REQUEST)).isEqualTo(431);
    assertThat(server.takeRequest(5, TimeUnit.SECONDS).getUrl().encodedPath()).isEqualTo("/v1/messages/count_tokens");
  }

  @Test
  void aFailedCountFallsBackToTheEstimateLoggedAtDebugWithoutTheKey() {
    Logger logger = (Logger) LoggerFactory.getLogger(AnthropicProvider.class);
    ListAppender<ILoggingEvent> appender = new ListAppender<>();
    appender.start();
    logger.addAppender(appender);
    Level previous = logger.getLevel();
    logger.setLevel(Level.DEBUG);
    String echo = "{\"type\":\"error\",\"error\":{\"type\":\"authentication_error\",\"message\":\"bad key " + KEY
        + "\"}}";
    try (WireLog wire = new WireLog(Level.TRACE)) {
      server.enqueue(AnthropicWire.json(401, echo).build());
      server.enqueue(AnthropicWire.json(529, AnthropicWire.text("error-529-overloaded.json")).build());
      AnthropicProvider provider = exact();
      assertThat(provider.estimateInputTokens(HAIKU, REQUEST)).isEqualTo(TokenEstimates.estimateInputTokens(REQUEST));
      assertThat(provider.estimateInputTokens(HAIKU, REQUEST)).isEqualTo(TokenEstimates.estimateInputTokens(REQUEST));
      assertThat(wire.text()).doesNotContain(KEY);
    } finally {
      logger.setLevel(previous);
      logger.detachAppender(appender);
      appender.stop();
    }
    List<String> lines = appender.list.stream().map(ev -> ev.getLevel() + " " + ev.getFormattedMessage()).toList();
    assertThat(lines).hasSize(2).allMatch(l -> l.startsWith("DEBUG count_tokens failed for anthropic/claude-haiku-4-5"));
    assertThat(String.join("\n", lines)).doesNotContain(KEY).doesNotContain("San Francisco");
    assertThat(exact().toString()).doesNotContain(KEY);
  }

  private static LlmException catchLlm(Runnable r) {
    try {
      r.run();
    } catch (LlmException e) {
      return e;
    }
    throw new AssertionError("expected an LlmException");
  }
}
