package dev.ralex.api;

import java.util.Objects;
import java.util.Optional;

/**
 * A caller's judgement of a call's answer, given after the call returned (a score, a thumbs up or down, a test
 * run's verdict), matched to the call by its id. Passed with {@code Ralex.rate(Rating)} to the {@link
 * ModelSelector}, so a learning selector can weigh quality and not only success. Immutable.
 *
 * @param callId the call's id, {@link ChatResponse#callId()}
 * @param quality the judgement in [0, 1]; below 0.5 counts as a rejection
 * @param comment why, for logs and listeners; empty when none was given
 */
public record Rating(String callId, double quality, Optional<String> comment) {
  /** Validates the rating. */
  public Rating {
    Checks.notBlank(callId, "callId");
    if (!(quality >= 0.0 && quality <= 1.0)) {
      throw new IllegalArgumentException("quality must be in [0, 1] but was " + quality);
    }
    Objects.requireNonNull(comment, "comment");
  }

  /** A score in [0, 1] with no comment. */
  public static Rating of(String callId, double quality) {
    return new Rating(callId, quality, Optional.empty());
  }

  /** A thumbs up (1) or down (0). */
  public static Rating thumbs(String callId, boolean up) {
    return of(callId, up ? 1.0 : 0.0);
  }

  /** Whether the caller found the answer unacceptable: a quality below 0.5. */
  public boolean rejected() {
    return quality < 0.5;
  }
}
