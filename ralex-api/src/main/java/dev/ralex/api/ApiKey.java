package dev.ralex.api;

import java.util.Objects;

/**
 * A secret credential. Its {@link #toString()} never shows the value, so that it can sit in configuration
 * objects that get logged; only {@link #reveal()} does, for the one place that sends it. Immutable and
 * thread-safe.
 */
public final class ApiKey {
  private final String value;

  private ApiKey(String value) {
    this.value = value;
  }

  /**
   * Wraps a key.
   *
   * @throws IllegalArgumentException if the key is empty or has a character outside visible ASCII (whitespace,
   *     a control or invisible character, a non-breaking space): a common copy-and-paste slip, and a
   *     header-injection risk; the message does not show the key
   */
  public static ApiKey of(String value) {
    Objects.requireNonNull(value, "api key");
    if (value.isEmpty()) {
      throw new IllegalArgumentException("api key must not be empty");
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      // Keys are visible ASCII; anything else fails later as an HTTP header value, where it might be echoed.
      if (c < 0x21 || c > 0x7e) {
        throw new IllegalArgumentException("api key has whitespace or a character outside visible ASCII at index "
            + i + " (check for a trailing newline or a pasted space)");
      }
    }
    return new ApiKey(value);
  }

  /** The secret value, for the code that sends it and nowhere else. */
  public String reveal() {
    return value;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ApiKey && ((ApiKey) o).value.equals(value);
  }

  @Override
  public int hashCode() {
    return value.hashCode();
  }

  /** Always {@code ApiKey[redacted]}. */
  @Override
  public String toString() {
    return "ApiKey[redacted]";
  }
}
