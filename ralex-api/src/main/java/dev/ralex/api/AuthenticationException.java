package dev.ralex.api;

/** The credentials were missing or rejected (HTTP 401). Not retryable: fix the key. */
public class AuthenticationException extends LlmException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what happened; must not contain secrets
   * @param details the provider, HTTP status and request id, where known
   * @param cause the underlying failure, or {@code null}
   */
  public AuthenticationException(String message, ErrorDetails details, Throwable cause) {
    super(ErrorKind.AUTHENTICATION, message, false, details, cause);
  }

  /** Creates the exception with no cause. */
  public AuthenticationException(String message, ErrorDetails details) {
    this(message, details, null);
  }
}
