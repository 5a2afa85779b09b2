package dev.ralex.api;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A batch as its provider last reported it. Immutable.
 *
 * @param id the provider's id of the batch
 * @param provider the provider's id
 * @param status where the batch is
 * @param counts how many of its requests are in each state
 * @param createdAt when the provider accepted it
 * @param expiresAt when the provider gives up on requests not processed by then
 * @param endedAt when processing ended; empty until it has
 */
public record BatchJob(String id, String provider, Status status, Counts counts, Instant createdAt,
    Instant expiresAt, Optional<Instant> endedAt) {

  /** Where a batch is. */
  public enum Status {
    /** Requests are being processed. */
    IN_PROGRESS,
    /** Cancelling: requests not yet processed are being cancelled. */
    CANCELING,
    /** Every request has a result: succeeded, errored, canceled or expired. */
    ENDED
  }

  /**
   * How many requests of a batch are in each state.
   *
   * @param processing not yet processed
   * @param succeeded answered
   * @param errored failed
   * @param canceled cancelled before processing
   * @param expired not processed before the batch expired
   */
  public record Counts(long processing, long succeeded, long errored, long canceled, long expired) {
    /** Validates the counts. */
    public Counts {
      if (processing < 0 || succeeded < 0 || errored < 0 || canceled < 0 || expired < 0) {
        throw new IllegalArgumentException("batch counts must not be negative");
      }
    }

    /** The requests in the batch. */
    public long total() {
      return processing + succeeded + errored + canceled + expired;
    }
  }

  /** Validates the job. */
  public BatchJob {
    Checks.notBlank(id, "id");
    Checks.notBlank(provider, "provider");
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(counts, "counts");
    Objects.requireNonNull(createdAt, "createdAt");
    Objects.requireNonNull(expiresAt, "expiresAt");
    Objects.requireNonNull(endedAt, "endedAt");
  }

  /** Whether every request has its result. */
  public boolean isEnded() {
    return status == Status.ENDED;
  }
}
