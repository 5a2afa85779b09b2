package dev.ralex.api;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * The outcome of one attempt, reported to the {@link ModelSelector} so that it can learn.
 *
 * @param callId the call's id, as in the {@link RoutingContext} the choice was made from
 * @param model the model that was called
 * @param error the kind of failure; empty when the attempt succeeded
 * @param latency how long the attempt took
 * @param cost what the attempt cost, in dollars
 * @param usage the tokens billed
 * @param quality the judgement of the answer in [0, 1]: 1 when the caller's {@code ResponseValidator} accepted it,
 *     0 when it rejected it; empty when there is no validator (a judgement may still come later as a {@link
 *     Rating}) or the attempt failed
 * @param rejection the validator's reason when it rejected the answer; the pipeline then escalates or fails the
 *     call
 */
public record Feedback(
    String callId,
    ModelInfo model,
    Optional<ErrorKind> error,
    Duration latency,
    BigDecimal cost,
    Usage usage,
    OptionalDouble quality,
    Optional<String> rejection) {

  /** Validates the feedback. */
  public Feedback {
    Checks.notBlank(callId, "callId");
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(error, "error");
    Objects.requireNonNull(latency, "latency");
    Objects.requireNonNull(cost, "cost");
    Objects.requireNonNull(usage, "usage");
    Objects.requireNonNull(quality, "quality");
    Objects.requireNonNull(rejection, "rejection");
    if (quality.isPresent() && !(quality.getAsDouble() >= 0.0 && quality.getAsDouble() <= 1.0)) {
      throw new IllegalArgumentException("quality must be in [0, 1] but was " + quality.getAsDouble());
    }
  }

  /** Whether the attempt succeeded: it ended with an answer, accepted or not. */
  public boolean succeeded() {
    return error.isEmpty();
  }

  /** Whether the answer came back but the caller's validator rejected it. */
  public boolean rejected() {
    return rejection.isPresent();
  }
}
