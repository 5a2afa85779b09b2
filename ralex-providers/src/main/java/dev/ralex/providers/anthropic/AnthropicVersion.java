package dev.ralex.providers.anthropic;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * An {@code anthropic-version} header value and what the provider knows it changes. Versions are dates, and the
 * changes accumulate, so a version the provider has not heard of is treated like the newest one it knows: a
 * request that version might reject is refused before sending rather than sent to fail. Immutable.
 */
final class AnthropicVersion {
  /** The version before 2026-10-21: sampling parameters accepted where the model allows them. */
  static final String V2023_06_01 = "2023-06-01";
  /**
   * The first new version since 2023-06-01: {@code temperature}, {@code top_p} and {@code top_k} are removed (a
   * 400 at any value), and {@code document} blocks in assistant messages and citations on user text blocks are
   * 400s.
   */
  static final String V2026_10_21 = "2026-10-21";

  private static final Pattern DATE = Pattern.compile("\\d{4}-\\d{2}-\\d{2}");

  private final String value;

  private AnthropicVersion(String value) {
    this.value = value;
  }

  /**
   * The version named {@code value}.
   *
   * @throws IllegalArgumentException unless it is a date such as {@code 2026-10-21}
   */
  static AnthropicVersion of(String value) {
    Objects.requireNonNull(value, "version");
    if (!DATE.matcher(value).matches()) {
      throw new IllegalArgumentException("version must be a date such as " + V2026_10_21 + " but was '" + value + "'");
    }
    return new AnthropicVersion(value);
  }

  /** Whether requests may carry {@code temperature}, {@code top_p} and {@code top_k}. */
  boolean acceptsSamplingParameters() {
    return value.compareTo(V2026_10_21) < 0; // ISO dates compare as strings.
  }

  /** Whether assistant messages may hold {@code document} blocks. */
  boolean acceptsAssistantDocuments() {
    return value.compareTo(V2026_10_21) < 0;
  }

  /** The header value. */
  String value() {
    return value;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof AnthropicVersion && ((AnthropicVersion) o).value.equals(value);
  }

  @Override
  public int hashCode() {
    return value.hashCode();
  }

  @Override
  public String toString() {
    return value;
  }
}
