package dev.ralex.api;

/** The credentials may not do what was asked (HTTP 403). Not retryable. */
public class PermissionDeniedException extends LlmException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what happened; must not contain secrets
   * @param details the provider, HTTP status and request id, where known
   * @param cause the underlying failure, or {@code null}
   */
  public PermissionDeniedException(String message, ErrorDetails details, Throwable cause) {
    super(ErrorKind.PERMISSION_DENIED, message, false, details, cause);
  }

  /** Creates the exception with no cause. */
  public PermissionDeniedException(String message, ErrorDetails details) {
    this(message, details, null);
  }
}
