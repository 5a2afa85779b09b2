package dev.ralex.core;

import dev.ralex.api.ConfigurationException;
import dev.ralex.api.ErrorDetails;
import dev.ralex.api.LlmProviderFactory;
import dev.ralex.api.ModelSelectorFactory;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.function.Function;

/**
 * Finds the factories of the service-provider interfaces ({@link LlmProviderFactory}, {@link
 * ModelSelectorFactory}) with {@link ServiceLoader}.
 */
final class ProviderRegistry {
  private ProviderRegistry() {}

  /**
   * The provider factories visible to {@code loader}, by id, in discovery order.
   *
   * @throws ConfigurationException if two factories claim one id, or a factory cannot be loaded
   */
  static Map<String, LlmProviderFactory> discover(ClassLoader loader) {
    return discover(LlmProviderFactory.class, LlmProviderFactory::id, loader, "provider", "id",
        "remove one from the class path or register the provider explicitly");
  }

  /**
   * The selector factories visible to {@code loader}, by {@linkplain ModelSelectorFactory#type() type} in lower
   * case (types are matched in any case, as {@code rules} and {@code scoring} are), in discovery order.
   *
   * @throws ConfigurationException if two factories claim one type, or a factory cannot be loaded
   */
  static Map<String, ModelSelectorFactory> selectorFactories(ClassLoader loader) {
    return discover(ModelSelectorFactory.class, f -> f.type().toLowerCase(Locale.ROOT), loader, "selector", "type",
        "remove one from the class path or set the selector in code");
  }

  private static <F> Map<String, F> discover(Class<F> service, Function<F, String> key, ClassLoader loader,
      String what, String keyName, String remedy) {
    Map<String, F> factories = new LinkedHashMap<>();
    try {
      for (F factory : ServiceLoader.load(service, loader)) {
        F previous = factories.putIfAbsent(key.apply(factory), factory);
        if (previous != null) {
          throw new ConfigurationException("two " + what + " factories claim the " + keyName + " '"
              + key.apply(factory) + "': " + previous.getClass().getName() + " and " + factory.getClass().getName()
              + "; " + remedy);
        }
      }
    } catch (ServiceConfigurationError e) {
      throw new ConfigurationException("cannot load a " + what + " factory: " + e.getMessage(),
          ErrorDetails.NONE, e);
    }
    return factories;
  }
}
