package dev.ralex.api;

/** The connection failed before a complete answer arrived: refused, reset or cut off. Retryable. */
public class NetworkException extends LlmException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what happened; must not contain secrets
   * @param details the provider, HTTP status and request id, where known
   * @param cause the underlying failure, or {@code null}
   */
  public NetworkException(String message, ErrorDetails details, Throwable cause) {
    super(ErrorKind.NETWORK, message, true, details, cause);
  }

  /** Creates the exception with no cause. */
  public NetworkException(String message, ErrorDetails details) {
    this(message, details, null);
  }
}
