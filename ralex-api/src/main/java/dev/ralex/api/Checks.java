package dev.ralex.api;

import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** Argument checks shared by the value types of this package. */
final class Checks {
  private Checks() {}

  static String notBlank(String value, String name) {
    Objects.requireNonNull(value, name);
    if (value.isBlank()) {
      throw new IllegalArgumentException(name + " must not be blank");
    }
    return value;
  }

  static int positive(int value, String name) {
    if (value <= 0) {
      throw new IllegalArgumentException(name + " must be positive but was " + value);
    }
    return value;
  }

  static long nonNegative(long value, String name) {
    if (value < 0) {
      throw new IllegalArgumentException(name + " must not be negative but was " + value);
    }
    return value;
  }

  /**
   * An unmodifiable copy of {@code list} that rejects null elements with a message naming the list and index.
   * Returns {@code list} itself when it is already an unmodifiable copy, so rebuilding a value from another
   * value's lists does not copy them again.
   */
  static <T> List<T> copyOf(Collection<? extends T> list, String name) {
    Objects.requireNonNull(list, name);
    try {
      return List.copyOf(list);
    } catch (NullPointerException e) {
      int i = 0;
      for (T element : list) {
        if (element == null) {
          throw new NullPointerException(name + "[" + i + "] is null");
        }
        i++;
      }
      throw e;
    }
  }

  /** An unmodifiable, insertion-ordered copy of {@code map} with non-blank keys and non-null values. */
  static Map<String, String> copyOf(Map<String, String> map, String name) {
    Objects.requireNonNull(map, name);
    Map<String, String> copy = new LinkedHashMap<>(map.size() * 2);
    for (Map.Entry<String, String> e : map.entrySet()) {
      if (e.getKey() == null || e.getKey().isBlank()) {
        throw new IllegalArgumentException(name + " has a null or blank key");
      }
      if (e.getValue() == null) {
        throw new NullPointerException(name + "['" + e.getKey() + "'] is null");
      }
      copy.put(e.getKey(), e.getValue());
    }
    return Collections.unmodifiableMap(copy);
  }
}
