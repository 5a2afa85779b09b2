package dev.ralex.core;

import dev.ralex.api.ModelInfo;
import dev.ralex.api.ModelSelector;
import dev.ralex.api.RoutingContext;
import dev.ralex.api.Selection;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The selector Ralex uses unless told otherwise: the model the request names, else the configured default,
 * with the configured fallback models (those among the candidates) in order. Stateless and thread-safe.
 */
public final class DefaultModelSelector implements ModelSelector {
  private final List<String> fallbackModels;

  /**
   * Creates the selector.
   *
   * @param fallbackModels ids of the models to fall back to, in order, when the chosen one fails
   */
  public DefaultModelSelector(List<String> fallbackModels) {
    this.fallbackModels = List.copyOf(Objects.requireNonNull(fallbackModels, "fallbackModels"));
  }

  @Override
  public Selection select(RoutingContext context) {
    ModelInfo chosen = null;
    String reason;
    String asked = context.request().model().orElse(null);
    if (asked != null) {
      chosen = find(context.candidates(), asked);
      reason = "the request names " + asked;
    } else {
      reason = "the default model";
    }
    if (chosen == null) {
      chosen = context.defaultModel();
      if (!context.candidates().contains(chosen)) {
        // The default lacks a capability the request needs (tools, vision): take the first candidate that has it.
        chosen = context.candidates().get(0);
        reason = "the first catalog model with the capabilities the request needs";
      }
    }
    if (fallbackModels.isEmpty()) {
      return Selection.of(chosen, reason);
    }
    List<ModelInfo> fallbacks = new ArrayList<>(fallbackModels.size());
    for (String id : fallbackModels) {
      ModelInfo m = find(context.candidates(), id);
      if (m != null && !m.equals(chosen) && !fallbacks.contains(m)) {
        fallbacks.add(m);
      }
    }
    return new Selection(chosen, fallbacks, reason);
  }

  private static ModelInfo find(List<ModelInfo> candidates, String id) {
    for (ModelInfo m : candidates) {
      if (m.id().equals(id)) {
        return m;
      }
    }
    return null;
  }

  @Override
  public String toString() {
    return "DefaultModelSelector[fallbacks=" + fallbackModels + "]";
  }
}
