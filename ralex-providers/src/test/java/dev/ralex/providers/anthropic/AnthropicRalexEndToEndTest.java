package dev.ralex.providers.anthropic;

import static dev.ralex.providers.anthropic.AnthropicWire.KEY;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ralex.api.ChatRequest;
import dev.ralex.api.ChatResponse;
import dev.ralex.api.ErrorKind;
import dev.ralex.api.ModelInfo;
import dev.ralex.api.RalexEvent;
import dev.ralex.api.RalexListener;
import dev.ralex.api.Usage;
import dev.ralex.core.Ralex;
import dev.ralex.core.Sleeper;
import dev.ralex.core.UsageRecord;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockWebServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The provider found by id through Ralex's pipeline: retry on 529, then success, usage and cost recorded. */
class AnthropicRalexEndToEndTest {
  private final MockWebServer server = new MockWebServer();
  private final List<Duration> waits = new CopyOnWriteArrayList<>();
  private final List<RalexEvent> events = new CopyOnWriteArrayList<>();
  private final ByteArrayOutputStream output = new ByteArrayOutputStream();
  private PrintStream originalErr;
  private PrintStream originalOut;

  @BeforeEach
  void start() throws Exception {
    server.start();
    // Everything the pipeline logs (debug summaries included) lands here, to be searched for the key.
    originalErr = System.err;
    originalOut = System.out;
    PrintStream capture = new PrintStream(output, true, StandardCharsets.UTF_8);
    System.setErr(capture);
    System.setOut(capture);
  }

  @AfterEach
  void stop() {
    System.setErr(originalErr);
    System.setOut(originalOut);
    server.close();
  }

  private Ralex ralex() {
    Sleeper noWait = waits::add; // Records the backoff instead of sleeping.
    return Ralex.builder()
        .provider("anthropic", Map.of("apiKey", KEY, "baseUrl", server.url("/").toString()))
        .environment(k -> null)
        .sleeper(noWait)
        .listener(new RalexListener() {
          @Override
          public void onEvent(RalexEvent event) {
            events.add(event);
          }
        })
        .debug(true)
        .build();
  }

  @Test
  void retriesAnOverloadThenRecordsUsageAndCost() throws Exception {
    server.enqueue(AnthropicWire.json(529, AnthropicWire.text("error-529-overloaded.json")).build());
    server.enqueue(AnthropicWire.json(200, AnthropicWire.text("response-tool-use.json")).build());
    try (Ralex ralex = ralex()) {
      ChatResponse r = ralex.chat(ChatRequest.builder().model("anthropic/claude-haiku-4-5").addUserMessage("weather?")
          .build());
      ModelInfo model = ralex.model("anthropic/claude-haiku-4-5");
      assertThat(r.attempts()).isEqualTo(2);
      assertThat(r.model()).isEqualTo("anthropic/claude-haiku-4-5");
      assertThat(r.provider()).isEqualTo("anthropic");
      assertThat(r.usage()).isEqualTo(new Usage(384, 58, 0, 1200));
      assertThat(r.cost()).isPositive().isEqualByComparingTo(model.pricing().costOf(r.usage()));
      assertThat(r.toolUses()).hasSize(1);
      assertThat(waits).hasSize(1);

      List<UsageRecord> records = ralex.usage().records(Instant.EPOCH, Instant.now().plusSeconds(3600));
      assertThat(records).hasSize(1);
      assertThat(records.get(0).usage()).isEqualTo(r.usage());
      assertThat(records.get(0).cost()).isEqualByComparingTo(r.cost());
      assertThat(records.get(0).provider()).isEqualTo("anthropic");

      RalexEvent.Retrying retry = events.stream().filter(e -> e instanceof RalexEvent.Retrying)
          .map(e -> (RalexEvent.Retrying) e).findFirst().orElseThrow();
      assertThat(retry.cause().kind()).isEqualTo(ErrorKind.OVERLOADED);
      assertThat(retry.cause().getMessage()).doesNotContain(KEY);
    }
    assertThat(server.getRequestCount()).isEqualTo(2);
    assertThat(server.takeRequest(5, TimeUnit.SECONDS).getHeaders().get("x-api-key")).isEqualTo(KEY);
    assertThat(output.toString(StandardCharsets.UTF_8)).doesNotContain(KEY);
  }

  @Test
  void streamsThroughThePipeline() throws Exception {
    server.enqueue(AnthropicWire.sse(AnthropicWire.text("stream-text.sse")).build());
    try (Ralex ralex = ralex()) {
      RecordingHandler h = new RecordingHandler();
      ralex.stream(ChatRequest.builder().model("anthropic/claude-haiku-4-5").addUserMessage("hi").build(), h);
      h.awaitEnd();
      assertThat(h.error).isNull();
      assertThat(h.text.toString()).isEqualTo("Hello, wörld! 你好 👋");
      assertThat(h.response.usage()).isEqualTo(new Usage(25, 15, 1800, 0));
      assertThat(h.response.cost()).isPositive();
    }
    assertThat(output.toString(StandardCharsets.UTF_8)).doesNotContain(KEY);
  }
}
