package dev.ralex.api;

import java.time.Duration;
import java.util.Objects;

/**
 * Recent observations of one model, for selectors: calls, failures and latency. Immutable.
 *
 * @param calls completed attempts observed
 * @param failures attempts that failed
 * @param meanLatency the mean latency of successful attempts; {@link Duration#ZERO} before any
 */
public record ModelStats(long calls, long failures, Duration meanLatency) {
  /** No observations yet. */
  public static final ModelStats NONE = new ModelStats(0, 0, Duration.ZERO);

  /** Validates the counts. */
  public ModelStats {
    Checks.nonNegative(calls, "calls");
    Checks.nonNegative(failures, "failures");
    if (failures > calls) {
      throw new IllegalArgumentException("failures (" + failures + ") exceed calls (" + calls + ")");
    }
    Objects.requireNonNull(meanLatency, "meanLatency");
  }

  /** The share of attempts that succeeded; 1 before any observation, so an unseen model is not penalised. */
  public double successRate() {
    return calls == 0 ? 1.0 : (double) (calls - failures) / calls;
  }
}
