package dev.ralex.core;

import dev.ralex.api.ChatResponse;
import dev.ralex.api.ResponseCache;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A {@link ResponseCache} in this process's memory: at most a given number of answers, the least recently used
 * dropped first, each until its time to live runs out on the given clock. Thread-safe (one lock).
 */
public final class InMemoryResponseCache implements ResponseCache {
  private final Clock clock;
  private final Map<String, Entry> entries; // guarded by itself

  private record Entry(ChatResponse response, Instant expiresAt) {}

  private InMemoryResponseCache(int maxEntries, Clock clock) {
    this.clock = Objects.requireNonNull(clock, "clock");
    this.entries = Lru.map(maxEntries);
  }

  /**
   * A cache of at most {@code maxEntries} answers, timed on the system clock.
   *
   * @throws IllegalArgumentException if {@code maxEntries} is below 1
   */
  public static InMemoryResponseCache create(int maxEntries) {
    return create(maxEntries, Clock.systemUTC());
  }

  /** A cache of at most {@code maxEntries} answers, timed on {@code clock}. */
  public static InMemoryResponseCache create(int maxEntries, Clock clock) {
    return new InMemoryResponseCache(maxEntries, clock);
  }

  @Override
  public Optional<ChatResponse> get(String key) {
    Objects.requireNonNull(key, "key");
    synchronized (entries) {
      Entry e = entries.get(key);
      if (e == null) {
        return Optional.empty();
      }
      if (!clock.instant().isBefore(e.expiresAt())) {
        entries.remove(key);
        return Optional.empty();
      }
      return Optional.of(e.response());
    }
  }

  @Override
  public void put(String key, ChatResponse response, Duration ttl) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(response, "response");
    if (ttl.isNegative() || ttl.isZero()) {
      throw new IllegalArgumentException("ttl must be positive but was " + ttl);
    }
    synchronized (entries) {
      entries.put(key, new Entry(response, clock.instant().plus(ttl)));
    }
  }

  /** The answers held, expired ones not yet dropped included. */
  public int size() {
    synchronized (entries) {
      return entries.size();
    }
  }

  @Override
  public String toString() {
    return "InMemoryResponseCache[" + size() + " answers]";
  }
}
