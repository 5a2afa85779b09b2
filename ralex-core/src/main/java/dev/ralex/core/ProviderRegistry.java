package dev.ralex.core;

import dev.ralex.api.ConfigurationException;
import dev.ralex.api.ErrorDetails;
import dev.ralex.api.LlmProviderFactory;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;

/** Finds {@link LlmProviderFactory} implementations with {@link ServiceLoader}. */
final class ProviderRegistry {
  private ProviderRegistry() {}

  /**
   * The factories visible to {@code loader}, by id, in discovery order.
   *
   * @throws ConfigurationException if two factories claim one id, or a factory cannot be loaded
   */
  static Map<String, LlmProviderFactory> discover(ClassLoader loader) {
    Map<String, LlmProviderFactory> factories = new LinkedHashMap<>();
    try {
      for (LlmProviderFactory factory : ServiceLoader.load(LlmProviderFactory.class, loader)) {
        LlmProviderFactory previous = factories.putIfAbsent(factory.id(), factory);
        if (previous != null) {
          throw new ConfigurationException("two provider factories claim the id '" + factory.id() + "': "
              + previous.getClass().getName() + " and " + factory.getClass().getName()
              + "; remove one from the class path or register the provider explicitly");
        }
      }
    } catch (ServiceConfigurationError e) {
      throw new ConfigurationException("cannot load a provider factory: " + e.getMessage(),
          ErrorDetails.NONE, e);
    }
    return factories;
  }
}
