package dev.ralex.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ralex.api.Capability;
import dev.ralex.api.ConfigurationException;
import dev.ralex.api.ModelInfo;
import dev.ralex.api.ModelTier;
import dev.ralex.api.UnknownModelException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelCatalogTest {
  @TempDir Path dir;

  @Test
  void bundledCatalogHasCurrentModelsWithSourcedPrices() {
    ModelCatalog catalog = ModelCatalog.bundled();
    assertThat(catalog.defaultModel()).map(ModelInfo::id).hasValue("anthropic/claude-haiku-4-5");
    ModelInfo haiku = catalog.require("anthropic/claude-haiku-4-5");
    assertThat(haiku.pricing().inputPerMTok()).isEqualByComparingTo("1.00");
    assertThat(haiku.pricing().outputPerMTok()).isEqualByComparingTo("5.00");
    assertThat(haiku.tier()).isEqualTo(ModelTier.CHEAP);
    assertThat(haiku.has(Capability.TOOLS)).isTrue();
    assertThat(catalog.find("openrouter/meta-llama/llama-3.1-8b-instruct")).isPresent();
    assertThat(catalog.models()).allSatisfy(m -> {
      assertThat(m.pricing().source()).startsWith("https://");
      assertThat(m.pricing().asOf()).isNotNull();
    });
    // The 3.5 generation is retired.
    assertThat(catalog.models()).noneMatch(m -> m.id().contains("3-5") || m.id().contains("3.5"));
    assertThat(catalog.models()).extracting(ModelInfo::tier).contains(ModelTier.CHEAP, ModelTier.BALANCED,
        ModelTier.STRONG);
  }

  @Test
  void unknownIdListsKnownModels() {
    assertThatThrownBy(() -> ModelCatalog.bundled().require("anthropic/claude-3-5-sonnet"))
        .isInstanceOf(UnknownModelException.class)
        .hasMessageContaining("anthropic/claude-haiku-4-5");
  }

  @Test
  void fileExtendsAndOverridesTheBundledCatalog() throws Exception {
    Path file = dir.resolve("models.json");
    Files.writeString(file, """
        {"models": [
          {"id": "anthropic/claude-haiku-4-5", "contextWindow": 200000, "maxOutputTokens": 8000, "tier": "cheap",
           "pricing": {"inputPerMTok": "0.80", "outputPerMTok": "4", "source": "negotiated", "asOf": "2026-11-01"}},
          {"id": "local/llama", "contextWindow": 8192, "maxOutputTokens": 2048, "tier": "cheap",
           "capabilities": ["streaming"],
           "pricing": {"inputPerMTok": "0", "outputPerMTok": "0", "source": "local", "asOf": "2026-11-01"}}
        ]}
        """);
    ModelCatalog catalog = ModelCatalog.bundled().withModelsFrom(file);
    assertThat(catalog.require("anthropic/claude-haiku-4-5").pricing().inputPerMTok()).isEqualByComparingTo("0.80");
    assertThat(catalog.require("local/llama").pricing().isFree()).isTrue();
    assertThat(catalog.defaultModel()).map(ModelInfo::id).hasValue("anthropic/claude-haiku-4-5");
  }

  @Test
  void malformedFileNamesLineAndProblem() throws Exception {
    Path file = dir.resolve("bad.json");
    Files.writeString(file, "{\"models\": [\n  {\"id\": \"x/y\", \"contextWindw\": 1}\n]}");
    assertThatThrownBy(() -> ModelCatalog.fromFile(file))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("bad.json")
        .hasMessageContaining("line 2")
        .hasMessageContaining("contextWindw");
  }

  @Test
  void invalidValuesNameTheModel() throws Exception {
    Path file = dir.resolve("bad.json");
    Files.writeString(file, """
        {"models": [{"id": "x/y", "contextWindow": 100, "maxOutputTokens": 10, "tier": "huge",
          "pricing": {"inputPerMTok": "1", "outputPerMTok": "1", "source": "s", "asOf": "2026-11-01"}}]}
        """);
    assertThatThrownBy(() -> ModelCatalog.fromFile(file))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("tier of x/y")
        .hasMessageContaining("huge");
  }

  @Test
  void missingFileIsAConfigurationError() {
    assertThatThrownBy(() -> ModelCatalog.fromFile(dir.resolve("none.json")))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("none.json");
  }

  @Test
  void duplicateIdsAndUnknownDefaultAreRejected() {
    assertThatThrownBy(() -> ModelCatalog.of(List.of(TestModels.SMALL, TestModels.SMALL)))
        .isInstanceOf(ConfigurationException.class).hasMessageContaining("twice");
    assertThatThrownBy(() -> ModelCatalog.of(List.of(TestModels.SMALL)).withDefaultModel("test/large"))
        .isInstanceOf(UnknownModelException.class);
  }

  @Test
  void modelsListIsImmutable() {
    assertThatThrownBy(() -> ModelCatalog.bundled().models().clear())
        .isInstanceOf(UnsupportedOperationException.class);
  }
}
