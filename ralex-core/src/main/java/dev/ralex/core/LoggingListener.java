package dev.ralex.core;

import dev.ralex.api.RalexEvent;
import dev.ralex.api.RalexListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs a one-line summary of every call at INFO, for {@code RALEX_DEBUG} and {@code debug: true}: the model and
 * why, retries, fallbacks, tokens, cost and latency. Never prompt or completion text, never keys.
 */
final class LoggingListener implements RalexListener {
  private static final Logger LOG = LoggerFactory.getLogger("dev.ralex.calls");

  @Override
  public void onModelSelected(RalexEvent.ModelSelected e) {
    LOG.info("call {}: {} ({})", e.callId(), e.selection().model().id(), e.selection().reason());
  }

  @Override
  public void onRetrying(RalexEvent.Retrying e) {
    LOG.info("call {}: retrying {} in {} ms after {}", e.callId(), e.model().id(), e.delay().toMillis(),
        e.cause().getMessage());
  }

  @Override
  public void onFallingBack(RalexEvent.FallingBack e) {
    LOG.info("call {}: falling back from {} to {} after {}", e.callId(), e.from().id(), e.to().id(),
        e.cause().getMessage());
  }

  @Override
  public void onCallSucceeded(RalexEvent.CallSucceeded e) {
    LOG.info("call {}: {} answered: {} in / {} out tokens, ${}, {} ms, {} attempt(s)", e.callId(),
        e.response().model(), e.response().usage().totalInputTokens(), e.response().usage().outputTokens(),
        e.response().cost().toPlainString(), e.response().latency().toMillis(), e.response().attempts());
  }

  @Override
  public void onCallFailed(RalexEvent.CallFailed e) {
    LOG.info("call {}: failed after {} ms: {}", e.callId(), e.latency().toMillis(), e.error().getMessage());
  }
}
