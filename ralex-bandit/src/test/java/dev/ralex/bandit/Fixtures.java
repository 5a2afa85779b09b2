package dev.ralex.bandit;

import dev.ralex.api.BudgetSnapshot;
import dev.ralex.api.ChatRequest;
import dev.ralex.api.Feedback;
import dev.ralex.api.ModelInfo;
import dev.ralex.api.Pricing;
import dev.ralex.api.RoutingContext;
import dev.ralex.api.Usage;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;

final class Fixtures {
  private Fixtures() {}

  static ModelInfo model(String id) {
    return ModelInfo.builder(id)
        .contextWindow(128_000)
        .maxOutputTokens(4_096)
        .pricing(new Pricing(BigDecimal.ONE, BigDecimal.ONE, BigDecimal.ZERO, BigDecimal.ZERO, "test",
            LocalDate.of(2026, 1, 1)))
        .build();
  }

  static RoutingContext context(String callId, String prompt, List<ModelInfo> candidates) {
    ChatRequest request = ChatRequest.of(prompt);
    return new RoutingContext(callId, request, candidates, candidates.get(0), prompt.length() / 4,
        BudgetSnapshot.UNLIMITED, Map.of(), dev.ralex.core.ComplexityAnalyzer.DEFAULT.analyze(request));
  }

  static Feedback success(String callId, ModelInfo model, double quality, long latencyMillis, String cost) {
    return new Feedback(callId, model, Optional.empty(), Duration.ofMillis(latencyMillis), new BigDecimal(cost),
        Usage.of(100, 50), OptionalDouble.of(quality), Optional.empty());
  }
}
