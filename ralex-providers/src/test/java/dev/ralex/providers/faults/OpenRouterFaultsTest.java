package dev.ralex.providers.faults;

import static dev.ralex.providers.faults.Faults.LLAMA_70B;
import static dev.ralex.providers.faults.Faults.LLAMA_8B;
import static dev.ralex.providers.faults.Faults.OPENROUTER_KEY;
import static dev.ralex.providers.faults.Faults.openRouter;
import static dev.ralex.providers.faults.Faults.openRouterResponse;
import static dev.ralex.providers.faults.Faults.records;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ralex.api.ChatRequest;
import dev.ralex.api.ChatResponse;
import dev.ralex.api.ErrorKind;
import dev.ralex.api.ModelInfo;
import dev.ralex.api.ProviderUnavailableException;
import dev.ralex.api.RalexEvent;
import dev.ralex.api.RateLimitedException;
import dev.ralex.api.Usage;
import dev.ralex.core.Ralex;
import dev.ralex.core.RetryPolicy;
import dev.ralex.providers.faults.Faults.Events;
import dev.ralex.providers.faults.Faults.ManualClock;
import dev.ralex.providers.faults.Faults.RecordingSleeper;
import dev.ralex.providers.internal.Json;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The fault-injection suite on the OpenAI-compatible wire format, through OpenRouter. */
class OpenRouterFaultsTest {
  private static final String JSON = "application/json";
  /** response-text.json: 118 prompt tokens (none cached), 12 completion tokens, and the cost OpenRouter billed. */
  private static final Usage TEXT_USAGE = new Usage(118, 12, 0, 0);
  private static final String REPORTED_COST = "0.0000039";

  private final MockWebServer server = new MockWebServer();
  private final ManualClock clock = new ManualClock(Faults.START);
  private final RecordingSleeper sleeper = new RecordingSleeper(clock);
  private final Events events = new Events();

  @BeforeEach
  void start() throws Exception {
    server.start();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private Ralex.Builder ralex() {
    return Faults.ralex(clock, sleeper, events).provider(Faults.openRouterProvider(server, clock));
  }

  private static ChatRequest llama() {
    return ChatRequest.builder().model(LLAMA_8B.id()).addUserMessage("What is the weather like in Boston?").build();
  }

  @Test
  void rateLimitedWithRetryAfterWaitsThatLongThenSucceeds() throws Exception {
    server.enqueue(openRouterResponse(429, JSON, openRouter("error-429-rate-limit.json"), "or_req_429")
        .addHeader("Retry-After", "3").build());
    server.enqueue(openRouterResponse(200, JSON, openRouter("response-text.json"), "or_req_ok").build());
    try (Ralex ralex = ralex().build()) {
      ChatResponse r = ralex.chat(llama());

      assertThat(r.text()).isEqualTo("It is 22 degrees and sunny in Boston.");
      assertThat(r.attempts()).isEqualTo(2);
      assertThat(r.modelsTried()).containsExactly(LLAMA_8B.id());
      assertThat(sleeper.waits).containsExactly(Duration.ofSeconds(3));
      assertThat(r.waited()).isEqualTo(Duration.ofSeconds(3));
      assertThat(single(RalexEvent.Retrying.class).cause()).isInstanceOfSatisfying(RateLimitedException.class, e -> {
        assertThat(e.kind()).isEqualTo(ErrorKind.RATE_LIMITED);
        assertThat(e.isRetryable()).isTrue();
        assertThat(e.httpStatus()).hasValue(429);
        assertThat(e.requestId()).hasValue("or_req_429");
        assertThat(e.retryAfter()).hasValue(Duration.ofSeconds(3));
        assertThat(e.getMessage()).contains("Rate limit exceeded").doesNotContain(OPENROUTER_KEY);
      });
      assertUsageRecordedOnce(ralex, r, LLAMA_8B);
    }
    assertThat(server.getRequestCount()).isEqualTo(2);
    assertThat(requestedModels(2)).containsExactly("meta-llama/llama-3.1-8b-instruct",
        "meta-llama/llama-3.1-8b-instruct");
  }

  @Test
  void badGatewayHtmlPageIsRetriedThenFallsBackToTheNextModel() throws Exception {
    for (int i = 1; i <= 2; i++) {
      server.enqueue(openRouterResponse(502, "text/html", openRouter("error-502-html.txt"), "or_req_502_" + i)
          .build());
    }
    server.enqueue(openRouterResponse(200, JSON, openRouter("response-text.json"), "or_req_ok").build());
    RetryPolicy oneRetry = RetryPolicy.builder().maxRetries(1).jitter(() -> 0.5).build();
    try (Ralex ralex = ralex().retryPolicy(oneRetry).fallbackModels(LLAMA_70B.id()).build()) {
      ChatResponse r = ralex.chat(llama());

      assertThat(r.model()).isEqualTo(LLAMA_70B.id());
      assertThat(r.attempts()).isEqualTo(3);
      assertThat(r.modelsTried()).containsExactly(LLAMA_8B.id(), LLAMA_70B.id());
      assertThat(sleeper.waits).containsExactly(Duration.ofMillis(500));
      assertThat(r.waited()).isEqualTo(Duration.ofMillis(500));
      RalexEvent.FallingBack fallback = single(RalexEvent.FallingBack.class);
      assertThat(fallback.from().id()).isEqualTo(LLAMA_8B.id());
      assertThat(fallback.to().id()).isEqualTo(LLAMA_70B.id());
      assertThat(fallback.cause()).isInstanceOfSatisfying(ProviderUnavailableException.class, e -> {
        assertThat(e.kind()).isEqualTo(ErrorKind.UNAVAILABLE);
        assertThat(e.isRetryable()).isTrue();
        assertThat(e.httpStatus()).hasValue(502);
        assertThat(e.requestId()).hasValue("or_req_502_2");
        assertThat(e.getMessage()).doesNotContain("<html>");
      });
      assertUsageRecordedOnce(ralex, r, LLAMA_70B);
    }
    assertThat(server.getRequestCount()).isEqualTo(3);
    assertThat(requestedModels(3)).containsExactly("meta-llama/llama-3.1-8b-instruct",
        "meta-llama/llama-3.1-8b-instruct", "meta-llama/llama-3.3-70b-instruct");
  }

  @Test
  void streamErrorAfterContentEndsWithOneErrorWithoutRetry() throws Exception {
    server.enqueue(openRouterResponse(200, "text/event-stream", openRouter("stream-error-mid.sse"), "or_req_mid")
        .build());
    server.enqueue(openRouterResponse(200, "text/event-stream", openRouter("stream-text.sse"), "or_req_ok")
        .build()); // Would be taken by a wrong retry.
    try (Ralex ralex = ralex().retryPolicy(RetryPolicy.builder().jitter(() -> 0.5).build()).build()) {
      Recorder h = new Recorder();
      ralex.stream(llama(), h).completion().handle((r, t) -> null).get(10, TimeUnit.SECONDS);
      h.awaitEnd();

      assertThat(h.text()).isEqualTo("Partial ans");
      assertThat(h.completions).isEmpty();
      assertThat(h.errors).singleElement().isInstanceOfSatisfying(ProviderUnavailableException.class, e -> {
        assertThat(e.kind()).isEqualTo(ErrorKind.UNAVAILABLE);
        assertThat(e.isRetryable()).as("the caller may send the call again").isTrue();
        assertThat(e.getMessage()).contains("Provider disconnected unexpectedly");
        assertThat(e.requestId()).hasValue("or_req_mid");
      });
      assertThat(events.of(RalexEvent.Retrying.class)).isEmpty();
      assertThat(events.of(RalexEvent.AttemptStarted.class)).hasSize(1);
      assertThat(sleeper.waits).isEmpty();
      // The stream reported no usage before the error: nothing to record.
      assertThat(events.of(RalexEvent.UsageRecorded.class)).isEmpty();
      assertThat(records(ralex)).isEmpty();
    }
    assertThat(server.getRequestCount()).isEqualTo(1);
  }

  @Test
  void streamCutBeforeTheFirstByteIsRetriedAndBilledAtTheReportedCost() throws Exception {
    server.enqueue(Faults.disconnectAtStart());
    server.enqueue(openRouterResponse(200, "text/event-stream", openRouter("stream-text.sse"), "or_req_ok").build());
    try (Ralex ralex = ralex().retryPolicy(RetryPolicy.builder().jitter(() -> 0.5).build()).build()) {
      Recorder h = new Recorder();
      ChatResponse r = ralex.stream(llama(), h).completion().get(10, TimeUnit.SECONDS);
      h.awaitEnd();

      assertThat(h.errors).isEmpty();
      assertThat(h.text()).isEqualTo("Hello, wörld! 你好 👋");
      assertThat(r.attempts()).isEqualTo(2);
      assertThat(r.modelsTried()).containsExactly(LLAMA_8B.id());
      assertThat(sleeper.waits).containsExactly(Duration.ofMillis(500));
      assertThat(r.waited()).isEqualTo(Duration.ofMillis(500));
      assertThat(single(RalexEvent.Retrying.class).cause().kind()).isEqualTo(ErrorKind.NETWORK);
      Usage usage = new Usage(14, 9, 0, 0);
      assertThat(r.usage()).isEqualTo(usage);
      assertThat(r.cost()).isEqualByComparingTo("0.0000007");
      assertThat(single(RalexEvent.UsageRecorded.class)).satisfies(u -> {
        assertThat(u.callId()).isEqualTo(r.callId());
        assertThat(u.usage()).isEqualTo(usage);
        assertThat(u.cost()).isEqualByComparingTo("0.0000007");
      });
      assertThat(records(ralex)).singleElement().satisfies(rec -> assertThat(rec.cost())
          .isEqualByComparingTo("0.0000007"));
    }
    assertThat(server.getRequestCount()).isEqualTo(2);
  }

  private <T extends RalexEvent> T single(Class<T> type) {
    List<T> found = events.of(type);
    assertThat(found).as("%s events", type.getSimpleName()).hasSize(1);
    return found.get(0);
  }

  /** One event and one record, at the cost OpenRouter reported rather than catalog prices. */
  private void assertUsageRecordedOnce(Ralex ralex, ChatResponse r, ModelInfo model) {
    assertThat(r.usage()).isEqualTo(TEXT_USAGE);
    assertThat(r.cost()).isEqualByComparingTo(REPORTED_COST);
    assertThat(single(RalexEvent.UsageRecorded.class)).satisfies(u -> {
      assertThat(u.callId()).isEqualTo(r.callId());
      assertThat(u.model().id()).isEqualTo(model.id());
      assertThat(u.usage()).isEqualTo(TEXT_USAGE);
      assertThat(u.cost()).isEqualByComparingTo(REPORTED_COST);
    });
    assertThat(records(ralex)).singleElement().satisfies(rec -> {
      assertThat(rec.callId()).isEqualTo(r.callId());
      assertThat(rec.model()).isEqualTo(model.id());
      assertThat(rec.provider()).isEqualTo("openrouter");
      assertThat(rec.cost()).isEqualByComparingTo(REPORTED_COST);
    });
  }

  private List<String> requestedModels(int n) throws Exception {
    List<String> models = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      RecordedRequest request = server.takeRequest(5, TimeUnit.SECONDS);
      assertThat(request).isNotNull();
      assertThat(request.getHeaders().get("Authorization")).isEqualTo("Bearer " + OPENROUTER_KEY);
      models.add(Json.MAPPER.readTree(request.getBody().utf8()).path("model").asText());
    }
    return models;
  }
}
