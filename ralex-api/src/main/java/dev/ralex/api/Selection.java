package dev.ralex.api;

import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.Set;

/**
 * A selector's choice: the model to call, the models to fall back to in order if it fails, and why, in words a
 * person can read in a log or a listener event.
 *
 * @param model the model to call first
 * @param fallbacks models to try next, in order, if the first fails in a way another model may not; must not
 *     contain {@code model} or repeat
 * @param reason why this model, such as {@code "keyword 'refactor' -> strong tier"}
 * @param maxOutputTokens a cap on the output tokens the call may ask for, below what the request asks (the
 *     pipeline sends the smaller of the two), such as a short answer for an urgent request or the last of a
 *     budget; empty for no cap of the selector's own
 */
public record Selection(ModelInfo model, List<ModelInfo> fallbacks, String reason, OptionalInt maxOutputTokens) {
  /** Validates the selection. */
  public Selection {
    Objects.requireNonNull(model, "model");
    fallbacks = Checks.copyOf(fallbacks, "fallbacks");
    Checks.notBlank(reason, "reason");
    Objects.requireNonNull(maxOutputTokens, "maxOutputTokens");
    if (maxOutputTokens.isPresent() && maxOutputTokens.getAsInt() <= 0) {
      throw new IllegalArgumentException("maxOutputTokens must be positive but was " + maxOutputTokens.getAsInt());
    }
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

  /** A choice with no cap on the output of its own. */
  public Selection(ModelInfo model, List<ModelInfo> fallbacks, String reason) {
    this(model, fallbacks, reason, OptionalInt.empty());
  }

  /** This choice with its output capped at {@code tokens}. */
  public Selection withMaxOutputTokens(int tokens) {
    return new Selection(model, fallbacks, reason, OptionalInt.of(tokens));
  }

  /** A choice with no fallbacks. */
  public static Selection of(ModelInfo model, String reason) {
    return new Selection(model, List.of(), reason);
  }
}
