package dev.ralex.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The simulated server's prompt caching and tool-pair checks, over HTTP in Anthropic's wire format. */
class SimulatedPromptCacheTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient CLIENT = HttpClient.newHttpClient();
  /** About 2,500 tokens (four characters a token). */
  private static final String LONG = "lorem ipsum ".repeat(833);

  private final MutableClock clock = new MutableClock();
  private SimulatedLlmServer server;

  @BeforeEach
  void start() {
    server = new SimulatedLlmServer().clock(clock);
    server.start();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private JsonNode post(ObjectNode body) throws Exception {
    HttpResponse<String> response = CLIENT.send(HttpRequest.newBuilder(
            URI.create(server.anthropicBaseUrl() + "/v1/messages"))
        .header("x-api-key", "k").header("anthropic-version", "2023-06-01")
        .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(), HttpResponse.BodyHandlers.ofString());
    JsonNode json = JSON.readTree(response.body());
    return response.statusCode() == 200 ? json.get("usage") : ((ObjectNode) json).put("status", response.statusCode());
  }

  /** A request with {@code turns} user/assistant pairs of LONG text, a breakpoint on message {@code marked}. */
  private static ObjectNode body(String model, int turns, int marked) {
    ObjectNode body = JSON.createObjectNode().put("model", model).put("max_tokens", 100);
    ArrayNode messages = body.putArray("messages");
    for (int i = 0; i < turns * 2 + 1; i++) {
      ObjectNode m = messages.addObject().put("role", i % 2 == 0 ? "user" : "assistant");
      ObjectNode block = m.putArray("content").addObject().put("type", "text").put("text", i + " " + LONG);
      if (i == marked) {
        block.putObject("cache_control").put("type", "ephemeral");
      }
    }
    return body;
  }

  @Test
  void aRepeatedPrefixIsWrittenOnceThenRead() throws Exception {
    JsonNode first = post(body("claude-sonnet-4-5", 1, 1));
    JsonNode second = post(body("claude-sonnet-4-5", 1, 1));

    assertThat(first.get("cache_read_input_tokens").asLong()).isZero();
    long written = first.get("cache_creation_input_tokens").asLong();
    assertThat(written).isGreaterThan(4_000);
    assertThat(second.get("cache_read_input_tokens").asLong()).isEqualTo(written);
    assertThat(second.get("cache_creation_input_tokens").asLong()).isZero();
    assertThat(second.get("input_tokens").asLong()).isEqualTo(first.get("input_tokens").asLong());
  }

  @Test
  void theNextTurnReadsThePreviousBreakpointAndWritesOnlyWhatIsNew() throws Exception {
    JsonNode first = post(body("claude-sonnet-4-5", 1, 1));
    JsonNode next = post(body("claude-sonnet-4-5", 2, 3)); // Two blocks after the previous breakpoint.

    long previous = first.get("cache_creation_input_tokens").asLong();
    assertThat(next.get("cache_read_input_tokens").asLong()).isEqualTo(previous);
    assertThat(next.get("cache_creation_input_tokens").asLong()).isBetween(4_000L, 6_000L);
  }

  @Test
  void aHitFurtherThanTwentyBlocksBeforeTheBreakpointIsMissed() throws Exception {
    post(body("claude-sonnet-4-5", 1, 1));
    JsonNode far = post(body("claude-sonnet-4-5", 12, 23)); // 22 blocks after the cached breakpoint.

    assertThat(far.get("cache_read_input_tokens").asLong()).isZero();
  }

  @Test
  void theMarksThemselvesAndTheShortStringFormDoNotChangeThePrefix() throws Exception {
    post(body("claude-sonnet-4-5", 1, 1));
    ObjectNode again = body("claude-sonnet-4-5", 1, 1);
    // The first message as a plain string: the same text block.
    ((ObjectNode) again.get("messages").get(0)).put("content", "0 " + LONG);

    assertThat(post(again).get("cache_read_input_tokens").asLong()).isPositive();
  }

  @Test
  void entriesExpireAfterFiveMinutesUnlessRead() throws Exception {
    post(body("claude-sonnet-4-5", 1, 1));
    clock.advance(Duration.ofMinutes(4));
    assertThat(post(body("claude-sonnet-4-5", 1, 1)).get("cache_read_input_tokens").asLong()).isPositive();
    clock.advance(Duration.ofMinutes(4)); // Eight minutes after the write, four after the refreshing read.
    assertThat(post(body("claude-sonnet-4-5", 1, 1)).get("cache_read_input_tokens").asLong()).isPositive();
    clock.advance(Duration.ofMinutes(6));
    assertThat(post(body("claude-sonnet-4-5", 1, 1)).get("cache_read_input_tokens").asLong()).isZero();
  }

  @Test
  void aPrefixUnderTheModelsMinimumIsNotCached() throws Exception {
    // About 5,000 tokens up to the breakpoint: over Sonnet 4.5's 1,024, under nothing; Haiku 4.5 needs 4,096.
    ObjectNode small = body("claude-haiku-4-5", 0, 0); // One message of about 2,500 tokens.
    JsonNode usage = post(small);
    assertThat(usage.get("cache_creation_input_tokens").asLong()).isZero();
    assertThat(post(small).get("cache_read_input_tokens").asLong()).isZero();
    assertThat(post(body("claude-sonnet-4-5", 0, 0)).get("cache_creation_input_tokens").asLong()).isPositive();
  }

  @Test
  void anOrphanToolUseOrToolResultIsRejectedAsAnthropicDoes() throws Exception {
    ObjectNode orphanUse = JSON.createObjectNode().put("model", "claude-haiku-4-5").put("max_tokens", 100);
    ArrayNode messages = orphanUse.putArray("messages");
    messages.addObject().put("role", "user").put("content", "read it");
    messages.addObject().put("role", "assistant").putArray("content").addObject().put("type", "tool_use")
        .put("id", "toolu_1").put("name", "read_file").putObject("input");
    messages.addObject().put("role", "user").put("content", "never mind");

    JsonNode error = post(orphanUse);
    assertThat(error.get("status").asInt()).isEqualTo(400);
    assertThat(error.get("error").get("type").asText()).isEqualTo("invalid_request_error");
    assertThat(error.get("error").get("message").asText())
        .startsWith("messages.2: `tool_use` ids were found without `tool_result` blocks immediately after: toolu_1");

    ObjectNode orphanResult = JSON.createObjectNode().put("model", "claude-haiku-4-5").put("max_tokens", 100);
    orphanResult.putArray("messages").addObject().put("role", "user").putArray("content").addObject()
        .put("type", "tool_result").put("tool_use_id", "toolu_9").put("content", "42");
    JsonNode error2 = post(orphanResult);
    assertThat(error2.get("status").asInt()).isEqualTo(400);
    assertThat(error2.get("error").get("message").asText())
        .startsWith("messages.0.content.0: unexpected `tool_use_id` found in `tool_result` blocks: toolu_9");
  }

  /** A clock tests move by hand. */
  private static final class MutableClock extends Clock {
    private volatile Instant now = Instant.parse("2026-01-01T00:00:00Z");

    void advance(Duration d) {
      now = now.plus(d);
    }

    @Override
    public java.time.ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }
}
