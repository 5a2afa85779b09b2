package dev.ralex.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.ralex.api.BudgetExceededException;
import dev.ralex.api.ChatRequest;
import dev.ralex.api.ChatResponse;
import dev.ralex.api.ErrorDetails;
import dev.ralex.api.ProviderUnavailableException;
import dev.ralex.api.RalexEvent;
import dev.ralex.api.Selection;
import dev.ralex.api.Usage;
import dev.ralex.core.testing.Concurrently;
import dev.ralex.core.testing.InMemoryProvider;
import dev.ralex.core.Budget;
import dev.ralex.core.CircuitBreakerPolicy;
import dev.ralex.core.ModelCatalog;
import dev.ralex.core.Ralex;
import dev.ralex.core.RetryPolicy;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import io.micrometer.core.instrument.distribution.pause.PauseDetector;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;
import org.junit.jupiter.api.Test;

class RalexMetricsTest {
  private static final String SECRET_PROMPT = "the secret launch date is in this prompt";
  /** 40 uncached input tokens at $1/M plus 20 output tokens at $2/M; cache reads are free on the test models. */
  private static final double SMALL_CALL_COST = 40e-6 + 40e-6;

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final InMemoryProvider provider = new InMemoryProvider();

  private Ralex.Builder ralex(RalexMetrics metrics) {
    return Ralex.builder()
        .provider(provider)
        .catalog(ModelCatalog.of(List.of(InMemoryProvider.SMALL, InMemoryProvider.LARGE)))
        .defaultModel(InMemoryProvider.SMALL.id())
        .zone(ZoneOffset.UTC)
        .sleeper(duration -> {}) // retries wait for nothing
        .listener(metrics);
  }

  private static ProviderUnavailableException unavailable() {
    return new ProviderUnavailableException("Service unavailable", false, ErrorDetails.of("test", 503, "req_1"));
  }

  private Timer duration(String requestModel, String responseModel, String errorType) {
    return registry.get(RalexMetrics.OPERATION_DURATION)
        .tags("gen_ai.operation.name", "chat", "gen_ai.provider.name", "test", "gen_ai.request.model", requestModel,
            "gen_ai.response.model", responseModel, "error.type", errorType)
        .timer();
  }

  private double calls(String outcome, String errorType) {
    return registry.get(RalexMetrics.CALLS).tags("outcome", outcome, "error.type", errorType).counters().stream()
        .mapToDouble(Counter::count).sum();
  }

  private DistributionSummary tokens(String type) {
    return registry.get(RalexMetrics.TOKEN_USAGE).tags("gen_ai.token.type", type).summary();
  }

  @Test
  void cacheHitsAreCountedWithWhatTheySaved() {
    try (Ralex ralex = ralex(RalexMetrics.of(registry))
        .responseCache(dev.ralex.core.InMemoryResponseCache.create(10), java.time.Duration.ofMinutes(5)).build()) {
      ChatResponse first = ralex.chat(ChatRequest.of(SECRET_PROMPT));
      ralex.chat(ChatRequest.of(SECRET_PROMPT));
      ralex.chat(ChatRequest.of(SECRET_PROMPT));
      Counter hits = registry.get(RalexMetrics.CACHE_HITS).tags("gen_ai.request.model", "test/small").counter();
      assertThat(hits.count()).isEqualTo(2);
      assertThat(registry.get(RalexMetrics.CACHE_SAVED).counter().count())
          .isCloseTo(2 * first.cost().doubleValue(), within(1e-12));
    }
  }

  @Test
  void aStreamRecordsItsTimeToFirstChunkOnceAndABlockingCallNone() throws Exception {
    try (Ralex ralex = ralex(RalexMetrics.of(registry)).build()) {
      ralex.chat(ChatRequest.of(SECRET_PROMPT));
      assertThat(registry.find(RalexMetrics.TIME_TO_FIRST_CHUNK).meters()).isEmpty();
      ChatResponse streamed = ralex.stream(ChatRequest.of(SECRET_PROMPT), new dev.ralex.api.StreamHandler() {
        @Override
        public void onComplete(ChatResponse response) {}

        @Override
        public void onError(dev.ralex.api.LlmException error) {}
      }).completion().get(10, TimeUnit.SECONDS);
      Timer ttfc = registry.get(RalexMetrics.TIME_TO_FIRST_CHUNK).tags("gen_ai.request.model", "test/small",
          "gen_ai.provider.name", "test", "gen_ai.operation.name", "chat").timer();
      assertThat(ttfc.count()).isEqualTo(1);
      assertThat(ttfc.totalTime(TimeUnit.NANOSECONDS)).isLessThanOrEqualTo(streamed.latency().toNanos());
    }
  }

  @Test
  void successfulCallsRecordTheirDurationTokensCostAttemptsAndOutcome() {
    List<ChatResponse> answers = new ArrayList<>();
    try (Ralex ralex = ralex(RalexMetrics.of(registry)).build()) {
      for (int i = 0; i < 3; i++) {
        answers.add(ralex.chat(ChatRequest.of(SECRET_PROMPT)));
      }
    }

    Timer duration = duration("test/small", "test/small", "none");
    assertThat(duration.count()).isEqualTo(3);
    double latencies = answers.stream().mapToDouble(a -> a.latency().toNanos()).sum();
    assertThat(duration.totalTime(TimeUnit.NANOSECONDS)).isEqualTo(latencies);
    // The conventions' bucket boundaries are published as service-level objectives.
    assertThat(duration.takeSnapshot().histogramCounts()).hasSize(14);
    assertThat(tokens("input").takeSnapshot().histogramCounts()).hasSize(14);

    DistributionSummary input = tokens("input");
    assertThat(input.getId().getTag("gen_ai.request.model")).isEqualTo("test/small");
    assertThat(input.getId().getTag("gen_ai.response.model")).isEqualTo("test/small");
    assertThat(input.getId().getTag("gen_ai.provider.name")).isEqualTo("test");
    assertThat(input.getId().getTag("gen_ai.operation.name")).isEqualTo("chat");
    assertThat(input.getId().getBaseUnit()).isEqualTo("tokens");
    assertThat(input.count()).isEqualTo(3);
    assertThat(input.totalAmount()).as("input includes the cache reads").isEqualTo(300);
    assertThat(tokens("output").totalAmount()).isEqualTo(60);

    Counter cost = registry.get(RalexMetrics.COST).tags("gen_ai.request.model", "test/small").counter();
    assertThat(cost.count()).isCloseTo(3 * SMALL_CALL_COST, within(1e-12));
    assertThat(cost.getId().getBaseUnit()).isEqualTo("dollars");
    BigDecimal exact = answers.stream().map(ChatResponse::cost).reduce(BigDecimal.ZERO, BigDecimal::add);
    assertThat(cost.count()).isCloseTo(exact.doubleValue(), within(1e-12));

    assertThat(calls("success", "none")).isEqualTo(3);
    assertThat(registry.get(RalexMetrics.ATTEMPTS).tags("gen_ai.request.model", "test/small").counter().count())
        .isEqualTo(3);
    assertThat(registry.find(RalexMetrics.RETRIES).meters()).isEmpty();
    assertNoCallIdsOrPromptsInTags(answers.stream().map(ChatResponse::callId).toList());
  }

  @Test
  void aFailedCallIsTimedAndCountedWithItsErrorKind() {
    provider.thenFail(InMemoryProvider.SMALL, unavailable());
    try (Ralex ralex = ralex(RalexMetrics.of(registry)).retryPolicy(RetryPolicy.none()).build()) {
      assertThatThrownBy(() -> ralex.chat(ChatRequest.of(SECRET_PROMPT)))
          .isInstanceOf(ProviderUnavailableException.class);
    }

    Timer duration = duration("test/small", "none", "UNAVAILABLE");
    assertThat(duration.count()).isEqualTo(1);
    assertThat(calls("error", "UNAVAILABLE")).isEqualTo(1);
    assertThat(registry.find(RalexMetrics.CALLS).tags("outcome", "success").meters()).isEmpty();
    assertThat(registry.find(RalexMetrics.TOKEN_USAGE).meters()).as("nothing was billed").isEmpty();
    assertThat(registry.get(RalexMetrics.ATTEMPTS).counter().count()).isEqualTo(1);
  }

  @Test
  void aBudgetRefusalCountsAsBudgetExceededWithoutAnAttempt() {
    try (Ralex ralex = ralex(RalexMetrics.of(registry)).budget(Budget.daily(BigDecimal.ZERO)).build()) {
      assertThatThrownBy(() -> ralex.chat(ChatRequest.of("hi"))).isInstanceOf(BudgetExceededException.class);
      assertThatThrownBy(() -> ralex.chat(ChatRequest.of("hi again"))).isInstanceOf(BudgetExceededException.class);
    }

    assertThat(calls("error", "BUDGET_EXCEEDED")).isEqualTo(2);
    Counter refusals = registry.get(RalexMetrics.CALLS).tags("error.type", "BUDGET_EXCEEDED").counter();
    assertThat(refusals.getId().getTag("gen_ai.request.model")).isEqualTo("test/small");
    assertThat(refusals.getId().getTag("gen_ai.provider.name")).isEqualTo("test");
    assertThat(duration("test/small", "none", "BUDGET_EXCEEDED").count()).isEqualTo(2);
    assertThat(registry.find(RalexMetrics.ATTEMPTS).meters()).isEmpty();
    assertThat(registry.find(RalexMetrics.COST).meters()).isEmpty();
  }

  @Test
  void retriesAndFallbacksAreCountedAndTheDurationNamesBothModels() {
    provider.thenFail(InMemoryProvider.SMALL, unavailable()).thenFail(InMemoryProvider.SMALL, unavailable());
    try (Ralex ralex = ralex(RalexMetrics.of(registry))
        .retryPolicy(RetryPolicy.builder().maxRetries(1).build())
        .fallbackModels(InMemoryProvider.LARGE.id())
        .build()) {
      ChatResponse answer = ralex.chat(ChatRequest.of("hi"));
      assertThat(answer.model()).isEqualTo("test/large");
    }

    assertThat(registry.get(RalexMetrics.RETRIES)
        .tags("gen_ai.request.model", "test/small", "error.type", "UNAVAILABLE").counter().count()).isEqualTo(1);
    assertThat(registry.get(RalexMetrics.FALLBACKS)
        .tags("from", "test/small", "to", "test/large", "error.type", "UNAVAILABLE").counter().count())
        .isEqualTo(1);
    assertThat(registry.get(RalexMetrics.ATTEMPTS).tags("gen_ai.request.model", "test/small").counter().count())
        .isEqualTo(2);
    assertThat(registry.get(RalexMetrics.ATTEMPTS).tags("gen_ai.request.model", "test/large").counter().count())
        .isEqualTo(1);
    assertThat(duration("test/small", "test/large", "none").count()).isEqualTo(1);
    assertThat(tokens("input").getId().getTag("gen_ai.request.model")).as("the billed model").isEqualTo("test/large");
    assertThat(calls("success", "none")).isEqualTo(1);
  }

  @Test
  void aTrippedCircuitIsCountedAndItsGaugeShowsOpen() {
    for (int i = 0; i < 4; i++) {
      provider.thenFail(InMemoryProvider.SMALL, unavailable());
    }
    CircuitBreakerPolicy tripAfter4 = CircuitBreakerPolicy.builder().slidingWindowSize(4).minimumCalls(4)
        .failureRateThreshold(50).waitInOpenState(Duration.ofSeconds(30)).probeCalls(1).build();
    try (Ralex ralex = ralex(RalexMetrics.of(registry)).retryPolicy(RetryPolicy.none()).circuitBreaker(tripAfter4)
        .build()) {
      for (int i = 0; i < 5; i++) {
        assertThatThrownBy(() -> ralex.chat(ChatRequest.of("hi"))).isNotNull();
      }
    }

    assertThat(registry.get(RalexMetrics.CIRCUIT_TRANSITIONS)
        .tags("gen_ai.request.model", "test/small", "from", "CLOSED", "to", "OPEN").counter().count()).isEqualTo(1);
    assertThat(registry.get(RalexMetrics.CIRCUIT_OPEN).tags("gen_ai.request.model", "test/small",
        "gen_ai.provider.name", "test").gauge().value()).isEqualTo(1);
    assertThat(calls("error", "UNAVAILABLE")).isEqualTo(4);
    assertThat(calls("error", "CIRCUIT_OPEN")).isEqualTo(1);
  }

  @Test
  void aBudgetAlertIsCountedByPeriodAndScopeKind() {
    Budget daily = Budget.daily(new BigDecimal("0.01")).withAlertThreshold(new BigDecimal("0.001"));
    try (Ralex ralex = ralex(RalexMetrics.of(registry)).budget(daily).build()) {
      ralex.chat(ChatRequest.of("hi"));
      ralex.chat(ChatRequest.of("hi"));
    }

    assertThat(registry.get(RalexMetrics.BUDGET_ALERTS).tags("budget.period", "daily", "budget.scope", "global")
        .counter().count()).as("once per budget and period").isEqualTo(1);
  }

  @Test
  void budgetNamesNeverLeakTheirTagValuesOrConversationIds() {
    RalexMetrics metrics = RalexMetrics.of(registry);
    BigDecimal one = BigDecimal.ONE;
    metrics.onBudgetAlert(new RalexEvent.BudgetAlert("c1", "monthly tag user=alice@example.com", one, one, one,
        Instant.EPOCH));
    metrics.onBudgetAlert(new RalexEvent.BudgetAlert("c2", "daily conversation conv-42", one, one, one,
        Instant.EPOCH));
    metrics.onBudgetAlert(new RalexEvent.BudgetAlert("c3", "hourly something custom", one, one, one,
        Instant.EPOCH));

    assertThat(registry.get(RalexMetrics.BUDGET_ALERTS).tags("budget.period", "monthly", "budget.scope", "tag")
        .counter().count()).isEqualTo(1);
    assertThat(registry.get(RalexMetrics.BUDGET_ALERTS).tags("budget.period", "daily", "budget.scope",
        "conversation").counter().count()).isEqualTo(1);
    assertThat(registry.get(RalexMetrics.BUDGET_ALERTS).tags("budget.period", "other", "budget.scope", "other")
        .counter().count()).isEqualTo(1);
    assertNoCallIdsOrPromptsInTags(List.of("alice@example.com", "conv-42", "c1", "c2", "c3"));
  }

  @Test
  void theRarerEventsEachHaveTheirMeter() {
    RalexMetrics metrics = RalexMetrics.of(registry);
    metrics.onRateLimitWaited(new RalexEvent.RateLimitWaited("c1", InMemoryProvider.SMALL, Duration.ofMillis(250)));
    metrics.onEscalating(new RalexEvent.Escalating("c1", InMemoryProvider.SMALL, InMemoryProvider.LARGE,
        "the validator said: " + SECRET_PROMPT));
    metrics.onContextCompressed(new RalexEvent.ContextCompressed("c1", InMemoryProvider.SMALL, "dropOldest", 4, 0,
        0, 9_000, 6_500));
    metrics.onHistoryRepaired(new RalexEvent.HistoryRepaired("", "conv-1", List.of("toolu_1"), List.of(), 1, 0));
    metrics.onSelectorLearned(new RalexEvent.SelectorLearned("c1", "test/small", 0.75, 1.0, "rating"));
    metrics.onSelectorLearned(new RalexEvent.SelectorLearned("c2", "test/small", Double.NaN, 1.0, "rating"));

    Timer wait = registry.get(RalexMetrics.RATE_LIMIT_WAIT).tags("gen_ai.request.model", "test/small").timer();
    assertThat(wait.totalTime(TimeUnit.MILLISECONDS)).isEqualTo(250);
    assertThat(registry.get(RalexMetrics.ESCALATIONS).tags("from", "test/small", "to", "test/large").counter()
        .count()).isEqualTo(1);
    DistributionSummary saved = registry.get(RalexMetrics.CONTEXT_COMPRESSED).tags("strategy", "dropOldest")
        .summary();
    assertThat(saved.totalAmount()).isEqualTo(2_500);
    assertThat(registry.get(RalexMetrics.HISTORY_REPAIRED).counter().count()).isEqualTo(1);
    DistributionSummary reward = registry.get(RalexMetrics.SELECTOR_REWARD)
        .tags("gen_ai.request.model", "test/small", "gen_ai.provider.name", "test", "source", "rating").summary();
    assertThat(reward.count()).as("a NaN reward is skipped").isEqualTo(1);
    assertThat(reward.totalAmount()).isEqualTo(0.75);
    assertNoCallIdsOrPromptsInTags(List.of("c1", "c2", "conv-1", "toolu_1"));
  }

  @Test
  void aFailureBeforeSelectionHasNoModel() {
    RalexMetrics metrics = RalexMetrics.of(registry);
    metrics.onCallFailed(new RalexEvent.CallFailed("c1", new ProviderUnavailableException("down", false,
        ErrorDetails.NONE), Duration.ofMillis(5)));

    Timer duration = registry.get(RalexMetrics.OPERATION_DURATION).timer();
    assertThat(duration.getId().getTag("gen_ai.request.model")).isEqualTo("none");
    assertThat(duration.getId().getTag("gen_ai.provider.name")).isEqualTo("none");
    assertThat(duration.getId().getTag("error.type")).isEqualTo("UNAVAILABLE");
  }

  @Test
  void commonTagsGoOnEveryMeter() {
    RalexMetrics metrics = RalexMetrics.builder(registry).tag("app", "checkout").tags(Tags.of("region", "eu"))
        .build();
    try (Ralex ralex = ralex(metrics).build()) {
      ralex.chat(ChatRequest.of("hi"));
    }

    assertThat(registry.getMeters()).isNotEmpty().allSatisfy(meter -> {
      assertThat(meter.getId().getTag("app")).isEqualTo("checkout");
      assertThat(meter.getId().getTag("region")).isEqualTo("eu");
    });
    assertThat(metrics).hasToString("RalexMetrics[SimpleMeterRegistry, [tag(app=checkout),tag(region=eu)]]");
  }

  @Test
  void histogramBucketsCanBeTurnedOff() {
    try (Ralex ralex = ralex(RalexMetrics.builder(registry).histogramBuckets(false).build()).build()) {
      ralex.chat(ChatRequest.of("hi"));
    }

    assertThat(duration("test/small", "test/small", "none").takeSnapshot().histogramCounts()).isEmpty();
    assertThat(tokens("input").takeSnapshot().histogramCounts()).isEmpty();
    assertThat(registry.getMeters()).noneMatch(m -> m.getId().getName().endsWith(".histogram"));
  }

  @Test
  void eightThreadsOfTwoHundredCallsAreAllCountedAndNothingStaysInFlight() throws Exception {
    RalexMetrics metrics = RalexMetrics.of(registry);
    int threads = 8;
    int perThread = 200;
    try (Ralex ralex = ralex(metrics).build()) {
      Concurrently.run(threads, thread -> {
        for (int i = 0; i < perThread; i++) {
          ralex.chat(ChatRequest.of("hi"));
        }
      });
    }

    int total = threads * perThread;
    assertThat(duration("test/small", "test/small", "none").count()).isEqualTo(total);
    assertThat(calls("success", "none")).isEqualTo(total);
    assertThat(registry.get(RalexMetrics.ATTEMPTS).counter().count()).isEqualTo(total);
    assertThat(tokens("input").count()).isEqualTo(total);
    assertThat(tokens("input").totalAmount()).isEqualTo(100.0 * total);
    assertThat(tokens("output").totalAmount()).isEqualTo(20.0 * total);
    assertThat(registry.get(RalexMetrics.COST).counter().count()).isCloseTo(total * SMALL_CALL_COST, within(1e-9));
    assertThat(metrics.callsInFlight()).isZero();
  }

  @Test
  void aRegistryThatThrowsNeverFailsTheCall() {
    MeterRegistry broken = new SimpleMeterRegistry() {
      @Override
      protected io.micrometer.core.instrument.Counter newCounter(Meter.Id id) {
        throw new IllegalStateException("registry is broken");
      }

      @Override
      protected Timer newTimer(Meter.Id id, DistributionStatisticConfig config, PauseDetector pauseDetector) {
        throw new IllegalStateException("registry is broken");
      }

      @Override
      protected DistributionSummary newDistributionSummary(Meter.Id id, DistributionStatisticConfig config,
          double scale) {
        throw new IllegalStateException("registry is broken");
      }

      @Override
      protected <T> io.micrometer.core.instrument.Gauge newGauge(Meter.Id id, T obj, ToDoubleFunction<T> f) {
        throw new IllegalStateException("registry is broken");
      }
    };
    RalexMetrics metrics = RalexMetrics.of(broken);
    provider.thenFail(InMemoryProvider.SMALL, unavailable());
    try (Ralex ralex = ralex(metrics).build()) {
      ChatResponse answer = ralex.chat(ChatRequest.of("hi"));
      assertThat(answer.text()).isEqualTo("ok");
      assertThat(answer.attempts()).isEqualTo(2);
    }

    // Called directly, outside Ralex's own guard, no handler throws either.
    assertThatCode(() -> {
      metrics.onModelSelected(new RalexEvent.ModelSelected("c9", Selection.of(InMemoryProvider.SMALL, "test")));
      metrics.onAttemptStarted(new RalexEvent.AttemptStarted("c9", InMemoryProvider.SMALL, 1, Instant.EPOCH));
      metrics.onUsageRecorded(new RalexEvent.UsageRecorded("c9", InMemoryProvider.SMALL, Usage.of(1, 1),
          BigDecimal.ONE, Instant.EPOCH));
      metrics.onCircuitStateChanged(new RalexEvent.CircuitStateChanged("c9", "test/small",
          RalexEvent.CircuitStateChanged.State.CLOSED, RalexEvent.CircuitStateChanged.State.OPEN, Instant.EPOCH));
      metrics.onSelectorLearned(new RalexEvent.SelectorLearned("c9", "test/small", 1, 1, "outcome"));
      metrics.onCallFailed(new RalexEvent.CallFailed("c9", unavailable(), Duration.ZERO));
    }).doesNotThrowAnyException();
    assertThat(metrics.callsInFlight()).isZero();
  }

  /** No tag of any meter holds a call id, a prompt or any of {@code forbidden}. */
  private void assertNoCallIdsOrPromptsInTags(List<String> forbidden) {
    Set<String> values = ConcurrentHashMap.newKeySet();
    for (Meter meter : registry.getMeters()) {
      for (Tag tag : meter.getId().getTags()) {
        values.add(tag.getValue());
      }
    }
    assertThat(values).isNotEmpty().doesNotContainAnyElementsOf(forbidden)
        .noneMatch(v -> v.contains("secret") || v.contains("validator said"));
  }
}
