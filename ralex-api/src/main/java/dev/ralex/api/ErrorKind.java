package dev.ralex.api;

/** What kind of failure an {@link LlmException} reports; each subtype has one. */
public enum ErrorKind {
  /** The credentials were missing or rejected (HTTP 401). */
  AUTHENTICATION,
  /** The credentials may not do this (HTTP 403). */
  PERMISSION_DENIED,
  /** The request was malformed or named something unknown (HTTP 400, 404, 413, 422). */
  INVALID_REQUEST,
  /** The prompt and the requested output do not fit the model's context window. */
  CONTEXT_TOO_LONG,
  /** The account is out of credit or has a billing problem (HTTP 402). */
  BILLING,
  /** A rate limit, the provider's (HTTP 429) or Ralex's own, refused the call. */
  RATE_LIMITED,
  /** The provider is overloaded (HTTP 529, or an {@code overloaded_error} event). */
  OVERLOADED,
  /** The provider failed or is unavailable (HTTP 500, 502, 503). */
  UNAVAILABLE,
  /** The call took too long (a client timeout, HTTP 408 or 504). */
  TIMEOUT,
  /** The connection failed: refused, reset, or cut off. */
  NETWORK,
  /** A budget cap refused the call. */
  BUDGET_EXCEEDED,
  /** The caller cancelled the call or stream. */
  CANCELLED,
  /** Ralex's configuration is invalid. */
  CONFIGURATION,
  /** The provider answered in a way Ralex could not classify or parse. */
  PROVIDER_ERROR,
  /** Ralex's circuit breaker for the model is open after recent failures: the call did not reach the provider. */
  CIRCUIT_OPEN,
  /** The caller's response validator rejected every answer Ralex could get. */
  RESPONSE_REJECTED
}
