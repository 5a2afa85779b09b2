package dev.ralex.providers.faults;

import static dev.ralex.providers.faults.Faults.HAIKU;
import static dev.ralex.providers.faults.Faults.anthropic;
import static dev.ralex.providers.faults.Faults.anthropicJson;
import static dev.ralex.providers.faults.Faults.anthropicSse;
import static dev.ralex.providers.faults.Faults.records;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ralex.api.ChatRequest;
import dev.ralex.api.ChatResponse;
import dev.ralex.api.CircuitOpenException;
import dev.ralex.api.ErrorKind;
import dev.ralex.api.LlmException;
import dev.ralex.api.ProviderUnavailableException;
import dev.ralex.api.RalexEvent;
import dev.ralex.api.Usage;
import dev.ralex.core.CircuitBreakerPolicy;
import dev.ralex.core.Ralex;
import dev.ralex.core.UsageRecord;
import dev.ralex.providers.faults.Faults.Events;
import dev.ralex.providers.faults.Faults.ManualClock;
import dev.ralex.providers.faults.Faults.RecordingSleeper;
import dev.ralex.providers.internal.Json;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * 32 calls at once, half async and half streamed, against a server that answers every other request with a 529:
 * every call ends once, successfully or with a clear exception, and usage is recorded exactly once per 200 the
 * server sent, never twice for a call.
 */
class ConcurrentFaultsTest {
  private static final int CALLS = 32;

  private final MockWebServer server = new MockWebServer();
  private final ManualClock clock = new ManualClock(Faults.START);
  private final RecordingSleeper sleeper = new RecordingSleeper(clock);
  private final Events events = new Events();
  private final AtomicInteger received = new AtomicInteger();
  private final AtomicInteger okSent = new AtomicInteger();
  private final AtomicInteger overloadedSent = new AtomicInteger();

  @BeforeEach
  void start() throws Exception {
    server.setDispatcher(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        int n = received.incrementAndGet();
        if (n % 2 == 1) {
          overloadedSent.incrementAndGet();
          return anthropicJson(529, anthropic("error-529-overloaded.json"), "req_529_" + n).build();
        }
        boolean stream;
        try {
          stream = Json.MAPPER.readTree(request.getBody().utf8()).path("stream").asBoolean(false);
        } catch (java.io.IOException e) {
          return new MockResponse.Builder().code(400).build();
        }
        okSent.incrementAndGet();
        return stream ? anthropicSse(anthropic("stream-text.sse")).build()
            : anthropicJson(200, anthropic("response-text.json"), "req_ok_" + n).build();
      }
    });
    server.start();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  /** With the default circuit breaker, which a 50% failure rate opens: later calls may fail fast. */
  @Test
  void everyCallEndsOnceAndUsageIsRecordedOncePerAnswerTheServerSent() throws Exception {
    runCalls(CircuitBreakerPolicy.defaults());
  }

  /** Without circuit breaking: the only failure a call may end with is the overload, after its retries. */
  @Test
  void withoutCircuitBreakingEveryCallEndsOnceAndUsageIsRecordedOncePerAnswer() throws Exception {
    List<LlmException> failures = runCalls(CircuitBreakerPolicy.disabled());
    assertThat(failures).allSatisfy(e -> assertThat(e).isInstanceOf(ProviderUnavailableException.class));
  }

  private List<LlmException> runCalls(CircuitBreakerPolicy circuits) throws Exception {
    try (Ralex ralex = Faults.ralex(clock, sleeper, events).provider(Faults.anthropicProvider(server, clock))
        .circuitBreaker(circuits).build()) {
      List<CompletableFuture<ChatResponse>> futures = new ArrayList<>();
      List<Recorder> handlers = new ArrayList<>();
      for (int i = 0; i < CALLS; i++) {
        ChatRequest request = ChatRequest.builder().model(HAIKU.id()).addUserMessage("call " + i).build();
        if (i % 2 == 0) {
          futures.add(ralex.chatAsync(request));
        } else {
          Recorder h = new Recorder();
          handlers.add(h);
          futures.add(ralex.stream(request, h).completion());
        }
      }

      List<ChatResponse> successes = new ArrayList<>();
      List<LlmException> failures = new ArrayList<>();
      for (CompletableFuture<ChatResponse> f : futures) {
        try {
          successes.add(f.get(30, TimeUnit.SECONDS));
        } catch (ExecutionException e) {
          assertThat(e.getCause()).as("a call failed with something other than an LlmException")
              .isInstanceOf(LlmException.class);
          failures.add((LlmException) e.getCause());
        }
      }
      for (Recorder h : handlers) {
        h.awaitEnd();
        assertThat(h.completions.size() + h.errors.size()).as("terminal callbacks of one stream").isEqualTo(1);
      }

      assertThat(successes.size() + failures.size()).isEqualTo(CALLS);
      // A clear exception: the overload itself after the retries ran out, or the circuit it opened.
      assertThat(failures).allSatisfy(e -> {
        if (e instanceof ProviderUnavailableException) {
          assertThat(e.kind()).isEqualTo(ErrorKind.OVERLOADED);
          assertThat(e.httpStatus()).hasValue(529);
          assertThat(e.requestId()).hasValueSatisfying(id -> assertThat(id).startsWith("req_529_"));
        } else {
          assertThat(e).isInstanceOf(CircuitOpenException.class);
          assertThat(e.kind()).isEqualTo(ErrorKind.CIRCUIT_OPEN);
        }
      });

      List<RalexEvent.UsageRecorded> usage = events.of(RalexEvent.UsageRecorded.class);
      assertThat(usage).as("usage events, one per 200 the server sent").hasSize(okSent.get());
      assertThat(successes).as("one success per 200 the server sent").hasSize(okSent.get());
      List<String> usageCalls = usage.stream().map(RalexEvent.UsageRecorded::callId).collect(Collectors.toList());
      assertThat(new HashSet<>(usageCalls)).as("no call recorded usage twice").hasSize(usageCalls.size());
      Set<String> succeeded = successes.stream().map(ChatResponse::callId).collect(Collectors.toSet());
      assertThat(new HashSet<>(usageCalls)).isEqualTo(succeeded);
      Map<String, Usage> usageByCall = new HashMap<>();
      usage.forEach(u -> usageByCall.put(u.callId(), u.usage()));
      for (ChatResponse r : successes) {
        assertThat(usageByCall.get(r.callId())).as("the usage recorded for call %s", r.callId()).isEqualTo(r.usage());
        assertThat(r.usage()).isIn(new Usage(12, 11, 0, 0), new Usage(25, 15, 1800, 0));
      }
      List<UsageRecord> records = records(ralex);
      assertThat(records).hasSize(okSent.get());
      assertThat(records.stream().map(UsageRecord::callId).collect(Collectors.toSet())).isEqualTo(succeeded);

      // Every attempt Ralex started reached the server, and each answer's attempts are its own.
      List<RalexEvent.AttemptStarted> attempts = events.of(RalexEvent.AttemptStarted.class);
      assertThat(server.getRequestCount()).isEqualTo(attempts.size()).isEqualTo(received.get());
      assertThat(received.get()).isEqualTo(okSent.get() + overloadedSent.get());
      for (ChatResponse r : successes) {
        long started = attempts.stream().filter(a -> a.callId().equals(r.callId())).count();
        assertThat(r.attempts()).as("attempts of call %s", r.callId()).isEqualTo((int) started);
      }
      return failures;
    }
  }
}
