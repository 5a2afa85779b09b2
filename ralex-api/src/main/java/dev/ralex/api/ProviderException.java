package dev.ralex.api;

/**
 * The provider answered in a way Ralex could not classify or parse: an unexpected status, a malformed body,
 * an error type it does not know. Retryable as its creator decides (a 409 conflict is, a garbled 200 is not).
 */
public class ProviderException extends LlmException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what was unexpected; must not contain secrets
   * @param retryable whether trying again may help
   * @param details the provider, HTTP status and request id, where known
   * @param cause the underlying failure, or {@code null}
   */
  public ProviderException(String message, boolean retryable, ErrorDetails details, Throwable cause) {
    super(ErrorKind.PROVIDER_ERROR, message, retryable, details, cause);
  }
}
