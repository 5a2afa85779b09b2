package dev.ralex.api;

import java.time.Duration;
import java.util.Optional;

/**
 * The provider is overloaded (HTTP 529, or an {@code overloaded_error} in a stream) or failed on its side
 * (HTTP 500, 502, 503). Retryable, after a backoff; a fallback model on another provider may succeed at once.
 */
public class ProviderUnavailableException extends LlmException {
  private static final long serialVersionUID = 1L;

  private final Duration retryAfter;

  /**
   * Creates the exception.
   *
   * @param message what failed; must not contain secrets
   * @param overloaded whether the provider said it is overloaded, rather than failing otherwise
   * @param retryAfter how long the provider asked to wait, or {@code null}
   * @param details the provider, HTTP status and request id, where known
   * @param cause the underlying failure, or {@code null}
   */
  public ProviderUnavailableException(
      String message, boolean overloaded, Duration retryAfter, ErrorDetails details, Throwable cause) {
    super(overloaded ? ErrorKind.OVERLOADED : ErrorKind.UNAVAILABLE, message, true, details, cause);
    this.retryAfter = retryAfter;
  }

  /** Creates the exception with no wait hint and no cause. */
  public ProviderUnavailableException(String message, boolean overloaded, ErrorDetails details) {
    this(message, overloaded, null, details, null);
  }

  /** Whether the provider said it is overloaded. */
  public boolean isOverloaded() {
    return kind() == ErrorKind.OVERLOADED;
  }

  /** How long the provider asked to wait; empty when it gave no hint. */
  public Optional<Duration> retryAfter() {
    return Optional.ofNullable(retryAfter);
  }
}
