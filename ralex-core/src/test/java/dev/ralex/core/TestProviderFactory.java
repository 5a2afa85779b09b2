package dev.ralex.core;

import dev.ralex.api.ConfigurationException;
import dev.ralex.api.LlmProvider;
import dev.ralex.api.LlmProviderFactory;
import dev.ralex.api.ProviderConfig;

/**
 * A factory registered with ServiceLoader in the test class path, id {@code test}. Like a real provider it
 * needs a key, from the {@code apiKey} setting or {@code RALEX_TEST_API_KEY}, and fails without one.
 */
public final class TestProviderFactory implements LlmProviderFactory {
  /** The config the last provider was created from. */
  static volatile ProviderConfig lastConfig;

  @Override
  public String id() {
    return "test";
  }

  @Override
  public LlmProvider create(ProviderConfig config) {
    config.apiKey("apiKey", "RALEX_TEST_API_KEY")
        .orElseThrow(() -> new ConfigurationException("provider 'test' needs apiKey or RALEX_TEST_API_KEY"));
    lastConfig = config;
    return new ScriptedProvider("test", TestModels.SMALL, TestModels.LARGE);
  }
}
