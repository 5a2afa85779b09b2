package dev.ralex.providers.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ralex.api.AuthenticationException;
import dev.ralex.api.BillingException;
import dev.ralex.api.ContextTooLongException;
import dev.ralex.api.ErrorDetails;
import dev.ralex.api.ErrorKind;
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
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class FailuresTest {
  private static final ErrorDetails DETAILS = ErrorDetails.of("anthropic", 400, "req_1");
  private static final Duration WAIT = Duration.ofSeconds(17);

  static Stream<Arguments> table() {
    return Stream.of(
        // status, error type, message, retry-after, expected class, kind, retryable
        Arguments.of(400, "invalid_request_error", "max_tokens: field required", null,
            InvalidRequestException.class, ErrorKind.INVALID_REQUEST, false),
        Arguments.of(400, "invalid_request_error", "prompt is too long: 213118 tokens > 200000 maximum", null,
            ContextTooLongException.class, ErrorKind.CONTEXT_TOO_LONG, false),
        Arguments.of(401, "authentication_error", "invalid x-api-key", null,
            AuthenticationException.class, ErrorKind.AUTHENTICATION, false),
        Arguments.of(402, "billing_error", "credit balance too low", null,
            BillingException.class, ErrorKind.BILLING, false),
        Arguments.of(403, "permission_error", "no access to this model", null,
            PermissionDeniedException.class, ErrorKind.PERMISSION_DENIED, false),
        Arguments.of(404, "not_found_error", "model: claude-nope", null,
            InvalidRequestException.class, ErrorKind.INVALID_REQUEST, false),
        Arguments.of(409, "conflict_error", "conflict", null,
            ProviderException.class, ErrorKind.PROVIDER_ERROR, true),
        Arguments.of(413, "request_too_large", "Request exceeds the maximum allowed number of bytes.", null,
            InvalidRequestException.class, ErrorKind.INVALID_REQUEST, false),
        Arguments.of(429, "rate_limit_error", "rate limited", WAIT,
            RateLimitedException.class, ErrorKind.RATE_LIMITED, true),
        Arguments.of(429, "rate_limit_error", "spend limit reached", null,
            RateLimitedException.class, ErrorKind.RATE_LIMITED, false),
        Arguments.of(500, "api_error", "Internal server error", null,
            ProviderUnavailableException.class, ErrorKind.UNAVAILABLE, true),
        Arguments.of(504, "timeout_error", "Request timed out", null,
            LlmTimeoutException.class, ErrorKind.TIMEOUT, true),
        Arguments.of(529, "overloaded_error", "Overloaded", null,
            ProviderUnavailableException.class, ErrorKind.OVERLOADED, true),
        // The error type wins over the status: an overloaded_error event arrives inside a 200 stream.
        Arguments.of(200, "overloaded_error", "Overloaded", null,
            ProviderUnavailableException.class, ErrorKind.OVERLOADED, true),
        // No error type (a proxy's page): the status decides.
        Arguments.of(400, null, null, null, InvalidRequestException.class, ErrorKind.INVALID_REQUEST, false),
        Arguments.of(401, null, null, null, AuthenticationException.class, ErrorKind.AUTHENTICATION, false),
        Arguments.of(402, null, null, null, BillingException.class, ErrorKind.BILLING, false),
        Arguments.of(403, null, null, null, PermissionDeniedException.class, ErrorKind.PERMISSION_DENIED, false),
        Arguments.of(408, null, null, null, LlmTimeoutException.class, ErrorKind.TIMEOUT, true),
        Arguments.of(422, null, null, null, InvalidRequestException.class, ErrorKind.INVALID_REQUEST, false),
        Arguments.of(429, null, null, WAIT, RateLimitedException.class, ErrorKind.RATE_LIMITED, true),
        Arguments.of(502, null, null, null, ProviderUnavailableException.class, ErrorKind.UNAVAILABLE, true),
        Arguments.of(503, null, null, null, ProviderUnavailableException.class, ErrorKind.UNAVAILABLE, true),
        Arguments.of(529, null, null, null, ProviderUnavailableException.class, ErrorKind.OVERLOADED, true),
        Arguments.of(418, null, null, null, InvalidRequestException.class, ErrorKind.INVALID_REQUEST, false),
        Arguments.of(302, null, null, null, ProviderException.class, ErrorKind.PROVIDER_ERROR, false),
        Arguments.of(400, "some_future_error", "new", null,
            InvalidRequestException.class, ErrorKind.INVALID_REQUEST, false));
  }

  @ParameterizedTest(name = "{0} {1} -> {5}")
  @MethodSource("table")
  void mapsStatusAndType(int status, String type, String message, Duration retryAfter,
      Class<? extends LlmException> expected, ErrorKind kind, boolean retryable) {
    LlmException e = Failures.forStatus(status, type, message, retryAfter, DETAILS);
    assertThat(e).isExactlyInstanceOf(expected);
    assertThat(e.kind()).isEqualTo(kind);
    assertThat(e.isRetryable()).isEqualTo(retryable);
    assertThat(e.provider()).contains("anthropic");
    assertThat(e.requestId()).contains("req_1");
  }

  @Test
  void messageNamesTypeAndTextOrTheStatus() {
    assertThat(Failures.forStatus(529, "overloaded_error", "Overloaded", null, DETAILS).getMessage())
        .startsWith("overloaded_error: Overloaded");
    assertThat(Failures.forStatus(502, null, null, null, DETAILS).getMessage()).startsWith("HTTP 502");
  }

  @Test
  void longMessagesAreCut() {
    String message = Failures.forStatus(400, null, "x".repeat(2000), null, DETAILS).getMessage();
    assertThat(message.length()).isLessThan(700);
  }

  @Test
  void aRateLimitWithoutRetryAfterSaysWaitingWillNotHelp() {
    RateLimitedException e = (RateLimitedException) Failures.forStatus(429, "rate_limit_error", "limit", null, DETAILS);
    assertThat(e.retryAfter()).isEmpty();
    assertThat(e.getMessage()).contains("no retry-after");
  }

  @Test
  void retryAfterIsKeptOnOverloadsAndRateLimits() {
    assertThat(((RateLimitedException) Failures.forStatus(429, null, null, WAIT, DETAILS)).retryAfter()).contains(WAIT);
    assertThat(((ProviderUnavailableException) Failures.forStatus(529, null, null, WAIT, DETAILS)).retryAfter())
        .contains(WAIT);
  }

  @Test
  void ioFailures() {
    assertThat(Failures.forIo(new IOException("Canceled"), true, DETAILS)).isInstanceOf(StreamCancelledException.class);
    assertThat(Failures.forIo(new SocketTimeoutException("read timed out"), false, DETAILS))
        .isInstanceOf(LlmTimeoutException.class);
    assertThat(Failures.forIo(new InterruptedIOException("timeout"), false, DETAILS))
        .isInstanceOf(LlmTimeoutException.class);
    LlmException reset = Failures.forIo(new IOException("unexpected end of stream"), false, DETAILS);
    assertThat(reset).isInstanceOf(NetworkException.class);
    assertThat(reset.isRetryable()).isTrue();
    LlmException runaway = Failures.forIo(new OversizedResponseException("response body larger than 64 MB"), false,
        DETAILS);
    assertThat(runaway.kind()).isEqualTo(dev.ralex.api.ErrorKind.PROVIDER_ERROR);
    assertThat(runaway.isRetryable()).isFalse();
  }

  @Test
  void contextTooLongPhrases() {
    assertThat(Failures.isContextTooLong("prompt is too long: 5 tokens > 4 maximum")).isTrue();
    assertThat(Failures.isContextTooLong("This model's maximum context length is 8192 tokens")).isTrue();
    assertThat(Failures.isContextTooLong("input exceeds the context window")).isTrue();
    assertThat(Failures.isContextTooLong("messages.2: tool_use ids were found without tool_result")).isFalse();
    assertThat(Failures.isContextTooLong(null)).isFalse();
  }
}
