package dev.ralex.store.redis;

import java.net.URI;
import java.util.UUID;
import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import org.junit.jupiter.api.Assumptions;
import redis.clients.jedis.Connection;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;

/** The Redis server tests are given in {@code RALEX_TEST_REDIS_URL}; tests skip without it. */
public final class TestRedis {
  private TestRedis() {}

  /** Skips the calling test (or class) unless a server is configured. */
  public static void assumeAvailable() {
    String url = System.getenv("RALEX_TEST_REDIS_URL");
    Assumptions.assumeTrue(url != null && !url.isBlank(),
        "RALEX_TEST_REDIS_URL is not set: start Redis with scripts/with-test-servers.sh (see the README)");
  }

  /** A new pooled client of its own (separate connections) on the test server. */
  public static RedisClient client() {
    return client(8);
  }

  /** A new pooled client with at most {@code maxConnections} connections. */
  public static RedisClient client(int maxConnections) {
    GenericObjectPoolConfig<Connection> pool = new GenericObjectPoolConfig<>();
    pool.setMaxTotal(maxConnections);
    pool.setMaxIdle(maxConnections);
    return RedisClient.builder().fromURI(URI.create(System.getenv("RALEX_TEST_REDIS_URL"))).poolConfig(pool)
        .build();
  }

  /** A key prefix no other test uses. */
  public static String uniquePrefix(String test) {
    return "ralex-test:" + test + ":" + UUID.randomUUID() + ":";
  }

  /** Deletes every key starting with {@code prefix}. */
  public static void deleteKeys(UnifiedJedis client, String prefix) {
    String cursor = ScanParams.SCAN_POINTER_START;
    ScanParams match = new ScanParams().match(prefix.replace("[", "\\[").replace("*", "\\*").replace("?", "\\?")
        + "*").count(1000);
    do {
      ScanResult<String> page = client.scan(cursor, match);
      if (!page.getResult().isEmpty()) {
        client.del(page.getResult().toArray(new String[0]));
      }
      cursor = page.getCursor();
    } while (!cursor.equals(ScanParams.SCAN_POINTER_START));
  }
}
