package dev.ralex.examples.gateway;

import dev.ralex.api.BudgetExceededException;
import dev.ralex.api.CircuitOpenException;
import dev.ralex.api.ContextTooLongException;
import dev.ralex.api.LlmException;
import dev.ralex.api.ProviderUnavailableException;
import dev.ralex.api.RateLimitedException;
import dev.ralex.api.UnknownModelException;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * An error as an OpenAI-compatible server answers it: an HTTP status and the body {@code {"error": {"message",
 * "type", "param", "code"}}}, with a {@code Retry-After} when a wait is known. {@link #of(LlmException)} maps
 * each Ralex failure to the status an OpenAI client expects, and keeps anything that looks like a key out of the
 * message. Thrown inside the gateway to end a request; immutable.
 */
final class OpenAiError extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /**
   * Secrets a provider's message may quote (OpenAI's "Incorrect API key provided: sk-...", bearer tokens, the
   * gateway's own {@code rgw-} keys): replaced by {@code [redacted]} in every message the gateway sends.
   */
  private static final Pattern SECRET = Pattern.compile(
      "(?i)\\b(?:sk|rgw|key|pk|rk)-[A-Za-z0-9_\\-*.]{6,}|(?i)(bearer\\s+)[A-Za-z0-9_\\-.~+/=]{8,}");

  private final int status;
  private final String type;
  private final String code;
  private final String param;
  private final transient Duration retryAfter;

  OpenAiError(int status, String type, String code, String param, String message, Duration retryAfter) {
    super(redact(Objects.requireNonNull(message, "message")), null, false, false);
    this.status = status;
    this.type = Objects.requireNonNull(type, "type");
    this.code = code;
    this.param = param;
    this.retryAfter = retryAfter;
  }

  /** A 400 {@code invalid_request_error} about {@code param} (may be null). */
  static OpenAiError invalid(String param, String message) {
    return new OpenAiError(400, "invalid_request_error", null, param, message, null);
  }

  /** A 404 for a model neither "auto" nor one of the gateway's. */
  static OpenAiError unknownModel(String model) {
    return new OpenAiError(404, "invalid_request_error", "model_not_found", "model",
        "The model '" + model + "' does not exist or you do not have access to it; GET /v1/models lists the "
            + "models of this gateway, and 'auto' lets Ralex choose.", null);
  }

  /** A 401 for a missing or wrong gateway key. The key is never quoted. */
  static OpenAiError unauthorized(boolean missing) {
    return new OpenAiError(401, "invalid_request_error", missing ? "missing_api_key" : "invalid_api_key", null,
        missing ? "You didn't provide an API key: send 'Authorization: Bearer <gateway key>'."
            : "Incorrect API key provided.", null);
  }

  /**
   * The error an OpenAI client expects for a Ralex failure: budget refusals are 429 {@code insufficient_quota},
   * rate limits 429 with the wait, invalid requests 400 (an unknown model 404, a context too long 400 {@code
   * context_length_exceeded}), unavailable providers and open circuits 503, timeouts 504, other upstream
   * failures 502. The provider's own authentication failure is the gateway's configuration problem, not the
   * caller's: 502 without the provider's message, which may quote a key.
   */
  static OpenAiError of(LlmException e) {
    Objects.requireNonNull(e, "e");
    String message = e.getMessage();
    if (e instanceof BudgetExceededException) {
      return new OpenAiError(429, "insufficient_quota", "insufficient_quota", null,
          "Ralex refused the call: " + message, null);
    }
    if (e instanceof RateLimitedException r) {
      return new OpenAiError(429, "rate_limit_error", "rate_limit_exceeded", null, message,
          r.retryAfter().orElse(null));
    }
    if (e instanceof UnknownModelException u) {
      return unknownModel(u.modelId());
    }
    if (e instanceof ContextTooLongException) {
      return new OpenAiError(400, "invalid_request_error", "context_length_exceeded", "messages", message, null);
    }
    if (e instanceof ProviderUnavailableException p) {
      return new OpenAiError(503, "service_unavailable", p.isOverloaded() ? "overloaded" : "unavailable", null,
          message, p.retryAfter().orElse(null));
    }
    if (e instanceof CircuitOpenException c) {
      return new OpenAiError(503, "service_unavailable", "circuit_open", null, message, c.retryAfter().orElse(null));
    }
    switch (e.kind()) {
      case INVALID_REQUEST:
      case CONTEXT_TOO_LONG:
        return new OpenAiError(400, "invalid_request_error", null, null, message, null);
      case RATE_LIMITED:
        return new OpenAiError(429, "rate_limit_error", "rate_limit_exceeded", null, message, null);
      case BUDGET_EXCEEDED:
      case BILLING:
        return new OpenAiError(429, "insufficient_quota", "insufficient_quota", null, message, null);
      case OVERLOADED:
      case UNAVAILABLE:
      case CIRCUIT_OPEN:
        return new OpenAiError(503, "service_unavailable", null, null, message, null);
      case TIMEOUT:
        return new OpenAiError(504, "timeout", "timeout", null, message, null);
      case AUTHENTICATION:
        return new OpenAiError(502, "upstream_error", "upstream_authentication_failed", null,
            "The gateway's provider " + e.provider().orElse("") + " refused its credentials; ask the gateway's "
                + "operator.", null);
      case PERMISSION_DENIED:
        return new OpenAiError(403, "permission_error", "permission_denied", null, message, null);
      case NETWORK:
      case PROVIDER_ERROR:
      case RESPONSE_REJECTED:
        return new OpenAiError(502, "upstream_error", e.kind().name().toLowerCase(java.util.Locale.ROOT), null,
            message, null);
      default:
        return new OpenAiError(500, "server_error", e.kind().name().toLowerCase(java.util.Locale.ROOT), null,
            message, null);
    }
  }

  /** {@code text} with anything that looks like a key or a bearer token replaced by {@code [redacted]}. */
  static String redact(String text) {
    return SECRET.matcher(text).replaceAll(m -> m.group(1) != null
        ? java.util.regex.Matcher.quoteReplacement(m.group(1)) + "[redacted]" : "[redacted]");
  }

  int status() {
    return status;
  }

  String type() {
    return type;
  }

  Optional<String> code() {
    return Optional.ofNullable(code);
  }

  Optional<String> param() {
    return Optional.ofNullable(param);
  }

  /** The wait to send as {@code Retry-After}, when known. */
  Optional<Duration> retryAfter() {
    return Optional.ofNullable(retryAfter);
  }
}
