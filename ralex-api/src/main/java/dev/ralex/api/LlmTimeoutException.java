package dev.ralex.api;

/** The call took longer than allowed (a client timeout, HTTP 408 or 504). Retryable. */
public class LlmTimeoutException extends LlmException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what happened; must not contain secrets
   * @param details the provider, HTTP status and request id, where known
   * @param cause the underlying failure, or {@code null}
   */
  public LlmTimeoutException(String message, ErrorDetails details, Throwable cause) {
    super(ErrorKind.TIMEOUT, message, true, details, cause);
  }

  /** Creates the exception with no cause. */
  public LlmTimeoutException(String message, ErrorDetails details) {
    this(message, details, null);
  }
}
