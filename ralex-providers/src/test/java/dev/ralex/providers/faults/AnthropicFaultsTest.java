package dev.ralex.providers.faults;

import static dev.ralex.providers.faults.Faults.ANTHROPIC_KEY;
import static dev.ralex.providers.faults.Faults.API_ERROR_500;
import static dev.ralex.providers.faults.Faults.HAIKU;
import static dev.ralex.providers.faults.Faults.SONNET;
import static dev.ralex.providers.faults.Faults.anthropic;
import static dev.ralex.providers.faults.Faults.anthropicJson;
import static dev.ralex.providers.faults.Faults.anthropicSse;
import static dev.ralex.providers.faults.Faults.records;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.ralex.api.AuthenticationException;
import dev.ralex.api.ChatRequest;
import dev.ralex.api.ChatResponse;
import dev.ralex.api.ErrorKind;
import dev.ralex.api.LlmTimeoutException;
import dev.ralex.api.ModelInfo;
import dev.ralex.api.NetworkException;
import dev.ralex.api.ProviderUnavailableException;
import dev.ralex.api.RalexEvent;
import dev.ralex.api.RateLimitedException;
import dev.ralex.api.Usage;
import dev.ralex.core.Ralex;
import dev.ralex.core.RetryPolicy;
import dev.ralex.core.UsageRecord;
import dev.ralex.providers.faults.Faults.Events;
import dev.ralex.providers.faults.Faults.ManualClock;
import dev.ralex.providers.faults.Faults.RecordingSleeper;
import dev.ralex.providers.internal.Json;
import dev.ralex.providers.testing.StallingBody;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okhttp3.Headers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The fault-injection suite of the "Resilience" issue on Anthropic's wire format: each failure the Messages API
 * (or the network under it) can produce, through a real {@link Ralex} and the real Anthropic provider against a
 * MockWebServer. Each scenario pins the outcome, the attempts, the models tried, the waits, the requests the
 * server saw, and the usage recorded. Nothing sleeps: waits are recorded and move a manual clock.
 */
class AnthropicFaultsTest {
  /** Full jitter made exact: each backoff is half its ceiling (0.5 s, then 1 s, 2 s, ...). */
  private static final RetryPolicy HALF_JITTER = RetryPolicy.builder().jitter(() -> 0.5).build();
  private static final Usage TEXT_USAGE = new Usage(12, 11, 0, 0); // response-text.json
  private static final Usage STREAM_USAGE = new Usage(25, 15, 1800, 0); // stream-text.sse
  private static final String RATE_LIMIT_REQUEST_ID = "req_011CSHoEeqs5C35K2UUqR7Fy"; // error-429-rate-limit.json
  private static final String AUTH_REQUEST_ID = "req_011CSHoEeqs5C35K2UUqR7G2"; // error-401-authentication.json

  private final MockWebServer server = new MockWebServer();
  private final ManualClock clock = new ManualClock(Faults.START);
  private final RecordingSleeper sleeper = new RecordingSleeper(clock);
  private final Events events = new Events();
  private final CountDownLatch releaseStalls = new CountDownLatch(1);

  @BeforeEach
  void start() throws Exception {
    server.start();
  }

  @AfterEach
  void stop() {
    releaseStalls.countDown();
    server.close();
  }

  private Ralex.Builder ralex() {
    return Faults.ralex(clock, sleeper, events).provider(Faults.anthropicProvider(server, clock));
  }

  private static ChatRequest haiku(String prompt) {
    return ChatRequest.builder().model(HAIKU.id()).addUserMessage(prompt).build();
  }

  // 429

  @Test
  void rateLimitedWithRetryAfterWaitsExactlyThatLongThenSucceeds() throws Exception {
    server.enqueue(anthropicJson(429, anthropic("error-429-rate-limit.json"), RATE_LIMIT_REQUEST_ID)
        .addHeader("retry-after", "7").build());
    server.enqueue(anthropicJson(200, anthropic("response-text.json"), "req_ok").build());
    try (Ralex ralex = ralex().build()) {
      ChatResponse r = ralex.chat(haiku("hi"));

      assertThat(r.text()).isEqualTo("Hello! How can I help you today?");
      assertThat(r.attempts()).isEqualTo(2);
      assertThat(r.modelsTried()).containsExactly(HAIKU.id());
      assertThat(sleeper.waits).containsExactly(Duration.ofSeconds(7));
      assertThat(r.waited()).isEqualTo(Duration.ofSeconds(7));
      RalexEvent.Retrying retry = single(RalexEvent.Retrying.class);
      assertThat(retry.delay()).isEqualTo(Duration.ofSeconds(7));
      assertThat(retry.nextAttempt()).isEqualTo(2);
      assertThat(retry.cause()).isInstanceOfSatisfying(RateLimitedException.class, e -> {
        assertThat(e.kind()).isEqualTo(ErrorKind.RATE_LIMITED);
        assertThat(e.isRetryable()).isTrue();
        assertThat(e.httpStatus()).hasValue(429);
        assertThat(e.requestId()).hasValue(RATE_LIMIT_REQUEST_ID);
        assertThat(e.retryAfter()).hasValue(Duration.ofSeconds(7));
      });
      assertUsageRecordedOnce(ralex, r, HAIKU, TEXT_USAGE, "0.000067");
    }
    assertThat(server.getRequestCount()).isEqualTo(2);
  }

  /**
   * The real 429 headers: {@code retry-after: 17} with token windows at 0 that reset in 17 s. Ralex waits the 17 s
   * once, not again in its rate limiter for the windows the same answer reported.
   */
  @Test
  void rateLimitedWithTheSampleHeadersWaitsTheRetryAfterOnce() throws Exception {
    Headers sample = headers(anthropic("headers-429.txt"));
    server.enqueue(new MockResponse.Builder().code(429).headers(sample).body(anthropic("error-429-rate-limit.json"))
        .build());
    server.enqueue(anthropicJson(200, anthropic("response-text.json"), "req_ok").build());
    try (Ralex ralex = ralex().build()) {
      ChatResponse r = ralex.chat(haiku("hi"));

      assertThat(r.attempts()).isEqualTo(2);
      assertThat(r.modelsTried()).containsExactly(HAIKU.id());
      assertThat(r.waited()).isEqualTo(Duration.ofSeconds(17));
      assertThat(sleeper.total()).isEqualTo(Duration.ofSeconds(17));
      assertThat(single(RalexEvent.Retrying.class).cause().requestId()).hasValue(RATE_LIMIT_REQUEST_ID);
      assertUsageRecordedOnce(ralex, r, HAIKU, TEXT_USAGE, "0.000067");
    }
    assertThat(server.getRequestCount()).isEqualTo(2);
  }

  @Test
  void rateLimitedWithoutRetryAfterIsASpendCapAndFailsAtOnce() throws Exception {
    server.enqueue(anthropicJson(429, anthropic("error-429-rate-limit.json"), RATE_LIMIT_REQUEST_ID).build());
    server.enqueue(anthropicJson(200, anthropic("response-text.json"), "req_ok").build()); // For a wrong retry.
    try (Ralex ralex = ralex().build()) {
      RateLimitedException e = catchThrowableOfType(RateLimitedException.class, () -> ralex.chat(haiku("hi")));

      assertThat(e).isNotNull();
      assertThat(e.kind()).isEqualTo(ErrorKind.RATE_LIMITED);
      assertThat(e.isRetryable()).isFalse();
      assertThat(e.httpStatus()).hasValue(429);
      assertThat(e.requestId()).hasValue(RATE_LIMIT_REQUEST_ID);
      assertThat(e.retryAfter()).isEmpty();
      assertThat(e.getMessage()).doesNotContain(ANTHROPIC_KEY);
      assertThat(events.of(RalexEvent.Retrying.class)).isEmpty();
      assertThat(events.of(RalexEvent.AttemptStarted.class)).hasSize(1);
      assertThat(single(RalexEvent.CallFailed.class).error()).isSameAs(e);
      assertThat(sleeper.waits).isEmpty();
      assertNoUsage(ralex);
    }
    assertThat(server.getRequestCount()).isEqualTo(1);
  }

  @Test
  void rateLimitedWithALongerRetryAfterThanHonouredFallsBackWithoutWaiting() throws Exception {
    server.enqueue(anthropicJson(429, anthropic("error-429-rate-limit.json"), RATE_LIMIT_REQUEST_ID)
        .addHeader("retry-after", "120").build()); // The default policy honours hints up to 60 s.
    server.enqueue(anthropicJson(200, anthropic("response-text.json"), "req_ok").build());
    try (Ralex ralex = ralex().fallbackModels(SONNET.id()).build()) {
      ChatResponse r = ralex.chat(haiku("hi"));

      assertThat(r.model()).isEqualTo(SONNET.id());
      assertThat(r.attempts()).isEqualTo(2);
      assertThat(r.modelsTried()).containsExactly(HAIKU.id(), SONNET.id());
      assertThat(sleeper.waits).isEmpty();
      assertThat(r.waited()).isEqualTo(Duration.ZERO);
      assertThat(events.of(RalexEvent.Retrying.class)).isEmpty();
      assertThat(single(RalexEvent.FallingBack.class).cause()).isInstanceOfSatisfying(RateLimitedException.class,
          e -> {
            assertThat(e.isRetryable()).isTrue();
            assertThat(e.httpStatus()).hasValue(429);
            assertThat(e.retryAfter()).hasValue(Duration.ofSeconds(120));
          });
      assertUsageRecordedOnce(ralex, r, SONNET, TEXT_USAGE, "0.000201");
    }
    assertThat(server.getRequestCount()).isEqualTo(2);
    assertThat(requestedModels(2)).containsExactly("claude-haiku-4-5", "claude-sonnet-4-6");
  }

  /** A retry-after also holds the model's next call: that wait is a rate-limit wait, counted in waited(). */
  @Test
  void theRetryAfterOfA429HoldsTheNextCallAndCountsAsItsWait() throws Exception {
    server.enqueue(anthropicJson(429, anthropic("error-429-rate-limit.json"), RATE_LIMIT_REQUEST_ID)
        .addHeader("retry-after", "7").build());
    server.enqueue(anthropicJson(200, anthropic("response-text.json"), "req_ok").build());
    try (Ralex ralex = ralex().retryPolicy(RetryPolicy.none()).build()) {
      RateLimitedException e = catchThrowableOfType(RateLimitedException.class, () -> ralex.chat(haiku("first")));
      assertThat(e).isNotNull();
      assertThat(e.isRetryable()).isTrue();
      assertThat(e.retryAfter()).hasValue(Duration.ofSeconds(7));
      assertThat(sleeper.waits).isEmpty();

      ChatResponse r = ralex.chat(haiku("second"));

      assertThat(r.attempts()).isEqualTo(1);
      assertThat(sleeper.waits).containsExactly(Duration.ofSeconds(7));
      assertThat(r.waited()).isEqualTo(Duration.ofSeconds(7));
      assertThat(single(RalexEvent.RateLimitWaited.class).waited()).isEqualTo(Duration.ofSeconds(7));
      assertUsageRecordedOnce(ralex, r, HAIKU, TEXT_USAGE, "0.000067");
    }
    assertThat(server.getRequestCount()).isEqualTo(2);
  }

  // 529

  @Test
  void overloadedThenSuccessWaitsHalfTheFirstBackoffCeiling() throws Exception {
    server.enqueue(anthropicJson(529, anthropic("error-529-overloaded.json"), "req_overloaded").build());
    server.enqueue(anthropicJson(200, anthropic("response-text.json"), "req_ok").build());
    try (Ralex ralex = ralex().retryPolicy(HALF_JITTER).build()) {
      ChatResponse r = ralex.chat(haiku("hi"));

      assertThat(r.attempts()).isEqualTo(2);
      assertThat(r.modelsTried()).containsExactly(HAIKU.id());
      assertThat(sleeper.waits).containsExactly(Duration.ofMillis(500));
      assertThat(r.waited()).isEqualTo(Duration.ofMillis(500));
      assertThat(single(RalexEvent.Retrying.class).cause()).isInstanceOfSatisfying(
          ProviderUnavailableException.class, e -> {
            assertThat(e.kind()).isEqualTo(ErrorKind.OVERLOADED);
            assertThat(e.isRetryable()).isTrue();
            assertThat(e.httpStatus()).hasValue(529);
            assertThat(e.requestId()).hasValue("req_overloaded");
            assertThat(e.retryAfter()).isEmpty();
          });
      assertUsageRecordedOnce(ralex, r, HAIKU, TEXT_USAGE, "0.000067");
    }
    assertThat(server.getRequestCount()).isEqualTo(2);
  }

  @Test
  void overloadedWithoutHintWaitsWithinTheFullJitterBoundOfTheFirstRetry() throws Exception {
    server.enqueue(anthropicJson(529, anthropic("error-529-overloaded.json"), "req_overloaded").build());
    server.enqueue(anthropicJson(200, anthropic("response-text.json"), "req_ok").build());
    try (Ralex ralex = ralex().build()) { // The default policy: random full jitter, 1 s base.
      ChatResponse r = ralex.chat(haiku("hi"));

      assertThat(r.attempts()).isEqualTo(2);
      assertThat(sleeper.waits).singleElement().satisfies(wait -> {
        assertThat(wait).isGreaterThanOrEqualTo(Duration.ZERO);
        assertThat(wait).isLessThan(Duration.ofSeconds(1));
      });
      assertThat(r.waited()).isEqualTo(sleeper.waits.get(0));
      assertUsageRecordedOnce(ralex, r, HAIKU, TEXT_USAGE, "0.000067");
    }
    assertThat(server.getRequestCount()).isEqualTo(2);
  }

  // 500

  @Test
  void serverErrorThreeTimesThenFallsBackToTheNextModel() throws Exception {
    for (int i = 1; i <= 3; i++) {
      server.enqueue(anthropicJson(500, API_ERROR_500, "req_500_" + i).build());
    }
    server.enqueue(anthropicJson(200, anthropic("response-text.json"), "req_ok").build());
    RetryPolicy twoRetries = RetryPolicy.builder().maxRetries(2).jitter(() -> 0.5).build();
    try (Ralex ralex = ralex().retryPolicy(twoRetries).fallbackModels(SONNET.id()).build()) {
      ChatResponse r = ralex.chat(haiku("hi"));

      assertThat(r.model()).isEqualTo(SONNET.id());
      assertThat(r.attempts()).isEqualTo(4);
      assertThat(r.modelsTried()).containsExactly(HAIKU.id(), SONNET.id());
      assertThat(sleeper.waits).containsExactly(Duration.ofMillis(500), Duration.ofSeconds(1));
      assertThat(r.waited()).isEqualTo(Duration.ofMillis(1500));
      List<RalexEvent.Retrying> retries = events.of(RalexEvent.Retrying.class);
      assertThat(retries).extracting(RalexEvent.Retrying::nextAttempt).containsExactly(2, 3);
      RalexEvent.FallingBack fallback = single(RalexEvent.FallingBack.class);
      assertThat(fallback.from().id()).isEqualTo(HAIKU.id());
      assertThat(fallback.to().id()).isEqualTo(SONNET.id());
      assertThat(fallback.cause()).isInstanceOfSatisfying(ProviderUnavailableException.class, e -> {
        assertThat(e.kind()).isEqualTo(ErrorKind.UNAVAILABLE);
        assertThat(e.isRetryable()).isTrue();
        assertThat(e.httpStatus()).hasValue(500);
        assertThat(e.requestId()).hasValue("req_500_3");
      });
      assertUsageRecordedOnce(ralex, r, SONNET, TEXT_USAGE, "0.000201");
    }
    assertThat(server.getRequestCount()).isEqualTo(4);
    assertThat(requestedModels(4)).containsExactly("claude-haiku-4-5", "claude-haiku-4-5", "claude-haiku-4-5",
        "claude-sonnet-4-6");
  }

  // The network

  @Test
  void connectionResetIsRetried() throws Exception {
    server.enqueue(Faults.disconnectAtStart());
    server.enqueue(anthropicJson(200, anthropic("response-text.json"), "req_ok").build());
    try (Ralex ralex = ralex().retryPolicy(HALF_JITTER).build()) {
      ChatResponse r = ralex.chat(haiku("hi"));

      assertThat(r.attempts()).isEqualTo(2);
      assertThat(r.modelsTried()).containsExactly(HAIKU.id());
      assertThat(sleeper.waits).containsExactly(Duration.ofMillis(500));
      assertThat(r.waited()).isEqualTo(Duration.ofMillis(500));
      assertThat(single(RalexEvent.Retrying.class).cause()).isInstanceOfSatisfying(NetworkException.class, e -> {
        assertThat(e.kind()).isEqualTo(ErrorKind.NETWORK);
        assertThat(e.isRetryable()).isTrue();
        assertThat(e.httpStatus()).isEmpty();
        assertThat(e.requestId()).isEmpty();
        assertThat(e.getMessage()).doesNotContain(ANTHROPIC_KEY);
      });
      assertUsageRecordedOnce(ralex, r, HAIKU, TEXT_USAGE, "0.000067");
    }
    assertThat(server.getRequestCount()).isEqualTo(2);
  }

  @Test
  void readTimeoutIsRetried() throws Exception {
    // Headers and the start of the body arrive, then nothing: the 200 ms read timeout fires mid-body.
    server.enqueue(new MockResponse.Builder().code(200).addHeader("content-type", "application/json")
        .addHeader("request-id", "req_slow").body(new StallingBody("{\"id\":", releaseStalls)).build());
    server.enqueue(anthropicJson(200, anthropic("response-text.json"), "req_ok").build());
    try (Ralex ralex = Faults.ralex(clock, sleeper, events).retryPolicy(HALF_JITTER)
        .provider(Faults.anthropicProvider(server, clock, Duration.ofMillis(200))).build()) {
      ChatResponse r = ralex.chat(haiku("hi"));

      assertThat(r.attempts()).isEqualTo(2);
      assertThat(r.modelsTried()).containsExactly(HAIKU.id());
      assertThat(sleeper.waits).containsExactly(Duration.ofMillis(500));
      assertThat(r.waited()).isEqualTo(Duration.ofMillis(500));
      assertThat(single(RalexEvent.Retrying.class).cause()).isInstanceOfSatisfying(LlmTimeoutException.class, e -> {
        assertThat(e.kind()).isEqualTo(ErrorKind.TIMEOUT);
        assertThat(e.isRetryable()).isTrue();
      });
      assertUsageRecordedOnce(ralex, r, HAIKU, TEXT_USAGE, "0.000067");
    }
    assertThat(server.getRequestCount()).isEqualTo(2);
  }

  @Test
  void readTimeoutOnEveryAttemptFailsWithTheTimeoutAfterTheRetries() throws Exception {
    for (int i = 0; i < 2; i++) {
      server.enqueue(new MockResponse.Builder().code(200).addHeader("content-type", "application/json")
          .body(new StallingBody("{", releaseStalls)).build());
    }
    server.enqueue(anthropicJson(200, anthropic("response-text.json"), "req_ok").build()); // For a wrong retry.
    RetryPolicy oneRetry = RetryPolicy.builder().maxRetries(1).jitter(() -> 0.5).build();
    try (Ralex ralex = Faults.ralex(clock, sleeper, events).retryPolicy(oneRetry)
        .provider(Faults.anthropicProvider(server, clock, Duration.ofMillis(200))).build()) {
      LlmTimeoutException e = catchThrowableOfType(LlmTimeoutException.class, () -> ralex.chat(haiku("hi")));

      assertThat(e).isNotNull();
      assertThat(e.kind()).isEqualTo(ErrorKind.TIMEOUT);
      assertThat(e.isRetryable()).isTrue();
      assertThat(events.of(RalexEvent.AttemptStarted.class)).hasSize(2);
      assertThat(sleeper.waits).containsExactly(Duration.ofMillis(500));
      assertNoUsage(ralex);
    }
    assertThat(server.getRequestCount()).isEqualTo(2);
  }

  // Streams

  @Test
  void streamCutAfterContentEndsWithOneErrorWithoutRetryAndBillsThePartialUsage() throws Exception {
    server.enqueue(anthropicSse(anthropic("stream-cut-after-content.sse")).build());
    server.enqueue(anthropicSse(anthropic("stream-text.sse")).build()); // Would be taken by a wrong retry.
    try (Ralex ralex = ralex().retryPolicy(HALF_JITTER).build()) {
      Recorder h = new Recorder();
      ralex.stream(haiku("hi"), h).completion().handle((r, t) -> null).get(10, TimeUnit.SECONDS);
      h.awaitEnd();

      assertThat(h.text()).isEqualTo("The answer is");
      assertThat(h.completions).isEmpty();
      assertThat(h.errors).singleElement().isInstanceOfSatisfying(NetworkException.class, e -> {
        assertThat(e.kind()).isEqualTo(ErrorKind.NETWORK);
        assertThat(e.isRetryable()).as("the caller may send the call again").isTrue();
        assertThat(e.httpStatus()).hasValue(200);
        assertThat(e.requestId()).hasValue("req_stream");
        assertThat(e.getMessage()).contains("cut off");
      });
      assertThat(h.events).last().isEqualTo("error");
      assertThat(events.of(RalexEvent.Retrying.class)).isEmpty();
      assertThat(events.of(RalexEvent.AttemptStarted.class)).hasSize(1);
      assertThat(single(RalexEvent.CallFailed.class).error()).isSameAs(h.errors.get(0));
      assertThat(sleeper.waits).isEmpty();
      // message_start reported 25 input and 1 output token: billed once, as produced.
      Usage partial = new Usage(25, 1, 0, 0);
      RalexEvent.UsageRecorded recorded = single(RalexEvent.UsageRecorded.class);
      assertThat(recorded.usage()).isEqualTo(partial);
      assertThat(recorded.model().id()).isEqualTo(HAIKU.id());
      assertThat(recorded.cost()).isEqualByComparingTo("0.000030");
      assertThat(records(ralex)).singleElement().satisfies(rec -> {
        assertThat(rec.usage()).isEqualTo(partial);
        assertThat(rec.cost()).isEqualByComparingTo("0.000030");
        assertThat(rec.callId()).isEqualTo(recorded.callId());
      });
    }
    assertThat(server.getRequestCount()).isEqualTo(1);
  }

  @Test
  void streamSilentAfterContentTimesOutWithoutRetryAndBillsThePartialUsage() throws Exception {
    String sample = anthropic("stream-text.sse");
    // Everything up to the second text delta: "Hello" arrives, then the server goes silent.
    int firstDelta = sample.indexOf("event: content_block_delta");
    String head = sample.substring(0, sample.indexOf("event: content_block_delta", firstDelta + 1));
    server.enqueue(new MockResponse.Builder().code(200).addHeader("content-type", "text/event-stream")
        .addHeader("request-id", "req_stall").body(new StallingBody(head, releaseStalls)).build());
    server.enqueue(anthropicSse(sample).build()); // Would be taken by a wrong retry.
    try (Ralex ralex = Faults.ralex(clock, sleeper, events).retryPolicy(HALF_JITTER)
        .provider(Faults.anthropicProvider(server, clock, Duration.ofMillis(200))).build()) {
      Recorder h = new Recorder();
      ralex.stream(haiku("hi"), h).completion().handle((r, t) -> null).get(10, TimeUnit.SECONDS);
      h.awaitEnd();

      assertThat(h.text()).isEqualTo("Hello");
      assertThat(h.completions).isEmpty();
      assertThat(h.errors).singleElement().isInstanceOfSatisfying(LlmTimeoutException.class, e -> {
        assertThat(e.kind()).isEqualTo(ErrorKind.TIMEOUT);
        assertThat(e.requestId()).hasValue("req_stall");
      });
      assertThat(events.of(RalexEvent.Retrying.class)).isEmpty();
      assertThat(sleeper.waits).isEmpty();
      Usage partial = new Usage(25, 1, 1800, 0); // What message_start reported.
      RalexEvent.UsageRecorded recorded = single(RalexEvent.UsageRecorded.class);
      assertThat(recorded.usage()).isEqualTo(partial);
      assertThat(recorded.cost()).isEqualByComparingTo("0.000210");
      assertThat(records(ralex)).singleElement().satisfies(rec -> assertThat(rec.usage()).isEqualTo(partial));
    }
    assertThat(server.getRequestCount()).isEqualTo(1);
  }

  @Test
  void streamCutBeforeTheFirstByteIsRetried() throws Exception {
    server.enqueue(Faults.disconnectAtStart());
    server.enqueue(anthropicSse(anthropic("stream-text.sse")).build());
    try (Ralex ralex = ralex().retryPolicy(HALF_JITTER).build()) {
      Recorder h = new Recorder();
      ChatResponse r = ralex.stream(haiku("hi"), h).completion().get(10, TimeUnit.SECONDS);
      h.awaitEnd();

      assertThat(h.errors).isEmpty();
      assertThat(h.completions).containsExactly(r);
      assertThat(h.text()).isEqualTo("Hello, wörld! 你好 👋");
      assertThat(r.attempts()).isEqualTo(2);
      assertThat(r.modelsTried()).containsExactly(HAIKU.id());
      assertThat(sleeper.waits).containsExactly(Duration.ofMillis(500));
      assertThat(r.waited()).isEqualTo(Duration.ofMillis(500));
      assertThat(single(RalexEvent.Retrying.class).cause()).isInstanceOfSatisfying(NetworkException.class, e -> {
        assertThat(e.kind()).isEqualTo(ErrorKind.NETWORK);
        assertThat(e.isRetryable()).isTrue();
        assertThat(e.httpStatus()).isEmpty();
      });
      assertUsageRecordedOnce(ralex, r, HAIKU, STREAM_USAGE, "0.000280");
    }
    assertThat(server.getRequestCount()).isEqualTo(2);
  }

  @Test
  void streamOverloadedBeforeContentIsRetriedAndOnlyTheAnswerIsBilled() throws Exception {
    server.enqueue(anthropicSse(anthropic("stream-error-overloaded-before-content.sse")).build());
    server.enqueue(anthropicSse(anthropic("stream-text.sse")).build());
    try (Ralex ralex = ralex().retryPolicy(HALF_JITTER).build()) {
      Recorder h = new Recorder();
      ChatResponse r = ralex.stream(haiku("hi"), h).completion().get(10, TimeUnit.SECONDS);
      h.awaitEnd();

      assertThat(h.errors).isEmpty();
      assertThat(h.text()).isEqualTo("Hello, wörld! 你好 👋");
      assertThat(r.attempts()).isEqualTo(2);
      assertThat(sleeper.waits).containsExactly(Duration.ofMillis(500));
      assertThat(r.waited()).isEqualTo(Duration.ofMillis(500));
      assertThat(single(RalexEvent.Retrying.class).cause()).isInstanceOfSatisfying(
          ProviderUnavailableException.class, e -> {
            assertThat(e.kind()).isEqualTo(ErrorKind.OVERLOADED);
            assertThat(e.isRetryable()).isTrue();
            assertThat(e.httpStatus()).hasValue(200);
            assertThat(e.requestId()).hasValue("req_stream");
          });
      assertUsageRecordedOnce(ralex, r, HAIKU, STREAM_USAGE, "0.000280");
    }
    assertThat(server.getRequestCount()).isEqualTo(2);
  }

  @Test
  void streamRateLimitedWithRetryAfterWaitsExactlyThatLongOnce() throws Exception {
    server.enqueue(anthropicJson(429, anthropic("error-429-rate-limit.json"), RATE_LIMIT_REQUEST_ID)
        .addHeader("retry-after", "7").build());
    server.enqueue(anthropicSse(anthropic("stream-text.sse")).build());
    try (Ralex ralex = ralex().build()) {
      Recorder h = new Recorder();
      ChatResponse r = ralex.stream(haiku("hi"), h).completion().get(10, TimeUnit.SECONDS);
      h.awaitEnd();

      assertThat(h.errors).isEmpty();
      assertThat(r.attempts()).isEqualTo(2);
      assertThat(sleeper.waits).containsExactly(Duration.ofSeconds(7));
      assertThat(r.waited()).isEqualTo(Duration.ofSeconds(7));
      assertThat(single(RalexEvent.Retrying.class).cause()).isInstanceOfSatisfying(RateLimitedException.class, e -> {
        assertThat(e.httpStatus()).hasValue(429);
        assertThat(e.requestId()).hasValue(RATE_LIMIT_REQUEST_ID);
        assertThat(e.retryAfter()).hasValue(Duration.ofSeconds(7));
      });
      assertUsageRecordedOnce(ralex, r, HAIKU, STREAM_USAGE, "0.000280");
    }
    assertThat(server.getRequestCount()).isEqualTo(2);
  }

  @Test
  void asyncOverloadedThenSuccessWaitsTheSameBackoff() throws Exception {
    server.enqueue(anthropicJson(529, anthropic("error-529-overloaded.json"), "req_overloaded").build());
    server.enqueue(anthropicJson(200, anthropic("response-text.json"), "req_ok").build());
    try (Ralex ralex = ralex().retryPolicy(HALF_JITTER).build()) {
      ChatResponse r = ralex.chatAsync(haiku("hi")).get(10, TimeUnit.SECONDS);

      assertThat(r.attempts()).isEqualTo(2);
      assertThat(r.modelsTried()).containsExactly(HAIKU.id());
      assertThat(sleeper.waits).containsExactly(Duration.ofMillis(500));
      assertThat(r.waited()).isEqualTo(Duration.ofMillis(500));
      assertUsageRecordedOnce(ralex, r, HAIKU, TEXT_USAGE, "0.000067");
    }
    assertThat(server.getRequestCount()).isEqualTo(2);
  }

  // 401

  @Test
  void authenticationFailureSurfacesAtOnceWithoutRetryOrFallback() throws Exception {
    server.enqueue(anthropicJson(401, anthropic("error-401-authentication.json"), AUTH_REQUEST_ID).build());
    server.enqueue(anthropicJson(200, anthropic("response-text.json"), "req_ok").build()); // For a wrong retry.
    try (Ralex ralex = ralex().fallbackModels(SONNET.id()).build()) {
      AuthenticationException e = catchThrowableOfType(AuthenticationException.class, () -> ralex.chat(haiku("hi")));

      assertThat(e).isNotNull();
      assertThat(e.kind()).isEqualTo(ErrorKind.AUTHENTICATION);
      assertThat(e.isRetryable()).isFalse();
      assertThat(e.httpStatus()).hasValue(401);
      assertThat(e.requestId()).hasValue(AUTH_REQUEST_ID);
      assertThat(e.provider()).hasValue("anthropic");
      assertThat(e.getMessage()).contains("invalid x-api-key").doesNotContain(ANTHROPIC_KEY);
      assertThat(events.of(RalexEvent.Retrying.class)).isEmpty();
      assertThat(events.of(RalexEvent.FallingBack.class)).isEmpty();
      assertThat(events.of(RalexEvent.AttemptStarted.class)).hasSize(1);
      assertThat(sleeper.waits).isEmpty();
      assertNoUsage(ralex);
    }
    assertThat(server.getRequestCount()).isEqualTo(1);
  }

  @Test
  void streamAuthenticationFailureEndsTheStreamOnceAtOnce() throws Exception {
    server.enqueue(anthropicJson(401, anthropic("error-401-authentication.json"), AUTH_REQUEST_ID).build());
    server.enqueue(anthropicSse(anthropic("stream-text.sse")).build()); // For a wrong retry.
    try (Ralex ralex = ralex().fallbackModels(SONNET.id()).build()) {
      Recorder h = new Recorder();
      ralex.stream(haiku("hi"), h).completion().handle((r, t) -> null).get(10, TimeUnit.SECONDS);
      h.awaitEnd();

      assertThat(h.events).containsExactly("error");
      assertThat(h.errors).singleElement().isInstanceOfSatisfying(AuthenticationException.class, e -> {
        assertThat(e.kind()).isEqualTo(ErrorKind.AUTHENTICATION);
        assertThat(e.isRetryable()).isFalse();
        assertThat(e.httpStatus()).hasValue(401);
        assertThat(e.requestId()).hasValue(AUTH_REQUEST_ID);
        assertThat(e.getMessage()).doesNotContain(ANTHROPIC_KEY);
      });
      assertThat(events.of(RalexEvent.Retrying.class)).isEmpty();
      assertThat(events.of(RalexEvent.FallingBack.class)).isEmpty();
      assertThat(sleeper.waits).isEmpty();
      assertNoUsage(ralex);
    }
    assertThat(server.getRequestCount()).isEqualTo(1);
  }

  // Helpers

  private <T extends RalexEvent> T single(Class<T> type) {
    List<T> found = events.of(type);
    assertThat(found).as("%s events", type.getSimpleName()).hasSize(1);
    return found.get(0);
  }

  /** One UsageRecorded event and one record, for the call's answer, at the model's prices. */
  private void assertUsageRecordedOnce(Ralex ralex, ChatResponse r, ModelInfo model, Usage usage, String cost) {
    assertThat(r.usage()).isEqualTo(usage);
    assertThat(r.cost()).isEqualByComparingTo(cost);
    RalexEvent.UsageRecorded recorded = single(RalexEvent.UsageRecorded.class);
    assertThat(recorded.callId()).isEqualTo(r.callId());
    assertThat(recorded.model().id()).isEqualTo(model.id());
    assertThat(recorded.usage()).isEqualTo(usage);
    assertThat(recorded.cost()).isEqualByComparingTo(cost);
    List<UsageRecord> records = records(ralex);
    assertThat(records).singleElement().satisfies(rec -> {
      assertThat(rec.callId()).isEqualTo(r.callId());
      assertThat(rec.model()).isEqualTo(model.id());
      assertThat(rec.provider()).isEqualTo("anthropic");
      assertThat(rec.usage()).isEqualTo(usage);
      assertThat(rec.cost()).isEqualByComparingTo(cost);
    });
    assertThat(ralex.usage().spentToday()).isEqualByComparingTo(cost);
  }

  private void assertNoUsage(Ralex ralex) {
    assertThat(events.of(RalexEvent.UsageRecorded.class)).isEmpty();
    assertThat(records(ralex)).isEmpty();
    assertThat(ralex.usage().spentToday()).isEqualByComparingTo(BigDecimal.ZERO);
  }

  /** The {@code model} field of the first {@code n} requests the server received. */
  private List<String> requestedModels(int n) throws Exception {
    List<String> models = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      RecordedRequest request = server.takeRequest(5, TimeUnit.SECONDS);
      assertThat(request).isNotNull();
      assertThat(request.getHeaders().get("x-api-key")).isEqualTo(ANTHROPIC_KEY);
      models.add(Json.MAPPER.readTree(request.getBody().utf8()).path("model").asText());
    }
    return models;
  }

  /** The header lines of a {@code headers-*.txt} sample, without its status line. */
  private static Headers headers(String text) {
    Headers.Builder b = new Headers.Builder();
    for (String line : text.split("\n")) {
      if (!line.isBlank() && !line.startsWith("HTTP/")) {
        b.add(line);
      }
    }
    return b.build();
  }
}
