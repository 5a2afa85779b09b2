package dev.ralex.providers.anthropic;

import static dev.ralex.providers.anthropic.AnthropicWire.KEY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ralex.api.AuthenticationException;
import dev.ralex.api.BatchItem;
import dev.ralex.api.BatchJob;
import dev.ralex.api.BatchResult;
import dev.ralex.api.BudgetExceededException;
import dev.ralex.api.ChatRequest;
import dev.ralex.api.ErrorKind;
import dev.ralex.api.InvalidRequestException;
import dev.ralex.api.LlmTimeoutException;
import dev.ralex.api.RalexEvent;
import dev.ralex.api.RalexListener;
import dev.ralex.core.Batch;
import dev.ralex.core.Budget;
import dev.ralex.core.Ralex;
import dev.ralex.core.Sleeper;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Batches through Ralex and the Anthropic provider against a loopback server speaking the batch endpoints. */
class AnthropicBatchesTest {
  private static final String HAIKU = "anthropic/claude-haiku-4-5";
  private static final String BATCH_ID = "msgbatch_013Zva2CMHLNnXjNJJKqJ2EF";

  private final MockWebServer server = new MockWebServer();
  private final List<Duration> waits = new CopyOnWriteArrayList<>();
  private final List<RalexEvent> events = new CopyOnWriteArrayList<>();
  private final HandClock clock = new HandClock();

  /** Ralex's clock, moved by the sleeper: waits take no real time. */
  private static final class HandClock extends Clock {
    private volatile Instant now = Instant.parse("2026-11-23T13:00:00Z");

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }

  @BeforeEach
  void start() throws Exception {
    server.start();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private Ralex ralex(Budget budget) {
    Sleeper advancing = d -> {
      waits.add(d);
      clock.now = clock.now.plus(d);
    };
    Ralex.Builder b = Ralex.builder()
        .provider("anthropic", Map.of("apiKey", KEY, "baseUrl", server.url("/").toString()))
        .environment(k -> null)
        .clock(clock)
        .zone(ZoneOffset.UTC)
        .sleeper(advancing)
        .listener(new RalexListener() {
          @Override
          public void onEvent(RalexEvent event) {
            events.add(event);
          }
        });
    if (budget != null) {
      b.budget(budget);
    }
    return b.build();
  }

  private static List<BatchItem> fourTickets() {
    return List.of(
        BatchItem.of("q1", ChatRequest.builder().addUserMessage("Summarize ticket 1").maxOutputTokens(1000).build()),
        BatchItem.of("q2", ChatRequest.builder().addUserMessage("Summarize ticket 2").maxOutputTokens(1000).build()),
        BatchItem.of("q3", ChatRequest.builder().addUserMessage("Summarize ticket 3").maxOutputTokens(1000)
            .tag("team", "support").build()),
        BatchItem.of("q4", ChatRequest.builder().addUserMessage("Summarize ticket 4").maxOutputTokens(1000).build()));
  }

  @Test
  void aBatchIsSubmittedPolledAndItsResultsRecordedAtHalfPrice() throws Exception {
    server.enqueue(AnthropicWire.json(200, AnthropicWire.text("batch-in-progress.json")).build());
    server.enqueue(AnthropicWire.json(200, AnthropicWire.text("batch-in-progress.json")).build());
    server.enqueue(AnthropicWire.json(200, AnthropicWire.text("batch-in-progress.json")).build());
    server.enqueue(AnthropicWire.json(200, AnthropicWire.text("batch-ended.json")).build());
    server.enqueue(AnthropicWire.json(200, AnthropicWire.text("batch-results.jsonl"))
        .setHeader("content-type", "application/binary").build());
    // Four requests' worst case is about $0.02 at full price and $0.01 at the batch price: only the latter fits.
    try (Ralex ralex = ralex(Budget.daily(new BigDecimal("0.015")))) {
      Batch batch = ralex.submitBatch(HAIKU, fourTickets());
      assertThat(batch.id()).isEqualTo(BATCH_ID);
      assertThat(batch.submitted().status()).isEqualTo(BatchJob.Status.IN_PROGRESS);
      assertThat(batch.submitted().counts().processing()).isEqualTo(4);

      List<BatchResult> results = batch.awaitResults(Duration.ofHours(24));

      assertThat(results).extracting(BatchResult::customId).containsExactly("q1", "q2", "q3", "q4");
      assertThat(results).extracting(BatchResult::outcome).containsExactly(BatchResult.Outcome.SUCCEEDED,
          BatchResult.Outcome.ERRORED, BatchResult.Outcome.SUCCEEDED, BatchResult.Outcome.EXPIRED);
      // Haiku 4.5: $1 in, $5 out per million; half of (1,000 x 1 + 200 x 5) / 1e6 and of (2,000 x 1 + 400 x 5) / 1e6.
      assertThat(results.get(0).response().orElseThrow().cost()).isEqualByComparingTo("0.001");
      assertThat(results.get(0).response().orElseThrow().text()).isEqualTo("Ticket 1: the login page times out.");
      assertThat(results.get(2).response().orElseThrow().cost()).isEqualByComparingTo("0.002");
      assertThat(results.get(2).response().orElseThrow().text()).contains("你好");
      assertThat(results.get(1).error().orElseThrow().kind()).isEqualTo(ErrorKind.INVALID_REQUEST);
      assertThat(results.get(1).error().orElseThrow().getMessage()).contains("max_tokens").doesNotContain(KEY);
      // Only the answers are spent; the failed and expired requests released their reservations.
      assertThat(ralex.usage().spentToday()).isEqualByComparingTo("0.003");
      assertThat(events).filteredOn(e -> e instanceof RalexEvent.UsageRecorded).hasSize(2);
      // Reading again records nothing twice.
      assertThat(batch.results()).isEqualTo(results);
      assertThat(ralex.usage().spentToday()).isEqualByComparingTo("0.003");
    }
    // The first poll at once, then 5 s and 10 s apart: the third poll found the batch ended.
    assertThat(waits).containsExactly(Duration.ofSeconds(5), Duration.ofSeconds(10));

    RecordedRequest submit = server.takeRequest(5, TimeUnit.SECONDS);
    assertThat(submit.getMethod()).isEqualTo("POST");
    assertThat(submit.getTarget()).isEqualTo("/v1/messages/batches");
    assertThat(submit.getHeaders().get("x-api-key")).isEqualTo(KEY);
    assertThat(submit.getHeaders().get("anthropic-version")).isNotBlank();
    JsonNode body = new ObjectMapper().readTree(submit.getBody().utf8());
    assertThat(body.path("requests")).hasSize(4);
    JsonNode first = body.path("requests").get(0);
    assertThat(first.path("custom_id").asText()).isEqualTo("q1");
    assertThat(first.path("params").path("model").asText()).isEqualTo("claude-haiku-4-5");
    assertThat(first.path("params").path("max_tokens").asInt()).isEqualTo(1000);
    assertThat(first.path("params").path("messages").get(0).path("content").toString())
        .contains("Summarize ticket 1");
    assertThat(first.path("params").has("stream")).isFalse();
    for (int i = 0; i < 3; i++) {
      RecordedRequest poll = server.takeRequest(5, TimeUnit.SECONDS);
      assertThat(poll.getMethod()).isEqualTo("GET");
      assertThat(poll.getTarget()).isEqualTo("/v1/messages/batches/" + BATCH_ID);
    }
    RecordedRequest fetch = server.takeRequest(5, TimeUnit.SECONDS);
    // From the configured server, not the results_url's other host: the key goes nowhere else.
    assertThat(fetch.getTarget()).isEqualTo("/v1/messages/batches/" + BATCH_ID + "/results");
    assertThat(fetch.getHeaders().get("x-api-key")).isEqualTo(KEY);
  }

  private void enqueueEndedBatchAndResults() {
    server.enqueue(AnthropicWire.json(200, AnthropicWire.text("batch-ended.json")).build());
    server.enqueue(AnthropicWire.json(200, AnthropicWire.text("batch-results.jsonl"))
        .setHeader("content-type", "application/binary").build());
  }

  @Test
  void aBatchLeftBehindByAnEndedProcessIsResumedAndItsSpendRecordedWithItsTags() throws Exception {
    server.enqueue(AnthropicWire.json(200, AnthropicWire.text("batch-in-progress.json")).build());
    try (Ralex first = ralex(Budget.daily(new BigDecimal("0.015")))) {
      first.submitBatch(HAIKU, fourTickets()); // and the process ends before the results
    }
    enqueueEndedBatchAndResults();
    try (Ralex second = ralex(Budget.daily(new BigDecimal("0.015")))) {
      Batch batch = second.resumeBatch(HAIKU, BATCH_ID, fourTickets());
      assertThat(batch.submitted().status()).isEqualTo(BatchJob.Status.ENDED);
      // The four worst cases are reserved again: a batch as big does not fit beside it.
      assertThatThrownBy(() -> second.submitBatch(HAIKU, fourTickets()))
          .isInstanceOf(BudgetExceededException.class);

      List<BatchResult> results = batch.results();

      assertThat(results).extracting(BatchResult::outcome).containsExactly(BatchResult.Outcome.SUCCEEDED,
          BatchResult.Outcome.ERRORED, BatchResult.Outcome.SUCCEEDED, BatchResult.Outcome.EXPIRED);
      assertThat(second.usage().spentToday()).isEqualByComparingTo("0.003");
      List<dev.ralex.core.UsageRecord> records = second.usage().records(Instant.EPOCH, clock.now.plusSeconds(1));
      assertThat(records).extracting(dev.ralex.core.UsageRecord::callId)
          .containsExactly("batch-" + BATCH_ID + "-q1", "batch-" + BATCH_ID + "-q3");
      assertThat(records.get(1).tags()).containsEntry("team", "support");
      assertThat(records.get(1).cost()).isEqualByComparingTo("0.002");
    }
    assertThat(server.takeRequest(5, TimeUnit.SECONDS).getTarget()).isEqualTo("/v1/messages/batches");
    RecordedRequest retrieve = server.takeRequest(5, TimeUnit.SECONDS);
    assertThat(retrieve.getMethod()).isEqualTo("GET");
    assertThat(retrieve.getTarget()).isEqualTo("/v1/messages/batches/" + BATCH_ID);
  }

  @Test
  void aBatchResumedAfterItWasCollectedRecordsNothingTwice() {
    server.enqueue(AnthropicWire.json(200, AnthropicWire.text("batch-in-progress.json")).build());
    enqueueEndedBatchAndResults();
    enqueueEndedBatchAndResults();
    try (Ralex ralex = ralex(Budget.daily(new BigDecimal("0.015")))) {
      Batch batch = ralex.submitBatch(HAIKU, fourTickets());
      batch.awaitResults(Duration.ofHours(1));
      assertThat(ralex.usage().spentToday()).isEqualByComparingTo("0.003");

      Batch again = ralex.resumeBatch(HAIKU, BATCH_ID, fourTickets());
      List<BatchResult> results = again.results();

      assertThat(results).hasSize(4); // reported, as the provider returns them
      assertThat(ralex.usage().spentToday()).isEqualByComparingTo("0.003");
      assertThat(events).filteredOn(e -> e instanceof RalexEvent.UsageRecorded).hasSize(2);
      // Nothing stays reserved either: the whole budget but what was spent is free.
      server.enqueue(AnthropicWire.json(200, AnthropicWire.text("batch-in-progress.json")).build());
      ralex.submitBatch(HAIKU, fourTickets());
    }
  }

  @Test
  void aResumedBatchIsRecordedEvenWhereItsWorstCaseNoLongerFitsTheBudget() {
    enqueueEndedBatchAndResults();
    // $0.005 holds less than the four requests' worst case ($0.01): resuming is not refused, since the provider
    // answers them anyway, and what they cost is recorded.
    try (Ralex ralex = ralex(Budget.daily(new BigDecimal("0.005")))) {
      Batch batch = ralex.resumeBatch(HAIKU, BATCH_ID, fourTickets());
      batch.results();
      assertThat(ralex.usage().spentToday()).isEqualByComparingTo("0.003");
    }
  }

  @Test
  void resumingABatchTheProviderDoesNotKnowFailsAndReservesNothing() {
    server.enqueue(AnthropicWire.json(404, "{\"type\":\"error\",\"error\":{\"type\":\"not_found_error\","
        + "\"message\":\"Batch not found\"}}").setHeader("request-id", "req_test_404").build());
    try (Ralex ralex = ralex(Budget.daily(new BigDecimal("0.015")))) {
      assertThatThrownBy(() -> ralex.resumeBatch(HAIKU, "msgbatch_unknown", fourTickets()))
          .isInstanceOfSatisfying(dev.ralex.api.LlmException.class, e -> {
            assertThat(e.httpStatus()).hasValue(404);
            assertThat(e.requestId()).hasValue("req_test_404");
            assertThat(e.getMessage()).doesNotContain(KEY);
          });
      assertThatThrownBy(() -> ralex.resumeBatch(HAIKU, " ", fourTickets()))
          .isInstanceOf(InvalidRequestException.class).hasMessageContaining("blank");
      assertThatThrownBy(() -> ralex.resumeBatch(HAIKU, BATCH_ID, List.of()))
          .isInstanceOf(InvalidRequestException.class).hasMessageContaining("at least one");
      server.enqueue(AnthropicWire.json(200, AnthropicWire.text("batch-in-progress.json")).build());
      ralex.submitBatch(HAIKU, fourTickets()); // The whole budget is free.
    }
  }

  @Test
  void aBatchWhoseWorstCaseWouldOverflowABudgetIsRefusedBeforeSending() {
    try (Ralex ralex = ralex(Budget.daily(new BigDecimal("0.005")))) {
      assertThatThrownBy(() -> ralex.submitBatch(HAIKU, fourTickets()))
          .isInstanceOf(BudgetExceededException.class);
      assertThat(server.getRequestCount()).isZero();
      assertThat(ralex.usage().spentToday()).isZero();
      // Nothing stays reserved: a single small request at the batch price still fits.
      server.enqueue(AnthropicWire.json(200, AnthropicWire.text("batch-in-progress.json")).build());
      ralex.submitBatch(HAIKU, fourTickets().subList(0, 1));
      assertThat(server.getRequestCount()).isEqualTo(1);
    }
  }

  @Test
  void aRefusedSubmissionReleasesEveryReservationAndKeepsTheKeySecret() {
    server.enqueue(AnthropicWire.json(401, AnthropicWire.text("error-401-authentication.json")).build());
    try (Ralex ralex = ralex(Budget.daily(new BigDecimal("0.015")))) {
      assertThatThrownBy(() -> ralex.submitBatch(HAIKU, fourTickets()))
          .isInstanceOfSatisfying(AuthenticationException.class, e -> {
            assertThat(e.httpStatus()).hasValue(401);
            assertThat(e.requestId()).hasValue("req_test_401");
            assertThat(e.getMessage()).doesNotContain(KEY);
          });
      server.enqueue(AnthropicWire.json(200, AnthropicWire.text("batch-in-progress.json")).build());
      ralex.submitBatch(HAIKU, fourTickets()); // The whole budget is free again.
    }
  }

  @Test
  void badBatchesAreRefusedAtTheBoundary() {
    try (Ralex ralex = ralex(null)) {
      assertThatThrownBy(() -> ralex.submitBatch(HAIKU, List.of())).isInstanceOf(InvalidRequestException.class)
          .hasMessageContaining("at least one");
      List<BatchItem> twice = List.of(BatchItem.of("same", ChatRequest.of("a")), BatchItem.of("same",
          ChatRequest.of("b")));
      assertThatThrownBy(() -> ralex.submitBatch(HAIKU, twice)).isInstanceOf(InvalidRequestException.class)
          .hasMessageContaining("'same' is used twice");
      assertThatThrownBy(() -> BatchItem.of("no spaces allowed", ChatRequest.of("a")))
          .isInstanceOf(IllegalArgumentException.class);
      assertThat(server.getRequestCount()).isZero();
    }
  }

  @Test
  void aBatchNotEndedInTimeIsATimeoutAndCanBeAwaitedAgainOrCancelled() throws Exception {
    server.enqueue(AnthropicWire.json(200, AnthropicWire.text("batch-in-progress.json")).build());
    for (int i = 0; i < 4; i++) {
      server.enqueue(AnthropicWire.json(200, AnthropicWire.text("batch-in-progress.json")).build());
    }
    server.enqueue(AnthropicWire.json(200, AnthropicWire.text("batch-in-progress.json")
        .replace("\"in_progress\"", "\"canceling\"")).build());
    try (Ralex ralex = ralex(null)) {
      Batch batch = ralex.submitBatch(HAIKU, fourTickets());
      assertThatThrownBy(() -> batch.awaitResults(Duration.ofSeconds(30)))
          .isInstanceOfSatisfying(LlmTimeoutException.class, e ->
              assertThat(e.getMessage()).contains(BATCH_ID).contains("4 of 4 requests still processing"));
      assertThat(waits).containsExactly(Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(15));
      assertThat(batch.cancel().status()).isEqualTo(BatchJob.Status.CANCELING);
    }
    server.takeRequest(5, TimeUnit.SECONDS);
    for (int i = 0; i < 4; i++) {
      server.takeRequest(5, TimeUnit.SECONDS);
    }
    RecordedRequest cancel = server.takeRequest(5, TimeUnit.SECONDS);
    assertThat(cancel.getMethod()).isEqualTo("POST");
    assertThat(cancel.getTarget()).isEqualTo("/v1/messages/batches/" + BATCH_ID + "/cancel");
  }

  @Test
  void aProviderWithoutBatchesIsRefused() {
    try (Ralex ralex = Ralex.builder()
        .provider("openrouter", Map.of("apiKey", KEY, "baseUrl", server.url("/").toString()))
        .environment(k -> null).build()) {
      String model = ralex.models().get(0).id();
      assertThatThrownBy(() -> ralex.submitBatch(model, fourTickets()))
          .isInstanceOf(InvalidRequestException.class).hasMessageContaining("has no batch endpoint");
    }
  }
}
