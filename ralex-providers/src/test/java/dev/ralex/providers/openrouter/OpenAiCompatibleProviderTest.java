package dev.ralex.providers.openrouter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ralex.api.ApiKey;
import dev.ralex.api.Capability;
import dev.ralex.api.ChatRequest;
import dev.ralex.api.ChatResponse;
import dev.ralex.api.ContentBlock;
import dev.ralex.api.InvalidRequestException;
import dev.ralex.api.ModelInfo;
import dev.ralex.api.Pricing;
import dev.ralex.api.RateLimitInfo;
import dev.ralex.api.StopReason;
import dev.ralex.api.ThinkingBlock;
import dev.ralex.api.Usage;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.junit5.StartStop;
import org.junit.jupiter.api.Test;

/** The base provider against generic OpenAI-compatible servers (OpenAI itself, vLLM, Ollama). */
class OpenAiCompatibleProviderTest {
  @StartStop
  final MockWebServer server = new MockWebServer();

  private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-25T12:00:00Z"), ZoneOffset.UTC);

  private static final ModelInfo GPT = ModelInfo.builder("openai/gpt-4.1")
      .contextWindow(1_000_000).maxOutputTokens(32_768).pricing(Pricing.FREE)
      .capabilities(Capability.TOOLS, Capability.STREAMING, Capability.SAMPLING_PARAMETERS).build();

  private OpenAiCompatibleProvider openAi() {
    return OpenAiCompatibleProvider.builder()
        .id("openai")
        .baseUrl(server.url("/v1").toString())
        .apiKey(ApiKey.of("sk-proj-secret"))
        .header("OpenAI-Organization", "org-test")
        .maxTokensField("max_completion_tokens")
        .clock(CLOCK)
        .build();
  }

  @Test
  void openAiResponseWithoutCostAndWithOpenAiRateLimitHeaders() throws Exception {
    server.enqueue(Wire.json(200, "response-openai.json").newBuilder()
        .setHeader("x-request-id", "req_123")
        .setHeader("x-ratelimit-limit-requests", "10000")
        .setHeader("x-ratelimit-remaining-requests", "9999")
        .setHeader("x-ratelimit-reset-requests", "6m0s")
        .setHeader("x-ratelimit-limit-tokens", "30000000")
        .setHeader("x-ratelimit-remaining-tokens", "29999980")
        .setHeader("x-ratelimit-reset-tokens", "20ms")
        .build());
    ChatResponse response = openAi().chat(GPT, ChatRequest.builder().addUserMessage("Hello!").maxOutputTokens(100).build());

    assertThat(response.content()).containsExactly(ContentBlock.text("Hello! How can I assist you today?"));
    assertThat(response.stopReason()).isEqualTo(StopReason.END_TURN);
    assertThat(response.usage()).isEqualTo(new Usage(19, 10, 0, 0));
    assertThat(response.cost()).as("no cost reported: the pipeline prices the usage").isEqualByComparingTo(BigDecimal.ZERO);
    assertThat(response.provider()).isEqualTo("openai");
    assertThat(response.providerRequestId()).contains("req_123");
    RateLimitInfo limits = response.rateLimits().orElseThrow();
    assertThat(limits.requests()).isEqualTo(new RateLimitInfo.Window(10000, 9999, CLOCK.instant().plus(Duration.ofMinutes(6))));
    assertThat(limits.tokens()).isEqualTo(new RateLimitInfo.Window(30000000, 29999980, CLOCK.instant().plusMillis(20)));

    RecordedRequest recorded = server.takeRequest(5, TimeUnit.SECONDS);
    assertThat(recorded.getUrl().encodedPath()).isEqualTo("/v1/chat/completions");
    assertThat(recorded.getHeaders().get("Authorization")).isEqualTo("Bearer sk-proj-secret");
    assertThat(recorded.getHeaders().get("OpenAI-Organization")).isEqualTo("org-test");
    JsonNode body = Wire.body(recorded);
    assertThat(body.get("model").asText()).isEqualTo("gpt-4.1");
    assertThat(body.get("max_completion_tokens").asInt()).isEqualTo(100);
    assertThat(body.has("max_tokens")).isFalse();
  }

  @Test
  void localServerWithoutKeyStreamsWithUsageRequested() throws Exception {
    OpenAiCompatibleProvider vllm = OpenAiCompatibleProvider.builder().id("vllm").baseUrl(server.url("/v1/").toString()).build();
    ModelInfo qwen = ModelInfo.builder("vllm/Qwen/Qwen3-8B").contextWindow(32_768).maxOutputTokens(8_192)
        .pricing(Pricing.FREE).build();
    String body = "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,"
        + "\"delta\":{\"role\":\"assistant\",\"reasoning_content\":\"hmm\"},\"finish_reason\":null}]}\n\n"
        + "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,"
        + "\"delta\":{\"content\":\"Hi!\"},\"finish_reason\":\"stop\"}]}\n\n"
        + "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"choices\":[],"
        + "\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":3,\"total_tokens\":8}}\n\n"
        + "data: [DONE]\n\n";
    server.enqueue(new MockResponse.Builder().setHeader("Content-Type", "text/event-stream").body(body).build());
    Wire.Recorder r = new Wire.Recorder();
    ChatResponse response = vllm.stream(qwen, ChatRequest.of("hi"), r).completion().get(5, TimeUnit.SECONDS);
    assertThat(response.content()).containsExactly(new ThinkingBlock("hmm", ""), ContentBlock.text("Hi!"));
    assertThat(response.usage()).isEqualTo(new Usage(5, 3, 0, 0));
    assertThat(response.provider()).isEqualTo("vllm");

    RecordedRequest recorded = server.takeRequest(5, TimeUnit.SECONDS);
    assertThat(recorded.getHeaders().get("Authorization")).isNull();
    JsonNode sent = Wire.body(recorded);
    assertThat(sent.get("stream").asBoolean()).isTrue();
    assertThat(sent.get("stream_options")).isEqualTo(Wire.MAPPER.readTree("{\"include_usage\":true}"));
    assertThat(sent.get("model").asText()).isEqualTo("Qwen/Qwen3-8B");
  }

  @Test
  void openAiRefusalIsAReasonedRefusal() {
    server.enqueue(new MockResponse.Builder().setHeader("Content-Type", "application/json")
        .body("{\"id\":\"chatcmpl-2\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":null,"
            + "\"refusal\":\"I can't help with that.\"},\"finish_reason\":\"stop\"}],"
            + "\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":6}}").build());
    ChatResponse response = openAi().chat(GPT, ChatRequest.of("hi"));
    assertThat(response.stopReason()).isEqualTo(StopReason.REFUSAL);
    assertThat(response.text()).isEqualTo("I can't help with that.");
  }

  @Test
  void ollamaStyleStringErrorKeepsTheMessage() {
    server.enqueue(new MockResponse.Builder().code(404).setHeader("Content-Type", "application/json")
        .body("{\"error\":\"model 'llama9' not found\"}").build());
    assertThatThrownBy(() -> openAi().chat(GPT, ChatRequest.of("hi")))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessageContaining("model 'llama9' not found");
  }

  @Test
  void topKIsRefusedBeforeSendingWhereTheEndpointLacksIt() {
    assertThatThrownBy(() -> openAi().chat(GPT, ChatRequest.builder().addUserMessage("hi").topK(5).build()))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessageContaining("top_k");
    assertThat(server.getRequestCount()).isZero();
  }

  @Test
  void builderValidatesAndToStringHidesTheKey() {
    assertThatThrownBy(() -> OpenAiCompatibleProvider.builder().baseUrl("ftp://example.com"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> OpenAiCompatibleProvider.builder().baseUrl("http://x/v1").build())
        .isInstanceOf(NullPointerException.class).hasMessageContaining("id");
    assertThatThrownBy(() -> OpenAiCompatibleProvider.builder().header("Authorization", "Bearer x"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageNotContaining("Bearer x");
    assertThat(openAi().toString()).contains("openai").contains("/v1/chat/completions").doesNotContain("sk-proj-secret");
    assertThat(openAi().endpoint().toString()).endsWith("/v1/chat/completions");
  }
}
