package dev.ralex.api;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * The settings an {@link LlmProviderFactory} creates a provider from: string values by key (from code or a
 * configuration file), with the process environment as a fallback for keys the settings leave out. Immutable
 * and thread-safe. {@link #toString()} hides the value of every key that looks secret.
 */
public final class ProviderConfig {
  private final Map<String, String> settings;
  private final Function<String, String> environment;

  private ProviderConfig(Map<String, String> settings, Function<String, String> environment) {
    this.settings = Checks.copyOf(settings, "settings");
    this.environment = Objects.requireNonNull(environment, "environment");
  }

  /** Settings with the process environment ({@link System#getenv(String)}) as the fallback. */
  public static ProviderConfig of(Map<String, String> settings) {
    return new ProviderConfig(settings, System::getenv);
  }

  /** Settings with the given environment lookup as the fallback; tests pass a map's {@code get}. */
  public static ProviderConfig of(Map<String, String> settings, Function<String, String> environment) {
    return new ProviderConfig(settings, environment);
  }

  /** The settings as given, without environment fallbacks. */
  public Map<String, String> settings() {
    return settings;
  }

  /** The setting for {@code key}; empty if absent or blank. */
  public Optional<String> get(String key) {
    return nonBlank(settings.get(Objects.requireNonNull(key, "key")));
  }

  /** The setting for {@code key}, else the environment variable {@code envVar}; empty if neither is set. */
  public Optional<String> get(String key, String envVar) {
    Optional<String> value = get(key);
    return value.isPresent() ? value : nonBlank(environment.apply(Objects.requireNonNull(envVar, "envVar")));
  }

  /**
   * The key under {@code key}, else in the environment variable {@code envVar}.
   *
   * @throws ConfigurationException if the key is malformed (whitespace, a character outside visible ASCII); the
   *     message never shows it
   */
  public Optional<ApiKey> apiKey(String key, String envVar) {
    Optional<String> value = get(key, envVar);
    try {
      return value.map(ApiKey::of);
    } catch (IllegalArgumentException e) {
      // The reason names the offending position, never the key itself.
      throw new ConfigurationException("the key in setting '" + key + "' or " + envVar + " is malformed: "
          + e.getMessage(), ErrorDetails.NONE, e);
    }
  }

  /**
   * A duration setting in ISO-8601 ({@code PT30S}) or as a number with a unit ({@code 500ms}, {@code 30s},
   * {@code 2m}); empty if absent.
   *
   * @throws ConfigurationException naming the key if the value is not a duration
   */
  public Optional<Duration> duration(String key) {
    return get(key).map(v -> {
      try {
        return parseDuration(v);
      } catch (IllegalArgumentException e) {
        // The value is not shown: settings may come from the environment and hold secrets.
        throw new ConfigurationException("setting '" + key + "' must be " + e.getMessage());
      }
    });
  }

  /**
   * An integer setting; empty if absent.
   *
   * @throws ConfigurationException naming the key if the value is not an integer
   */
  public Optional<Integer> integer(String key) {
    return get(key).map(v -> {
      try {
        return Integer.valueOf(v.trim());
      } catch (NumberFormatException e) {
        throw new ConfigurationException("setting '" + key + "' must be an integer");
      }
    });
  }

  /**
   * Parses a duration as Ralex's settings and configuration files write it: ISO-8601 ({@code PT30S}) or a whole
   * number with a unit, {@code ms}, {@code s}, {@code m} or {@code h} ({@code 500ms}, {@code 30s}).
   *
   * @throws IllegalArgumentException whose message describes the accepted forms, never the text given (which
   *     may be a secret read from the environment)
   */
  public static Duration parseDuration(String text) {
    Objects.requireNonNull(text, "text");
    String v = text.trim().toLowerCase(Locale.ROOT);
    try {
      if (v.startsWith("p")) {
        return Duration.parse(v.toUpperCase(Locale.ROOT));
      }
      if (v.endsWith("ms")) {
        return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2).trim()));
      }
      if (!v.isEmpty()) {
        long amount = Long.parseLong(v.substring(0, v.length() - 1).trim());
        switch (v.charAt(v.length() - 1)) {
          case 's':
            return Duration.ofSeconds(amount);
          case 'm':
            return Duration.ofMinutes(amount);
          case 'h':
            return Duration.ofHours(amount);
          default:
            break;
        }
      }
    } catch (NumberFormatException | DateTimeParseException | ArithmeticException e) {
      // ArithmeticException: "9999999999999999h" overflows a Duration. Every case falls through to one error.
    }
    throw new IllegalArgumentException(DURATION_FORMS);
  }

  /** The forms {@link #parseDuration} accepts, for messages. */
  public static final String DURATION_FORMS = "a duration such as 30s, 500ms, 2m, 1h or PT30S";

  private static Optional<String> nonBlank(String value) {
    return value == null || value.isBlank() ? Optional.empty() : Optional.of(value);
  }

  /**
   * Whether a setting's name suggests that its value is a secret (it contains {@code key}, {@code token},
   * {@code secret}, {@code password} or {@code auth}, in any case), so that its value must never be shown.
   */
  public static boolean isSecretKey(String key) {
    String k = Objects.requireNonNull(key, "key").toLowerCase(Locale.ROOT);
    return k.contains("key") || k.contains("token") || k.contains("secret") || k.contains("password")
        || k.contains("auth");
  }

  /** The settings with every secret-looking value replaced by {@code ***}. */
  @Override
  public String toString() {
    Map<String, String> shown = new TreeMap<>();
    settings.forEach((k, v) -> shown.put(k, isSecretKey(k) ? "***" : v));
    return "ProviderConfig" + shown;
  }
}
