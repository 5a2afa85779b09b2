package dev.ralex.api;

import java.util.Objects;

/**
 * The caller's response validator rejected the answer of every model Ralex could try, the strongest included.
 * The last rejected answer is kept, with its cost already recorded. Not retryable: the same request would meet
 * the same models.
 */
public class ResponseRejectedException extends LlmException {
  private static final long serialVersionUID = 1L;

  private final transient ChatResponse lastResponse;
  private final String reason;

  /**
   * Creates the exception.
   *
   * @param reason the validator's reason for rejecting the last answer; must not contain secrets
   * @param lastResponse the last answer rejected
   */
  public ResponseRejectedException(String reason, ChatResponse lastResponse) {
    super(ErrorKind.RESPONSE_REJECTED, "the response validator rejected the answer of "
        + Objects.requireNonNull(lastResponse, "lastResponse").model() + ", and no stronger model is left: "
        + Objects.requireNonNull(reason, "reason"), false, ErrorDetails.of(lastResponse.provider()), null);
    this.reason = reason;
    this.lastResponse = lastResponse;
  }

  /** The validator's reason for rejecting the last answer. */
  public String reason() {
    return reason;
  }

  /** The last answer rejected (transient: absent after deserialization). */
  public java.util.Optional<ChatResponse> lastResponse() {
    return java.util.Optional.ofNullable(lastResponse);
  }
}
