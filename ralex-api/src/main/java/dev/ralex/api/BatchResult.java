package dev.ralex.api;

import java.util.Objects;
import java.util.Optional;

/**
 * The result of one request of a batch, matched to it by its custom id. Immutable.
 *
 * @param customId the id the request was submitted with ({@link BatchItem#customId()})
 * @param outcome what became of the request
 * @param response the answer, with its usage and cost at the batch price, when it {@linkplain
 *     Outcome#SUCCEEDED succeeded}
 * @param error why it failed, when it {@linkplain Outcome#ERRORED errored}
 */
public record BatchResult(String customId, Outcome outcome, Optional<ChatResponse> response,
    Optional<LlmException> error) {

  /** What became of one request of a batch. */
  public enum Outcome {
    /** Answered; billed at the batch price. */
    SUCCEEDED,
    /** Failed; not billed. */
    ERRORED,
    /** Cancelled before processing; not billed. */
    CANCELED,
    /** Not processed before the batch expired; not billed. */
    EXPIRED
  }

  /** Validates the result: a response exactly when it succeeded, an error only when it errored. */
  public BatchResult {
    Checks.notBlank(customId, "customId");
    Objects.requireNonNull(outcome, "outcome");
    Objects.requireNonNull(response, "response");
    Objects.requireNonNull(error, "error");
    if ((outcome == Outcome.SUCCEEDED) != response.isPresent()) {
      throw new IllegalArgumentException("a batch result has a response exactly when it succeeded");
    }
    if (error.isPresent() && outcome != Outcome.ERRORED) {
      throw new IllegalArgumentException("only an errored batch result carries an error");
    }
  }

  /** A succeeded result. */
  public static BatchResult succeeded(String customId, ChatResponse response) {
    return new BatchResult(customId, Outcome.SUCCEEDED, Optional.of(response), Optional.empty());
  }

  /** An errored result. */
  public static BatchResult errored(String customId, LlmException error) {
    return new BatchResult(customId, Outcome.ERRORED, Optional.empty(), Optional.of(error));
  }

  /** A result that was cancelled or expired. */
  public static BatchResult unprocessed(String customId, Outcome outcome) {
    if (outcome != Outcome.CANCELED && outcome != Outcome.EXPIRED) {
      throw new IllegalArgumentException("unprocessed means canceled or expired, not " + outcome);
    }
    return new BatchResult(customId, outcome, Optional.empty(), Optional.empty());
  }

  /** This result with another response (the pipeline sets the cost); only for a succeeded result. */
  public BatchResult withResponse(ChatResponse response) {
    return succeeded(customId, response);
  }
}
