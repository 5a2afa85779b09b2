package dev.ralex.api;

/** Ralex's configuration is invalid or incomplete; the message names what is wrong. Not retryable. */
public class ConfigurationException extends LlmException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what happened; must not contain secrets
   * @param details the provider, HTTP status and request id, where known
   * @param cause the underlying failure, or {@code null}
   */
  public ConfigurationException(String message, ErrorDetails details, Throwable cause) {
    super(ErrorKind.CONFIGURATION, message, false, details, cause);
  }

  /** Creates the exception for a failure inside Ralex. */
  public ConfigurationException(String message) {
    this(message, ErrorDetails.NONE, null);
  }

  /** Creates the exception with no cause. */
  public ConfigurationException(String message, ErrorDetails details) {
    this(message, details, null);
  }
}
