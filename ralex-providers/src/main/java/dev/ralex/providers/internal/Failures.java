package dev.ralex.providers.internal;

import dev.ralex.api.AuthenticationException;
import dev.ralex.api.BillingException;
import dev.ralex.api.ContextTooLongException;
import dev.ralex.api.ErrorDetails;
import dev.ralex.api.InvalidRequestException;
import dev.ralex.api.LlmException;
import dev.ralex.api.LlmTimeoutException;
import dev.ralex.api.NetworkException;
import dev.ralex.api.PermissionDeniedException;
import dev.ralex.api.ProviderException;
import dev.ralex.api.ProviderUnavailableException;
import dev.ralex.api.RateLimitedException;
import dev.ralex.api.StreamCancelledException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Locale;

/**
 * Turns an HTTP failure or an I/O failure into the {@link LlmException} subtype that says what happened. One
 * place for the rules every provider shares; each provider reads its own error body format and passes what it
 * found here.
 */
public final class Failures {
  private static final int MAX_MESSAGE = 500;

  private Failures() {}

  /**
   * The exception for an HTTP error status.
   *
   * @param status the HTTP status
   * @param errorType the provider's error type, such as {@code overloaded_error}, or {@code null}
   * @param message the provider's message, or {@code null} (a body that was not JSON, for example)
   * @param retryAfter the wait the response asked for, or {@code null}
   * @param details the provider, status, request id and rate-limit information
   */
  public static LlmException forStatus(int status, String errorType, String message, Duration retryAfter,
      ErrorDetails details) {
    String type = errorType == null ? "" : errorType;
    String text = describe(status, type, message);
    // An error type that names the kind outright wins over the status: an overloaded_error can arrive in a 200
    // stream, and a proxy may relay errors under odd statuses.
    switch (type) {
      case "overloaded_error":
        return new ProviderUnavailableException(text, true, retryAfter, details, null);
      case "rate_limit_error":
        return new RateLimitedException(rateLimitText(text, retryAfter), retryAfter, details, null);
      case "authentication_error":
        return new AuthenticationException(text, details);
      case "permission_error":
        return new PermissionDeniedException(text, details);
      case "billing_error":
        return new BillingException(text, details);
      case "api_error":
        return new ProviderUnavailableException(text, false, retryAfter, details, null);
      case "timeout_error":
        return new LlmTimeoutException(text, details);
      default:
        break;
    }
    switch (status) {
      case 400:
      case 404:
      case 413:
      case 422:
        if (isContextTooLong(message)) {
          return new ContextTooLongException(text, -1, -1, details, null);
        }
        return new InvalidRequestException(text, details);
      case 401:
        return new AuthenticationException(text, details);
      case 402:
        return new BillingException(text, details);
      case 403:
        return new PermissionDeniedException(text, details);
      case 408:
      case 504:
        return new LlmTimeoutException(text, details);
      case 409:
        return new ProviderException(text, true, details, null);
      case 429:
        return new RateLimitedException(rateLimitText(text, retryAfter), retryAfter, details, null);
      case 529:
        return new ProviderUnavailableException(text, true, retryAfter, details, null);
      default:
        if (status >= 500) {
          return new ProviderUnavailableException(text, false, retryAfter, details, null);
        }
        if (status >= 400) {
          return new InvalidRequestException(text, details);
        }
        return new ProviderException(text, false, details, null);
    }
  }

  /**
   * The exception for an I/O failure: a timeout, a cancellation by the caller, or a network failure (refused,
   * reset, cut off mid-body).
   *
   * @param cancelled whether the caller cancelled the call, which OkHttp reports as an I/O failure
   */
  public static LlmException forIo(IOException e, boolean cancelled, ErrorDetails details) {
    if (cancelled) {
      return new StreamCancelledException("the call was cancelled", details, e);
    }
    if (e instanceof OversizedResponseException) {
      return new ProviderException(e.getMessage(), false, details, e);
    }
    if (e instanceof SocketTimeoutException || e instanceof java.net.http.HttpTimeoutException
        || (e instanceof InterruptedIOException && "timeout".equals(e.getMessage()))) {
      return new LlmTimeoutException("timed out: " + e.getMessage(), details, e);
    }
    return new NetworkException("network failure: " + e, details, e);
  }

  /** Whether a provider's message says the prompt does not fit the context window. */
  static boolean isContextTooLong(String message) {
    if (message == null) {
      return false;
    }
    String m = message.toLowerCase(Locale.ROOT);
    return m.contains("prompt is too long") || m.contains("context length") || m.contains("context window")
        || m.contains("maximum context") || m.contains("too many tokens");
  }

  private static String describe(int status, String type, String message) {
    StringBuilder sb = new StringBuilder();
    if (!type.isEmpty()) {
      sb.append(type).append(": ");
    }
    if (message != null && !message.isBlank()) {
      sb.append(message.length() > MAX_MESSAGE ? message.substring(0, MAX_MESSAGE) + "..." : message);
    } else {
      sb.append("HTTP ").append(status);
    }
    return sb.toString();
  }

  private static String rateLimitText(String text, Duration retryAfter) {
    return retryAfter != null ? text
        : text + " (no retry-after: a spend cap or quota, which waiting will not lift)";
  }
}
