package dev.ralex.core;

import dev.ralex.store.redis.RedisUsageStore;
import dev.ralex.store.redis.TestRedis;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import redis.clients.jedis.RedisClient;

/**
 * The usage-store contract against a real Redis server (in package {@code dev.ralex.core} because the contract
 * is package-private there). "Reopening" builds a new store object on the same key prefix, so every check is
 * repeated on what a new process would read.
 */
class RedisUsageStoreTest extends UsageStoreContract {
  private static RedisClient client;
  private final String prefix = TestRedis.uniquePrefix("usage");

  @BeforeAll
  static void connect() {
    TestRedis.assumeAvailable();
    client = TestRedis.client(16);
  }

  @AfterAll
  static void disconnect() {
    if (client != null) {
      client.close();
    }
  }

  @Override
  protected UsageStore open(Path directory) {
    return RedisUsageStore.builder(client).keyPrefix(prefix).build();
  }

  @Override
  protected boolean durable() {
    return true;
  }

  @AfterEach
  void deleteKeys() {
    TestRedis.deleteKeys(client, prefix);
  }
}
