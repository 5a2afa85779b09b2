package dev.ralex.providers.anthropic;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ralex.api.ApiKey;
import dev.ralex.api.Capability;
import dev.ralex.api.ModelInfo;
import dev.ralex.core.ModelCatalog;
import org.junit.jupiter.api.Test;

class AnthropicDescribeTest {
  private static final ModelInfo HAIKU = ModelCatalog.bundled().require("anthropic/claude-haiku-4-5");

  private static AnthropicProvider provider(String version) {
    return AnthropicProvider.builder().apiKey(ApiKey.of("test-key")).version(version).build();
  }

  @Test
  void theNewestVersionServesNoModelWithSamplingParameters() {
    assertThat(HAIKU.has(Capability.SAMPLING_PARAMETERS)).isTrue();
    ModelInfo served = provider(AnthropicProvider.DEFAULT_VERSION).describe(HAIKU);
    assertThat(served.id()).isEqualTo(HAIKU.id());
    assertThat(served.has(Capability.SAMPLING_PARAMETERS)).isFalse();
    assertThat(served.has(Capability.TOOLS)).isTrue();
    assertThat(served.pricing()).isEqualTo(HAIKU.pricing());
  }

  @Test
  void theOlderVersionKeepsTheCatalogsCapabilities() {
    assertThat(provider("2023-06-01").describe(HAIKU)).isSameAs(HAIKU);
  }
}
