package dev.ralex.store.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import dev.ralex.core.RateLimitStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.RedisClient;

/** The Redis store gives exactly the in-memory store's results on the same random operation sequences. */
class RedisRateLimitStoreParityTest {
  private static RedisClient client;
  private final String prefix = TestRedis.uniquePrefix("ratelimit");

  @BeforeAll
  static void connect() {
    TestRedis.assumeAvailable();
    client = TestRedis.client();
  }

  @AfterAll
  static void disconnect() {
    if (client != null) {
      client.close();
    }
  }

  @AfterEach
  void deleteKeys() {
    TestRedis.deleteKeys(client, prefix);
  }

  private RedisRateLimitStore redis() {
    return RedisRateLimitStore.builder(client).keyPrefix(prefix).idleGrace(java.time.Duration.ofHours(1)).build();
  }

  @Test
  void randomSequencesGiveTheSameResults() {
    RedisRateLimitStore redis = redis();
    int[] run = {0};
    qt().withExamples(60).withFixedSeed(20261126L).forAll(longs().between(0, Long.MAX_VALUE / 2),
        integers().between(1, 120)).checkAssert((seed, length) -> {
          RateLimitStore memory = RateLimitStore.inMemory();
          String bucketPrefix = "run" + run[0]++ + ":";
          List<String> log = new ArrayList<>();
          Random random = new Random(seed);
          long now = 1_700_000_000_000L + random.nextInt(1_000_000);
          long[] capacities = {1, 3, 50, 1000, 40_000, 2_000_000};
          long[] windows = {1, 999, 1000, 60_000, 86_400_000};
          for (int i = 0; i < length; i++) {
            String key = bucketPrefix + random.nextInt(3);
            long capacity = capacities[Math.floorMod(key.hashCode(), capacities.length)];
            long window = windows[Math.floorMod(key.hashCode() * 31, windows.length)];
            now += random.nextInt(4) == 0 ? -random.nextInt(500) : random.nextInt(random.nextBoolean() ? 50 : 100_000);
            double amount = random.nextInt(3) == 0 ? random.nextDouble() * capacity
                : random.nextInt((int) Math.min(capacity * 2, Integer.MAX_VALUE - 1) + 1);
            String step = i + " " + key + " cap=" + capacity + " win=" + window + " now=" + now;
            switch (random.nextInt(5)) {
              case 0:
              case 1: {
                long maxWait = random.nextInt(4) == 0 ? Long.MAX_VALUE : random.nextInt(2 * (int) Math.min(window,
                    1_000_000));
                long a = memory.take(key, capacity, window, amount, maxWait, now);
                long b = redis.take(key, capacity, window, amount, maxWait, now);
                assertThat(b).as("take %s amount=%s maxWait=%s", step, amount, maxWait).isEqualTo(a);
                break;
              }
              case 2:
                memory.giveBack(key, capacity, window, amount, now);
                redis.giveBack(key, capacity, window, amount, now);
                break;
              case 3: {
                double target = random.nextBoolean() ? random.nextInt((int) Math.min(capacity, 1_000_000))
                    : -random.nextDouble() * capacity;
                memory.lowerTo(key, capacity, window, target, now);
                redis.lowerTo(key, capacity, window, target, now);
                break;
              }
              default:
                break;
            }
            double expected = memory.balance(key, capacity, window, now);
            double actual = redis.balance(key, capacity, window, now);
            assertThat(Double.doubleToLongBits(actual)).as("balance after %s: %s vs %s", step, actual, expected)
                .isEqualTo(Double.doubleToLongBits(expected));
            log.add(step);
          }
        });
  }

  @Test
  void refusalsAndWaitsAreEncodedAsInMemory() {
    RedisRateLimitStore redis = redis();
    RateLimitStore memory = RateLimitStore.inMemory();
    long now = 1_000_000;
    for (RateLimitStore s : List.of(memory, redis)) {
      assertThat(s.take("k", 10, 1000, 10, 0, now)).isEqualTo(0);
      assertThat(s.take("k", 10, 1000, 5, 400, now)).isEqualTo(-1 - 500); // refused: 500 ms until it fits
      assertThat(s.take("k", 10, 1000, 5, 500, now)).isEqualTo(500);
      assertThat(s.balance("k", 10, 1000, now)).isEqualTo(-5.0);
      s.lowerTo("k", 10, 1000, -20, now + 100);
      assertThat(s.balance("k", 10, 1000, now + 100)).isEqualTo(-20.0);
      s.giveBack("k", 10, 1000, 100, now + 100);
      assertThat(s.balance("k", 10, 1000, now + 100)).isEqualTo(10.0);
      assertThat(s.take("k", 10, 1000, 1e300, Long.MAX_VALUE - 1, now + 100)).isEqualTo(-1 - Long.MAX_VALUE);
    }
  }

  @Test
  void idleBucketsExpire() {
    RedisRateLimitStore redis = redis();
    redis.take("idle", 10, 1000, 4, 0, 5_000);
    long ttl = client.pttl(prefix + "rl:idle");
    // 400 ms to refill plus the hour of grace.
    assertThat(ttl).isBetween(3_600_000L, 3_600_400L);
  }

  @Test
  void serverTimeIgnoresTheCallersClock() {
    RedisRateLimitStore redis = RedisRateLimitStore.builder(client).keyPrefix(prefix).serverTime(true).build();
    assertThat(redis.take("s", 10, 60_000, 10, 0, 0)).isZero();
    assertThat(redis.take("s", 10, 60_000, 10, 0, Long.MAX_VALUE / 4)).isLessThan(0); // no refill from nowMillis
  }
}
