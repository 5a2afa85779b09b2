package dev.ralex.examples.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.errors.NotFoundException;
import com.openai.errors.OpenAIServiceException;
import com.openai.errors.RateLimitException;
import com.openai.errors.UnauthorizedException;
import com.openai.models.FunctionDefinition;
import com.openai.models.FunctionParameters;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionFunctionTool;
import com.openai.models.chat.completions.ChatCompletionMessageFunctionToolCall;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.chat.completions.ChatCompletionToolMessageParam;
import com.openai.models.models.Model;
import dev.ralex.core.ModelCatalog;
import dev.ralex.core.Ralex;
import dev.ralex.examples.SimulatedProvider;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The gateway end to end: the official OpenAI Java client (and plain HTTP where the client hides the wire) against
 * a gateway on an ephemeral loopback port, over a Ralex on the in-process {@link SimulatedProvider}.
 */
class GatewayServerTest {
  private static final String ALICE_KEY = "rgw-test-alice-0123456789abcdef";
  private static final String CAROL_KEY = "rgw-test-carol-0123456789abcdef";
  private static final String BROKE_KEY = "rgw-test-broke-0123456789abcdef";
  private static final List<String> KEYS = List.of(ALICE_KEY, CAROL_KEY, BROKE_KEY);
  private static final String PROMPT = "What does a circuit breaker do?";
  private static final JsonMapper JSON = JsonMapper.builder().build();

  private static GatewayServer gateway;
  private static OpenAIClient alice;
  private static HttpClient http;

  @BeforeAll
  static void start() {
    gateway = GatewayServer.builder()
        .ralex(Ralex.builder()
            .provider(new SimulatedProvider())
            .catalog(ModelCatalog.of(List.of(SimulatedProvider.HAIKU_CLASS, SimulatedProvider.SONNET_CLASS,
                SimulatedProvider.OPUS_CLASS)))
            .defaultModel(SimulatedProvider.SONNET_CLASS.id())
            .defaultMaxOutputTokens(512))
        .addKey(ALICE_KEY, "alice")
        .addKey(CAROL_KEY, "carol")
        .addKey(BROKE_KEY, "broke")
        .dailyBudgetPerCaller(new BigDecimal("1.00"))
        .dailyBudget("broke", BigDecimal.ZERO)
        .build();
    gateway.start();
    alice = client(ALICE_KEY);
    http = HttpClient.newHttpClient();
  }

  @AfterAll
  static void stop() {
    alice.close();
    gateway.close();
  }

  private static OpenAIClient client(String key) {
    // No retries: a 429 must reach the test at once, not after the client's backoff.
    return OpenAIOkHttpClient.builder().baseUrl(gateway.baseUrl()).apiKey(key).maxRetries(0)
        .timeout(Duration.ofSeconds(20)).build();
  }

  private static ChatCompletionCreateParams.Builder ask(String model, String prompt) {
    return ChatCompletionCreateParams.builder().model(model).addUserMessage(prompt);
  }

  @Test
  void blockingCompletionCarriesContentUsageAndTheModelThatAnswered() {
    ChatCompletion completion = alice.chat().completions().create(ask("auto", PROMPT).build());

    assertThat(completion.choices()).hasSize(1);
    assertThat(completion.choices().get(0).message().content()).hasValueSatisfying(
        text -> assertThat(text).startsWith("A circuit breaker watches calls"));
    assertThat(completion.choices().get(0).finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.STOP);
    assertThat(gateway.models()).contains(completion.model());
    assertThat(completion.id()).startsWith("chatcmpl-");
    assertThat(completion.usage()).hasValueSatisfying(usage -> {
      assertThat(usage.promptTokens()).isPositive();
      assertThat(usage.completionTokens()).isPositive();
      assertThat(usage.totalTokens()).isEqualTo(usage.promptTokens() + usage.completionTokens());
    });
  }

  @Test
  void aNamedModelIsTheOneThatAnswers() {
    ChatCompletion completion = alice.chat().completions()
        .create(ask(SimulatedProvider.HAIKU_CLASS.id(), PROMPT).maxCompletionTokens(200).build());

    assertThat(completion.model()).isEqualTo(SimulatedProvider.HAIKU_CLASS.id());
  }

  @Test
  void streamingDeltasConcatenateToTheAnswerAndEndWithAUsageChunk() {
    String blocking = alice.chat().completions().create(ask("auto", PROMPT).build())
        .choices().get(0).message().content().orElseThrow();
    List<ChatCompletionChunk> chunks;
    try (StreamResponse<ChatCompletionChunk> stream = alice.chat().completions().createStreaming(ask("auto", PROMPT)
        .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build())) {
      chunks = stream.stream().collect(Collectors.toList());
    }

    String streamed = chunks.stream().flatMap(c -> c.choices().stream())
        .map(choice -> choice.delta().content().orElse("")).collect(Collectors.joining());
    assertThat(streamed).isEqualTo(blocking);
    assertThat(chunks.size()).isGreaterThan(3);
    ChatCompletionChunk last = chunks.get(chunks.size() - 1);
    assertThat(last.choices()).isEmpty();
    assertThat(last.usage()).hasValueSatisfying(usage -> {
      assertThat(usage.promptTokens()).isPositive();
      assertThat(usage.completionTokens()).isPositive();
    });
    assertThat(gateway.models()).contains(last.model());
    ChatCompletionChunk finish = chunks.get(chunks.size() - 2);
    assertThat(finish.choices().get(0).finishReason())
        .contains(ChatCompletionChunk.Choice.FinishReason.STOP);
    assertThat(chunks).extracting(ChatCompletionChunk::id).containsOnly(last.id());
  }

  @Test
  void streamingWithoutIncludeUsageSendsNoUsageChunk() {
    List<ChatCompletionChunk> chunks;
    try (StreamResponse<ChatCompletionChunk> stream =
        alice.chat().completions().createStreaming(ask("auto", PROMPT).build())) {
      chunks = stream.stream().collect(Collectors.toList());
    }

    assertThat(chunks).allSatisfy(chunk -> {
      assertThat(chunk.usage()).isEmpty();
      assertThat(chunk.choices()).hasSize(1);
    });
  }

  @Test
  void aToolCallComesBackAsToolCallsAndItsResultGoesBackAsAToolMessage() {
    ChatCompletionFunctionTool tool = ChatCompletionFunctionTool.builder()
        .function(FunctionDefinition.builder()
            .name("run_tests")
            .description("Runs the tests of a module")
            .parameters(FunctionParameters.builder()
                .putAdditionalProperty("type", JsonValue.from("object"))
                .putAdditionalProperty("properties", JsonValue.from(Map.of("module", Map.of("type", "string"))))
                .build())
            .build())
        .build();
    ChatCompletionCreateParams first = ask("auto", "Run the tests of module billing").addTool(tool).build();

    ChatCompletion call = alice.chat().completions().create(first);

    assertThat(call.choices().get(0).finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.TOOL_CALLS);
    ChatCompletionMessageFunctionToolCall toolCall =
        call.choices().get(0).message().toolCalls().orElseThrow().get(0).asFunction();
    assertThat(toolCall.function().name()).isEqualTo("run_tests");
    assertThat(toolCall.function().arguments()).isEqualTo("{\"module\":\"billing\"}");
    assertThat(toolCall.id()).isNotBlank();

    ChatCompletion answer = alice.chat().completions().create(first.toBuilder()
        .addMessage(call.choices().get(0).message())
        .addMessage(ChatCompletionToolMessageParam.builder().toolCallId(toolCall.id()).content("12 passed").build())
        .build());

    assertThat(answer.choices().get(0).finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.STOP);
    assertThat(answer.choices().get(0).message().content()).isPresent();
  }

  @Test
  void aStreamedToolCallArrivesAsAToolCallsDelta() {
    ChatCompletionFunctionTool tool = ChatCompletionFunctionTool.builder()
        .function(FunctionDefinition.builder().name("run_tests").build())
        .build();
    List<ChatCompletionChunk> chunks;
    try (StreamResponse<ChatCompletionChunk> stream = alice.chat().completions()
        .createStreaming(ask("auto", "Run the tests of module ledger").addTool(tool).build())) {
      chunks = stream.stream().collect(Collectors.toList());
    }

    List<ChatCompletionChunk.Choice.Delta.ToolCall> calls = new ArrayList<>();
    chunks.forEach(c -> c.choices().forEach(choice -> choice.delta().toolCalls().ifPresent(calls::addAll)));
    assertThat(calls).hasSize(1);
    assertThat(calls.get(0).function().orElseThrow().name()).contains("run_tests");
    assertThat(calls.get(0).function().orElseThrow().arguments()).contains("{\"module\":\"ledger\"}");
    assertThat(chunks.get(chunks.size() - 1).choices().get(0).finishReason())
        .contains(ChatCompletionChunk.Choice.FinishReason.TOOL_CALLS);
  }

  @Test
  void modelsListsAutoAndTheModelsRalexCanCall() {
    List<String> ids = alice.models().list().data().stream().map(Model::id).collect(Collectors.toList());

    assertThat(ids).containsExactly("auto", SimulatedProvider.HAIKU_CLASS.id(), SimulatedProvider.SONNET_CLASS.id(),
        SimulatedProvider.OPUS_CLASS.id());
    assertThat(alice.models().retrieve(SimulatedProvider.OPUS_CLASS.id()).ownedBy()).isEqualTo("simulated");
  }

  @Test
  void anUnknownModelIsNotFound() {
    assertThatThrownBy(() -> alice.chat().completions().create(ask("gpt-4o", PROMPT).build()))
        .isInstanceOfSatisfying(NotFoundException.class, e -> {
          assertThat(e.statusCode()).isEqualTo(404);
          assertThat(e.code()).contains("model_not_found");
          assertThat(e.getMessage()).contains("gpt-4o");
        });
  }

  @Test
  void aWrongKeyIsUnauthorized() {
    OpenAIClient stranger = client("rgw-not-a-key-of-this-gateway-at-all");
    try {
      assertThatThrownBy(() -> stranger.chat().completions().create(ask("auto", PROMPT).build()))
          .isInstanceOfSatisfying(UnauthorizedException.class, e -> {
            assertThat(e.statusCode()).isEqualTo(401);
            assertThat(e.getMessage()).doesNotContain("rgw-not-a-key");
          });
      assertThatThrownBy(() -> stranger.models().list()).isInstanceOf(UnauthorizedException.class);
    } finally {
      stranger.close();
    }
  }

  @Test
  void aCallerOverItsBudgetGets429InsufficientQuota() {
    OpenAIClient broke = client(BROKE_KEY);
    try {
      assertThatThrownBy(() -> broke.chat().completions().create(ask("auto", PROMPT).build()))
          .isInstanceOfSatisfying(RateLimitException.class, e -> {
            assertThat(e.statusCode()).isEqualTo(429);
            assertThat(e.code()).contains("insufficient_quota");
            assertThat(e.getMessage()).contains("gateway.caller=broke");
          });
      // Streams are refused the same way, before any chunk.
      assertThatThrownBy(() -> {
        try (StreamResponse<ChatCompletionChunk> stream =
            broke.chat().completions().createStreaming(ask("auto", PROMPT).build())) {
          stream.stream().count();
        }
      }).isInstanceOfSatisfying(OpenAIServiceException.class, e -> assertThat(e.statusCode()).isEqualTo(429));
    } finally {
      broke.close();
    }
    // Other callers keep their own budgets.
    assertThat(alice.chat().completions().create(ask("auto", PROMPT).build()).choices()).hasSize(1);
  }

  @Test
  void usageShowsTheCallersSpendTodayAndThisMonthAndTheGatewaysTotal() throws Exception {
    HttpResponse<String> chat = post(CAROL_KEY, "{\"model\":\"auto\",\"messages\":[{\"role\":\"user\","
        + "\"content\":\"" + PROMPT + "\"}]}");
    assertThat(chat.statusCode()).isEqualTo(200);
    BigDecimal cost = new BigDecimal(chat.headers().firstValue("x-ralex-cost").orElseThrow());
    assertThat(cost).isPositive();

    HttpResponse<String> usage = get(CAROL_KEY, "/usage");

    assertThat(usage.statusCode()).isEqualTo(200);
    JsonNode body = JSON.readTree(usage.body());
    assertThat(body.path("caller").path("name").asText()).isEqualTo("carol");
    assertThat(body.path("caller").path("today").isTextual()).isTrue();
    assertThat(new BigDecimal(body.path("caller").path("today").asText())).isEqualByComparingTo(cost);
    assertThat(new BigDecimal(body.path("caller").path("this_month").asText())).isEqualByComparingTo(cost);
    assertThat(body.path("caller").path("daily_limit").asText()).isEqualTo("1.00");
    assertThat(new BigDecimal(body.path("caller").path("daily_remaining").asText()))
        .isEqualByComparingTo(new BigDecimal("1.00").subtract(cost));
    assertThat(new BigDecimal(body.path("gateway").path("today").asText())).isGreaterThanOrEqualTo(cost);
    assertThat(body.path("currency").asText()).isEqualTo("USD");
  }

  @Test
  void malformedJsonIs400NamingTheProblem() throws Exception {
    HttpResponse<String> response = post(ALICE_KEY, "{\"model\": \"auto\", \"messages\": [}");

    assertThat(response.statusCode()).isEqualTo(400);
    JsonNode error = JSON.readTree(response.body()).path("error");
    assertThat(error.path("type").asText()).isEqualTo("invalid_request_error");
    assertThat(error.path("message").asText()).contains("could not parse the JSON").contains("line 1, column");
  }

  @Test
  void invalidRequestsAre400WithTheParameter() throws Exception {
    HttpResponse<String> noMessages = post(ALICE_KEY, "{\"model\":\"auto\"}");
    HttpResponse<String> badTemperature = post(ALICE_KEY, "{\"temperature\":7,\"messages\":[{\"role\":\"user\","
        + "\"content\":\"hi\"}]}");

    assertThat(noMessages.statusCode()).isEqualTo(400);
    assertThat(JSON.readTree(noMessages.body()).path("error").path("param").asText()).isEqualTo("messages");
    assertThat(badTemperature.statusCode()).isEqualTo(400);
    assertThat(JSON.readTree(badTemperature.body()).path("error").path("message").asText()).contains("temperature");
  }

  @Test
  void aBodyOverTheLimitIs413() throws Exception {
    try (GatewayServer small = GatewayServer.builder()
        .ralex(gateway.ralex())
        .addKey(ALICE_KEY, "alice")
        .maxBodyBytes(1_000)
        .build()) {
      small.start();
      String big = "{\"messages\":[{\"role\":\"user\",\"content\":\"" + "x".repeat(2_000) + "\"}]}";
      HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(small.baseUrl()
              + "/chat/completions"))
          .header("Authorization", "Bearer " + ALICE_KEY).header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(big)).build(), HttpResponse.BodyHandlers.ofString());

      assertThat(response.statusCode()).isEqualTo(413);
      assertThat(JSON.readTree(response.body()).path("error").path("code").asText()).isEqualTo("request_too_large");
    }
  }

  @Test
  void unknownPathsAre404AndWrongMethods405() throws Exception {
    assertThat(get(ALICE_KEY, "/embeddings").statusCode()).isEqualTo(404);
    assertThat(get(ALICE_KEY, "/chat/completions").statusCode()).isEqualTo(405);
  }

  @Test
  void noKeyAppearsInAnyResponse() throws Exception {
    List<HttpResponse<String>> responses = new ArrayList<>();
    String ok = "{\"messages\":[{\"role\":\"user\",\"content\":\"" + PROMPT + "\"}]}";
    responses.add(post(ALICE_KEY, ok));
    responses.add(post(ALICE_KEY, "{\"stream\":true,\"stream_options\":{\"include_usage\":true},"
        + "\"messages\":[{\"role\":\"user\",\"content\":\"" + PROMPT + "\"}]}"));
    responses.add(post(BROKE_KEY, ok));
    responses.add(post(CAROL_KEY + "x", ok));
    responses.add(post(ALICE_KEY, "{not json " + ALICE_KEY));
    responses.add(post(ALICE_KEY, "{\"model\":\"" + ALICE_KEY + "\",\"messages\":[{\"role\":\"user\","
        + "\"content\":\"hi\"}]}"));
    responses.add(get(ALICE_KEY, "/models"));
    responses.add(get(CAROL_KEY, "/usage"));
    responses.add(get("", "/usage"));

    assertThat(responses).extracting(HttpResponse::statusCode).contains(200, 400, 401, 404, 429);
    for (HttpResponse<String> response : responses) {
      String everything = response.headers().map() + "\n" + response.body();
      for (String key : KEYS) {
        assertThat(everything).doesNotContain(key).doesNotContain(key.substring(4, 20));
      }
    }
  }

  private static HttpResponse<String> post(String key, String body) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(gateway.baseUrl() + "/chat/completions"))
        .header("Authorization", "Bearer " + key)
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body))
        .build(), HttpResponse.BodyHandlers.ofString());
  }

  private static HttpResponse<String> get(String key, String path) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(gateway.baseUrl() + path)).GET();
    if (!key.isEmpty()) {
      request.header("Authorization", "Bearer " + key);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }
}
