package dev.ralex.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ralex.api.AuthenticationException;
import dev.ralex.api.BudgetExceededException;
import dev.ralex.api.ChatRequest;
import dev.ralex.api.ChatResponse;
import dev.ralex.api.ContextTooLongException;
import dev.ralex.api.ErrorDetails;
import dev.ralex.api.ErrorKind;
import dev.ralex.api.Feedback;
import dev.ralex.api.LlmException;
import dev.ralex.api.ModelInfo;
import dev.ralex.api.ModelSelector;
import dev.ralex.api.ProviderUnavailableException;
import dev.ralex.api.RalexEvent;
import dev.ralex.api.RalexListener;
import dev.ralex.api.RateLimitedException;
import dev.ralex.api.RoutingContext;
import dev.ralex.api.Selection;
import dev.ralex.api.UnknownModelException;
import dev.ralex.api.TokenCounter;
import dev.ralex.api.Usage;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class RalexPipelineTest {
  private final ManualClock clock = ManualClock.at("2026-11-25T10:00:00Z");
  private final RecordingSleeper sleeper = new RecordingSleeper(clock);
  private final List<RalexEvent> events = new CopyOnWriteArrayList<>();
  private final RalexListener recorder = new RalexListener() {
    @Override
    public void onEvent(RalexEvent event) {
      events.add(event);
    }
  };

  private Ralex.Builder builder(ScriptedProvider provider) {
    return Ralex.builder()
        .provider(provider)
        .catalog(ModelCatalog.of(List.of(TestModels.SMALL, TestModels.LARGE)))
        .clock(clock)
        .sleeper(sleeper)
        .zone(ZoneOffset.UTC)
        .retryPolicy(RetryPolicy.builder().jitter(() -> 0.5).build())
        .listener(recorder);
  }

  private static ProviderUnavailableException overloaded() {
    return new ProviderUnavailableException("Overloaded", true, ErrorDetails.of("test", 529, "req_1"));
  }

  private List<Class<?>> eventTypes() {
    return events.stream().<Class<?>>map(Object::getClass).toList();
  }

  @Test
  void stagesRunInPipelineOrder() {
    List<String> log = new CopyOnWriteArrayList<>();
    ScriptedProvider provider = new ScriptedProvider("test") {
      @Override
      public ChatResponse chat(ModelInfo model, ChatRequest request) {
        log.add("provider " + model.id());
        return super.chat(model, request);
      }
    };
    ModelSelector selector = new ModelSelector() {
      @Override
      public Selection select(RoutingContext context) {
        log.add("select");
        return Selection.of(context.candidates().get(1), "the large one");
      }

      @Override
      public void feedback(Feedback feedback) {
        log.add("feedback " + (feedback.succeeded() ? "ok" : "error"));
      }
    };
    ContextManager fitter = new ContextManager() {
      @Override
      public Fit fit(ChatRequest request, ModelInfo model, int maxOut, TokenCounter counter) {
        log.add("fit " + model.id());
        return ContextManager.strict().fit(request, model, maxOut, counter);
      }
    };
    UsageTracker inner = UsageTracker.inMemory(List.of(), clock, ZoneOffset.UTC, 10);
    UsageTracker tracker = new UsageTracker() {
      @Override
      public Reservation reserve(ChatRequest request, ModelInfo model, BigDecimal worstCaseCost) {
        log.add("reserve");
        Reservation r = inner.reserve(request, model, worstCaseCost);
        return new Reservation() {
          @Override
          public void commit(UsageRecord record) {
            log.add("record usage");
            r.commit(record);
          }

          @Override
          public void release() {
            log.add("release");
            r.release();
          }
        };
      }

      @Override
      public dev.ralex.api.BudgetSnapshot snapshot(ChatRequest request) {
        return inner.snapshot(request);
      }

      @Override
      public List<UsageRecord> records(java.time.Instant from, java.time.Instant to) {
        return inner.records(from, to);
      }

      @Override
      public BigDecimal spent(java.time.Instant from, java.time.Instant to) {
        return inner.spent(from, to);
      }

      @Override
      public BigDecimal spentToday() {
        return inner.spentToday();
      }
    };
    RateLimiter limiter = (model, tokens) -> {
      log.add("permit");
      return RateLimiter.Permit.NONE;
    };
    RalexListener listener = new RalexListener() {
      @Override
      public void onEvent(RalexEvent event) {
        log.add("event " + event.getClass().getSimpleName());
      }
    };
    try (Ralex ralex = Ralex.builder().provider(provider)
        .catalog(ModelCatalog.of(List.of(TestModels.SMALL, TestModels.LARGE)))
        .selector(selector).contextManager(fitter).usageTracker(tracker).rateLimiter(limiter).listener(listener)
        .clock(clock).build()) {
      ChatResponse response = ralex.chat(ChatRequest.of("hello"));
      assertThat(response.model()).isEqualTo("test/large");
    }
    assertThat(log).containsExactly(
        "event CallStarted", "select", "event ModelSelected", "fit test/large", "reserve", "permit",
        "event AttemptStarted", "provider test/large", "record usage", "event UsageRecorded", "feedback ok", "event CallSucceeded");
  }

  @Test
  void successfulCallReportsModelCostAttemptsAndEvents() {
    ScriptedProvider provider = new ScriptedProvider("test").thenAnswer("hi", Usage.of(1_000, 2_000));
    try (Ralex ralex = builder(provider).build()) {
      ChatResponse response = ralex.chat(ChatRequest.of("hello"));

      assertThat(response.text()).isEqualTo("hi");
      assertThat(response.model()).isEqualTo("test/small");
      assertThat(response.provider()).isEqualTo("test");
      // 1,000 input at $1/M + 2,000 output at $2/M = $0.001 + $0.004
      assertThat(response.cost()).isEqualByComparingTo("0.005");
      assertThat(response.attempts()).isEqualTo(1);
      assertThat(response.modelsTried()).containsExactly("test/small");
      assertThat(response.callId()).isNotEmpty();
      assertThat(ralex.usage().spentToday()).isEqualByComparingTo("0.005");
    }
    assertThat(eventTypes()).containsExactly(RalexEvent.CallStarted.class, RalexEvent.ModelSelected.class,
        RalexEvent.AttemptStarted.class, RalexEvent.UsageRecorded.class, RalexEvent.CallSucceeded.class);
    RalexEvent.ModelSelected selected = (RalexEvent.ModelSelected) events.get(1);
    assertThat(selected.selection().reason()).isEqualTo("the default model");
  }

  @Test
  void requestWithoutMaxOutputGetsDefaultCappedByModel() {
    ScriptedProvider provider = new ScriptedProvider("test");
    try (Ralex ralex = builder(provider).defaultMaxOutputTokens(300).build()) {
      ralex.chat(ChatRequest.of("a"));
      ralex.chat(ChatRequest.builder().addUserMessage("b").maxOutputTokens(9_999).build());
    }
    assertThat(provider.requests.get(0).maxOutputTokens()).hasValue(300);
    // test/small allows at most 500 output tokens
    assertThat(provider.requests.get(1).maxOutputTokens()).hasValue(500);
    assertThat(provider.requests.get(0).model()).hasValue("test/small");
  }

  @Test
  void overloadIsRetriedWithBackoffThenSucceeds() {
    ScriptedProvider provider = new ScriptedProvider("test").thenFail(overloaded()).thenFail(overloaded());
    try (Ralex ralex = builder(provider).build()) {
      ChatResponse response = ralex.chat(ChatRequest.of("hello"));

      assertThat(response.attempts()).isEqualTo(3);
      assertThat(response.modelsTried()).containsExactly("test/small");
      assertThat(ralex.usage().records(clock.instant().minusSeconds(3600), clock.instant().plusSeconds(1)))
          .hasSize(1);
    }
    // Full jitter at 0.5: half of 1 s, then half of 2 s.
    assertThat(sleeper.sleeps).containsExactly(Duration.ofMillis(500), Duration.ofSeconds(1));
    List<RalexEvent.Retrying> retries = events.stream()
        .filter(RalexEvent.Retrying.class::isInstance).map(RalexEvent.Retrying.class::cast).toList();
    assertThat(retries).extracting(RalexEvent.Retrying::nextAttempt).containsExactly(2, 3);
    assertThat(retries.get(0).cause().kind()).isEqualTo(ErrorKind.OVERLOADED);
  }

  @Test
  void retryAfterHintIsHonoured() {
    ScriptedProvider provider = new ScriptedProvider("test").thenFail(
        new RateLimitedException("slow down", Duration.ofSeconds(7), ErrorDetails.of("test", 429, "req_2")));
    try (Ralex ralex = builder(provider).build()) {
      assertThat(ralex.chat(ChatRequest.of("x")).attempts()).isEqualTo(2);
    }
    assertThat(sleeper.sleeps).containsExactly(Duration.ofSeconds(7));
  }

  @Test
  void exhaustedRetriesFallBackToTheNextModel() {
    ScriptedProvider provider = new ScriptedProvider("test")
        .thenFail(overloaded()).thenFail(overloaded()).thenFail(overloaded()).thenFail(overloaded());
    try (Ralex ralex = builder(provider).fallbackModels("test/large").build()) {
      ChatResponse response = ralex.chat(ChatRequest.of("hello"));

      assertThat(response.model()).isEqualTo("test/large");
      assertThat(response.attempts()).isEqualTo(5);
      assertThat(response.modelsTried()).containsExactly("test/small", "test/large");
    }
    assertThat(provider.modelsCalled).containsExactly(
        "test/small", "test/small", "test/small", "test/small", "test/large");
    assertThat(events).filteredOn(RalexEvent.FallingBack.class::isInstance).singleElement()
        .satisfies(e -> {
          RalexEvent.FallingBack f = (RalexEvent.FallingBack) e;
          assertThat(f.from().id()).isEqualTo("test/small");
          assertThat(f.to().id()).isEqualTo("test/large");
        });
  }

  @Test
  void authenticationFailureSurfacesAtOnce() {
    AuthenticationException denied = new AuthenticationException("invalid x-api-key",
        ErrorDetails.of("test", 401, "req_3"));
    ScriptedProvider provider = new ScriptedProvider("test").thenFail(denied);
    try (Ralex ralex = builder(provider).fallbackModels("test/large").build()) {
      assertThatThrownBy(() -> ralex.chat(ChatRequest.of("x"))).isSameAs(denied);
      assertThat(ralex.usage().spentToday()).isZero();
    }
    assertThat(provider.modelsCalled).containsExactly("test/small");
    assertThat(sleeper.sleeps).isEmpty();
    assertThat(events.get(events.size() - 1)).isInstanceOf(RalexEvent.CallFailed.class);
  }

  @Test
  void oversizedRequestFallsBackToLargerWindowBeforeSending() {
    ScriptedProvider provider = new ScriptedProvider("test");
    String longText = "word ".repeat(2_000); // about 2,500 estimated tokens: more than test/small's 1,000
    try (Ralex ralex = builder(provider).fallbackModels("test/large").defaultMaxOutputTokens(100).build()) {
      ChatResponse response = ralex.chat(ChatRequest.of(longText));
      assertThat(response.model()).isEqualTo("test/large");
      assertThat(response.attempts()).isEqualTo(1);
    }
    assertThat(provider.modelsCalled).containsExactly("test/large");
  }

  @Test
  void oversizedRequestWithoutFallbackFailsWithContextTooLong() {
    ScriptedProvider provider = new ScriptedProvider("test");
    try (Ralex ralex = builder(provider).build()) {
      assertThatThrownBy(() -> ralex.chat(ChatRequest.of("word ".repeat(2_000))))
          .isInstanceOf(ContextTooLongException.class)
          .hasMessageContaining("test/small")
          .hasMessageContaining("1000");
    }
    assertThat(provider.requests).isEmpty();
  }

  @Test
  void unknownModelIsRefusedWithTheKnownModels() {
    ScriptedProvider provider = new ScriptedProvider("test");
    try (Ralex ralex = builder(provider).build()) {
      assertThatThrownBy(() -> ralex.chat(ChatRequest.builder().addUserMessage("x").model("test/nope").build()))
          .isInstanceOf(UnknownModelException.class)
          .hasMessageContaining("test/nope")
          .hasMessageContaining("test/small")
          .hasMessageContaining("test/large");
    }
    assertThat(provider.requests).isEmpty();
  }

  @Test
  void requestedModelIsUsed() {
    ScriptedProvider provider = new ScriptedProvider("test");
    try (Ralex ralex = builder(provider).build()) {
      ChatResponse r = ralex.chat(ChatRequest.builder().addUserMessage("x").model("test/large").build());
      assertThat(r.model()).isEqualTo("test/large");
    }
    assertThat(((RalexEvent.ModelSelected) events.get(1)).selection().reason())
        .isEqualTo("the request names test/large");
  }

  @Test
  void budgetRefusesCallWhoseWorstCaseWouldOverflowAndNothingIsSent() {
    ScriptedProvider provider = new ScriptedProvider("test");
    // Worst case on test/small with 500 output tokens: at most 500 * $2/M = $0.001 plus input.
    try (Ralex ralex = builder(provider).dailyBudget(new BigDecimal("0.0005")).build()) {
      assertThatThrownBy(() -> ralex.chat(ChatRequest.of("x")))
          .isInstanceOfSatisfying(BudgetExceededException.class, e -> {
            assertThat(e.budget()).isEqualTo("daily global");
            assertThat(e.limit()).isEqualByComparingTo("0.0005");
            assertThat(e.isRetryable()).isFalse();
          });
    }
    assertThat(provider.requests).isEmpty();
  }

  @Test
  void failFastRateLimitRefusesTheSecondCallOfTheMinute() {
    ScriptedProvider provider = new ScriptedProvider("test");
    try (Ralex ralex = builder(provider)
        .rateLimit(new RateLimit("test", 1, 0, RateLimit.OnLimit.FAIL_FAST, Duration.ZERO)).build()) {
      ralex.chat(ChatRequest.of("one"));
      assertThatThrownBy(() -> ralex.chat(ChatRequest.of("two")))
          .isInstanceOfSatisfying(RateLimitedException.class,
              e -> assertThat(e.retryAfter()).hasValue(Duration.ofMinutes(1)));
      clock.advance(Duration.ofMinutes(1));
      ralex.chat(ChatRequest.of("three"));
    }
    assertThat(provider.requests).hasSize(2);
  }

  @Test
  void waitingRateLimitSleepsUntilThePermitIsFree() {
    ScriptedProvider provider = new ScriptedProvider("test");
    try (Ralex ralex = builder(provider).rateLimit(RateLimit.of("test/small", 2, 0)).build()) {
      ralex.chat(ChatRequest.of("one"));
      ralex.chat(ChatRequest.of("two"));
      ralex.chat(ChatRequest.of("three"));
    }
    // Two per minute: the third waits for half a minute's refill.
    assertThat(sleeper.sleeps).containsExactly(Duration.ofSeconds(30));
    assertThat(provider.requests).hasSize(3);
  }

  @Test
  void asyncCallRunsTheSamePipeline() throws Exception {
    ScriptedProvider provider = new ScriptedProvider("test").thenFail(overloaded());
    try (Ralex ralex = builder(provider).build()) {
      ChatResponse response = ralex.chatAsync(ChatRequest.of("hello")).get();
      assertThat(response.attempts()).isEqualTo(2);
      assertThat(response.text()).isEqualTo("echo: hello");
    }
    assertThat(eventTypes()).contains(RalexEvent.Retrying.class, RalexEvent.CallSucceeded.class);
  }

  @Test
  void asyncFailureCompletesTheFutureWithTheLlmException() {
    AuthenticationException denied = new AuthenticationException("no", ErrorDetails.of("test", 401, null));
    ScriptedProvider provider = new ScriptedProvider("test").thenFail(denied);
    try (Ralex ralex = builder(provider).build()) {
      assertThat(ralex.chatAsync(ChatRequest.of("x"))).failsWithin(Duration.ofSeconds(10))
          .withThrowableOfType(java.util.concurrent.ExecutionException.class)
          .withCause(denied);
    }
  }

  @Test
  void aThrowingListenerDoesNotFailTheCall() {
    ScriptedProvider provider = new ScriptedProvider("test");
    RalexListener broken = new RalexListener() {
      @Override
      public void onEvent(RalexEvent event) {
        throw new IllegalStateException("listener bug");
      }
    };
    try (Ralex ralex = builder(provider).listener(broken).build()) {
      assertThat(ralex.chat(ChatRequest.of("x")).text()).isEqualTo("echo: x");
    }
    assertThat(eventTypes()).contains(RalexEvent.CallSucceeded.class);
  }

  @Test
  void selectorChoosingANonCandidateIsAConfigurationError() {
    ModelInfo stranger = TestModels.model("other/m", 1000, 100, "1", "1", dev.ralex.api.ModelTier.CHEAP);
    ScriptedProvider provider = new ScriptedProvider("test");
    try (Ralex ralex = builder(provider).selector(c -> Selection.of(stranger, "bad")).build()) {
      assertThatThrownBy(() -> ralex.chat(ChatRequest.of("x")))
          .isInstanceOf(dev.ralex.api.ConfigurationException.class)
          .hasMessageContaining("other/m");
    }
    assertThat(provider.requests).isEmpty();
  }

  @Test
  void unexpectedProviderExceptionBecomesAnLlmException() {
    ScriptedProvider provider = new ScriptedProvider("test") {
      @Override
      public ChatResponse chat(ModelInfo model, ChatRequest request) {
        throw new IllegalStateException("provider bug");
      }
    };
    try (Ralex ralex = builder(provider).build()) {
      assertThatThrownBy(() -> ralex.chat(ChatRequest.of("x")))
          .isInstanceOf(LlmException.class)
          .hasMessageContaining("provider bug")
          .hasCauseInstanceOf(IllegalStateException.class);
    }
  }

  @Test
  void closeClosesProvidersAndRefusesFurtherCalls() {
    ScriptedProvider provider = new ScriptedProvider("test");
    Ralex ralex = builder(provider).build();
    ralex.close();
    ralex.close();
    assertThat(provider.closed).isTrue();
    assertThatThrownBy(() -> ralex.chat(ChatRequest.of("x"))).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void samplingParametersOnAModelThatRejectsThemFailBeforeSending() {
    ModelInfo noSampling = TestModels.LARGE.toBuilder().capabilities(java.util.List.of(
        dev.ralex.api.Capability.TOOLS)).build();
    ModelInfo withSampling = TestModels.SMALL.toBuilder().capabilities(
        dev.ralex.api.Capability.SAMPLING_PARAMETERS).build();
    ScriptedProvider provider = new ScriptedProvider("test");
    try (Ralex ralex = Ralex.builder().provider(provider)
        .catalog(ModelCatalog.of(List.of(noSampling, withSampling))).clock(clock).sleeper(sleeper).build()) {
      assertThatThrownBy(() -> ralex.chat(
          ChatRequest.builder().addUserMessage("x").model("test/large").temperature(0.2).build()))
          .isInstanceOf(dev.ralex.api.InvalidRequestException.class)
          .hasMessageContaining("test/large")
          .hasMessageContaining("SAMPLING_PARAMETERS");
      // Without a named model the selector only sees models that accept the parameters.
      ChatResponse r = ralex.chat(ChatRequest.builder().addUserMessage("x").temperature(0.2).build());
      assertThat(r.model()).isEqualTo("test/small");
    }
    assertThat(provider.modelsCalled).containsExactly("test/small");
  }
}
