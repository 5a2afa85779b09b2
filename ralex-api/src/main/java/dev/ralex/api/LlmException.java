package dev.ralex.api;

import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The root of every failure Ralex reports. Unchecked. Each subtype says what happened ({@link #kind()}),
 * whether trying again can help ({@link #isRetryable()}), and, where known, the provider, the HTTP status and
 * the provider's request id, which {@link #getMessage()} also shows. No message ever contains an API key.
 */
public class LlmException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final ErrorKind kind;
  private final boolean retryable;
  private final String provider;
  private final int httpStatus;
  private final String requestId;
  private final RateLimitInfo rateLimits;

  /**
   * Creates an exception.
   *
   * @param kind what happened
   * @param message what happened, for people; must not contain secrets
   * @param retryable whether the same call may succeed if tried again
   * @param details the provider, HTTP status and request id, where known
   * @param cause the underlying failure, or {@code null}
   */
  public LlmException(ErrorKind kind, String message, boolean retryable, ErrorDetails details, Throwable cause) {
    super(Objects.requireNonNull(message, "message"), cause);
    this.kind = Objects.requireNonNull(kind, "kind");
    this.retryable = retryable;
    Objects.requireNonNull(details, "details");
    this.provider = details.provider();
    this.httpStatus = details.httpStatus();
    this.requestId = details.requestId();
    this.rateLimits = details.rateLimits();
  }

  /** What kind of failure this is. */
  public ErrorKind kind() {
    return kind;
  }

  /** Whether the same call may succeed if tried again, after a wait where one is advised. */
  public boolean isRetryable() {
    return retryable;
  }

  /** The id of the provider that failed; empty when the failure happened inside Ralex. */
  public Optional<String> provider() {
    return Optional.ofNullable(provider);
  }

  /** The HTTP status the provider answered with; empty when there was no HTTP answer. */
  public OptionalInt httpStatus() {
    return httpStatus > 0 ? OptionalInt.of(httpStatus) : OptionalInt.empty();
  }

  /** The provider's id of the failed request, for support tickets; empty when unknown. */
  public Optional<String> requestId() {
    return Optional.ofNullable(requestId);
  }

  /** What the failed response's headers said about rate limits; empty when they said nothing. */
  public Optional<RateLimitInfo> rateLimits() {
    return Optional.ofNullable(rateLimits);
  }

  /** The provider, HTTP status, request id and rate-limit information of this failure. */
  public ErrorDetails details() {
    return new ErrorDetails(provider, httpStatus, requestId, rateLimits);
  }

  /** The message followed by the provider, status and request id where known. */
  @Override
  public String getMessage() {
    String message = super.getMessage();
    if (provider == null && httpStatus <= 0 && requestId == null) {
      return message;
    }
    StringBuilder sb = new StringBuilder(message).append(" [");
    String sep = "";
    if (provider != null) {
      sb.append("provider=").append(provider);
      sep = ", ";
    }
    if (httpStatus > 0) {
      sb.append(sep).append("status=").append(httpStatus);
      sep = ", ";
    }
    if (requestId != null) {
      sb.append(sep).append("request-id=").append(requestId);
    }
    return sb.append(']').toString();
  }
}
