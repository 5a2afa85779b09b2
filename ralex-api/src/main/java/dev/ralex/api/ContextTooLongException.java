package dev.ralex.api;

import java.util.OptionalLong;

/**
 * The prompt and the requested output do not fit the model's context window, as Ralex estimated before
 * sending or as the provider reported. Not retryable with the same model; a model with a larger window or a
 * compressed history can succeed.
 */
public class ContextTooLongException extends InvalidRequestException {
  private static final long serialVersionUID = 1L;

  private final long requestedTokens;
  private final long limitTokens;

  /**
   * Creates the exception.
   *
   * @param message what did not fit; must not contain secrets
   * @param requestedTokens the tokens the request needs (input estimate plus requested output), or -1 if
   *     unknown
   * @param limitTokens the model's context window, or -1 if unknown
   * @param details the provider, HTTP status and request id, where known
   * @param cause the underlying failure, or {@code null}
   */
  public ContextTooLongException(
      String message, long requestedTokens, long limitTokens, ErrorDetails details, Throwable cause) {
    super(ErrorKind.CONTEXT_TOO_LONG, message, details, cause);
    this.requestedTokens = requestedTokens;
    this.limitTokens = limitTokens;
  }

  /** The tokens the request needs, where known. */
  public OptionalLong requestedTokens() {
    return requestedTokens >= 0 ? OptionalLong.of(requestedTokens) : OptionalLong.empty();
  }

  /** The model's context window, where known. */
  public OptionalLong limitTokens() {
    return limitTokens >= 0 ? OptionalLong.of(limitTokens) : OptionalLong.empty();
  }
}
