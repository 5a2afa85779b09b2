package dev.ralex.api;

/**
 * The request was malformed, named something unknown, or was too large (HTTP 400, 404, 413, 422). Not
 * retryable: the same request fails the same way.
 */
public class InvalidRequestException extends LlmException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what is wrong with the request; must not contain secrets
   * @param details the provider, HTTP status and request id, where known
   * @param cause the underlying failure, or {@code null}
   */
  public InvalidRequestException(String message, ErrorDetails details, Throwable cause) {
    this(ErrorKind.INVALID_REQUEST, message, details, cause);
  }

  /** Creates the exception with no cause. */
  public InvalidRequestException(String message, ErrorDetails details) {
    this(message, details, null);
  }

  /** For subtypes with a more specific kind. */
  protected InvalidRequestException(ErrorKind kind, String message, ErrorDetails details, Throwable cause) {
    super(kind, message, false, details, cause);
  }
}
