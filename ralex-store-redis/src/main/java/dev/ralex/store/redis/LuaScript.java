package dev.ralex.store.redis;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisNoScriptException;

/**
 * One Lua script, run by {@code EVALSHA} and, when the server does not hold it (a restart, {@code SCRIPT FLUSH}),
 * by {@code EVAL}, which also loads it. Immutable and thread-safe.
 */
final class LuaScript {
  private final String name;
  private final String source;
  private final String sha;

  LuaScript(String name, String source) {
    this.name = Objects.requireNonNull(name, "name");
    this.source = Objects.requireNonNull(source, "source");
    this.sha = sha1(source);
  }

  String name() {
    return name;
  }

  /**
   * Runs the script once on {@code client}; if the connection breaks and {@code attempts} allows, runs it again
   * (on another pooled connection). Only scripts whose repetition is harmless should allow more than one attempt.
   *
   * @throws JedisConnectionException if every attempt failed to reach the server
   */
  Object run(UnifiedJedis client, List<String> keys, List<String> args, int attempts) {
    JedisConnectionException last = null;
    for (int i = 0; i < Math.max(1, attempts); i++) {
      try {
        try {
          return client.evalsha(sha, keys, args);
        } catch (JedisNoScriptException e) {
          return client.eval(source, keys, args);
        }
      } catch (JedisConnectionException e) {
        if (last != null) {
          e.addSuppressed(last);
        }
        last = e;
      }
    }
    throw last;
  }

  private static String sha1(String s) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-1 is missing from this JDK", e);
    }
  }
}
