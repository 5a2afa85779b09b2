package dev.ralex.api;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a {@link ModelSelector} decides from. Immutable.
 *
 * @param callId Ralex's id of the call, the key that later {@link Feedback} carries
 * @param request the request as the caller sent it
 * @param candidates the models the call may use, in catalog order: those of configured providers that have
 *     the capabilities the request needs (tools, vision); never empty
 * @param defaultModel the configured default model
 * @param estimatedInputTokens the estimated input tokens of the request
 * @param budget the tightest budget the call falls under
 * @param stats recent observations per model id, a read-only view that may change as calls complete; a
 *     model without observations is absent
 * @param complexity how demanding the request looks (level, task type and the signals behind them), as the
 *     pipeline's analyser classified it before selection
 */
public record RoutingContext(
    String callId,
    ChatRequest request,
    List<ModelInfo> candidates,
    ModelInfo defaultModel,
    int estimatedInputTokens,
    BudgetSnapshot budget,
    Map<String, ModelStats> stats,
    RequestComplexity complexity) {

  /** Validates the context. */
  public RoutingContext {
    Checks.notBlank(callId, "callId");
    Objects.requireNonNull(request, "request");
    candidates = Checks.copyOf(candidates, "candidates");
    if (candidates.isEmpty()) {
      throw new IllegalArgumentException("a routing context needs at least one candidate");
    }
    Objects.requireNonNull(defaultModel, "defaultModel");
    if (estimatedInputTokens < 0) {
      throw new IllegalArgumentException("estimatedInputTokens must not be negative");
    }
    Objects.requireNonNull(budget, "budget");
    Objects.requireNonNull(stats, "stats");
    Objects.requireNonNull(complexity, "complexity");
  }

  /** The observations of {@code modelId}, or {@link ModelStats#NONE}. */
  public ModelStats statsOf(String modelId) {
    return stats.getOrDefault(modelId, ModelStats.NONE);
  }
}
