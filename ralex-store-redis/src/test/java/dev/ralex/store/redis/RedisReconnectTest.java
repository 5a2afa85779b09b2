package dev.ralex.store.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ralex.api.Usage;
import dev.ralex.core.BudgetScope;
import dev.ralex.core.UsageRecord;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.RedisClient;

/**
 * The stores survive the server dropping their connections (as after a Redis restart): the tests do not own the
 * server, so they kill every client connection but the admin's with {@code CLIENT KILL} instead.
 */
class RedisReconnectTest {
  private final String prefix = TestRedis.uniquePrefix("reconnect");
  private RedisClient client;
  private RedisClient admin;

  @BeforeAll
  static void assumeRedis() {
    TestRedis.assumeAvailable();
  }

  @AfterEach
  void cleanUp() {
    if (admin != null) {
      TestRedis.deleteKeys(admin, prefix);
      admin.close();
    }
    if (client != null) {
      client.close();
    }
  }

  /** Kills every connection of {@code client}'s pool: those not of the admin's connection. */
  private void killConnections() {
    long adminId = (Long) admin.sendCommand(redis.clients.jedis.Protocol.Command.CLIENT, "ID");
    // SKIPME yes spares the admin's own connection; other tests' clients may be killed too, and recover likewise.
    String list = (String) redis.clients.jedis.util.SafeEncoder.encodeObject(
        admin.sendCommand(redis.clients.jedis.Protocol.Command.CLIENT, "LIST"));
    long killed = 0;
    for (String line : list.split("\n")) {
      if (line.contains("lib-name=") || line.startsWith("id=")) {
        long id = Long.parseLong(line.substring(3, line.indexOf(' ')));
        if (id != adminId && line.contains("name=" + NAME)) {
          admin.sendCommand(redis.clients.jedis.Protocol.Command.CLIENT, "KILL", "ID", Long.toString(id));
          killed++;
        }
      }
    }
    assertThat(killed).isPositive();
  }

  private static final String NAME = "ralex-reconnect-test";

  @Test
  void everyStoreKeepsWorkingAfterItsConnectionsAreKilled() {
    TestRedis.assumeAvailable();
    admin = TestRedis.client(1);
    client = RedisClient.builder().fromURI(java.net.URI.create(System.getenv("RALEX_TEST_REDIS_URL")))
        .clientConfig(redis.clients.jedis.DefaultJedisClientConfig.builder().clientName(NAME).build())
        .poolConfig(poolOf(4)).build();
    RedisUsageStore usage = RedisUsageStore.builder(client).keyPrefix(prefix).attempts(6).build();
    RedisRateLimitStore limits = RedisRateLimitStore.builder(client).keyPrefix(prefix).attempts(6).build();
    RedisBudgetGate gate = RedisBudgetGate.builder(client).keyPrefix(prefix).attempts(6).build();
    Instant at = Instant.parse("2026-11-26T12:00:00Z");
    RedisBudgetGate.Cap cap = new RedisBudgetGate.Cap("c", BigDecimal.ONE, Instant.now().plus(Duration.ofDays(2)));

    for (int round = 0; round < 3; round++) {
      usage.append(new UsageRecord("call-" + round, at.plusSeconds(round), "m", "p", Usage.of(1, 1),
          new BigDecimal("0.10"), Map.of(), null));
      assertThat(limits.take("k", 100, 60_000, 10, 0, 1_000)).isZero();
      gate.reserve(List.of(cap), new BigDecimal("0.2"), Duration.ofMinutes(1)).commit(new BigDecimal("0.1"));
      killConnections();
      // The server also forgets its scripts after a restart: EVALSHA falls back to EVAL.
      admin.sendCommand(redis.clients.jedis.Protocol.Command.SCRIPT, "FLUSH");
    }
    assertThat(usage.records(at, at.plusSeconds(10))).hasSize(3);
    assertThat(usage.spent(at, at.plusSeconds(10), BudgetScope.GLOBAL)).isEqualByComparingTo("0.30");
    assertThat(limits.balance("k", 100, 60_000, 1_000)).isEqualTo(70.0);
    assertThat(gate.totals("c").committed()).isEqualByComparingTo("0.3");
    assertThat(gate.totals("c").reserved()).isEqualByComparingTo("0");
  }

  private static org.apache.commons.pool2.impl.GenericObjectPoolConfig<redis.clients.jedis.Connection> poolOf(int n) {
    var pool = new org.apache.commons.pool2.impl.GenericObjectPoolConfig<redis.clients.jedis.Connection>();
    pool.setMaxTotal(n);
    pool.setMaxIdle(n);
    return pool;
  }
}
