package dev.ralex.api;

/**
 * Chooses the model for each call. Implementations must be thread-safe: Ralex calls them from every thread
 * that makes a call. A selector must not throw for lack of data (an unseen model, no statistics yet); it falls
 * back to a safe choice and says so in the reason.
 */
public interface ModelSelector {
  /**
   * Chooses a model from {@code context.candidates()}.
   *
   * @return the choice; its model and fallbacks must be among the candidates
   */
  Selection select(RoutingContext context);

  /**
   * Learns from the outcome of an attempt. Called once per attempt, after it ends, on the caller's thread or a
   * provider's; must return quickly. The default ignores it.
   */
  default void feedback(Feedback feedback) {}

  /**
   * Learns from the caller's judgement of an answer, which may come long after the call's {@link #feedback}
   * (matched to it by {@link Rating#callId()}; a selector that no longer remembers the call ignores it). Called
   * on the thread that rates; must return quickly. The default ignores it.
   */
  default void rated(Rating rating) {}
}
