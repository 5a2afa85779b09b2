package dev.ralex.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ralex.api.ChatRequest;
import dev.ralex.api.ConfigurationException;
import dev.ralex.api.ModelTier;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RalexBuilderTest {
  private static ModelCatalog testCatalog() {
    return ModelCatalog.of(List.of(TestModels.SMALL, TestModels.LARGE));
  }

  @Test
  void noProviderIsAnErrorThatSaysHowToAddOne() {
    assertThatThrownBy(() -> Ralex.builder().build())
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("no provider configured")
        .hasMessageContaining("ANTHROPIC_API_KEY");
  }

  @Test
  void providerFoundWithServiceLoaderFromSettings() {
    try (Ralex ralex = Ralex.builder().catalog(testCatalog())
        .provider("test", Map.of("apiKey", "sk-test-123")).environment(k -> null).build()) {
      assertThat(ralex.chat(ChatRequest.of("ping")).text()).isEqualTo("echo: ping");
      assertThat(ralex.models()).extracting(m -> m.id()).containsExactly("test/small", "test/large");
      assertThat(TestProviderFactory.lastConfig.toString()).doesNotContain("sk-test-123");
    }
  }

  @Test
  void unknownFactoryIdListsTheFactoriesFound() {
    assertThatThrownBy(() -> Ralex.builder().provider("nope", Map.of()).build())
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("'nope'")
        .hasMessageContaining("[test]");
  }

  @Test
  void factoryErrorsSurfaceWithoutSecrets() {
    assertThatThrownBy(() -> Ralex.builder().provider("test", Map.of()).environment(k -> null).build())
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("RALEX_TEST_API_KEY");
  }

  @Test
  void discoveryUsesEnvironmentFallbacksAndSkipsFactoriesThatCannotStart() {
    try (Ralex ralex = Ralex.builder().catalog(testCatalog()).discoverProviders()
        .environment(Map.of("RALEX_TEST_API_KEY", "k")::get).build()) {
      assertThat(ralex.defaultModel().id()).isEqualTo("test/small");
    }
    assertThatThrownBy(() -> Ralex.builder().catalog(testCatalog()).discoverProviders().environment(k -> null)
        .build())
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("no provider configured");
  }

  @Test
  void duplicateProviderIdsAreRejected() {
    assertThatThrownBy(() -> Ralex.builder().provider(new ScriptedProvider("test"))
        .provider(new ScriptedProvider("test")).build())
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("two providers have the id 'test'");
  }

  @Test
  void unknownDefaultModelNamesTheServedModels() {
    assertThatThrownBy(() -> Ralex.builder().provider(new ScriptedProvider("test")).catalog(testCatalog())
        .defaultModel("test/medium").build())
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("default model 'test/medium'")
        .hasMessageContaining("test/small");
  }

  @Test
  void defaultModelOfAnUnconfiguredProviderSaysSo() {
    assertThatThrownBy(() -> Ralex.builder().provider(new ScriptedProvider("test"))
        .catalog(ModelCatalog.bundled().withModels(List.of(TestModels.SMALL)))
        .defaultModel("anthropic/claude-haiku-4-5").build())
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("provider 'anthropic', which is not configured");
  }

  @Test
  void unknownFallbackModelIsRejected() {
    assertThatThrownBy(() -> Ralex.builder().provider(new ScriptedProvider("test")).catalog(testCatalog())
        .fallbackModels("test/huge").build())
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("fallback model 'test/huge'");
  }

  @Test
  void rateLimitOnUnknownScopeIsRejected() {
    assertThatThrownBy(() -> Ralex.builder().provider(new ScriptedProvider("test")).catalog(testCatalog())
        .rateLimit(RateLimit.of("anthropic", 10, 0)).build())
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("rate limit scope 'anthropic'");
  }

  @Test
  void conflictingBudgetSourcesAreRejected() {
    assertThatThrownBy(() -> Ralex.builder().provider(new ScriptedProvider("test")).catalog(testCatalog())
        .dailyBudget(BigDecimal.ONE)
        .usageTracker(UsageTracker.inMemory(List.of(), java.time.Clock.systemUTC(), java.time.ZoneOffset.UTC, 1))
        .build())
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("configure the budgets on the tracker");
  }

  @Test
  void nonPositiveDefaultMaxOutputIsRejected() {
    assertThatThrownBy(() -> Ralex.builder().provider(new ScriptedProvider("test")).catalog(testCatalog())
        .defaultMaxOutputTokens(0).build())
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("defaultMaxOutputTokens");
  }

  @Test
  void noServedModelIsAnError() {
    assertThatThrownBy(() -> Ralex.builder().provider(new ScriptedProvider("other")).catalog(testCatalog()).build())
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("[other]");
  }

  @Test
  void providerDeclaredModelsAreServedAndCatalogEntriesWin() {
    var declared = TestModels.model("test/small", 9_000, 100, "5", "5", ModelTier.BALANCED);
    var extra = TestModels.model("test/extra", 9_000, 100, "5", "5", ModelTier.BALANCED);
    try (Ralex ralex = Ralex.builder().provider(new ScriptedProvider("test", declared, extra))
        .catalog(testCatalog()).build()) {
      assertThat(ralex.model("test/small").contextWindow()).isEqualTo(1_000);
      assertThat(ralex.model("test/extra").contextWindow()).isEqualTo(9_000);
    }
  }

  @Test
  void bundledCatalogDefaultIsUsedWhenItsProviderIsConfigured() {
    try (Ralex ralex = Ralex.builder().provider(new ScriptedProvider("anthropic")).build()) {
      assertThat(ralex.defaultModel().id()).isEqualTo("anthropic/claude-haiku-4-5");
      assertThat(ralex.models()).allSatisfy(m -> assertThat(m.provider()).isEqualTo("anthropic"));
    }
  }

  @Test
  void failedBuildClosesProvidersItCreated() {
    ScriptedProvider given = new ScriptedProvider("test");
    assertThatThrownBy(() -> Ralex.builder().provider(given).catalog(testCatalog()).defaultModel("test/x").build())
        .isInstanceOf(ConfigurationException.class);
    assertThat(given.closed).isTrue();
  }

  @Test
  void duplicateBudgetsRateLimitsAndProviderSettingsAreRejected() {
    assertThatThrownBy(() -> Ralex.builder().provider(new ScriptedProvider("test")).catalog(testCatalog())
        .dailyBudget(BigDecimal.ONE).dailyBudget(BigDecimal.TEN).build())
        .isInstanceOf(ConfigurationException.class).hasMessageContaining("daily global");
    assertThatThrownBy(() -> Ralex.builder().provider(new ScriptedProvider("test")).catalog(testCatalog())
        .rateLimit(RateLimit.of("test", 1, 0)).rateLimit(RateLimit.of("test", 2, 0)).build())
        .isInstanceOf(ConfigurationException.class).hasMessageContaining("scope 'test'");
    assertThatThrownBy(() -> Ralex.builder().provider("test", Map.of()).provider("test", Map.of()))
        .isInstanceOf(ConfigurationException.class).hasMessageContaining("configured twice");
  }

  @Test
  void providersNarrowTheirCatalogModels() {
    var withSampling = TestModels.SMALL.toBuilder().capabilities(dev.ralex.api.Capability.SAMPLING_PARAMETERS).build();
    ScriptedProvider narrowing = new ScriptedProvider("test") {
      @Override
      public dev.ralex.api.ModelInfo describe(dev.ralex.api.ModelInfo entry) {
        java.util.Set<dev.ralex.api.Capability> caps = java.util.EnumSet.copyOf(entry.capabilities());
        caps.remove(dev.ralex.api.Capability.SAMPLING_PARAMETERS);
        return entry.toBuilder().capabilities(caps).build();
      }
    };
    try (Ralex ralex = Ralex.builder().provider(narrowing).catalog(ModelCatalog.of(List.of(withSampling))).build()) {
      assertThat(ralex.model("test/small").has(dev.ralex.api.Capability.SAMPLING_PARAMETERS)).isFalse();
      assertThatThrownBy(() -> ralex.chat(ChatRequest.builder().addUserMessage("x").temperature(0.5).build()))
          .isInstanceOf(dev.ralex.api.InvalidRequestException.class)
          .hasMessageContaining("SAMPLING_PARAMETERS");
    }
    assertThat(narrowing.requests).isEmpty();
  }

  @Test
  void aDescriptionThatChangesTheIdIsRejected() {
    ScriptedProvider renaming = new ScriptedProvider("test") {
      @Override
      public dev.ralex.api.ModelInfo describe(dev.ralex.api.ModelInfo entry) {
        return TestModels.LARGE;
      }
    };
    assertThatThrownBy(() -> Ralex.builder().provider(renaming).catalog(ModelCatalog.of(List.of(TestModels.SMALL)))
        .build())
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("must keep the model's id");
  }
}
