package dev.ralex.examples.custom;

import dev.ralex.api.ConfigurationException;
import dev.ralex.api.ErrorDetails;
import dev.ralex.api.LlmProvider;
import dev.ralex.api.LlmProviderFactory;
import dev.ralex.api.ProviderConfig;
import java.util.Objects;

/**
 * Creates {@link EchoProvider}s, so that Ralex can find the provider by its id: {@code
 * Ralex.builder().provider("echo", Map.of("prefix", "echo: "))}. Ralex finds factories with {@link
 * java.util.ServiceLoader}; this one is listed in {@code META-INF/services/dev.ralex.api.LlmProviderFactory}.
 *
 * <p>Settings: {@code prefix} (required), else the environment variable {@code ECHO_PREFIX}. A required setting
 * works like a real provider's API key: when it is missing, {@link #create} throws a {@link
 * ConfigurationException} naming it, and {@code discoverProviders()} skips this factory.
 *
 * <p>A factory needs a public no-argument constructor and must be thread-safe; this one has no state.
 */
public final class EchoProviderFactory implements LlmProviderFactory {
  /** The setting that holds the prefix. */
  public static final String PREFIX = "prefix";
  /** The environment variable read when the settings have no prefix. */
  public static final String PREFIX_ENV = "ECHO_PREFIX";

  @Override
  public String id() {
    return EchoProvider.ID;
  }

  @Override
  public LlmProvider create(ProviderConfig config) {
    Objects.requireNonNull(config, "config");
    String prefix = config.get(PREFIX, PREFIX_ENV)
        .orElseThrow(() -> new ConfigurationException("provider '" + EchoProvider.ID + "' needs the setting '"
            + PREFIX + "' or the environment variable " + PREFIX_ENV, ErrorDetails.of(EchoProvider.ID)));
    return new EchoProvider(prefix);
  }
}
