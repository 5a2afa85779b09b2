package dev.ralex.providers.openrouter;

import static dev.ralex.providers.openrouter.Wire.LLAMA;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ralex.api.ChatRequest;
import dev.ralex.api.ChatResponse;
import dev.ralex.api.ContentBlock;
import dev.ralex.api.ProviderException;
import dev.ralex.api.StopReason;
import dev.ralex.api.ThinkingBlock;
import dev.ralex.api.ToolUseBlock;
import dev.ralex.api.Usage;
import java.math.BigDecimal;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.junit5.StartStop;
import org.junit.jupiter.api.Test;

/** What comes back: responses replayed byte for byte from the samples, and usage and cost worked by hand. */
class OpenRouterResponseTest {
  @StartStop
  final MockWebServer server = new MockWebServer();

  private static final Executor NO_EXECUTOR = r -> {
    throw new AssertionError("the provider must not need an executor");
  };

  private ChatResponse chat(MockResponse response) {
    server.enqueue(response);
    return Wire.openRouter(server).chat(LLAMA, ChatRequest.of("What is the weather like in Boston?"));
  }

  private static MockResponse body(String json) {
    return new MockResponse.Builder().setHeader("Content-Type", "application/json").body(json).build();
  }

  @Test
  void textResponse() {
    ChatResponse response = chat(Wire.json(200, "response-text.json"));
    assertThat(response.content()).containsExactly(ContentBlock.text("It is 22 degrees and sunny in Boston."));
    assertThat(response.stopReason()).isEqualTo(StopReason.END_TURN);
    assertThat(response.usage()).isEqualTo(new Usage(118, 12, 0, 0));
    assertThat(response.cost()).isEqualByComparingTo("0.0000039");
    assertThat(response.id()).isEqualTo("gen-1732366521-aBcDeFgHiJkLmNoPqRsT");
    assertThat(response.providerRequestId()).contains("gen-1732366521-aBcDeFgHiJkLmNoPqRsT");
    assertThat(response.model()).isEqualTo(LLAMA.id());
    assertThat(response.provider()).isEqualTo("openrouter");
    assertThat(response.rawBody()).contains(Wire.text("response-text.json"));
  }

  @Test
  void toolCallResponseSubtractsCachedTokensFromInput() {
    ChatResponse response = chat(Wire.json(200, "response-tool-calls.json"));
    assertThat(response.content()).containsExactly(
        new ToolUseBlock("call_9pw1qnYScqvGrCH58HWCvFH6", "get_weather", "{\"location\": \"Boston, MA\"}"));
    assertThat(response.stopReason()).isEqualTo(StopReason.TOOL_USE);
    // prompt_tokens 96 include cached_tokens 64: 32 uncached.
    assertThat(response.usage()).isEqualTo(new Usage(32, 21, 64, 0));
    assertThat(response.cost()).isEqualByComparingTo("0.0000035");
  }

  @Test
  void reasoningAndCachedTokensWorkedByHand() {
    ChatResponse response = chat(Wire.json(200, "response-reasoning.json"));
    assertThat(response.content()).containsExactly(
        new ThinkingBlock("2 + 2: add the units. 4.", ""), ContentBlock.text("The answer is 4."));
    // prompt_tokens 1000 with cached_tokens 800: 200 uncached input, 800 cache reads; completion_tokens 150
    // already include the 120 reasoning tokens.
    assertThat(response.usage()).isEqualTo(new Usage(200, 150, 800, 0));
    assertThat(response.usage().totalInputTokens()).isEqualTo(1000);
    assertThat(response.cost()).isEqualByComparingTo("0.00123");
    assertThat(response.rawBody().orElseThrow()).contains("\"model\": \"deepseek/deepseek-r1\"");
  }

  @Test
  void cacheWritesAreSubtractedToo() {
    ChatResponse response = chat(body("{\"id\":\"gen-1\",\"choices\":[{\"message\":{\"content\":\"ok\"},"
        + "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":1000,\"completion_tokens\":5,\"cost\":0.5,"
        + "\"prompt_tokens_details\":{\"cached_tokens\":300,\"cache_write_tokens\":600}}}"));
    assertThat(response.usage()).isEqualTo(new Usage(100, 5, 300, 600));
    assertThat(response.cost()).isEqualByComparingTo("0.5");
  }

  @Test
  void byokCostAddsTheUpstreamCharge() {
    ChatResponse response = chat(body("{\"id\":\"gen-2\",\"choices\":[{\"message\":{\"content\":\"ok\"},"
        + "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":5,\"cost\":0.0001,"
        + "\"is_byok\":true,\"cost_details\":{\"upstream_inference_cost\":0.002}}}"));
    assertThat(response.cost()).isEqualByComparingTo("0.0021");
  }

  @Test
  void finishReasons() {
    String template = "{\"id\":\"gen-3\",\"choices\":[{\"message\":{\"content\":\"x\"},\"finish_reason\":\"%s\"}]}";
    assertThat(chat(body(String.format(template, "length"))).stopReason()).isEqualTo(StopReason.MAX_TOKENS);
    assertThat(chat(body(String.format(template, "content_filter"))).stopReason()).isEqualTo(StopReason.REFUSAL);
    StopReason odd = chat(body(String.format(template, "eos_token"))).stopReason();
    assertThat(odd.raw()).isEqualTo("eos_token");
    assertThat(odd.isKnown()).isFalse();
  }

  @Test
  void stopWithToolCallsIsToolUseAndEmptyArgumentsAreAnEmptyObject() {
    ChatResponse response = chat(body("{\"id\":\"gen-4\",\"choices\":[{\"message\":{\"content\":null,"
        + "\"tool_calls\":[{\"id\":\"call_a\",\"type\":\"function\",\"function\":{\"name\":\"now\",\"arguments\":\"\"}}]},"
        + "\"finish_reason\":\"stop\"}]}"));
    assertThat(response.content()).containsExactly(new ToolUseBlock("call_a", "now", "{}"));
    assertThat(response.stopReason()).isEqualTo(StopReason.TOOL_USE);
    assertThat(response.cost()).isEqualByComparingTo(BigDecimal.ZERO);
    assertThat(response.usage()).isEqualTo(Usage.ZERO);
  }

  @Test
  void invalidToolArgumentsFailRetryablyWithoutEchoingThem() {
    MockResponse bad = body("{\"id\":\"gen-5\",\"choices\":[{\"message\":{\"tool_calls\":[{\"id\":\"call_b\","
        + "\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"arguments\":\"{\\\"location\\\": \\\"Bos\"}}]},"
        + "\"finish_reason\":\"tool_calls\"}]}");
    assertThatThrownBy(() -> chat(bad))
        .isInstanceOfSatisfying(ProviderException.class, e -> assertThat(e.isRetryable()).isTrue())
        .hasMessageContaining("get_weather")
        .hasMessageNotContaining("Bos");
  }

  @Test
  void asyncCallNeedsNoExecutorAndMatchesTheBlockingCall() throws Exception {
    server.enqueue(Wire.json(200, "response-tool-calls.json"));
    server.enqueue(Wire.json(200, "response-tool-calls.json"));
    OpenRouterProvider provider = Wire.openRouter(server);
    ChatResponse blocking = provider.chat(LLAMA, ChatRequest.of("hi"));
    ChatResponse async = provider.chatAsync(LLAMA, ChatRequest.of("hi"), NO_EXECUTOR).get(5, TimeUnit.SECONDS);
    assertThat(async).isEqualTo(blocking);
  }

  @Test
  void rateLimitHeadersAreReported() {
    ChatResponse response = chat(Wire.json(200, "response-text.json").newBuilder()
        .setHeader("X-RateLimit-Limit", "20")
        .setHeader("X-RateLimit-Remaining", "19")
        .setHeader("X-RateLimit-Reset", "1732366980000")
        .build());
    var window = response.rateLimits().orElseThrow().requestWindow().orElseThrow();
    assertThat(window.limit()).isEqualTo(20);
    assertThat(window.remaining()).isEqualTo(19);
    assertThat(window.reset().toEpochMilli()).isEqualTo(1732366980000L);
  }

  @Test
  void contentAsPartsIsJoined() {
    ChatResponse response = chat(body("{\"id\":\"gen-6\",\"choices\":[{\"message\":{\"content\":["
        + "{\"type\":\"text\",\"text\":\"Hel\"},{\"type\":\"text\",\"text\":\"lo\"}]},\"finish_reason\":\"stop\"}]}"));
    assertThat(response.content()).isEqualTo(List.of(ContentBlock.text("Hello")));
  }
}
