package dev.ralex.api;

import java.math.BigDecimal;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The settings a {@link ModelSelectorFactory} creates a selector from: string values by key (a configuration
 * file's numbers and booleans arrive as their text), the directory relative paths are resolved against, and the
 * prefix under which messages name the keys ({@code selector}, so that {@code alpha} is reported as {@code
 * 'selector.alpha'}).
 *
 * <p>The typed getters return empty for an absent or blank setting and throw a {@link ConfigurationException}
 * naming the key, never its value (values may come from the environment and hold secrets), when the value has
 * the wrong form. Durations are parsed as {@link ProviderConfig#parseDuration} parses them, so a selector's
 * settings are written like a provider's. Unlike {@link ProviderConfig} there is no environment fallback: a
 * configuration file substitutes {@code ${VAR}} itself.
 *
 * <p>Immutable and thread-safe. {@link #toString()} hides the value of every key that looks secret.
 */
public final class SelectorConfig {
  private final Map<String, String> settings;
  private final Path baseDirectory;
  private final String keyPrefix;

  private SelectorConfig(Map<String, String> settings, Path baseDirectory, String keyPrefix) {
    this.settings = Checks.copyOf(settings, "settings");
    this.baseDirectory = Objects.requireNonNull(baseDirectory, "baseDirectory");
    this.keyPrefix = Objects.requireNonNull(keyPrefix, "keyPrefix");
  }

  /**
   * Settings given in code: relative paths are resolved against the working directory, and messages name the
   * keys as they are.
   */
  public static SelectorConfig of(Map<String, String> settings) {
    return new SelectorConfig(settings, Path.of("").toAbsolutePath(), "");
  }

  /**
   * Settings read from a configuration file.
   *
   * @param settings the settings, by key
   * @param baseDirectory the directory relative paths are resolved against: the configuration file's
   * @param keyPrefix the key path of the settings' section, such as {@code selector}; {@code ""} names the keys
   *     as they are
   */
  public static SelectorConfig of(Map<String, String> settings, Path baseDirectory, String keyPrefix) {
    return new SelectorConfig(settings, baseDirectory, keyPrefix);
  }

  /** The settings as given, in their order. */
  public Map<String, String> settings() {
    return settings;
  }

  /** The directory relative paths are resolved against. */
  public Path baseDirectory() {
    return baseDirectory;
  }

  /** How messages name {@code key}: {@code selector.alpha} for {@code alpha} under the prefix {@code selector}. */
  public String keyPath(String key) {
    Objects.requireNonNull(key, "key");
    return keyPrefix.isEmpty() ? key : keyPrefix + "." + key;
  }

  /**
   * An exception saying what the setting {@code key} must be: {@code invalid("alpha", "must be at least 0")}
   * reads {@code 'selector.alpha' must be at least 0}.
   *
   * @param problem what is wrong, phrased to follow the key; must not contain the value
   */
  public ConfigurationException invalid(String key, String problem) {
    Objects.requireNonNull(problem, "problem");
    return new ConfigurationException("'" + keyPath(key) + "' " + problem);
  }

  /**
   * Refuses every setting not among {@code known}, so that a typo never silently drops a setting.
   *
   * @throws ConfigurationException naming the first unknown key and listing the known ones
   */
  public void requireOnly(String... known) {
    Set<String> allowed = new TreeSet<>(Arrays.asList(known));
    for (String key : settings.keySet()) {
      if (!allowed.contains(key)) {
        throw new ConfigurationException("unknown key '" + keyPath(key) + "'; the keys allowed "
            + (keyPrefix.isEmpty() ? "" : "in '" + keyPrefix + "' ") + "are " + String.join(", ", allowed)
            + (keyPrefix.isEmpty() ? "" : " (and type)"));
      }
    }
  }

  /** The setting for {@code key}, trimmed; empty if absent or blank. */
  public Optional<String> get(String key) {
    String value = settings.get(Objects.requireNonNull(key, "key"));
    return value == null || value.isBlank() ? Optional.empty() : Optional.of(value.trim());
  }

  /**
   * A decimal setting, such as {@code 0.5} or {@code 3}; empty if absent. Money should be read with this,
   * never through a {@code double}.
   *
   * @throws ConfigurationException naming the key if the value is not a number
   */
  public Optional<BigDecimal> decimal(String key) {
    return get(key).map(v -> {
      try {
        return new BigDecimal(v);
      } catch (NumberFormatException e) {
        throw invalid(key, "must be a number such as 0.5");
      }
    });
  }

  /**
   * A number setting as a finite {@code double}; empty if absent.
   *
   * @throws ConfigurationException naming the key if the value is not a number
   */
  public Optional<Double> number(String key) {
    return decimal(key).map(d -> {
      double value = d.doubleValue();
      if (Double.isInfinite(value)) {
        throw invalid(key, "must be a number of reasonable size");
      }
      return value;
    });
  }

  /**
   * An integer setting; empty if absent.
   *
   * @throws ConfigurationException naming the key if the value is not an integer that fits an {@code int}
   */
  public Optional<Integer> integer(String key) {
    return get(key).map(v -> {
      try {
        return Integer.valueOf(v);
      } catch (NumberFormatException e) {
        throw invalid(key, "must be a whole number");
      }
    });
  }

  /**
   * A duration setting, written as {@link ProviderConfig#parseDuration} reads it ({@code 30s}, {@code 500ms},
   * {@code 2m}, {@code 1h}, {@code PT30S}); empty if absent.
   *
   * @throws ConfigurationException naming the key if the value is not a duration
   */
  public Optional<Duration> duration(String key) {
    return get(key).map(v -> {
      try {
        return ProviderConfig.parseDuration(v);
      } catch (IllegalArgumentException e) {
        throw invalid(key, "must be " + ProviderConfig.DURATION_FORMS);
      }
    });
  }

  /**
   * A path setting, resolved against {@link #baseDirectory()} if relative, and normalized; empty if absent.
   *
   * @throws ConfigurationException naming the key if the value is not a path
   */
  public Optional<Path> path(String key) {
    return get(key).map(v -> {
      try {
        return baseDirectory.resolve(v).normalize();
      } catch (InvalidPathException e) {
        throw invalid(key, "must be a file path");
      }
    });
  }

  /** The settings with every secret-looking value replaced by {@code ***}, and the base directory. */
  @Override
  public String toString() {
    Map<String, String> shown = new TreeMap<>();
    settings.forEach((k, v) -> shown.put(k, ProviderConfig.isSecretKey(k) ? "***" : v));
    return "SelectorConfig" + shown + " in " + baseDirectory;
  }
}
