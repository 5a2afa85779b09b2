package dev.ralex.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;

import dev.ralex.api.ChatRequest;
import dev.ralex.api.ChatResponse;
import dev.ralex.api.ErrorDetails;
import dev.ralex.api.LlmException;
import dev.ralex.api.ProviderUnavailableException;
import dev.ralex.api.RalexEvent;
import dev.ralex.api.RalexListener;
import dev.ralex.api.ResponseCache;
import dev.ralex.api.StopReason;
import dev.ralex.api.StreamHandler;
import dev.ralex.api.ToolDefinition;
import dev.ralex.api.Usage;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ResponseCacheTest {
  /** The test catalog's small model, taking sampling parameters. */
  private static final dev.ralex.api.ModelInfo SMALL = TestModels.SMALL.toBuilder()
      .capabilities(dev.ralex.api.Capability.TOOLS, dev.ralex.api.Capability.STREAMING,
          dev.ralex.api.Capability.SAMPLING_PARAMETERS)
      .build();
  private final ManualClock clock = ManualClock.at("2026-11-26T10:00:00Z");
  private final List<RalexEvent> events = new CopyOnWriteArrayList<>();

  private Ralex.Builder builder(ScriptedProvider provider, ResponseCache cache) {
    return Ralex.builder()
        .provider(provider)
        .catalog(ModelCatalog.of(List.of(SMALL, TestModels.LARGE)))
        .clock(clock)
        .sleeper(new RecordingSleeper(clock))
        .zone(ZoneOffset.UTC)
        .responseCache(cache, Duration.ofMinutes(10))
        .listener(new RalexListener() {
          @Override
          public void onEvent(RalexEvent event) {
            events.add(event);
          }
        });
  }

  private static ChatRequest ask(String text) {
    return ChatRequest.builder().addUserMessage(text).tag("team", "search").build();
  }

  @Test
  void aRepeatedRequestIsAnsweredFromTheCacheForNothing() {
    ScriptedProvider provider = new ScriptedProvider("test").thenAnswer("Paris", Usage.of(1_000, 2_000));
    try (Ralex ralex = builder(provider, InMemoryResponseCache.create(100, clock)).build()) {
      ChatResponse first = ralex.chat(ask("capital of France?"));
      ChatResponse second = ralex.chat(ask("capital of France?"));

      assertThat(provider.requests).hasSize(1);
      assertThat(first.fromCache()).isFalse();
      assertThat(first.cost()).isEqualByComparingTo("0.005");
      assertThat(second.fromCache()).isTrue();
      assertThat(second.text()).isEqualTo("Paris");
      assertThat(second.cost()).isZero();
      assertThat(second.callId()).isNotEqualTo(first.callId());
      assertThat(second.usage()).isEqualTo(first.usage());
      assertThat(ralex.usage().spentToday()).isEqualByComparingTo("0.005");
      assertThat(events).filteredOn(e -> e instanceof RalexEvent.CacheHit).singleElement()
          .satisfies(e -> {
            RalexEvent.CacheHit hit = (RalexEvent.CacheHit) e;
            assertThat(hit.callId()).isEqualTo(second.callId());
            assertThat(hit.saved()).isEqualByComparingTo("0.005");
            assertThat(hit.model()).isEqualTo("test/small");
          });
      CacheStats.Totals total = ralex.cacheStats().total();
      assertThat(total.hits()).isEqualTo(1);
      assertThat(total.misses()).isEqualTo(1);
      assertThat(total.saved()).isEqualByComparingTo("0.005");
      assertThat(total.hitRate()).isEqualTo(0.5);
      assertThat(ralex.cacheStats().byTag("team").get("search").hits()).isEqualTo(1);
    }
  }

  @Test
  void bypassNeverTouchesTheCacheAndRefreshReplacesItsAnswer() {
    ScriptedProvider provider = new ScriptedProvider("test")
        .thenAnswer("one", Usage.of(10, 5)).thenAnswer("two", Usage.of(10, 5)).thenAnswer("three", Usage.of(10, 5));
    try (Ralex ralex = builder(provider, InMemoryResponseCache.create(100, clock)).build()) {
      ChatRequest bypass = ask("q").toBuilder().option(ResponseCache.Mode.class, ResponseCache.Mode.BYPASS).build();
      assertThat(ralex.chat(bypass).text()).isEqualTo("one");
      assertThat(ralex.chat(ask("q")).text()).isEqualTo("two"); // Nothing was stored by the bypass.
      ChatRequest refresh = ask("q").toBuilder().option(ResponseCache.Mode.class, ResponseCache.Mode.REFRESH).build();
      assertThat(ralex.chat(refresh).text()).isEqualTo("three");
      ChatResponse cached = ralex.chat(ask("q"));
      assertThat(cached.fromCache()).isTrue();
      assertThat(cached.text()).isEqualTo("three");
      assertThat(provider.requests).hasSize(3);
    }
  }

  @Test
  void sampledRequestsAreCachedOnlyWhenTheCallerOptsIn() {
    ChatRequest sampled = ask("a poem").toBuilder().model("test/small").temperature(0.7).build();
    ChatRequest greedy = ask("a poem").toBuilder().model("test/small").temperature(0.0).build();
    ScriptedProvider provider = new ScriptedProvider("test");
    try (Ralex ralex = builder(provider, InMemoryResponseCache.create(100, clock)).build()) {
      ralex.chat(sampled);
      assertThat(ralex.chat(sampled).fromCache()).isFalse();
      ralex.chat(greedy);
      assertThat(ralex.chat(greedy).fromCache()).isTrue();
    }
    try (Ralex ralex = builder(new ScriptedProvider("test"), InMemoryResponseCache.create(100, clock))
        .cacheSampledRequests(true).build()) {
      ralex.chat(sampled);
      assertThat(ralex.chat(sampled).fromCache()).isTrue();
    }
  }

  @Test
  void anAnswerExpiresAfterItsTimeToLive() {
    ScriptedProvider provider = new ScriptedProvider("test");
    try (Ralex ralex = builder(provider, InMemoryResponseCache.create(100, clock)).build()) {
      ralex.chat(ask("q"));
      clock.advance(Duration.ofMinutes(9));
      assertThat(ralex.chat(ask("q")).fromCache()).isTrue();
      clock.advance(Duration.ofMinutes(2));
      assertThat(ralex.chat(ask("q")).fromCache()).isFalse();
      assertThat(provider.requests).hasSize(2);
    }
  }

  @Test
  void refusalsAndFailuresAreNeverCached() {
    ScriptedProvider provider = new ScriptedProvider("test")
        .thenFail(new ProviderUnavailableException("overloaded", false, ErrorDetails.of("test", 529, "r")));
    try (Ralex ralex = builder(provider, InMemoryResponseCache.create(100, clock))
        .retryPolicy(RetryPolicy.none()).build()) {
      assertThatThrownBy(() -> ralex.chat(ask("q").toBuilder().model("test/small").build()))
          .isInstanceOf(LlmException.class);
      assertThat(ralex.chat(ask("q").toBuilder().model("test/small").build()).fromCache()).isFalse();
    }
    ScriptedProvider refusing = new ScriptedProvider("test") {
      @Override
      public ChatResponse chat(dev.ralex.api.ModelInfo model, ChatRequest request) {
        ChatResponse r = super.chat(model, request);
        return r.toBuilder().stopReason(StopReason.REFUSAL).build();
      }
    };
    try (Ralex ralex = builder(refusing, InMemoryResponseCache.create(100, clock)).build()) {
      ralex.chat(ask("q"));
      assertThat(ralex.chat(ask("q")).fromCache()).isFalse();
      assertThat(refusing.requests).hasSize(2);
    }
  }

  @Test
  void aStreamedRequestIsServedAsAReplayedStream() throws Exception {
    ScriptedProvider provider = new ScriptedProvider("test").thenAnswer("Hello there", Usage.of(10, 5));
    try (Ralex ralex = builder(provider, InMemoryResponseCache.create(100, clock)).build()) {
      ralex.chat(ask("greet me"));
      List<String> seen = new CopyOnWriteArrayList<>();
      CompletableFuture<ChatResponse> end = new CompletableFuture<>();
      ralex.stream(ask("greet me"), new StreamHandler() {
        @Override
        public void onTextDelta(String text) {
          seen.add("text " + text);
        }

        @Override
        public void onUsage(Usage usage) {
          seen.add("usage " + usage.outputTokens());
        }

        @Override
        public void onComplete(ChatResponse response) {
          end.complete(response);
        }

        @Override
        public void onError(LlmException error) {
          end.completeExceptionally(error);
        }
      });
      ChatResponse streamed = end.get(10, TimeUnit.SECONDS);
      assertThat(seen).containsExactly("text Hello there", "usage 5");
      assertThat(streamed.fromCache()).isTrue();
      assertThat(provider.requests).hasSize(1);
    }
  }

  @Test
  void aBrokenCacheNeverFailsACall() {
    ResponseCache broken = new ResponseCache() {
      @Override
      public Optional<ChatResponse> get(String key) {
        throw new IllegalStateException("cache down");
      }

      @Override
      public void put(String key, ChatResponse response, Duration ttl) {
        throw new IllegalStateException("cache down");
      }
    };
    ScriptedProvider provider = new ScriptedProvider("test");
    try (Ralex ralex = builder(provider, broken).build()) {
      assertThat(ralex.chat(ask("q")).fromCache()).isFalse();
      assertThat(ralex.chat(ask("q")).fromCache()).isFalse();
      assertThat(provider.requests).hasSize(2);
    }
  }

  @Test
  void theKeyChangesWithWhatChangesTheAnswerAndNotWithTags() {
    ChatRequest base = ChatRequest.builder().system("be brief").addUserMessage("hi").model("test/small")
        .maxOutputTokens(100).build();
    String key = ResponseCacheKey.of(base, "sel");
    List<ChatRequest> different = List.of(
        base.toBuilder().model("test/large").build(),
        base.toBuilder().system("be thorough").build(),
        base.toBuilder().addUserMessage("and more").build(),
        base.toBuilder().maxOutputTokens(200).build(),
        base.toBuilder().temperature(0.0).build(),
        base.toBuilder().topP(0.5).build(),
        base.toBuilder().stopSequences(List.of("END")).build(),
        base.toBuilder().addTool(ToolDefinition.of("f", "d", "{\"type\":\"object\"}")).build());
    for (ChatRequest r : different) {
      assertThat(ResponseCacheKey.of(r, "sel")).as(r.toString()).isNotEqualTo(key);
    }
    assertThat(ResponseCacheKey.of(base.toBuilder().tag("user", "ada").conversationId("c1").build(), "sel"))
        .isEqualTo(key);
    ChatRequest auto = ChatRequest.of("hi");
    assertThat(ResponseCacheKey.of(auto, "rules")).isNotEqualTo(ResponseCacheKey.of(auto, "bandit"));
  }

  @Test
  void theInMemoryCacheHoldsAtMostItsBoundUnderConcurrency() throws Exception {
    qt().withExamples(5).forAll(integers().between(1, 50)).checkAssert(bound -> {
      InMemoryResponseCache cache = InMemoryResponseCache.create(bound, clock);
      ChatResponse answer = ScriptedProvider.answer(TestModels.SMALL, "x", Usage.of(1, 1));
      ExecutorService pool = Executors.newFixedThreadPool(8);
      try {
        List<Future<?>> futures = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
          int thread = t;
          futures.add(pool.submit(() -> {
            for (int i = 0; i < 200; i++) {
              cache.put("k" + thread + "-" + i, answer, Duration.ofMinutes(1));
              cache.get("k" + thread + "-" + (i / 2));
            }
          }));
        }
        for (Future<?> f : futures) {
          f.get(30, TimeUnit.SECONDS);
        }
      } catch (Exception e) {
        throw new AssertionError(e);
      } finally {
        pool.shutdownNow();
      }
      assertThat(cache.size()).isEqualTo(bound);
    });
    assertThatThrownBy(() -> InMemoryResponseCache.create(0)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void savedCostIsExact() {
    ScriptedProvider provider = new ScriptedProvider("test").thenAnswer("a", Usage.of(333, 777));
    try (Ralex ralex = builder(provider, InMemoryResponseCache.create(10, clock)).build()) {
      ChatResponse first = ralex.chat(ask("q"));
      for (int i = 0; i < 3; i++) {
        ralex.chat(ask("q"));
      }
      assertThat(ralex.cacheStats().total().saved()).isEqualByComparingTo(first.cost().multiply(BigDecimal.valueOf(3)));
    }
  }
}
