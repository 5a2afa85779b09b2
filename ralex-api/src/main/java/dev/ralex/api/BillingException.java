package dev.ralex.api;

/** The account is out of credit or has a billing problem (HTTP 402). Not retryable until the account is funded. */
public class BillingException extends LlmException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what happened; must not contain secrets
   * @param details the provider, HTTP status and request id, where known
   * @param cause the underlying failure, or {@code null}
   */
  public BillingException(String message, ErrorDetails details, Throwable cause) {
    super(ErrorKind.BILLING, message, false, details, cause);
  }

  /** Creates the exception with no cause. */
  public BillingException(String message, ErrorDetails details) {
    this(message, details, null);
  }
}
