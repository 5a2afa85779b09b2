package dev.ralex.api;

/** The caller cancelled the call or stream; what had arrived was delivered. Not retryable. */
public class StreamCancelledException extends LlmException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what happened; must not contain secrets
   * @param details the provider, HTTP status and request id, where known
   * @param cause the underlying failure, or {@code null}
   */
  public StreamCancelledException(String message, ErrorDetails details, Throwable cause) {
    super(ErrorKind.CANCELLED, message, false, details, cause);
  }

  /** Creates the exception with no cause. */
  public StreamCancelledException(String message, ErrorDetails details) {
    this(message, details, null);
  }
}
