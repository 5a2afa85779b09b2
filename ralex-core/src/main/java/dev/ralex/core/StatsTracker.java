package dev.ralex.core;

import dev.ralex.api.ModelStats;
import java.time.Duration;
import java.util.Collections;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Recent outcomes per model for selectors: counts and an exponentially weighted mean latency, so the figure
 * follows a model whose speed changes. Thread-safe.
 */
final class StatsTracker {
  /** Weight of the newest latency sample. */
  private static final double ALPHA = 0.2;

  private final ConcurrentHashMap<String, ModelStats> stats = new ConcurrentHashMap<>();
  private final Map<String, ModelStats> view = Collections.unmodifiableMap(stats);

  void success(String modelId, Duration latency) {
    stats.merge(modelId, new ModelStats(1, 0, latency), (old, one) -> new ModelStats(
        old.calls() + 1, old.failures(),
        old.calls() == old.failures() ? latency : ewma(old.meanLatency(), latency)));
  }

  void failure(String modelId) {
    stats.merge(modelId, new ModelStats(1, 1, Duration.ZERO),
        (old, one) -> new ModelStats(old.calls() + 1, old.failures() + 1, old.meanLatency()));
  }

  /** A live, read-only view. */
  Map<String, ModelStats> view() {
    return view;
  }

  private static Duration ewma(Duration mean, Duration sample) {
    return Duration.ofNanos((long) (mean.toNanos() * (1 - ALPHA) + sample.toNanos() * ALPHA));
  }
}
