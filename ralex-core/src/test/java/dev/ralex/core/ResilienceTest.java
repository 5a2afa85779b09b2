package dev.ralex.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ralex.api.AuthenticationException;
import dev.ralex.api.ChatRequest;
import dev.ralex.api.ChatResponse;
import dev.ralex.api.CircuitOpenException;
import dev.ralex.api.ErrorDetails;
import dev.ralex.api.ErrorKind;
import dev.ralex.api.InvalidRequestException;
import dev.ralex.api.ProviderUnavailableException;
import dev.ralex.api.RalexEvent;
import dev.ralex.api.RalexListener;
import dev.ralex.api.RateLimitedException;
import dev.ralex.api.ResponseRejectedException;
import dev.ralex.api.Usage;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** Circuit breaking, escalation, waits and rate-limit learning through the whole pipeline. */
class ResilienceTest {
  private final ManualClock clock = ManualClock.at("2026-11-25T10:00:00Z");
  private final RecordingSleeper sleeper = new RecordingSleeper(clock);
  private final List<RalexEvent> events = new CopyOnWriteArrayList<>();
  private final RalexListener recorder = new RalexListener() {
    @Override
    public void onEvent(RalexEvent event) {
      events.add(event);
    }
  };
  private static final CircuitBreakerPolicy TRIP_AFTER_4 = CircuitBreakerPolicy.builder()
      .slidingWindowSize(4).minimumCalls(4).failureRateThreshold(50).waitInOpenState(Duration.ofSeconds(30))
      .probeCalls(1).build();

  private Ralex.Builder builder(ScriptedProvider provider) {
    return Ralex.builder()
        .provider(provider)
        .catalog(ModelCatalog.of(List.of(TestModels.SMALL, TestModels.LARGE)))
        .defaultModel("test/small")
        .clock(clock)
        .sleeper(sleeper)
        .zone(ZoneOffset.UTC)
        .retryPolicy(RetryPolicy.builder().jitter(() -> 0.5).build())
        .listener(recorder);
  }

  private static ProviderUnavailableException serverError() {
    return new ProviderUnavailableException("Internal server error", false, ErrorDetails.of("test", 500, "req_1"));
  }

  private <T extends RalexEvent> List<T> eventsOf(Class<T> type) {
    return events.stream().filter(type::isInstance).map(type::cast).toList();
  }

  @Test
  void anOpenCircuitFailsFastWithoutReachingTheProviderThenProbesAfterTheWait() {
    ScriptedProvider provider = new ScriptedProvider("test");
    for (int i = 0; i < 4; i++) {
      provider.thenFail(serverError());
    }
    try (Ralex ralex = builder(provider).retryPolicy(RetryPolicy.none()).circuitBreaker(TRIP_AFTER_4).build()) {
      for (int i = 0; i < 4; i++) {
        assertThatThrownBy(() -> ralex.chat(ChatRequest.of("hi"))).isInstanceOf(ProviderUnavailableException.class);
      }
      assertThat(provider.requests).hasSize(4);
      assertThatThrownBy(() -> ralex.chat(ChatRequest.of("hi")))
          .isInstanceOfSatisfying(CircuitOpenException.class, e -> {
            assertThat(e.kind()).isEqualTo(ErrorKind.CIRCUIT_OPEN);
            assertThat(e.isRetryable()).isFalse();
            assertThat(e.model()).isEqualTo("test/small");
            assertThat(e.retryAfter()).hasValue(Duration.ofSeconds(30));
          });
      assertThat(provider.requests).as("an open circuit sends nothing").hasSize(4);
      assertThat(eventsOf(RalexEvent.CircuitStateChanged.class)).singleElement().satisfies(e -> {
        assertThat(e.model()).isEqualTo("test/small");
        assertThat(e.from()).isEqualTo(RalexEvent.CircuitStateChanged.State.CLOSED);
        assertThat(e.to()).isEqualTo(RalexEvent.CircuitStateChanged.State.OPEN);
        assertThat(e.callId()).isNotEmpty();
      });
      assertThat(eventsOf(RalexEvent.UsageRecorded.class)).as("nothing billed").isEmpty();

      clock.advance(Duration.ofSeconds(31));
      ChatResponse probe = ralex.chat(ChatRequest.of("hi"));
      assertThat(probe.attempts()).isEqualTo(1);
      assertThat(provider.requests).hasSize(5);
      assertThat(eventsOf(RalexEvent.CircuitStateChanged.class)).extracting(RalexEvent.CircuitStateChanged::to)
          .containsExactly(RalexEvent.CircuitStateChanged.State.OPEN, RalexEvent.CircuitStateChanged.State.HALF_OPEN,
              RalexEvent.CircuitStateChanged.State.CLOSED);
    }
  }

  @Test
  void anOpenCircuitSendsTheCallToTheFallbackModel() {
    ScriptedProvider provider = new ScriptedProvider("test");
    for (int i = 0; i < 4; i++) {
      provider.thenFail(serverError()).thenAnswer("from large", Usage.of(10, 5));
    }
    try (Ralex ralex = builder(provider).retryPolicy(RetryPolicy.none()).circuitBreaker(TRIP_AFTER_4)
        .fallbackModels("test/large").build()) {
      for (int i = 0; i < 4; i++) {
        assertThat(ralex.chat(ChatRequest.of("hi")).model()).isEqualTo("test/large");
      }
      int sent = provider.requests.size();
      ChatResponse response = ralex.chat(ChatRequest.of("hi"));
      assertThat(response.model()).isEqualTo("test/large");
      assertThat(response.modelsTried()).containsExactly("test/large");
      assertThat(response.attempts()).as("the refused attempt never reached a provider").isEqualTo(1);
      assertThat(provider.requests).hasSize(sent + 1);
      assertThat(provider.modelsCalled.get(sent)).isEqualTo("test/large");
      assertThat(eventsOf(RalexEvent.FallingBack.class)).last()
          .satisfies(e -> assertThat(e.cause()).isInstanceOf(CircuitOpenException.class));
    }
  }

  @Test
  void requestErrorsDoNotCountAgainstTheCircuit() {
    ScriptedProvider provider = new ScriptedProvider("test");
    for (int i = 0; i < 6; i++) {
      provider.thenFail(new InvalidRequestException("bad", ErrorDetails.of("test", 400, "req")));
    }
    try (Ralex ralex = builder(provider).retryPolicy(RetryPolicy.none()).circuitBreaker(TRIP_AFTER_4).build()) {
      for (int i = 0; i < 6; i++) {
        assertThatThrownBy(() -> ralex.chat(ChatRequest.of("hi"))).isInstanceOf(InvalidRequestException.class);
      }
      assertThat(ralex.chat(ChatRequest.of("hi")).text()).startsWith("echo");
      assertThat(eventsOf(RalexEvent.CircuitStateChanged.class)).isEmpty();
    }
  }

  @Test
  void retriesAndFallbacksAllCountAsAttemptsOfTheirModelsCircuit() {
    ScriptedProvider provider = new ScriptedProvider("test");
    for (int i = 0; i < 4; i++) {
      provider.thenFail(serverError()); // one call: the first attempt and three retries
    }
    try (Ralex ralex = builder(provider).circuitBreaker(TRIP_AFTER_4).build()) {
      assertThatThrownBy(() -> ralex.chat(ChatRequest.of("hi"))).isInstanceOf(ProviderUnavailableException.class);
      assertThat(provider.requests).hasSize(4);
      assertThatThrownBy(() -> ralex.chat(ChatRequest.of("hi"))).isInstanceOf(CircuitOpenException.class);
      assertThat(provider.requests).hasSize(4);
    }
  }

  @Test
  void theResponseSaysHowLongTheCallWaited() {
    ScriptedProvider provider = new ScriptedProvider("test")
        .thenFail(new ProviderUnavailableException("Overloaded", true, ErrorDetails.of("test", 529, "r")))
        .thenFail(new RateLimitedException("slow down", Duration.ofSeconds(7), ErrorDetails.of("test", 429, "r")));
    try (Ralex ralex = builder(provider).build()) {
      ChatResponse response = ralex.chat(ChatRequest.of("hi"));
      // 529: full jitter at 0.5 of the 1 s ceiling; 429: the server's 7 s.
      assertThat(response.waited()).isEqualTo(Duration.ofMillis(7_500));
      assertThat(response.attempts()).isEqualTo(3);
      assertThat(sleeper.sleeps).containsExactly(Duration.ofMillis(500), Duration.ofSeconds(7));
      assertThat(eventsOf(RalexEvent.AttemptStarted.class)).extracting(RalexEvent.AttemptStarted::attempt)
          .containsExactly(1, 2, 3);
    }
  }

  @Test
  void aRateLimitWaitIsAnEventAndPartOfTheWait() {
    ScriptedProvider provider = new ScriptedProvider("test");
    try (Ralex ralex = builder(provider)
        .rateLimit(new RateLimit("test", 1, 0, RateLimit.OnLimit.WAIT, Duration.ofMinutes(2))).build()) {
      assertThat(ralex.chat(ChatRequest.of("one")).waited()).isZero();
      ChatResponse second = ralex.chat(ChatRequest.of("two"));
      assertThat(second.waited()).isEqualTo(Duration.ofMinutes(1));
      assertThat(eventsOf(RalexEvent.RateLimitWaited.class)).singleElement()
          .satisfies(e -> assertThat(e.waited()).isEqualTo(Duration.ofMinutes(1)));
    }
  }

  @Test
  void aRejectedAnswerEscalatesToAStrongerModelAndBothAreBilled() {
    ScriptedProvider provider = new ScriptedProvider("test")
        .thenAnswer("lazy answer", Usage.of(100, 10))
        .thenAnswer("thorough answer", Usage.of(100, 200));
    ResponseValidator validator = (request, response) -> response.text().contains("thorough")
        ? ResponseValidator.Verdict.accept() : ResponseValidator.Verdict.reject("not thorough");
    try (Ralex ralex = builder(provider).responseValidator(validator).build()) {
      ChatResponse response = ralex.chat(ChatRequest.of("explain"));
      assertThat(response.text()).isEqualTo("thorough answer");
      assertThat(response.model()).isEqualTo("test/large");
      assertThat(response.modelsTried()).containsExactly("test/small", "test/large");
      assertThat(response.attempts()).isEqualTo(2);
      assertThat(eventsOf(RalexEvent.Escalating.class)).singleElement().satisfies(e -> {
        assertThat(e.from().id()).isEqualTo("test/small");
        assertThat(e.to().id()).isEqualTo("test/large");
        assertThat(e.reason()).contains("not thorough");
      });
      assertThat(eventsOf(RalexEvent.UsageRecorded.class)).extracting(e -> e.model().id())
          .containsExactly("test/small", "test/large");
    }
  }

  @Test
  void whenNoStrongerModelIsLeftTheRejectionReachesTheCallerWithTheAnswer() {
    ScriptedProvider provider = new ScriptedProvider("test");
    ResponseValidator never = (request, response) -> ResponseValidator.Verdict.reject("never good enough");
    try (Ralex ralex = builder(provider).responseValidator(never).build()) {
      assertThatThrownBy(() -> ralex.chat(ChatRequest.of("hi")))
          .isInstanceOfSatisfying(ResponseRejectedException.class, e -> {
            assertThat(e.kind()).isEqualTo(ErrorKind.RESPONSE_REJECTED);
            assertThat(e.reason()).isEqualTo("never good enough");
            assertThat(e.lastResponse()).hasValueSatisfying(r -> assertThat(r.model()).isEqualTo("test/large"));
          });
      assertThat(provider.modelsCalled).containsExactly("test/small", "test/large");
    }
  }

  @Test
  void escalationOnFailureIsOptIn() {
    ScriptedProvider failing = new ScriptedProvider("test").thenFail(serverError()).thenAnswer("ok", Usage.of(1, 1));
    try (Ralex ralex = builder(failing).retryPolicy(RetryPolicy.none()).build()) {
      assertThatThrownBy(() -> ralex.chat(ChatRequest.of("hi"))).isInstanceOf(ProviderUnavailableException.class);
    }
    ScriptedProvider again = new ScriptedProvider("test").thenFail(serverError()).thenAnswer("ok", Usage.of(1, 1));
    try (Ralex ralex = builder(again).retryPolicy(RetryPolicy.none()).escalateOnFailure(true).build()) {
      ChatResponse response = ralex.chat(ChatRequest.of("hi"));
      assertThat(response.model()).isEqualTo("test/large");
      assertThat(response.modelsTried()).containsExactly("test/small", "test/large");
    }
  }

  @Test
  void authenticationFailuresNeitherRetryNorFallBackNorEscalate() {
    ScriptedProvider provider = new ScriptedProvider("test")
        .thenFail(new AuthenticationException("invalid x-api-key", ErrorDetails.of("test", 401, "req")));
    try (Ralex ralex = builder(provider).fallbackModels("test/large").escalateOnFailure(true).build()) {
      assertThatThrownBy(() -> ralex.chat(ChatRequest.of("hi"))).isInstanceOf(AuthenticationException.class);
      assertThat(provider.requests).hasSize(1);
      assertThat(sleeper.sleeps).isEmpty();
    }
  }

  @Test
  void aRetryAfterFromTheServerPausesTheNextCallsToThatModel() {
    ScriptedProvider provider = new ScriptedProvider("test")
        .thenFail(new RateLimitedException("rate limited", Duration.ofSeconds(5), ErrorDetails.of("test", 429, "r")));
    try (Ralex ralex = builder(provider).retryPolicy(RetryPolicy.none()).build()) {
      assertThatThrownBy(() -> ralex.chat(ChatRequest.of("first"))).isInstanceOf(RateLimitedException.class);
      ChatResponse next = ralex.chat(ChatRequest.of("second"));
      assertThat(next.waited()).isEqualTo(Duration.ofSeconds(5));
      assertThat(sleeper.sleeps).containsExactly(Duration.ofSeconds(5));
    }
  }
}
