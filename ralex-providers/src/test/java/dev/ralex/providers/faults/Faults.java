package dev.ralex.providers.faults;

import dev.ralex.api.ApiKey;
import dev.ralex.api.Capability;
import dev.ralex.api.ModelInfo;
import dev.ralex.api.ModelTier;
import dev.ralex.api.Pricing;
import dev.ralex.api.RalexEvent;
import dev.ralex.api.RalexListener;
import dev.ralex.core.ModelCatalog;
import dev.ralex.core.Ralex;
import dev.ralex.core.Sleeper;
import dev.ralex.core.UsageRecord;
import dev.ralex.providers.anthropic.AnthropicProvider;
import dev.ralex.providers.internal.ProviderHttp;
import dev.ralex.providers.openrouter.OpenRouterProvider;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.SocketEffect;

/**
 * Fixtures of the fault-injection suite: the wire samples, test models with round prices, a clock that moves
 * only when the pipeline waits, a sleeper that records each wait instead of sleeping, and a listener that keeps
 * every event.
 */
final class Faults {
  /** A test key, distinctive enough to find if it ever leaked; not shaped like a real one. */
  static final String ANTHROPIC_KEY = "test-anthropic-key-FAULTS-0f0f-1234";
  static final String OPENROUTER_KEY = "test-openrouter-key-FAULTS-0f0f-5678";
  static final Instant START = Instant.parse("2026-11-23T13:02:41Z");

  /** Cheap, the model a call asks for: $1 in, $5 out, $0.10 cache read, $1.25 cache write per MTok. */
  static final ModelInfo HAIKU = ModelInfo.builder("anthropic/claude-haiku-4-5")
      .contextWindow(200_000)
      .maxOutputTokens(64_000)
      .tier(ModelTier.CHEAP)
      .capabilities(Capability.TOOLS, Capability.STREAMING)
      .pricing(price("1", "5", "0.10", "1.25"))
      .build();

  /** The fallback: $3 in, $15 out, $0.30 cache read, $3.75 cache write per MTok. */
  static final ModelInfo SONNET = ModelInfo.builder("anthropic/claude-sonnet-4-6")
      .contextWindow(200_000)
      .maxOutputTokens(64_000)
      .tier(ModelTier.BALANCED)
      .capabilities(Capability.TOOLS, Capability.STREAMING)
      .pricing(price("3", "15", "0.30", "3.75"))
      .build();

  static final ModelInfo LLAMA_8B = ModelInfo.builder("openrouter/meta-llama/llama-3.1-8b-instruct")
      .contextWindow(131_072)
      .maxOutputTokens(16_384)
      .tier(ModelTier.CHEAP)
      .capabilities(Capability.TOOLS, Capability.STREAMING)
      .pricing(price("0.02", "0.03", "0", "0"))
      .build();

  static final ModelInfo LLAMA_70B = ModelInfo.builder("openrouter/meta-llama/llama-3.3-70b-instruct")
      .contextWindow(131_072)
      .maxOutputTokens(16_384)
      .tier(ModelTier.CHEAP)
      .capabilities(Capability.TOOLS, Capability.STREAMING)
      .pricing(price("0.10", "0.32", "0", "0"))
      .build();

  /** An Anthropic {@code api_error} body, which Anthropic sends with a 500. */
  static final String API_ERROR_500 =
      "{\"type\":\"error\",\"error\":{\"type\":\"api_error\",\"message\":\"Internal server error\"}}";

  private Faults() {}

  private static Pricing price(String in, String out, String cacheRead, String cacheWrite) {
    return new Pricing(new BigDecimal(in), new BigDecimal(out), new BigDecimal(cacheRead), new BigDecimal(cacheWrite),
        "test", LocalDate.of(2026, 11, 25));
  }

  /** The test models only, so that catalog changes cannot move the figures asserted here. */
  static ModelCatalog catalog() {
    return ModelCatalog.of(List.of(HAIKU, SONNET, LLAMA_8B, LLAMA_70B));
  }

  // Wire samples.

  static String anthropic(String name) {
    return sample("/wire/anthropic/" + name);
  }

  static String openRouter(String name) {
    return sample("/wire/openrouter/" + name);
  }

  private static String sample(String path) {
    try (InputStream in = Faults.class.getResourceAsStream(path)) {
      if (in == null) {
        throw new IllegalArgumentException("no sample " + path);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** An Anthropic JSON answer with the given status, its request id in the {@code request-id} header. */
  static MockResponse.Builder anthropicJson(int code, String body, String requestId) {
    return new MockResponse.Builder()
        .code(code)
        .addHeader("content-type", "application/json")
        .addHeader("request-id", requestId)
        .body(body);
  }

  /** An Anthropic event stream. */
  static MockResponse.Builder anthropicSse(String body) {
    return new MockResponse.Builder()
        .code(200)
        .addHeader("content-type", "text/event-stream; charset=utf-8")
        .addHeader("request-id", "req_stream")
        .body(body);
  }

  /** An OpenRouter answer with the given status, its request id in {@code x-request-id}. */
  static MockResponse.Builder openRouterResponse(int code, String contentType, String body, String requestId) {
    return new MockResponse.Builder()
        .code(code)
        .addHeader("content-type", contentType)
        .addHeader("x-request-id", requestId)
        .body(body);
  }

  /** The server closes the connection as soon as it has read the request: not a byte of answer. */
  static MockResponse disconnectAtStart() {
    return new MockResponse.Builder().onResponseStart(new SocketEffect.CloseSocket(true, true, true)).build();
  }

  // Providers against a MockWebServer.

  static AnthropicProvider anthropicProvider(MockWebServer server, Clock clock) {
    return AnthropicProvider.builder()
        .apiKey(ApiKey.of(ANTHROPIC_KEY))
        .baseUrl(server.url("/").toString())
        .clock(clock)
        .build();
  }

  /** An Anthropic provider whose reads time out after {@code readTimeout}. */
  static AnthropicProvider anthropicProvider(MockWebServer server, Clock clock, Duration readTimeout) {
    return AnthropicProvider.builder()
        .apiKey(ApiKey.of(ANTHROPIC_KEY))
        .baseUrl(server.url("/").toString())
        .httpClient(ProviderHttp.shared().newBuilder().readTimeout(readTimeout).build())
        .clock(clock)
        .build();
  }

  static OpenRouterProvider openRouterProvider(MockWebServer server, Clock clock) {
    return OpenRouterProvider.builder()
        .apiKey(ApiKey.of(OPENROUTER_KEY))
        .baseUrl(server.url("/api/v1").toString())
        .clock(clock)
        .build();
  }

  /** A Ralex builder on the test catalog, the manual clock, the recording sleeper and the event log. */
  static Ralex.Builder ralex(ManualClock clock, RecordingSleeper sleeper, Events events) {
    return Ralex.builder()
        .catalog(catalog())
        .environment(k -> null)
        .clock(clock)
        .zone(ZoneOffset.UTC)
        .sleeper(sleeper)
        .listener(events);
  }

  /** Every usage record the tracker holds. */
  static List<UsageRecord> records(Ralex ralex) {
    return ralex.usage().records(Instant.EPOCH, Instant.parse("2100-01-01T00:00:00Z"));
  }

  /** A clock that moves only when told to (by the sleeper, or by a test). Thread-safe. */
  static final class ManualClock extends Clock {
    private final AtomicReference<Instant> now;

    ManualClock(Instant start) {
      this.now = new AtomicReference<>(start);
    }

    void advance(Duration d) {
      now.updateAndGet(t -> t.plus(d));
    }

    @Override
    public Instant instant() {
      return now.get();
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      throw new UnsupportedOperationException();
    }
  }

  /**
   * Returns at once from every wait, remembering it and advancing the manual clock by it, as a real wait would.
   * Both of {@link Sleeper}'s methods go through {@link #sleep}. Thread-safe.
   */
  static final class RecordingSleeper implements Sleeper {
    private final ManualClock clock;
    final List<Duration> waits = new CopyOnWriteArrayList<>();

    RecordingSleeper(ManualClock clock) {
      this.clock = clock;
    }

    @Override
    public void sleep(Duration duration) {
      waits.add(duration);
      clock.advance(duration);
    }

    Duration total() {
      return waits.stream().reduce(Duration.ZERO, Duration::plus);
    }
  }

  /** Keeps every event Ralex fires, in order. Thread-safe. */
  static final class Events implements RalexListener {
    final List<RalexEvent> all = new CopyOnWriteArrayList<>();

    @Override
    public void onEvent(RalexEvent event) {
      all.add(event);
    }

    <T extends RalexEvent> List<T> of(Class<T> type) {
      return all.stream().filter(type::isInstance).map(type::cast).collect(Collectors.toList());
    }
  }
}
