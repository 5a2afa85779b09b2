package dev.ralex.providers.faults;

import static dev.ralex.providers.faults.Faults.API_ERROR_500;
import static dev.ralex.providers.faults.Faults.HAIKU;
import static dev.ralex.providers.faults.Faults.SONNET;
import static dev.ralex.providers.faults.Faults.anthropic;
import static dev.ralex.providers.faults.Faults.anthropicJson;
import static dev.ralex.providers.faults.Faults.records;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.ralex.api.ChatRequest;
import dev.ralex.api.ChatResponse;
import dev.ralex.api.CircuitOpenException;
import dev.ralex.api.ErrorKind;
import dev.ralex.api.ProviderUnavailableException;
import dev.ralex.api.RalexEvent;
import dev.ralex.api.RalexEvent.CircuitStateChanged.State;
import dev.ralex.api.Usage;
import dev.ralex.core.CircuitBreakerPolicy;
import dev.ralex.core.Ralex;
import dev.ralex.core.RetryPolicy;
import dev.ralex.providers.faults.Faults.Events;
import dev.ralex.providers.faults.Faults.ManualClock;
import dev.ralex.providers.faults.Faults.RecordingSleeper;
import dev.ralex.providers.internal.Json;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * An open circuit through the whole stack: after enough 500s from Anthropic, calls to the model fail fast without
 * a request reaching the server, or go to the fallback model at once; after the open wait, probes reach the
 * server again and successes close the circuit.
 */
class CircuitBreakerFaultsTest {
  private static final CircuitBreakerPolicy TRIP_AFTER_4 = CircuitBreakerPolicy.builder()
      .slidingWindowSize(4)
      .minimumCalls(4)
      .failureRateThreshold(50)
      .waitInOpenState(Duration.ofSeconds(30))
      .build();
  private static final Usage TEXT_USAGE = new Usage(12, 11, 0, 0); // response-text.json

  private final MockWebServer server = new MockWebServer();
  private final ManualClock clock = new ManualClock(Faults.START);
  private final RecordingSleeper sleeper = new RecordingSleeper(clock);
  private final Events events = new Events();
  /** The Messages API model of each request, in arrival order. */
  private final List<String> requested = new CopyOnWriteArrayList<>();
  private volatile boolean haikuHealthy;

  @BeforeEach
  void start() throws Exception {
    // Haiku fails with 500 until healed; Sonnet always answers.
    server.setDispatcher(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        String model;
        try {
          model = Json.MAPPER.readTree(request.getBody().utf8()).path("model").asText();
        } catch (java.io.IOException e) {
          return new MockResponse.Builder().code(400).build();
        }
        requested.add(model);
        if (model.equals("claude-haiku-4-5") && !haikuHealthy) {
          return anthropicJson(500, API_ERROR_500, "req_500_" + requested.size()).build();
        }
        return anthropicJson(200, anthropic("response-text.json"), "req_ok_" + requested.size()).build();
      }
    });
    server.start();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private Ralex.Builder ralex() {
    return Faults.ralex(clock, sleeper, events)
        .provider(Faults.anthropicProvider(server, clock))
        .retryPolicy(RetryPolicy.none())
        .circuitBreaker(TRIP_AFTER_4);
  }

  private static ChatRequest haiku() {
    return ChatRequest.builder().model(HAIKU.id()).addUserMessage("hi").build();
  }

  @Test
  void anOpenCircuitFailsFastWithoutARequestThenProbesAfterTheWaitAndCloses() {
    try (Ralex ralex = ralex().build()) {
      for (int i = 1; i <= 4; i++) {
        ProviderUnavailableException e =
            catchThrowableOfType(ProviderUnavailableException.class, () -> ralex.chat(haiku()));
        assertThat(e).as("call %d", i).isNotNull();
        assertThat(e.kind()).isEqualTo(ErrorKind.UNAVAILABLE);
        assertThat(e.httpStatus()).hasValue(500);
      }
      assertThat(server.getRequestCount()).isEqualTo(4);
      List<RalexEvent.CircuitStateChanged> changes = events.of(RalexEvent.CircuitStateChanged.class);
      assertThat(changes).singleElement().satisfies(c -> {
        assertThat(c.model()).isEqualTo(HAIKU.id());
        assertThat(c.from()).isEqualTo(State.CLOSED);
        assertThat(c.to()).isEqualTo(State.OPEN);
        assertThat(c.callId()).as("the call whose failure opened it")
            .isEqualTo(events.of(RalexEvent.CallFailed.class).get(3).callId());
      });
      int attemptsBefore = events.of(RalexEvent.AttemptStarted.class).size();

      CircuitOpenException open = catchThrowableOfType(CircuitOpenException.class, () -> ralex.chat(haiku()));

      assertThat(open).isNotNull();
      assertThat(open.kind()).isEqualTo(ErrorKind.CIRCUIT_OPEN);
      assertThat(open.isRetryable()).isFalse();
      assertThat(open.httpStatus()).isEmpty();
      assertThat(open.requestId()).isEmpty();
      assertThat(open.model()).isEqualTo(HAIKU.id());
      assertThat(open.retryAfter()).hasValue(Duration.ofSeconds(30));
      assertThat(server.getRequestCount()).as("an open circuit sends nothing").isEqualTo(4);
      assertThat(events.of(RalexEvent.AttemptStarted.class)).hasSize(attemptsBefore);
      assertThat(sleeper.waits).isEmpty();
      assertThat(events.of(RalexEvent.UsageRecorded.class)).isEmpty();
      assertThat(records(ralex)).isEmpty();

      // Past the open wait, with the model healthy again: the probes reach the server and close the circuit.
      clock.advance(Duration.ofSeconds(31));
      haikuHealthy = true;
      for (int i = 1; i <= TRIP_AFTER_4.probeCalls(); i++) {
        ChatResponse r = ralex.chat(haiku());
        assertThat(r.model()).isEqualTo(HAIKU.id());
        assertThat(r.attempts()).isEqualTo(1);
        assertThat(r.modelsTried()).containsExactly(HAIKU.id());
        assertThat(r.waited()).isEqualTo(Duration.ZERO);
      }
      assertThat(server.getRequestCount()).isEqualTo(4 + TRIP_AFTER_4.probeCalls());
      assertThat(events.of(RalexEvent.CircuitStateChanged.class))
          .extracting(c -> c.from() + "->" + c.to())
          .containsExactly("CLOSED->OPEN", "OPEN->HALF_OPEN", "HALF_OPEN->CLOSED");
      assertThat(events.of(RalexEvent.UsageRecorded.class)).hasSize(TRIP_AFTER_4.probeCalls())
          .allSatisfy(u -> assertThat(u.usage()).isEqualTo(TEXT_USAGE));
      assertThat(records(ralex)).hasSize(TRIP_AFTER_4.probeCalls());
    }
  }

  @Test
  void aFailedProbeOpensTheCircuitAgain() {
    try (Ralex ralex = ralex().build()) {
      for (int i = 1; i <= 4; i++) {
        catchThrowableOfType(ProviderUnavailableException.class, () -> ralex.chat(haiku()));
      }
      clock.advance(Duration.ofSeconds(31));

      ProviderUnavailableException probe =
          catchThrowableOfType(ProviderUnavailableException.class, () -> ralex.chat(haiku()));

      assertThat(probe).as("the probe reached the server and failed").isNotNull();
      assertThat(probe.httpStatus()).hasValue(500);
      assertThat(server.getRequestCount()).isEqualTo(5);
      // The probes' window is not yet full (3 probes): the next probes still reach the server.
      catchThrowableOfType(ProviderUnavailableException.class, () -> ralex.chat(haiku()));
      catchThrowableOfType(ProviderUnavailableException.class, () -> ralex.chat(haiku()));
      assertThat(server.getRequestCount()).isEqualTo(7);
      assertThat(events.of(RalexEvent.CircuitStateChanged.class))
          .extracting(c -> c.from() + "->" + c.to())
          .containsExactly("CLOSED->OPEN", "OPEN->HALF_OPEN", "HALF_OPEN->OPEN");

      CircuitOpenException open = catchThrowableOfType(CircuitOpenException.class, () -> ralex.chat(haiku()));

      assertThat(open).isNotNull();
      assertThat(open.retryAfter()).hasValue(Duration.ofSeconds(30));
      assertThat(server.getRequestCount()).as("open again: nothing sent").isEqualTo(7);
      assertThat(events.of(RalexEvent.UsageRecorded.class)).isEmpty();
      assertThat(records(ralex)).isEmpty();
    }
  }

  @Test
  void withAFallbackAnOpenCircuitSendsTheCallStraightToTheFallbackModel() {
    try (Ralex ralex = ralex().fallbackModels(SONNET.id()).build()) {
      for (int i = 1; i <= 4; i++) {
        ChatResponse r = ralex.chat(haiku());
        assertThat(r.model()).isEqualTo(SONNET.id());
        assertThat(r.attempts()).isEqualTo(2);
        assertThat(r.modelsTried()).containsExactly(HAIKU.id(), SONNET.id());
      }
      assertThat(server.getRequestCount()).isEqualTo(8);
      assertThat(events.of(RalexEvent.CircuitStateChanged.class)).singleElement().satisfies(c -> {
        assertThat(c.model()).isEqualTo(HAIKU.id());
        assertThat(c.to()).isEqualTo(State.OPEN);
      });
      int usageBefore = events.of(RalexEvent.UsageRecorded.class).size();
      assertThat(usageBefore).as("one billed attempt per call, on the fallback").isEqualTo(4);

      ChatResponse r = ralex.chat(haiku());

      assertThat(r.model()).isEqualTo(SONNET.id());
      assertThat(r.attempts()).as("the refused model made no attempt").isEqualTo(1);
      assertThat(r.modelsTried()).containsExactly(SONNET.id());
      assertThat(r.waited()).isEqualTo(Duration.ZERO);
      assertThat(server.getRequestCount()).as("one request, to the fallback").isEqualTo(9);
      assertThat(requested.get(8)).isEqualTo("claude-sonnet-4-6");
      List<RalexEvent.FallingBack> fallbacks = events.of(RalexEvent.FallingBack.class);
      assertThat(fallbacks).hasSize(5);
      assertThat(fallbacks.get(4).cause()).isInstanceOfSatisfying(CircuitOpenException.class, e -> {
        assertThat(e.kind()).isEqualTo(ErrorKind.CIRCUIT_OPEN);
        assertThat(e.model()).isEqualTo(HAIKU.id());
      });
      List<RalexEvent.UsageRecorded> usage = events.of(RalexEvent.UsageRecorded.class);
      assertThat(usage).hasSize(5);
      assertThat(usage.stream().filter(u -> u.callId().equals(r.callId())).collect(Collectors.toList()))
          .singleElement().satisfies(u -> {
            assertThat(u.model().id()).isEqualTo(SONNET.id());
            assertThat(u.usage()).isEqualTo(TEXT_USAGE);
            assertThat(u.cost()).isEqualByComparingTo("0.000201");
          });
      assertThat(records(ralex)).hasSize(5).allSatisfy(rec -> assertThat(rec.model()).isEqualTo(SONNET.id()));
    }
  }
}
