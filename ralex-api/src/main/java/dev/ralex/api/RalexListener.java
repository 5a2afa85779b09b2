package dev.ralex.api;

/**
 * Observes calls as they pass through Ralex's pipeline: the start, the model chosen and why, each retry and
 * fallback, the usage recorded, and the end. Every method does nothing by default, except that each
 * per-event method passes its event to {@link #onEvent}, so a listener can override one catch-all method or
 * only the events it cares about.
 *
 * <p>Listeners are called synchronously on the thread doing the work, so they must be thread-safe and quick.
 * A listener that throws does not fail the call: Ralex logs the failure at WARN and carries on.
 */
public interface RalexListener {
  /** A listener that ignores everything. */
  RalexListener NONE = new RalexListener() {};

  /** Receives every event whose own method is not overridden. Does nothing by default. */
  default void onEvent(RalexEvent event) {}

  /** A call entered the pipeline. */
  default void onCallStarted(RalexEvent.CallStarted event) {
    onEvent(event);
  }

  /** The selector chose a model. */
  default void onModelSelected(RalexEvent.ModelSelected event) {
    onEvent(event);
  }

  /** An attempt failed and will be retried after a wait. */
  default void onRetrying(RalexEvent.Retrying event) {
    onEvent(event);
  }

  /** A model failed for good and the next fallback is tried. */
  default void onFallingBack(RalexEvent.FallingBack event) {
    onEvent(event);
  }

  /** An attempt is about to be sent. */
  default void onAttemptStarted(RalexEvent.AttemptStarted event) {
    onEvent(event);
  }

  /** An attempt waited for a rate-limit permit. */
  default void onRateLimitWaited(RalexEvent.RateLimitWaited event) {
    onEvent(event);
  }

  /** A model's answer was rejected, or it failed, and a stronger model is tried. */
  default void onEscalating(RalexEvent.Escalating event) {
    onEvent(event);
  }

  /** A model's circuit breaker changed state. */
  default void onCircuitStateChanged(RalexEvent.CircuitStateChanged event) {
    onEvent(event);
  }

  /** The context manager made a request smaller before it was sent. */
  default void onContextCompressed(RalexEvent.ContextCompressed event) {
    onEvent(event);
  }

  /** A conversation's broken tool history was repaired before a send. */
  default void onHistoryRepaired(RalexEvent.HistoryRepaired event) {
    onEvent(event);
  }

  /** A billed attempt's usage and cost were recorded. */
  default void onUsageRecorded(RalexEvent.UsageRecorded event) {
    onEvent(event);
  }

  /** A budget's committed spend reached its alert threshold; once per budget per period. */
  default void onBudgetAlert(RalexEvent.BudgetAlert event) {
    onEvent(event);
  }

  /** The call succeeded. */
  default void onCallSucceeded(RalexEvent.CallSucceeded event) {
    onEvent(event);
  }

  /** The call failed. */
  default void onCallFailed(RalexEvent.CallFailed event) {
    onEvent(event);
  }

  /** The caller rated an answer. */
  default void onRated(RalexEvent.Rated event) {
    onEvent(event);
  }

  /** A learning selector learned from an outcome. */
  default void onSelectorLearned(RalexEvent.SelectorLearned event) {
    onEvent(event);
  }

  /** A stream delivered its first content. */
  default void onFirstChunk(RalexEvent.FirstChunk event) {
    onEvent(event);
  }

  /** A call was answered from the response cache. */
  default void onCacheHit(RalexEvent.CacheHit event) {
    onEvent(event);
  }
}
