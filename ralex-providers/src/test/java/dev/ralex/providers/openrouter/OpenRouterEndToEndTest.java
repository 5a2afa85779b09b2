package dev.ralex.providers.openrouter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.ralex.api.BillingException;
import dev.ralex.api.ChatRequest;
import dev.ralex.api.ChatResponse;
import dev.ralex.api.StreamHandle;
import dev.ralex.core.Ralex;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.junit5.StartStop;
import org.junit.jupiter.api.Test;

/** The whole path: Ralex finds the factory by ServiceLoader, and the provider's reported cost is the cost. */
class OpenRouterEndToEndTest {
  @StartStop
  final MockWebServer server = new MockWebServer();

  private Ralex ralex() {
    return Ralex.builder()
        .provider("openrouter", Map.of("apiKey", "test-key", "baseUrl", server.url("/api/v1").toString()))
        .environment(k -> null)
        .defaultModel("openrouter/meta-llama/llama-3.1-8b-instruct")
        .build();
  }

  @Test
  void chatCostIsTheCostOpenRouterReported() throws Exception {
    server.enqueue(Wire.json(200, "response-text.json"));
    try (Ralex ralex = ralex()) {
      ChatResponse response = ralex.chat(ChatRequest.of("What is the weather like in Boston?"));
      assertThat(response.text()).isEqualTo("It is 22 degrees and sunny in Boston.");
      // usage.cost in the body is 0.0000039; catalog prices ($0.02/$0.03 per MTok) would give 0.00000272.
      assertThat(response.cost()).isEqualByComparingTo("0.0000039");
      assertThat(response.model()).isEqualTo("openrouter/meta-llama/llama-3.1-8b-instruct");
      assertThat(response.provider()).isEqualTo("openrouter");
    }
    RecordedRequest recorded = server.takeRequest(5, TimeUnit.SECONDS);
    assertThat(recorded.getHeaders().get("Authorization")).isEqualTo("Bearer test-key");
    assertThat(Wire.body(recorded).get("model").asText()).isEqualTo("meta-llama/llama-3.1-8b-instruct");
  }

  @Test
  void streamCostIsTheCostOpenRouterReported() throws Exception {
    server.enqueue(Wire.sse("stream-text.sse"));
    try (Ralex ralex = ralex()) {
      Wire.Recorder r = new Wire.Recorder();
      StreamHandle handle = ralex.stream(ChatRequest.of("hi"), r);
      ChatResponse response = handle.completion().get(10, TimeUnit.SECONDS);
      assertThat(response.cost()).isEqualByComparingTo("0.0000007");
      assertThat(response.text()).isEqualTo("Hello, wörld! 你好 👋");
    }
  }

  @Test
  void outOfCreditsIsNotRetriedAndNeverShowsTheKey() {
    server.enqueue(Wire.json(402, "error-402-credits.json"));
    server.enqueue(Wire.json(200, "response-text.json")); // Would be taken by a retry.
    try (Ralex ralex = ralex()) {
      BillingException e = catchThrowableOfType(BillingException.class, () -> ralex.chat(ChatRequest.of("hi")));
      assertThat(e.getMessage()).contains("Insufficient credits").doesNotContain("test-key");
    }
    assertThat(server.getRequestCount()).isEqualTo(1);
  }
}
