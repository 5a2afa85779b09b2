package dev.ralex.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ralex.api.TokenEstimates;
import dev.ralex.api.Usage;
import dev.ralex.core.ModelCatalog;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class SimulatedLlmServerTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String CIRCUIT = "Explain in two sentences what a circuit breaker does.";
  private static final String TESTS = "Run the tests of module ralex-core and tell me what fails.";
  private static final String ANTHROPIC_TOOL = "{\"name\":\"run_tests\",\"description\":\"Runs a module's tests.\","
      + "\"input_schema\":{\"type\":\"object\",\"properties\":{\"module\":{\"type\":\"string\"}}}}";
  private static final String OPENAI_TOOL = "{\"type\":\"function\",\"function\":{\"name\":\"run_tests\","
      + "\"description\":\"Runs a module's tests.\",\"parameters\":{\"type\":\"object\",\"properties\":"
      + "{\"module\":{\"type\":\"string\"}}}}}";
  private static final String LLAMA = "meta-llama/llama-3.1-8b-instruct";

  /** One client for all tests: it is thread-safe, and starting one costs more than most tests here. */
  private static final HttpClient CLIENT = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(2))
      .build();
  private SimulatedLlmServer server;

  @BeforeEach
  void start() {
    server = new SimulatedLlmServer();
    server.start();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  // ---------------------------------------------------------------------------------------------- helpers

  private HttpResponse<String> post(String url, Map<String, String> headers, String body) {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url))
        .timeout(Duration.ofSeconds(5))
        .header("content-type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
    headers.forEach(request::header);
    try {
      return CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new AssertionError(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  private HttpResponse<String> anthropic(String body) {
    return post(server.anthropicBaseUrl() + "/v1/messages",
        Map.of("x-api-key", "sk-ant-test", "anthropic-version", "2023-06-01"), body);
  }

  private HttpResponse<String> openRouter(String body) {
    return post(server.openRouterBaseUrl() + "/chat/completions", Map.of("Authorization", "Bearer sk-or-test"),
        body);
  }

  private static String anthropicBody(String userText, boolean stream, String tools) {
    return "{\"model\":\"claude-haiku-4-5\",\"max_tokens\":1024,\"stream\":" + stream
        + (tools != null ? ",\"tools\":[" + tools + "]" : "")
        + ",\"system\":[{\"type\":\"text\",\"text\":\"Be brief.\"}]"
        + ",\"messages\":[{\"role\":\"user\",\"content\":" + quote(userText) + "}]}";
  }

  private static String openRouterBody(String model, String userText, boolean stream, String tools) {
    return "{\"model\":\"" + model + "\",\"stream\":" + stream
        + (tools != null ? ",\"tools\":[" + tools + "]" : "")
        + ",\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"},"
        + "{\"role\":\"user\",\"content\":" + quote(userText) + "}]}";
  }

  private static String quote(String s) {
    try {
      return JSON.writeValueAsString(s);
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  private static JsonNode json(HttpResponse<String> response) {
    try {
      return JSON.readTree(response.body());
    } catch (IOException e) {
      throw new AssertionError("not JSON: " + response.body(), e);
    }
  }

  private static JsonNode json(String text) {
    try {
      return JSON.readTree(text);
    } catch (IOException e) {
      throw new AssertionError("not JSON: " + text, e);
    }
  }

  /** An SSE event: its name (null without an {@code event:} line) and its data, or a comment. */
  private record Event(String name, String data, String comment) {}

  /** Parses a text/event-stream body. */
  private static List<Event> events(String body) {
    assertThat(body).endsWith("\n\n");
    List<Event> events = new ArrayList<>();
    for (String block : body.split("\n\n")) {
      String name = null;
      String data = null;
      String comment = null;
      for (String line : block.split("\n")) {
        if (line.startsWith(":")) {
          comment = line.substring(1).trim();
        } else if (line.startsWith("event: ")) {
          name = line.substring(7);
        } else if (line.startsWith("data: ")) {
          assertThat(data).as("one data line per event").isNull();
          data = line.substring(6);
        } else {
          throw new AssertionError("unexpected SSE line: " + line);
        }
      }
      events.add(new Event(name, data, comment));
    }
    return events;
  }

  // --------------------------------------------------------------------------------------------- Anthropic

  @Test
  void anthropicJsonHasTheDocumentedShape() {
    HttpResponse<String> response = anthropic(anthropicBody(CIRCUIT, false, null));

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("content-type")).hasValue("application/json");
    String requestId = response.headers().firstValue("request-id").orElseThrow();
    assertThat(requestId).startsWith("req_");
    assertThat(response.headers().firstValue("anthropic-ratelimit-requests-limit")).isPresent();
    assertThat(response.headers().firstValue("anthropic-ratelimit-tokens-reset")).isPresent();
    JsonNode body = json(response);
    assertThat(body.get("id").asText()).startsWith("msg_");
    assertThat(body.get("type").asText()).isEqualTo("message");
    assertThat(body.get("role").asText()).isEqualTo("assistant");
    assertThat(body.get("model").asText()).isEqualTo("claude-haiku-4-5");
    assertThat(body.get("content")).hasSize(1);
    JsonNode block = body.get("content").get(0);
    assertThat(block.get("type").asText()).isEqualTo("text");
    String text = block.get("text").asText();
    assertThat(text).isEqualTo(CannedAnswers.answer(CIRCUIT)).startsWith("A circuit breaker");
    assertThat(body.get("stop_reason").asText()).isEqualTo("end_turn");
    assertThat(body.get("stop_sequence").isNull()).isTrue();
    JsonNode usage = body.get("usage");
    // System text plus one message with its overhead, as TokenEstimates counts them.
    assertThat(usage.get("input_tokens").asLong())
        .isEqualTo(TokenEstimates.estimateText("Be brief.") + 4 + TokenEstimates.estimateText(CIRCUIT));
    assertThat(usage.get("output_tokens").asLong()).isEqualTo(TokenEstimates.estimateText(text));
    assertThat(usage.get("cache_creation_input_tokens").asLong()).isZero();
    assertThat(usage.get("cache_read_input_tokens").asLong()).isZero();
  }

  @Test
  void anthropicReadsTextBlocksAndCutsAtMaxTokens() {
    String body = "{\"model\":\"claude-sonnet-4-6\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":"
        + "[{\"type\":\"text\",\"text\":\"What does a circuit \"},{\"type\":\"text\",\"text\":\"breaker do?\"}]}]}";

    JsonNode response = json(anthropic(body));

    assertThat(response.get("stop_reason").asText()).isEqualTo("max_tokens");
    String text = response.get("content").get(0).get("text").asText();
    assertThat(CannedAnswers.answer("circuit breaker")).startsWith(text);
    assertThat(TokenEstimates.estimateText(text)).isBetween(1L, 5L);
    assertThat(response.get("usage").get("output_tokens").asLong()).isEqualTo(TokenEstimates.estimateText(text));
  }

  @Test
  void anthropicStreamSendsTheDocumentedEventSequence() {
    HttpResponse<String> response = anthropic(anthropicBody(CIRCUIT, true, null));

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("content-type").orElseThrow()).startsWith("text/event-stream");
    assertThat(response.headers().firstValue("request-id")).isPresent();
    List<Event> events = events(response.body());
    List<String> names = events.stream().map(Event::name).collect(Collectors.toList());
    String answer = CannedAnswers.answer(CIRCUIT);
    int words = CannedAnswers.words(answer).length;
    assertThat(words).isGreaterThan(5);
    List<String> expected = new ArrayList<>(List.of("message_start", "content_block_start", "ping"));
    for (int i = 0; i < words; i++) {
      expected.add("content_block_delta");
    }
    expected.addAll(List.of("content_block_stop", "message_delta", "message_stop"));
    assertThat(names).isEqualTo(expected);

    StringBuilder text = new StringBuilder();
    for (Event event : events) {
      JsonNode data = json(event.data());
      assertThat(data.get("type").asText()).isEqualTo(event.name());
      if (event.name().equals("content_block_delta")) {
        assertThat(data.get("index").asInt()).isZero();
        assertThat(data.get("delta").get("type").asText()).isEqualTo("text_delta");
        text.append(data.get("delta").get("text").asText());
      }
    }
    assertThat(text.toString()).isEqualTo(answer);
    JsonNode start = json(events.get(0).data()).get("message");
    assertThat(start.get("id").asText()).startsWith("msg_");
    assertThat(start.get("model").asText()).isEqualTo("claude-haiku-4-5");
    assertThat(start.get("content")).isEmpty();
    assertThat(start.get("stop_reason").isNull()).isTrue();
    assertThat(start.get("usage").get("input_tokens").asLong()).isPositive();
    assertThat(start.get("usage").get("cache_read_input_tokens").asLong()).isZero();
    JsonNode blockStart = json(events.get(1).data()).get("content_block");
    assertThat(blockStart.get("type").asText()).isEqualTo("text");
    assertThat(blockStart.get("text").asText()).isEmpty();
    JsonNode delta = json(events.get(events.size() - 2).data());
    assertThat(delta.get("delta").get("stop_reason").asText()).isEqualTo("end_turn");
    assertThat(delta.get("usage").get("output_tokens").asLong()).isEqualTo(TokenEstimates.estimateText(answer));
  }

  @Test
  void anthropicCallsTheFirstToolThenAnswersItsResult() {
    JsonNode response = json(anthropic(anthropicBody(TESTS, false, ANTHROPIC_TOOL)));

    assertThat(response.get("stop_reason").asText()).isEqualTo("tool_use");
    JsonNode use = response.get("content").get(0);
    assertThat(use.get("type").asText()).isEqualTo("tool_use");
    assertThat(use.get("id").asText()).startsWith("toolu_");
    assertThat(use.get("name").asText()).isEqualTo("run_tests");
    assertThat(use.get("input")).isEqualTo(json("{\"module\":\"ralex-core\"}"));

    String withResult = "{\"model\":\"claude-haiku-4-5\",\"max_tokens\":1024,\"tools\":[" + ANTHROPIC_TOOL + "],"
        + "\"messages\":[{\"role\":\"user\",\"content\":" + quote(TESTS) + "},"
        + "{\"role\":\"assistant\",\"content\":[" + use + "]},"
        + "{\"role\":\"user\",\"content\":[{\"type\":\"tool_result\",\"tool_use_id\":"
        + quote(use.get("id").asText()) + ",\"content\":\"2 failures\"}]}]}";
    JsonNode answer = json(anthropic(withResult));

    assertThat(answer.get("stop_reason").asText()).isEqualTo("end_turn");
    assertThat(answer.get("content").get(0).get("type").asText()).isEqualTo("text");
  }

  @Test
  void anthropicStreamsAToolCallAsInputJsonFragments() {
    List<Event> events = events(anthropic(anthropicBody(TESTS, true, ANTHROPIC_TOOL)).body());

    JsonNode blockStart = json(events.get(1).data());
    assertThat(blockStart.get("content_block").get("type").asText()).isEqualTo("tool_use");
    assertThat(blockStart.get("content_block").get("id").asText()).startsWith("toolu_");
    assertThat(blockStart.get("content_block").get("name").asText()).isEqualTo("run_tests");
    assertThat(blockStart.get("content_block").get("input")).isEmpty();
    List<String> fragments = new ArrayList<>();
    for (Event event : events) {
      if ("content_block_delta".equals(event.name())) {
        JsonNode delta = json(event.data()).get("delta");
        assertThat(delta.get("type").asText()).isEqualTo("input_json_delta");
        fragments.add(delta.get("partial_json").asText());
      }
    }
    assertThat(fragments).hasSizeBetween(2, 3);
    assertThatThrownBy(() -> JSON.readTree(fragments.get(0))).isInstanceOf(IOException.class);
    assertThat(json(String.join("", fragments))).isEqualTo(json("{\"module\":\"ralex-core\"}"));
    JsonNode messageDelta = json(events.get(events.size() - 2).data());
    assertThat(messageDelta.get("delta").get("stop_reason").asText()).isEqualTo("tool_use");
    assertThat(events.get(events.size() - 1).name()).isEqualTo("message_stop");
  }

  @Test
  void anthropicWithoutAKeyIs401AndWithoutAVersionIs400() {
    HttpResponse<String> noKey = post(server.anthropicBaseUrl() + "/v1/messages",
        Map.of("anthropic-version", "2023-06-01"), anthropicBody(CIRCUIT, false, null));

    assertThat(noKey.statusCode()).isEqualTo(401);
    JsonNode body = json(noKey);
    assertThat(body.get("type").asText()).isEqualTo("error");
    assertThat(body.get("error").get("type").asText()).isEqualTo("authentication_error");
    assertThat(body.get("error").get("message").asText()).isNotBlank();
    assertThat(body.get("request_id").asText()).isEqualTo(noKey.headers().firstValue("request-id").orElseThrow());

    HttpResponse<String> bearer = post(server.anthropicBaseUrl() + "/v1/messages",
        Map.of("Authorization", "Bearer token", "anthropic-version", "2023-06-01"),
        anthropicBody(CIRCUIT, false, null));
    assertThat(bearer.statusCode()).isEqualTo(200);

    HttpResponse<String> noVersion = post(server.anthropicBaseUrl() + "/v1/messages",
        Map.of("x-api-key", "sk-ant-test"), anthropicBody(CIRCUIT, false, null));
    assertThat(noVersion.statusCode()).isEqualTo(400);
    assertThat(json(noVersion).get("error").get("message").asText()).contains("anthropic-version");
  }

  @Test
  void anthropicOverloadsOnceWith529ThenSucceeds() {
    server.overloadOnce("refactor");
    String chosen = anthropicBody("How should I refactor this?", false, null);

    assertThat(anthropic(anthropicBody(CIRCUIT, false, null)).statusCode()).isEqualTo(200);
    HttpResponse<String> overloaded = anthropic(chosen);
    assertThat(overloaded.statusCode()).isEqualTo(529);
    JsonNode body = json(overloaded);
    assertThat(body.get("type").asText()).isEqualTo("error");
    assertThat(body.get("error").get("type").asText()).isEqualTo("overloaded_error");
    assertThat(body.get("error").get("message").asText()).isEqualTo("Overloaded");
    assertThat(body.get("request_id").asText()).startsWith("req_")
        .isEqualTo(overloaded.headers().firstValue("request-id").orElseThrow());

    HttpResponse<String> retry = anthropic(chosen);
    assertThat(retry.statusCode()).isEqualTo(200);
    assertThat(json(retry).get("content").get(0).get("text").asText()).startsWith("Replace the switch");
  }

  @Test
  void anthropicMalformedJsonAndMissingFieldsAre400() {
    HttpResponse<String> malformed = anthropic("{\"model\": \"claude-haiku-4-5\", \"messages\": [");

    assertThat(malformed.statusCode()).isEqualTo(400);
    assertThat(json(malformed).get("error").get("type").asText()).isEqualTo("invalid_request_error");
    assertThat(json(malformed).get("request_id").asText()).startsWith("req_");

    HttpResponse<String> noMaxTokens = anthropic("{\"model\":\"claude-haiku-4-5\",\"messages\":"
        + "[{\"role\":\"user\",\"content\":\"hi\"}]}");
    assertThat(noMaxTokens.statusCode()).isEqualTo(400);
    assertThat(json(noMaxTokens).get("error").get("message").asText()).startsWith("max_tokens");
    assertThat(anthropic("").statusCode()).isEqualTo(400);
    assertThat(anthropic("[1, 2]").statusCode()).isEqualTo(400);
  }

  @Test
  void anthropicCountsTokens() {
    HttpResponse<String> response = post(server.anthropicBaseUrl() + "/v1/messages/count_tokens",
        Map.of("x-api-key", "k", "anthropic-version", "2023-06-01"),
        "{\"model\":\"claude-haiku-4-5\",\"messages\":[{\"role\":\"user\",\"content\":" + quote(CIRCUIT) + "}]}");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(json(response).get("input_tokens").asLong()).isEqualTo(4 + TokenEstimates.estimateText(CIRCUIT));
  }

  @Test
  void unknownPathsAre404InTheirServicesFormat() {
    HttpResponse<String> unknown = post(server.anthropicBaseUrl() + "/v1/complete", Map.of(), "{}");
    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(json(unknown).get("error").get("type").asText()).isEqualTo("not_found_error");

    HttpResponse<String> embeddings = post(server.openRouterBaseUrl() + "/embeddings", Map.of(), "{}");
    assertThat(embeddings.statusCode()).isEqualTo(404);
    assertThat(json(embeddings).get("error").get("code").asInt()).isEqualTo(404);
  }

  // -------------------------------------------------------------------------------------------- OpenRouter

  @Test
  void openRouterJsonHasTheDocumentedShapeAndCatalogCost() {
    HttpResponse<String> response = openRouter(openRouterBody(LLAMA, CIRCUIT, false, null));

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("content-type")).hasValue("application/json");
    JsonNode body = json(response);
    assertThat(body.get("id").asText()).startsWith("gen-");
    assertThat(body.get("object").asText()).isEqualTo("chat.completion");
    assertThat(body.get("created").asLong()).isPositive();
    assertThat(body.get("model").asText()).isEqualTo(LLAMA);
    JsonNode choice = body.get("choices").get(0);
    assertThat(choice.get("index").asInt()).isZero();
    assertThat(choice.get("finish_reason").asText()).isEqualTo("stop");
    assertThat(choice.get("message").get("role").asText()).isEqualTo("assistant");
    String text = choice.get("message").get("content").asText();
    assertThat(text).isEqualTo(CannedAnswers.answer(CIRCUIT));
    assertThat(choice.get("message").has("tool_calls")).isFalse();
    JsonNode usage = body.get("usage");
    long prompt = usage.get("prompt_tokens").asLong();
    long completion = usage.get("completion_tokens").asLong();
    assertThat(prompt)
        .isEqualTo(4 + TokenEstimates.estimateText("Be brief.") + 4 + TokenEstimates.estimateText(CIRCUIT));
    assertThat(completion).isEqualTo(TokenEstimates.estimateText(text));
    assertThat(usage.get("total_tokens").asLong()).isEqualTo(prompt + completion);
    BigDecimal expected = ModelCatalog.bundled().require("openrouter/" + LLAMA).pricing()
        .costOf(Usage.of(prompt, completion));
    assertThat(expected).isPositive();
    assertThat(usage.get("cost").decimalValue()).isEqualByComparingTo(expected);
    assertThat(usage.get("prompt_tokens_details").get("cached_tokens").asInt()).isZero();
    assertThat(usage.get("completion_tokens_details").get("reasoning_tokens").asInt()).isZero();
  }

  @Test
  void openRouterCostIsZeroForAModelTheCatalogDoesNotKnow() {
    JsonNode body = json(openRouter(openRouterBody("acme/unknown-model", CIRCUIT, false, null)));

    assertThat(body.get("model").asText()).isEqualTo("acme/unknown-model");
    assertThat(body.get("usage").get("cost").decimalValue()).isZero();
  }

  @Test
  void openRouterStreamSendsACommentChunksUsageAndDone() {
    HttpResponse<String> response = openRouter(openRouterBody(LLAMA, CIRCUIT, true, null));

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("content-type").orElseThrow()).startsWith("text/event-stream");
    assertThat(response.body()).startsWith(": OPENROUTER PROCESSING\n\n");
    List<Event> events = events(response.body());
    assertThat(events.get(0).comment()).isEqualTo("OPENROUTER PROCESSING");
    assertThat(events.get(events.size() - 1).data()).isEqualTo("[DONE]");
    List<JsonNode> chunks = events.subList(1, events.size() - 1).stream()
        .map(e -> json(e.data())).collect(Collectors.toList());
    String answer = CannedAnswers.answer(CIRCUIT);
    // One chunk per word, one with the finish reason, one with the usage.
    assertThat(chunks).hasSize(CannedAnswers.words(answer).length + 2);
    StringBuilder text = new StringBuilder();
    for (JsonNode chunk : chunks) {
      assertThat(chunk.get("object").asText()).isEqualTo("chat.completion.chunk");
      assertThat(chunk.get("id").asText()).isEqualTo(chunks.get(0).get("id").asText());
      assertThat(chunk.get("model").asText()).isEqualTo(LLAMA);
      if (!chunk.get("choices").isEmpty()) {
        text.append(chunk.get("choices").get(0).get("delta").path("content").asText(""));
      }
    }
    assertThat(text.toString()).isEqualTo(answer);
    for (JsonNode chunk : chunks.subList(0, chunks.size() - 2)) {
      assertThat(chunk.get("choices").get(0).get("finish_reason").isNull()).isTrue();
    }
    JsonNode finish = chunks.get(chunks.size() - 2);
    assertThat(finish.get("choices").get(0).get("finish_reason").asText()).isEqualTo("stop");
    JsonNode last = chunks.get(chunks.size() - 1);
    assertThat(last.get("choices")).isEmpty();
    assertThat(last.get("usage").get("completion_tokens").asLong()).isEqualTo(TokenEstimates.estimateText(answer));
    assertThat(last.get("usage").get("cost").decimalValue()).isPositive();
  }

  @Test
  void openRouterCallsTheToolAndStreamsItsArgumentsByIndex() {
    JsonNode body = json(openRouter(openRouterBody(LLAMA, TESTS, false, OPENAI_TOOL)));

    JsonNode choice = body.get("choices").get(0);
    assertThat(choice.get("finish_reason").asText()).isEqualTo("tool_calls");
    JsonNode call = choice.get("message").get("tool_calls").get(0);
    assertThat(call.get("id").asText()).startsWith("call_");
    assertThat(call.get("type").asText()).isEqualTo("function");
    assertThat(call.get("function").get("name").asText()).isEqualTo("run_tests");
    assertThat(json(call.get("function").get("arguments").asText()))
        .isEqualTo(json("{\"module\":\"ralex-core\"}"));

    List<Event> events = events(openRouter(openRouterBody(LLAMA, TESTS, true, OPENAI_TOOL)).body());
    StringBuilder arguments = new StringBuilder();
    String id = null;
    String name = null;
    int fragments = 0;
    String finishReason = null;
    for (Event event : events.subList(1, events.size() - 1)) {
      JsonNode chunk = json(event.data());
      if (chunk.get("choices").isEmpty()) {
        continue;
      }
      JsonNode c = chunk.get("choices").get(0);
      if (!c.get("finish_reason").isNull()) {
        finishReason = c.get("finish_reason").asText();
      }
      for (JsonNode delta : c.get("delta").path("tool_calls")) {
        assertThat(delta.get("index").asInt()).isZero();
        if (delta.has("id")) {
          id = delta.get("id").asText();
          name = delta.get("function").get("name").asText();
        }
        arguments.append(delta.get("function").get("arguments").asText());
        fragments++;
      }
    }
    assertThat(id).startsWith("call_");
    assertThat(name).isEqualTo("run_tests");
    assertThat(fragments).isBetween(2, 3);
    assertThat(json(arguments.toString())).isEqualTo(json("{\"module\":\"ralex-core\"}"));
    assertThat(finishReason).isEqualTo("tool_calls");
    assertThat(events.get(events.size() - 1).data()).isEqualTo("[DONE]");
  }

  @Test
  void openRouterAnswersAToolResultWithText() {
    String body = "{\"model\":\"" + LLAMA + "\",\"tools\":[" + OPENAI_TOOL + "],\"messages\":["
        + "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":" + quote(TESTS) + "}]},"
        + "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"call_1\",\"type\":\"function\","
        + "\"function\":{\"name\":\"run_tests\",\"arguments\":\"{}\"}}]},"
        + "{\"role\":\"tool\",\"tool_call_id\":\"call_1\",\"content\":\"2 failures\"}]}";

    JsonNode choice = json(openRouter(body)).get("choices").get(0);

    assertThat(choice.get("finish_reason").asText()).isEqualTo("stop");
    assertThat(choice.get("message").get("content").asText()).isNotEmpty();
  }

  @Test
  void openRouterWithoutABearerTokenIs401() {
    HttpResponse<String> response = post(server.openRouterBaseUrl() + "/chat/completions", Map.of(),
        openRouterBody(LLAMA, CIRCUIT, false, null));

    assertThat(response.statusCode()).isEqualTo(401);
    JsonNode error = json(response).get("error");
    assertThat(error.get("code").asInt()).isEqualTo(401);
    assertThat(error.get("message").asText()).isNotBlank();
  }

  @Test
  void openRouterOverloadsOnceWith503ThenSucceeds() {
    server.overloadOnce("REFACTOR");
    String chosen = openRouterBody(LLAMA, "Should I refactor this?", true, null);

    HttpResponse<String> overloaded = openRouter(chosen);
    assertThat(overloaded.statusCode()).isEqualTo(503);
    JsonNode error = json(overloaded).get("error");
    assertThat(error.get("code").asInt()).isEqualTo(503);
    assertThat(error.get("message").asText()).isNotBlank();

    HttpResponse<String> retry = openRouter(chosen);
    assertThat(retry.statusCode()).isEqualTo(200);
    assertThat(retry.body()).contains("Replace ").endsWith("data: [DONE]\n\n");
  }

  @Test
  void openRouterMalformedJsonIs400() {
    HttpResponse<String> response = openRouter("{\"model\": ");

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(json(response).get("error").get("code").asInt()).isEqualTo(400);
    assertThat(openRouter("{\"model\":\"" + LLAMA + "\"}").statusCode()).isEqualTo(400);
  }

  // ------------------------------------------------------------------------------------------------ server

  @Test
  void concurrentRequestsAreServedAndTheOverloadFiresOnce() {
    server.overloadOnce("refactor");
    List<CompletableFuture<HttpResponse<String>>> futures = new ArrayList<>();
    for (int i = 0; i < 24; i++) {
      boolean stream = i % 2 == 0;
      HttpRequest request = i % 4 < 2
          ? HttpRequest.newBuilder(URI.create(server.anthropicBaseUrl() + "/v1/messages"))
              .header("x-api-key", "k").header("anthropic-version", "2023-06-01")
              .POST(HttpRequest.BodyPublishers.ofString(anthropicBody("refactor " + i, stream, null))).build()
          : HttpRequest.newBuilder(URI.create(server.openRouterBaseUrl() + "/chat/completions"))
              .header("Authorization", "Bearer k")
              .POST(HttpRequest.BodyPublishers.ofString(openRouterBody(LLAMA, "refactor " + i, stream, null)))
              .build();
      futures.add(CLIENT.sendAsync(request, HttpResponse.BodyHandlers.ofString()));
    }

    List<Integer> statuses = futures.stream().map(f -> f.join().statusCode()).collect(Collectors.toList());

    assertThat(statuses).filteredOn(s -> s == 200).hasSize(23);
    assertThat(statuses).filteredOn(s -> s == 529 || s == 503).hasSize(1);
    assertThat(server.requests()).isEqualTo(24);
  }

  @Test
  void baseUrlsNameTheLoopbackPortAndTheServerStartsOnce() {
    int port = server.port();

    assertThat(port).isPositive();
    assertThat(server.anthropicBaseUrl()).isEqualTo("http://127.0.0.1:" + port);
    assertThat(server.openRouterBaseUrl()).isEqualTo("http://127.0.0.1:" + port + "/api/v1");
    assertThatThrownBy(server::start).isInstanceOf(IllegalStateException.class);
    server.close();
    server.close();
    assertThatThrownBy(server::start).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void fragmentsNeverSplitASurrogatePair() {
    assertThat(SimulatedLlmServer.fragments("{}")).containsExactly("{", "}");
    assertThat(String.join("", SimulatedLlmServer.fragments("{\"a\":\"👋👋\"}"))).isEqualTo("{\"a\":\"👋👋\"}");
    for (String fragment : SimulatedLlmServer.fragments("{\"a\":\"👋\"}")) {
      assertThat(Character.isHighSurrogate(fragment.charAt(fragment.length() - 1))).isFalse();
    }
  }
}
