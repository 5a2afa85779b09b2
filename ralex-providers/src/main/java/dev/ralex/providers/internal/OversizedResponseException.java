package dev.ralex.providers.internal;

import java.io.IOException;

/**
 * A response, or one event of a stream, was larger than the providers read ({@link Json#MAX_BODY_BYTES}, or the
 * SSE line and event limits). Not a network failure: the same request would get the same runaway answer, so
 * {@link Failures#forIo} maps it to a non-retryable failure.
 */
public final class OversizedResponseException extends IOException {
  private static final long serialVersionUID = 1L;

  /** Creates the exception. */
  public OversizedResponseException(String message) {
    super(message);
  }
}
