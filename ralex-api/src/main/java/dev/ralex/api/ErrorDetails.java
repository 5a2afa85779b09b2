package dev.ralex.api;

/**
 * Where a failure came from, for {@link LlmException}.
 *
 * @param provider the provider's id, or {@code null} for a failure inside Ralex
 * @param httpStatus the HTTP status, or 0 when there was no HTTP answer
 * @param requestId the provider's request id, or {@code null}
 * @param rateLimits what the failed response's headers said about rate limits, or {@code null}
 */
public record ErrorDetails(String provider, int httpStatus, String requestId, RateLimitInfo rateLimits) {
  /** No provider, status or request id: a failure inside Ralex. */
  public static final ErrorDetails NONE = new ErrorDetails(null, 0, null, null);

  /** Details without rate-limit information. */
  public ErrorDetails(String provider, int httpStatus, String requestId) {
    this(provider, httpStatus, requestId, null);
  }

  /** Validates the details. */
  public ErrorDetails {
    if (httpStatus != 0 && (httpStatus < 100 || httpStatus > 599)) {
      throw new IllegalArgumentException("httpStatus must be 0 or in [100, 599] but was " + httpStatus);
    }
  }

  /** A failure of {@code provider} with no HTTP answer. */
  public static ErrorDetails of(String provider) {
    return new ErrorDetails(provider, 0, null, null);
  }

  /** A failure of {@code provider} with an HTTP status and an optional request id. */
  public static ErrorDetails of(String provider, int httpStatus, String requestId) {
    return new ErrorDetails(provider, httpStatus, requestId, null);
  }

  /** These details with the rate-limit information of the failed response. */
  public ErrorDetails withRateLimits(RateLimitInfo rateLimits) {
    return new ErrorDetails(provider, httpStatus, requestId, rateLimits);
  }
}
