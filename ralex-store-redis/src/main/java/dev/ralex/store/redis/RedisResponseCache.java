package dev.ralex.store.redis;

import dev.ralex.api.ChatResponse;
import dev.ralex.api.ResponseCache;
import dev.ralex.core.ResponseCodec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.params.SetParams;

/**
 * A {@link ResponseCache} in Redis, shared by every process on the same server and key prefix: one string per
 * answer ({@link ResponseCodec}'s JSON) under {@code <prefix>cache:<key>}, expiring after its time to live by
 * Redis's own clock ({@code SET ... PX}). Size is bounded by Redis's memory policy: run the server with {@code
 * maxmemory} and {@code maxmemory-policy allkeys-lru} (or {@code volatile-lru}) to evict the least recently used
 * answers. A failure reaches Ralex as a {@link RedisStoreException}, which treats it as a miss; an entry that does
 * not parse (another version's, or corrupted) is a miss too and is deleted. Thread-safe as the client is.
 */
public final class RedisResponseCache implements ResponseCache {
  private static final Logger LOG = LoggerFactory.getLogger(RedisResponseCache.class);

  private final UnifiedJedis client;
  private final String prefix;

  private RedisResponseCache(UnifiedJedis client, String prefix) {
    this.client = Objects.requireNonNull(client, "client");
    this.prefix = Objects.requireNonNull(prefix, "prefix") + "cache:";
  }

  /** A cache on {@code client} with the key prefix {@code ralex:}. */
  public static RedisResponseCache create(UnifiedJedis client) {
    return create(client, "ralex:");
  }

  /** A cache on {@code client}; every key starts with {@code prefix} (one per application sharing a server). */
  public static RedisResponseCache create(UnifiedJedis client, String prefix) {
    return new RedisResponseCache(client, prefix);
  }

  @Override
  public Optional<ChatResponse> get(String key) {
    byte[] redisKey = redisKey(key);
    byte[] json;
    try {
      json = client.get(redisKey);
    } catch (JedisException e) {
      throw new RedisStoreException("reading cached answer " + prefix + key + " failed", e);
    }
    if (json == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(ResponseCodec.fromJson(json));
    } catch (IllegalArgumentException e) {
      LOG.warn("cached answer {}{} does not parse and is dropped: {}", prefix, key, e.getMessage());
      try {
        client.del(redisKey);
      } catch (JedisException d) {
        LOG.debug("dropping cached answer {}{} failed; it expires anyway", prefix, key, d);
      }
      return Optional.empty();
    }
  }

  @Override
  public void put(String key, ChatResponse response, Duration ttl) {
    Objects.requireNonNull(response, "response");
    long millis = ttl.toMillis();
    if (millis <= 0) {
      throw new IllegalArgumentException("ttl must be at least a millisecond but was " + ttl);
    }
    try {
      client.set(redisKey(key), ResponseCodec.toJson(response), SetParams.setParams().px(millis));
    } catch (JedisException e) {
      throw new RedisStoreException("storing cached answer " + prefix + key + " failed", e);
    }
  }

  private byte[] redisKey(String key) {
    Objects.requireNonNull(key, "key");
    return (prefix + key).getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public String toString() {
    return "RedisResponseCache[" + prefix + "]";
  }
}
