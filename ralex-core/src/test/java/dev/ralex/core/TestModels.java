package dev.ralex.core;

import dev.ralex.api.Capability;
import dev.ralex.api.ModelInfo;
import dev.ralex.api.ModelTier;
import dev.ralex.api.Pricing;
import java.math.BigDecimal;
import java.time.LocalDate;

/** Model descriptions for tests, with round prices so expected costs are easy to work out by hand. */
final class TestModels {
  private TestModels() {}

  static ModelInfo model(String id, int window, int maxOut, String inPerM, String outPerM, ModelTier tier) {
    return ModelInfo.builder(id)
        .contextWindow(window)
        .maxOutputTokens(maxOut)
        .tier(tier)
        .capabilities(Capability.TOOLS, Capability.STREAMING)
        .pricing(new Pricing(new BigDecimal(inPerM), new BigDecimal(outPerM), BigDecimal.ZERO, BigDecimal.ZERO,
            "test", LocalDate.of(2026, 11, 25)))
        .build();
  }

  static final ModelInfo SMALL = model("test/small", 1_000, 500, "1", "2", ModelTier.CHEAP);
  static final ModelInfo LARGE = model("test/large", 100_000, 4_000, "10", "30", ModelTier.STRONG);
}
