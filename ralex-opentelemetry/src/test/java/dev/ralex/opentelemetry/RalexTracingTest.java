package dev.ralex.opentelemetry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ralex.api.BudgetExceededException;
import dev.ralex.api.ChatRequest;
import dev.ralex.api.ChatResponse;
import dev.ralex.api.ContentBlock;
import dev.ralex.api.ErrorDetails;
import dev.ralex.api.ProviderUnavailableException;
import dev.ralex.api.RalexEvent;
import dev.ralex.api.Selection;
import dev.ralex.api.Usage;
import dev.ralex.core.testing.Concurrently;
import dev.ralex.core.testing.InMemoryProvider;
import dev.ralex.core.Budget;
import dev.ralex.core.ModelCatalog;
import dev.ralex.core.Ralex;
import dev.ralex.core.RetryPolicy;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.testing.junit5.OpenTelemetryExtension;
import io.opentelemetry.sdk.trace.data.EventData;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class RalexTracingTest {
  private static final String SECRET_PROMPT = "the secret launch date is in this prompt";

  @RegisterExtension
  static final OpenTelemetryExtension OTEL = OpenTelemetryExtension.create();

  private final InMemoryProvider provider = new InMemoryProvider();

  private Ralex.Builder ralex(RalexTracing tracing) {
    return Ralex.builder()
        .provider(provider)
        .catalog(ModelCatalog.of(List.of(InMemoryProvider.SMALL, InMemoryProvider.LARGE)))
        .defaultModel(InMemoryProvider.SMALL.id())
        .zone(ZoneOffset.UTC)
        .sleeper(duration -> {}) // retries wait for nothing
        .listener(tracing);
  }

  private static RalexTracing tracing() {
    return RalexTracing.of(OTEL.getOpenTelemetry());
  }

  private static ProviderUnavailableException unavailable() {
    return new ProviderUnavailableException("Service unavailable", false, ErrorDetails.of("test", 503, "req_1"));
  }

  private static List<SpanData> callSpans() {
    return OTEL.getSpans().stream().filter(s -> s.getKind() == SpanKind.CLIENT).toList();
  }

  private static SpanData callSpan() {
    assertThat(callSpans()).hasSize(1);
    return callSpans().get(0);
  }

  private static List<SpanData> attemptSpans() {
    return OTEL.getSpans().stream().filter(s -> s.getName().startsWith("attempt "))
        .sorted((a, b) -> Long.compare(a.getAttributes().get(RalexTracing.ATTEMPT),
            b.getAttributes().get(RalexTracing.ATTEMPT)))
        .toList();
  }

  private static <T> T attr(SpanData span, AttributeKey<T> key) {
    return span.getAttributes().get(key);
  }

  @Test
  void aCacheHitIsAnEventOnItsCallSpan() {
    try (Ralex ralex = ralex(tracing())
        .responseCache(dev.ralex.core.InMemoryResponseCache.create(10), Duration.ofMinutes(5)).build()) {
      ralex.chat(ChatRequest.of("hello"));
      ralex.chat(ChatRequest.of("hello"));
    }
    List<SpanData> calls = callSpans();
    assertThat(calls).hasSize(2);
    assertThat(calls).filteredOn(s -> s.getEvents().stream().anyMatch(e -> e.getName().equals("ralex.cache_hit")))
        .hasSize(1);
  }

  @Test
  void aStreamsFirstChunkIsAnEventOnTheCallSpan() throws Exception {
    try (Ralex ralex = ralex(tracing()).build()) {
      ralex.stream(ChatRequest.of("hello"), new dev.ralex.api.StreamHandler() {
        @Override
        public void onComplete(dev.ralex.api.ChatResponse response) {}

        @Override
        public void onError(dev.ralex.api.LlmException error) {}
      }).completion().get(10, TimeUnit.SECONDS);
    }
    SpanData call = callSpan();
    assertThat(call.getEvents()).extracting(EventData::getName).containsExactly("ralex.first_chunk");
    EventData first = call.getEvents().get(0);
    assertThat(first.getAttributes().get(io.opentelemetry.api.common.AttributeKey.stringKey("gen_ai.request.model")))
        .isEqualTo("test/small");
    assertThat(first.getAttributes().get(io.opentelemetry.api.common.AttributeKey.longKey("ralex.since_call_ms")))
        .isNotNull().isGreaterThanOrEqualTo(0L);
  }

  @Test
  void aSuccessfulCallIsAClientSpanUnderTheCallersSpanWithAnAttemptChild() {
    Span outer = OTEL.getOpenTelemetry().getTracer("test").spanBuilder("handle request").startSpan();
    ChatResponse answer;
    Scope scope = outer.makeCurrent();
    try (Ralex ralex = ralex(tracing()).build()) {
      answer = ralex.chat(ChatRequest.builder().addUserMessage(SECRET_PROMPT).maxOutputTokens(200)
          .temperature(0.5).conversationId("conv-7").build());
    } finally {
      scope.close();
      outer.end();
    }

    SpanData call = callSpan();
    assertThat(call.getName()).isEqualTo("chat test/small");
    assertThat(call.getKind()).isEqualTo(SpanKind.CLIENT);
    assertThat(call.getParentSpanId()).as("child of the caller's span").isEqualTo(outer.getSpanContext().getSpanId());
    assertThat(call.getTraceId()).isEqualTo(outer.getSpanContext().getTraceId());
    assertThat(call.getInstrumentationScopeInfo().getName()).isEqualTo(RalexTracing.INSTRUMENTATION_SCOPE);
    assertThat(attr(call, RalexTracing.OPERATION_NAME)).isEqualTo("chat");
    assertThat(attr(call, RalexTracing.PROVIDER)).isEqualTo("test");
    assertThat(attr(call, RalexTracing.REQUEST_MODEL)).isEqualTo("test/small");
    assertThat(attr(call, RalexTracing.REQUEST_STREAM)).isFalse();
    assertThat(attr(call, RalexTracing.REQUEST_MAX_TOKENS)).isEqualTo(200);
    assertThat(attr(call, RalexTracing.REQUEST_TEMPERATURE)).isEqualTo(0.5);
    assertThat(attr(call, RalexTracing.CONVERSATION_ID)).isEqualTo("conv-7");
    assertThat(attr(call, RalexTracing.RESPONSE_MODEL)).isEqualTo("test/small");
    assertThat(attr(call, RalexTracing.RESPONSE_ID)).isEqualTo("msg_1");
    assertThat(attr(call, RalexTracing.FINISH_REASONS)).containsExactly("end_turn");
    assertThat(attr(call, RalexTracing.INPUT_TOKENS)).as("cache reads included").isEqualTo(100);
    assertThat(attr(call, RalexTracing.OUTPUT_TOKENS)).isEqualTo(20);
    assertThat(attr(call, RalexTracing.CACHE_READ_TOKENS)).isEqualTo(60);
    assertThat(attr(call, RalexTracing.CACHE_CREATION_TOKENS)).isZero();
    assertThat(attr(call, RalexTracing.COST)).as("exact").isEqualTo(answer.cost().toPlainString())
        .isEqualTo("0.00008");
    assertThat(attr(call, RalexTracing.SELECTION_REASON)).isNotBlank();
    assertThat(attr(call, RalexTracing.CALL_ID)).isEqualTo(answer.callId());
    assertThat(attr(call, RalexTracing.ATTEMPTS)).isEqualTo(1);
    assertThat(attr(call, RalexTracing.ERROR_TYPE)).isNull();
    assertThat(call.getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);
    assertThat(call.hasEnded()).isTrue();
    assertThat(call.getEndEpochNanos() - call.getStartEpochNanos()).isEqualTo(answer.latency().toNanos());

    List<SpanData> attempts = attemptSpans();
    assertThat(attempts).hasSize(1);
    SpanData attempt = attempts.get(0);
    assertThat(attempt.getName()).isEqualTo("attempt test/small");
    assertThat(attempt.getKind()).isEqualTo(SpanKind.INTERNAL);
    assertThat(attempt.getParentSpanId()).isEqualTo(call.getSpanId());
    assertThat(attr(attempt, RalexTracing.ATTEMPT)).isEqualTo(1);
    assertThat(attr(attempt, RalexTracing.REQUEST_MODEL)).isEqualTo("test/small");
    assertThat(attr(attempt, RalexTracing.INPUT_TOKENS)).isEqualTo(100);
    assertThat(attr(attempt, RalexTracing.COST)).isEqualTo("0.00008");
    assertThat(attempt.getStartEpochNanos()).isBetween(call.getStartEpochNanos(), call.getEndEpochNanos());
    assertThat(attempt.getEndEpochNanos()).isBetween(attempt.getStartEpochNanos(), call.getEndEpochNanos());
  }

  @Test
  void aRetriedAttemptIsAFailedAttemptSpanAndARetryEvent() {
    provider.thenFail(InMemoryProvider.SMALL, unavailable());
    try (Ralex ralex = ralex(tracing()).retryPolicy(RetryPolicy.builder().maxRetries(1).build()).build()) {
      assertThat(ralex.chat(ChatRequest.of("hi")).attempts()).isEqualTo(2);
    }

    SpanData call = callSpan();
    assertThat(call.getParentSpanContext().isValid()).as("no span was current: a root").isFalse();
    assertThat(attr(call, RalexTracing.ATTEMPTS)).isEqualTo(2);
    assertThat(call.getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);
    List<SpanData> attempts = attemptSpans();
    assertThat(attempts).hasSize(2).allSatisfy(a -> assertThat(a.getParentSpanId()).isEqualTo(call.getSpanId()));
    assertThat(attempts.get(0).getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
    assertThat(attr(attempts.get(0), RalexTracing.ERROR_TYPE)).isEqualTo("UNAVAILABLE");
    assertThat(attr(attempts.get(0), RalexTracing.INPUT_TOKENS)).as("not billed").isNull();
    assertThat(attempts.get(1).getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);
    assertThat(attr(attempts.get(1), RalexTracing.ATTEMPT)).isEqualTo(2);
    assertThat(attr(attempts.get(1), RalexTracing.OUTPUT_TOKENS)).isEqualTo(20);

    assertThat(call.getEvents()).hasSize(1);
    EventData retry = call.getEvents().get(0);
    assertThat(retry.getName()).isEqualTo("ralex.retry");
    assertThat(retry.getAttributes().get(RalexTracing.ATTEMPT)).isEqualTo(2);
    assertThat(retry.getAttributes().get(RalexTracing.ERROR_TYPE)).isEqualTo("UNAVAILABLE");
    assertThat(retry.getAttributes().get(RalexTracing.REQUEST_MODEL)).isEqualTo("test/small");
  }

  @Test
  void aFallbackKeepsTheRequestedModelAndNamesTheAnsweringOne() {
    provider.thenFail(InMemoryProvider.SMALL, unavailable());
    try (Ralex ralex = ralex(tracing()).retryPolicy(RetryPolicy.none())
        .fallbackModels(InMemoryProvider.LARGE.id()).build()) {
      assertThat(ralex.chat(ChatRequest.of("hi")).model()).isEqualTo("test/large");
    }

    SpanData call = callSpan();
    assertThat(call.getName()).isEqualTo("chat test/small");
    assertThat(attr(call, RalexTracing.REQUEST_MODEL)).isEqualTo("test/small");
    assertThat(attr(call, RalexTracing.RESPONSE_MODEL)).isEqualTo("test/large");
    assertThat(attr(call, RalexTracing.FALLBACK_MODELS)).containsExactly("test/large");
    assertThat(call.getEvents()).extracting(EventData::getName).containsExactly("ralex.fallback");
    EventData fallback = call.getEvents().get(0);
    assertThat(fallback.getAttributes().get(RalexTracing.FROM)).isEqualTo("test/small");
    assertThat(fallback.getAttributes().get(RalexTracing.TO)).isEqualTo("test/large");
    assertThat(fallback.getAttributes().get(RalexTracing.ERROR_TYPE)).isEqualTo("UNAVAILABLE");
    assertThat(attemptSpans()).extracting(SpanData::getName).containsExactly("attempt test/small",
        "attempt test/large");
  }

  @Test
  void aFailedCallEndsWithErrorStatusItsErrorTypeAndTheMessage() {
    provider.thenFail(InMemoryProvider.SMALL, unavailable());
    try (Ralex ralex = ralex(tracing()).retryPolicy(RetryPolicy.none()).build()) {
      assertThatThrownBy(() -> ralex.chat(ChatRequest.of(SECRET_PROMPT)))
          .isInstanceOf(ProviderUnavailableException.class);
    }

    SpanData call = callSpan();
    assertThat(call.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
    assertThat(call.getStatus().getDescription()).contains("Service unavailable");
    assertThat(attr(call, RalexTracing.ERROR_TYPE)).isEqualTo("UNAVAILABLE");
    assertThat(attr(call, RalexTracing.RESPONSE_MODEL)).isNull();
    assertThat(call.getEvents()).extracting(EventData::getName).containsExactly("exception");
    EventData exception = call.getEvents().get(0);
    assertThat(exception.getAttributes().get(RalexTracing.EXCEPTION_TYPE))
        .isEqualTo(ProviderUnavailableException.class.getName());
    assertThat(exception.getAttributes().get(RalexTracing.EXCEPTION_MESSAGE)).contains("Service unavailable");
    assertThat(exception.getAttributes().get(AttributeKey.stringKey("exception.stacktrace"))).isNull();
    assertThat(attemptSpans()).singleElement().satisfies(a -> {
      assertThat(a.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
      assertThat(attr(a, RalexTracing.ERROR_TYPE)).isEqualTo("UNAVAILABLE");
    });
    assertNoPromptText();
  }

  @Test
  void aBudgetRefusalIsAnErrorSpanWithoutAttempts() {
    try (Ralex ralex = ralex(tracing()).budget(Budget.daily(BigDecimal.ZERO)).build()) {
      assertThatThrownBy(() -> ralex.chat(ChatRequest.of("hi"))).isInstanceOf(BudgetExceededException.class);
    }

    SpanData call = callSpan();
    assertThat(call.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
    assertThat(attr(call, RalexTracing.ERROR_TYPE)).isEqualTo("BUDGET_EXCEEDED");
    assertThat(attr(call, RalexTracing.REQUEST_MODEL)).isEqualTo("test/small");
    assertThat(attr(call, RalexTracing.INPUT_TOKENS)).isNull();
    assertThat(attemptSpans()).isEmpty();
  }

  @Test
  void contentIsNotRecordedByDefault() {
    try (Ralex ralex = ralex(tracing()).build()) {
      ralex.chat(ChatRequest.builder().system("You are terse.").addUserMessage(SECRET_PROMPT).build());
    }

    SpanData call = callSpan();
    assertThat(attr(call, RalexTracing.INPUT_MESSAGES)).isNull();
    assertThat(attr(call, RalexTracing.OUTPUT_MESSAGES)).isNull();
    assertThat(attr(call, RalexTracing.SYSTEM_INSTRUCTIONS)).isNull();
    assertNoPromptText();
  }

  @Test
  void contentIsRecordedWhenOptedIn() {
    RalexTracing tracing = RalexTracing.builder(OTEL.getOpenTelemetry()).recordContent(true).build();
    try (Ralex ralex = ralex(tracing).build()) {
      ralex.chat(ChatRequest.builder().system("You are \"terse\".").addUserMessage(SECRET_PROMPT + "\n?").build());
    }

    SpanData call = callSpan();
    assertThat(attr(call, RalexTracing.INPUT_MESSAGES)).isEqualTo(
        "[{\"role\":\"user\",\"parts\":[{\"type\":\"text\",\"content\":\"" + SECRET_PROMPT + "\\n?\"}]}]");
    assertThat(attr(call, RalexTracing.SYSTEM_INSTRUCTIONS))
        .isEqualTo("[{\"type\":\"text\",\"content\":\"You are \\\"terse\\\".\"}]");
    assertThat(attr(call, RalexTracing.OUTPUT_MESSAGES)).isEqualTo(
        "[{\"role\":\"assistant\",\"parts\":[{\"type\":\"text\",\"content\":\"ok\"}],\"finish_reason\":\"end_turn\"}]");
    assertThat(tracing).hasToString("RalexTracing[SdkTracer, recordContent]");
  }

  @Test
  void theRarerEventsBecomeEventsOnTheCallSpan() {
    RalexTracing tracing = tracing();
    Instant t0 = Instant.parse("2026-11-26T05:00:00Z");
    tracing.onCallStarted(new RalexEvent.CallStarted("c1", ChatRequest.of(SECRET_PROMPT), true, t0));
    tracing.onModelSelected(new RalexEvent.ModelSelected("c1", Selection.of(InMemoryProvider.SMALL, "rules")));
    tracing.onRateLimitWaited(new RalexEvent.RateLimitWaited("c1", InMemoryProvider.SMALL, Duration.ofMillis(250)));
    tracing.onContextCompressed(new RalexEvent.ContextCompressed("c1", InMemoryProvider.SMALL, "dropOldest", 4, 0,
        0, 9_000, 6_500));
    tracing.onEscalating(new RalexEvent.Escalating("c1", InMemoryProvider.SMALL, InMemoryProvider.LARGE,
        "the validator said: " + SECRET_PROMPT));
    tracing.onCircuitStateChanged(new RalexEvent.CircuitStateChanged("c1", "test/small",
        RalexEvent.CircuitStateChanged.State.CLOSED, RalexEvent.CircuitStateChanged.State.OPEN,
        t0.plusSeconds(2)));
    BigDecimal one = BigDecimal.ONE;
    tracing.onBudgetAlert(new RalexEvent.BudgetAlert("c1", "daily global", BigDecimal.TEN, new BigDecimal("8.5"),
        new BigDecimal("0.8"), t0));
    tracing.onAttemptStarted(new RalexEvent.AttemptStarted("c1", InMemoryProvider.SMALL, 1, t0.plusSeconds(1)));
    tracing.onUsageRecorded(new RalexEvent.UsageRecorded("c1", InMemoryProvider.SMALL, new Usage(10, 5, 0, 30),
        new BigDecimal("0.000020"), t0.plusSeconds(3)));
    tracing.onCallSucceeded(new RalexEvent.CallSucceeded("c1", ChatResponse.builder().id("msg_9")
        .content(List.of(ContentBlock.text("done"))).model("test/small").provider("test")
        .usage(new Usage(10, 5, 0, 30)).latency(Duration.ofSeconds(4)).cost(one).build()));

    SpanData call = callSpan();
    assertThat(call.getName()).isEqualTo("chat test/small");
    assertThat(attr(call, RalexTracing.REQUEST_STREAM)).isTrue();
    assertThat(call.getEvents()).extracting(EventData::getName).containsExactly("ralex.rate_limit.wait",
        "ralex.context.compressed", "ralex.escalation", "ralex.circuit.state_changed", "ralex.budget.alert");
    assertThat(call.getEvents().get(0).getAttributes().get(AttributeKey.longKey("ralex.wait_ms"))).isEqualTo(250);
    assertThat(call.getEvents().get(1).getAttributes().get(AttributeKey.longKey("ralex.compression.tokens_after")))
        .isEqualTo(6_500);
    assertThat(call.getEvents().get(2).getAttributes().get(AttributeKey.stringKey("ralex.escalation.reason")))
        .as("the validator's reason is content").isNull();
    assertThat(call.getEvents().get(3).getEpochNanos()).isEqualTo(toNanos(t0.plusSeconds(2)));
    assertThat(call.getEvents().get(3).getAttributes().get(RalexTracing.TO)).isEqualTo("OPEN");
    assertThat(call.getEvents().get(4).getAttributes().get(AttributeKey.stringKey("ralex.budget.spent")))
        .isEqualTo("8.5");
    // Spans are timed by the events' instants, not by when the listener ran.
    assertThat(call.getStartEpochNanos()).isEqualTo(toNanos(t0));
    assertThat(call.getEndEpochNanos()).isEqualTo(toNanos(t0.plusSeconds(4)));
    SpanData attempt = attemptSpans().get(0);
    assertThat(attempt.getStartEpochNanos()).isEqualTo(toNanos(t0.plusSeconds(1)));
    assertThat(attempt.getEndEpochNanos()).isEqualTo(toNanos(t0.plusSeconds(3)));
    assertThat(attr(attempt, RalexTracing.INPUT_TOKENS)).as("cache writes included").isEqualTo(40);
    assertThat(attr(call, RalexTracing.COST)).as("the billed attempts' exact sum").isEqualTo("0.000020");
    assertThat(attr(call, RalexTracing.RESPONSE_ID)).isEqualTo("msg_9");
    assertNoPromptText();
  }

  @Test
  void eightThreadsOfAHundredCallsMakeEightHundredCallSpansAndLeaveNoState() throws Exception {
    RalexTracing tracing = tracing();
    int threads = 8;
    int perThread = 100;
    try (Ralex ralex = ralex(tracing).build()) {
      Concurrently.run(threads, thread -> {
        for (int i = 0; i < perThread; i++) {
          ralex.chat(ChatRequest.of("hi"));
        }
      });
    }

    List<SpanData> calls = callSpans();
    assertThat(calls).hasSize(threads * perThread);
    assertThat(calls.stream().map(s -> attr(s, RalexTracing.CALL_ID)).distinct()).hasSize(threads * perThread);
    assertThat(calls.stream().map(SpanData::getTraceId).distinct()).hasSize(threads * perThread);
    assertThat(attemptSpans()).hasSize(threads * perThread);
    assertThat(tracing.callsInFlight()).isZero();
  }

  @Test
  void lostEndEventsCannotGrowTheStateBeyondItsBound() {
    RalexTracing tracing = RalexTracing.builder(OTEL.getOpenTelemetry()).maxTrackedCalls(10).build();
    for (int i = 0; i < 25; i++) {
      tracing.onCallStarted(new RalexEvent.CallStarted("c" + i, ChatRequest.of("hi"), false, Instant.now()));
      tracing.onAttemptStarted(new RalexEvent.AttemptStarted("c" + i, InMemoryProvider.SMALL, 1, Instant.now()));
    }

    assertThat(tracing.callsInFlight()).isLessThanOrEqualTo(10);
    List<SpanData> dropped = callSpans();
    assertThat(dropped).hasSize(25 - tracing.callsInFlight())
        .allSatisfy(s -> assertThat(attr(s, RalexTracing.INCOMPLETE)).isTrue());
    assertThat(dropped).extracting(s -> attr(s, RalexTracing.CALL_ID)).as("the oldest first").startsWith("c0", "c1");
    assertThat(attemptSpans()).hasSize(dropped.size());
    assertThatThrownBy(() -> RalexTracing.builder(OTEL.getOpenTelemetry()).maxTrackedCalls(0))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aTracerThatThrowsNeverFailsTheCall() {
    Tracer broken = name -> {
      throw new IllegalStateException("tracer is broken");
    };
    RalexTracing tracing = RalexTracing.of(broken);
    provider.thenFail(InMemoryProvider.SMALL, unavailable());
    try (Ralex ralex = ralex(tracing).build()) {
      ChatResponse answer = ralex.chat(ChatRequest.of("hi"));
      assertThat(answer.text()).isEqualTo("ok");
      assertThat(answer.attempts()).isEqualTo(2);
    }
    assertThat(tracing.callsInFlight()).isZero();

    // Called directly, outside Ralex's own guard, no handler throws either.
    assertThatCode(() -> {
      tracing.onCallStarted(new RalexEvent.CallStarted("c9", ChatRequest.of("hi"), false, Instant.EPOCH));
      tracing.onModelSelected(new RalexEvent.ModelSelected("c9", Selection.of(InMemoryProvider.SMALL, "test")));
      tracing.onAttemptStarted(new RalexEvent.AttemptStarted("c9", InMemoryProvider.SMALL, 1, Instant.EPOCH));
      tracing.onCallFailed(new RalexEvent.CallFailed("c9", unavailable(), Duration.ZERO));
    }).doesNotThrowAnyException();
  }

  @Test
  void aTracerThatFailsOnlyForAttemptsStillEndsTheCallSpan() {
    Tracer real = OTEL.getOpenTelemetry().getTracer("test");
    Tracer attemptsBroken = name -> {
      if (name.startsWith("attempt ")) {
        throw new IllegalStateException("tracer is broken");
      }
      return real.spanBuilder(name);
    };
    RalexTracing tracing = RalexTracing.of(attemptsBroken);
    try (Ralex ralex = ralex(tracing).build()) {
      assertThat(ralex.chat(ChatRequest.of("hi")).text()).isEqualTo("ok");
    }

    assertThat(callSpan().hasEnded()).isTrue();
    assertThat(attr(callSpan(), RalexTracing.OUTPUT_TOKENS)).isEqualTo(20);
    assertThat(tracing.callsInFlight()).isZero();
  }

  /** No span, attribute or event of any span holds the prompt's text. */
  private static void assertNoPromptText() {
    for (SpanData span : OTEL.getSpans()) {
      assertThat(span.getName()).doesNotContain("secret");
      assertThat(span.getAttributes().asMap().values()).noneMatch(v -> String.valueOf(v).contains("secret"));
      for (EventData event : span.getEvents()) {
        assertThat(event.getAttributes().asMap().values()).noneMatch(v -> String.valueOf(v).contains("secret"));
      }
    }
  }

  private static long toNanos(Instant instant) {
    return TimeUnit.SECONDS.toNanos(instant.getEpochSecond()) + instant.getNano();
  }
}
