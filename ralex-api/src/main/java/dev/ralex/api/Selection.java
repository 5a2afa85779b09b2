package dev.ralex.api;

import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A selector's choice: the model to call, the models to fall back to in order if it fails, and why, in words a
 * person can read in a log or a listener event.
 *
 * @param model the model to call first
 * @param fallbacks models to try next, in order, if the first fails in a way another model may not; must not
 *     contain {@code model} or repeat
 * @param reason why this model, such as {@code "keyword 'refactor' -> strong tier"}
 */
public record Selection(ModelInfo model, List<ModelInfo> fallbacks, String reason) {
  /** Validates the selection. */
  public Selection {
    Objects.requireNonNull(model, "model");
    fallbacks = Checks.copyOf(fallbacks, "fallbacks");
    Checks.notBlank(reason, "reason");
    if (!fallbacks.isEmpty()) {
      Set<String> seen = new HashSet<>();
      seen.add(model.id());
      for (ModelInfo f : fallbacks) {
        if (!seen.add(f.id())) {
          throw new IllegalArgumentException("fallbacks repeat model " + f.id());
        }
      }
    }
  }

  /** A choice with no fallbacks. */
  public static Selection of(ModelInfo model, String reason) {
    return new Selection(model, List.of(), reason);
  }
}
