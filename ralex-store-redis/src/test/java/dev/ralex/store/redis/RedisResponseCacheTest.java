package dev.ralex.store.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ralex.api.ChatRequest;
import dev.ralex.api.ChatResponse;
import dev.ralex.api.ModelInfo;
import dev.ralex.api.ModelTier;
import dev.ralex.api.Pricing;
import dev.ralex.core.ModelCatalog;
import dev.ralex.core.Ralex;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.RedisClient;

/** The response cache shared by two processes' Ralex instances through the test Redis server. */
class RedisResponseCacheTest {
  private static final ModelInfo PAID = ModelInfo.builder("sim/paid").contextWindow(10_000).maxOutputTokens(1_000)
      .tier(ModelTier.CHEAP).pricing(new Pricing(new BigDecimal("1"), new BigDecimal("2"), BigDecimal.ZERO,
          BigDecimal.ZERO, "test", LocalDate.of(2026, 11, 25))).build();

  private final String prefix = TestRedis.uniquePrefix("cache");
  private RedisClient a;
  private RedisClient b;

  @BeforeEach
  void connect() {
    TestRedis.assumeAvailable();
    a = TestRedis.client(2);
    b = TestRedis.client(2);
  }

  @AfterEach
  void clean() {
    if (a != null) {
      TestRedis.deleteKeys(a, prefix);
      a.close();
      b.close();
    }
  }

  private static Ralex ralex(FixedUsageProvider provider, RedisClient client, String prefix) {
    return Ralex.builder().provider(provider).catalog(ModelCatalog.of(List.of(PAID))).defaultModel("sim/paid")
        .zone(ZoneOffset.UTC).responseCache(RedisResponseCache.create(client, prefix), Duration.ofMinutes(5))
        .build();
  }

  @Test
  void anAnswerMadeByOneInstanceIsServedToAnother() {
    FixedUsageProvider first = new FixedUsageProvider("sim", r -> 10, PAID);
    FixedUsageProvider second = new FixedUsageProvider("sim", r -> 10, PAID);
    ChatRequest request = ChatRequest.builder().addUserMessage("what is 2 + 2?").maxOutputTokens(50).build();
    try (Ralex one = ralex(first, a, prefix); Ralex two = ralex(second, b, prefix)) {
      ChatResponse made = one.chat(request);
      ChatResponse served = two.chat(request);
      assertThat(served.fromCache()).isTrue();
      assertThat(served.cost()).isZero();
      assertThat(served.text()).isEqualTo(made.text());
      assertThat(served.usage()).isEqualTo(made.usage());
      assertThat(first.calls.get()).isEqualTo(1);
      assertThat(second.calls.get()).isZero();
      assertThat(two.cacheStats().total().saved()).isEqualByComparingTo(made.cost());
    }
    // One entry, expiring within the time to live on Redis's clock.
    List<String> keys = new java.util.ArrayList<>(a.keys(prefix + "cache:*"));
    assertThat(keys).hasSize(1);
    assertThat(a.pttl(keys.get(0))).isBetween(1L, Duration.ofMinutes(5).toMillis());
  }

  @Test
  void anEntryThatDoesNotParseIsAMissAndIsDropped() {
    FixedUsageProvider provider = new FixedUsageProvider("sim", r -> 10, PAID);
    ChatRequest request = ChatRequest.builder().addUserMessage("hello").maxOutputTokens(50).build();
    try (Ralex ralex = ralex(provider, a, prefix)) {
      ralex.chat(request);
      String key = a.keys(prefix + "cache:*").iterator().next();
      a.set(key.getBytes(StandardCharsets.UTF_8), "{broken".getBytes(StandardCharsets.UTF_8));
      assertThat(ralex.chat(request).fromCache()).isFalse();
      assertThat(provider.calls.get()).isEqualTo(2);
      // The answer just made replaced the broken entry.
      assertThat(ralex.chat(request).fromCache()).isTrue();
    }
  }

  @Test
  void anUnreachableServerMakesEveryCallAMissNotAFailure() {
    FixedUsageProvider provider = new FixedUsageProvider("sim", r -> 10, PAID);
    RedisClient dead = RedisClient.builder().fromURI(java.net.URI.create("redis://127.0.0.1:1")).build();
    try (Ralex ralex = ralex(provider, dead, prefix)) {
      ChatRequest request = ChatRequest.of("hello");
      assertThat(ralex.chat(request).fromCache()).isFalse();
      assertThat(ralex.chat(request).fromCache()).isFalse();
      assertThat(provider.calls.get()).isEqualTo(2);
    } finally {
      dead.close();
    }
  }
}
