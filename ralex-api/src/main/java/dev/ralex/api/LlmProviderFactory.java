package dev.ralex.api;

/**
 * Creates an {@link LlmProvider} from configuration. Implementations are found with {@link
 * java.util.ServiceLoader}: list the class in {@code META-INF/services/dev.ralex.api.LlmProviderFactory}.
 * Implementations need a public no-argument constructor and must be thread-safe.
 */
public interface LlmProviderFactory {
  /**
   * The id of the providers this factory creates, such as {@code anthropic}; the prefix of their model ids and
   * the name of their section in configuration files.
   */
  String id();

  /**
   * Creates a provider.
   *
   * @param config the provider's settings, with environment fallbacks (for example an API key from {@code
   *     ANTHROPIC_API_KEY})
   * @throws ConfigurationException if a required setting is missing or invalid, naming the setting (never its
   *     value when secret)
   */
  LlmProvider create(ProviderConfig config);
}
