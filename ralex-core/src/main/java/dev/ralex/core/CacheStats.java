package dev.ralex.core;

import java.math.BigDecimal;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * What the response cache did for one Ralex instance since it was built: hits, misses and what the hits did not
 * spend, in all and per request tag. Kept in memory (lost when the process ends); see {@link Ralex#cacheStats()}.
 * Thread-safe.
 */
public final class CacheStats {
  /**
   * Hits and misses of some calls.
   *
   * @param hits calls answered from the cache
   * @param misses cacheable calls that were not, and went to a model
   * @param saved what the cached answers cost when they were made: what the hits did not spend
   */
  public record Totals(long hits, long misses, BigDecimal saved) {
    /** Validates the totals. */
    public Totals {
      Objects.requireNonNull(saved, "saved");
    }

    /** The share of cacheable calls answered from the cache; 0 before any. */
    public double hitRate() {
      long all = hits + misses;
      return all == 0 ? 0.0 : (double) hits / all;
    }
  }

  private long hits; // guarded by this
  private long misses; // guarded by this
  private BigDecimal saved = BigDecimal.ZERO; // guarded by this
  private final Map<String, Map<String, long[]>> countsByTag = new TreeMap<>(); // key -> value -> {hits, misses}
  private final Map<String, Map<String, BigDecimal>> savedByTag = new TreeMap<>();

  CacheStats() {}

  synchronized void hit(Map<String, String> tags, BigDecimal savedCost) {
    hits++;
    saved = saved.add(savedCost);
    for (Map.Entry<String, String> t : tags.entrySet()) {
      countsByTag.computeIfAbsent(t.getKey(), k -> new TreeMap<>()).computeIfAbsent(t.getValue(),
          v -> new long[2])[0]++;
      savedByTag.computeIfAbsent(t.getKey(), k -> new TreeMap<>()).merge(t.getValue(), savedCost, BigDecimal::add);
    }
  }

  synchronized void miss(Map<String, String> tags) {
    misses++;
    for (Map.Entry<String, String> t : tags.entrySet()) {
      countsByTag.computeIfAbsent(t.getKey(), k -> new TreeMap<>()).computeIfAbsent(t.getValue(),
          v -> new long[2])[1]++;
    }
  }

  /** Every cacheable call so far. */
  public synchronized Totals total() {
    return new Totals(hits, misses, saved);
  }

  /** Per value of the request tag {@code key} (such as {@code "user"}), in value order; empty if never seen. */
  public synchronized Map<String, Totals> byTag(String key) {
    Objects.requireNonNull(key, "key");
    Map<String, Totals> out = new TreeMap<>();
    Map<String, long[]> counts = countsByTag.getOrDefault(key, Map.of());
    Map<String, BigDecimal> money = savedByTag.getOrDefault(key, Map.of());
    for (Map.Entry<String, long[]> e : counts.entrySet()) {
      out.put(e.getKey(), new Totals(e.getValue()[0], e.getValue()[1],
          money.getOrDefault(e.getKey(), BigDecimal.ZERO)));
    }
    return out;
  }
}
