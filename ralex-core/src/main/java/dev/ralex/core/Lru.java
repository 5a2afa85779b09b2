package dev.ralex.core;

import java.util.LinkedHashMap;
import java.util.Map;

/** Bounded maps that forget their least recently used entry once full. */
final class Lru {
  private Lru() {}

  /**
   * A map of at most {@code capacity} entries in access order, dropping the least recently used when full. Not
   * thread-safe: callers guard it with their own lock.
   */
  static <K, V> Map<K, V> map(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be at least 1 but was " + capacity);
    }
    return new LinkedHashMap<>(16, 0.75f, true) {
      private static final long serialVersionUID = 1L;

      @Override
      protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
        return size() > capacity;
      }
    };
  }
}
