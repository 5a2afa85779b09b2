package dev.ralex.api;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Ralex's circuit breaker for a model is open: recent attempts on it failed (or were too slow) often enough that
 * calls to it now fail fast, without reaching the provider, until a wait has passed and probe calls show it has
 * recovered. Not retryable on the same model; a fallback model may succeed at once, and Ralex tries one when the
 * selection has it.
 */
public class CircuitOpenException extends LlmException {
  private static final long serialVersionUID = 1L;

  private final String model;
  private final Duration retryAfter;

  /**
   * Creates the exception.
   *
   * @param model the id of the model whose circuit is open
   * @param retryAfter how long until probe calls are let through, or {@code null} if unknown
   * @param details the provider, where known
   */
  public CircuitOpenException(String model, Duration retryAfter, ErrorDetails details) {
    super(ErrorKind.CIRCUIT_OPEN, "the circuit breaker for " + Objects.requireNonNull(model, "model")
        + " is open after recent failures; calls fail fast"
        + (retryAfter != null ? " for about " + retryAfter.toMillis() + " ms more" : ""), false, details, null);
    this.model = model;
    this.retryAfter = retryAfter;
  }

  /** The id of the model whose circuit is open. */
  public String model() {
    return model;
  }

  /** How long until probe calls are let through; empty if unknown. */
  public Optional<Duration> retryAfter() {
    return Optional.ofNullable(retryAfter);
  }
}
