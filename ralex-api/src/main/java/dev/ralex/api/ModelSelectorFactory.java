package dev.ralex.api;

/**
 * Creates a {@link ModelSelector} from configuration, so that a selector shipped in a module of its own (such as
 * {@code linucb} in {@code dev.ralex:ralex-bandit}) can be chosen in a configuration file's {@code selector}
 * section by its {@code type}. Implementations are found with {@link java.util.ServiceLoader}: list the class in
 * {@code META-INF/services/dev.ralex.api.ModelSelectorFactory}. They need a public no-argument constructor and
 * must be thread-safe.
 *
 * <p>A selector that holds resources or state to keep (a file it saves what it learned to) may implement {@link
 * AutoCloseable}: the {@code Ralex} built with it closes it when it is closed itself.
 */
public interface ModelSelectorFactory {
  /**
   * The {@code type} this factory answers to in a {@code selector} section, such as {@code linucb}: lower case,
   * not {@code rules} or {@code scoring} (Ralex's own selectors, which take precedence). Must not change.
   */
  String type();

  /**
   * Creates a selector.
   *
   * @param config the section's settings other than {@code type}, with the configuration file's directory to
   *     resolve relative paths against
   * @return a new selector, never {@code null}
   * @throws ConfigurationException if a setting is unknown, missing or invalid, naming it with {@link
   *     SelectorConfig#keyPath(String)} (never its value); {@link SelectorConfig#invalid} and the typed getters
   *     make such messages
   */
  ModelSelector create(SelectorConfig config);
}
