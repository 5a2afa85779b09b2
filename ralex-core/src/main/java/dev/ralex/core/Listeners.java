package dev.ralex.core;

import dev.ralex.api.RalexEvent;
import dev.ralex.api.RalexListener;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Delivers events to every listener; a listener that throws is logged and skipped, never fails the call. */
final class Listeners {
  private static final Logger LOG = LoggerFactory.getLogger(Listeners.class);

  private final RalexListener[] listeners;

  Listeners(List<RalexListener> listeners) {
    this.listeners = listeners.toArray(new RalexListener[0]);
  }

  /** Whether there is anyone to tell; callers skip building events when there is not. */
  boolean isEmpty() {
    return listeners.length == 0;
  }

  void fire(RalexEvent event) {
    for (RalexListener l : listeners) {
      try {
        dispatch(l, event);
      } catch (RuntimeException e) {
        LOG.warn("listener {} failed on {}; the call goes on", l.getClass().getName(),
            event.getClass().getSimpleName(), e);
      }
    }
  }

  private static void dispatch(RalexListener l, RalexEvent event) {
    if (event instanceof RalexEvent.CallStarted e) {
      l.onCallStarted(e);
    } else if (event instanceof RalexEvent.ModelSelected e) {
      l.onModelSelected(e);
    } else if (event instanceof RalexEvent.Retrying e) {
      l.onRetrying(e);
    } else if (event instanceof RalexEvent.FallingBack e) {
      l.onFallingBack(e);
    } else if (event instanceof RalexEvent.AttemptStarted e) {
      l.onAttemptStarted(e);
    } else if (event instanceof RalexEvent.RateLimitWaited e) {
      l.onRateLimitWaited(e);
    } else if (event instanceof RalexEvent.Escalating e) {
      l.onEscalating(e);
    } else if (event instanceof RalexEvent.CircuitStateChanged e) {
      l.onCircuitStateChanged(e);
    } else if (event instanceof RalexEvent.ContextCompressed e) {
      l.onContextCompressed(e);
    } else if (event instanceof RalexEvent.HistoryRepaired e) {
      l.onHistoryRepaired(e);
    } else if (event instanceof RalexEvent.UsageRecorded e) {
      l.onUsageRecorded(e);
    } else if (event instanceof RalexEvent.BudgetAlert e) {
      l.onBudgetAlert(e);
    } else if (event instanceof RalexEvent.CallSucceeded e) {
      l.onCallSucceeded(e);
    } else if (event instanceof RalexEvent.CallFailed e) {
      l.onCallFailed(e);
    } else if (event instanceof RalexEvent.Rated e) {
      l.onRated(e);
    } else if (event instanceof RalexEvent.SelectorLearned e) {
      l.onSelectorLearned(e);
    } else if (event instanceof RalexEvent.FirstChunk e) {
      l.onFirstChunk(e);
    } else if (event instanceof RalexEvent.CacheHit e) {
      l.onCacheHit(e);
    } else {
      l.onEvent(event);
    }
  }
}
