package dev.ralex.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.io.IOException;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class LlmExceptionTest {
  private static final ErrorDetails DETAILS = ErrorDetails.of("anthropic", 500, "req_1");

  static Stream<Arguments> kinds() {
    return Stream.of(
        Arguments.of(new AuthenticationException("m", DETAILS), ErrorKind.AUTHENTICATION, false),
        Arguments.of(new PermissionDeniedException("m", DETAILS), ErrorKind.PERMISSION_DENIED, false),
        Arguments.of(new InvalidRequestException("m", DETAILS), ErrorKind.INVALID_REQUEST, false),
        Arguments.of(new ContextTooLongException("m", 10, 5, DETAILS, null), ErrorKind.CONTEXT_TOO_LONG, false),
        Arguments.of(new UnknownModelException("x/y", List.of("a/b")), ErrorKind.INVALID_REQUEST, false),
        Arguments.of(new BillingException("m", DETAILS), ErrorKind.BILLING, false),
        Arguments.of(new RateLimitedException("m", Duration.ofSeconds(2), DETAILS), ErrorKind.RATE_LIMITED, true),
        Arguments.of(new RateLimitedException("m", Duration.ZERO, DETAILS), ErrorKind.RATE_LIMITED, true),
        Arguments.of(new RateLimitedException("m", null, DETAILS), ErrorKind.RATE_LIMITED, false),
        Arguments.of(new ProviderUnavailableException("m", true, DETAILS), ErrorKind.OVERLOADED, true),
        Arguments.of(new ProviderUnavailableException("m", false, DETAILS), ErrorKind.UNAVAILABLE, true),
        Arguments.of(new LlmTimeoutException("m", DETAILS), ErrorKind.TIMEOUT, true),
        Arguments.of(new NetworkException("m", DETAILS), ErrorKind.NETWORK, true),
        Arguments.of(new BudgetExceededException("b", BigDecimal.ONE, BigDecimal.ONE, BigDecimal.ONE),
            ErrorKind.BUDGET_EXCEEDED, false),
        Arguments.of(new StreamCancelledException("m", DETAILS), ErrorKind.CANCELLED, false),
        Arguments.of(new ConfigurationException("m"), ErrorKind.CONFIGURATION, false),
        Arguments.of(new ProviderException("m", true, DETAILS, null), ErrorKind.PROVIDER_ERROR, true),
        Arguments.of(new ProviderException("m", false, DETAILS, null), ErrorKind.PROVIDER_ERROR, false));
  }

  @ParameterizedTest
  @MethodSource("kinds")
  void eachSubtypeReportsItsKindAndWhetherARetryCanHelp(LlmException e, ErrorKind kind, boolean retryable) {
    assertThat(e.kind()).isEqualTo(kind);
    assertThat(e.isRetryable()).isEqualTo(retryable);
    assertThat(e).isInstanceOf(RuntimeException.class);
  }

  @Test
  void rateLimitedIsRetryableOnlyWithAWaitHint() {
    RateLimitedException withHint = new RateLimitedException("slow down", Duration.ofSeconds(30), DETAILS);
    RateLimitedException quota = new RateLimitedException("quota exhausted", null, DETAILS);

    assertThat(withHint.isRetryable()).isTrue();
    assertThat(withHint.retryAfter()).contains(Duration.ofSeconds(30));
    assertThat(quota.isRetryable()).isFalse();
    assertThat(quota.retryAfter()).isEmpty();
  }

  @Test
  void rateLimitedRejectsANegativeWait() {
    assertThatThrownBy(() -> new RateLimitedException("m", Duration.ofMillis(-1), DETAILS))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("retryAfter");
  }

  @Test
  void providerUnavailableDistinguishesOverloadFromOtherFailures() {
    ProviderUnavailableException overloaded =
        new ProviderUnavailableException("overloaded", true, Duration.ofSeconds(5), DETAILS, null);
    ProviderUnavailableException down = new ProviderUnavailableException("bad gateway", false, DETAILS);

    assertThat(overloaded.isOverloaded()).isTrue();
    assertThat(overloaded.kind()).isEqualTo(ErrorKind.OVERLOADED);
    assertThat(overloaded.retryAfter()).contains(Duration.ofSeconds(5));
    assertThat(down.isOverloaded()).isFalse();
    assertThat(down.kind()).isEqualTo(ErrorKind.UNAVAILABLE);
    assertThat(down.retryAfter()).isEmpty();
  }

  @Test
  void messageShowsProviderStatusAndRequestId() {
    LlmException e = new RateLimitedException("rate limited", null,
        ErrorDetails.of("anthropic", 429, "req_011CSHoEeqs5C35K2UUqR7Fy"));
    assertThat(e.getMessage())
        .isEqualTo("rate limited [provider=anthropic, status=429, request-id=req_011CSHoEeqs5C35K2UUqR7Fy]");
  }

  @Test
  void messageShowsOnlyTheDetailsThatAreKnown() {
    assertThat(new NetworkException("reset", ErrorDetails.of("openai")).getMessage())
        .isEqualTo("reset [provider=openai]");
    assertThat(new NetworkException("reset", new ErrorDetails(null, 503, null)).getMessage())
        .isEqualTo("reset [status=503]");
    assertThat(new NetworkException("reset", new ErrorDetails(null, 0, "req_7")).getMessage())
        .isEqualTo("reset [request-id=req_7]");
    assertThat(new NetworkException("reset", new ErrorDetails("openai", 0, "req_7")).getMessage())
        .isEqualTo("reset [provider=openai, request-id=req_7]");
    assertThat(new NetworkException("reset", ErrorDetails.NONE).getMessage()).isEqualTo("reset");
  }

  @Test
  void accessorsReturnTheDetailsAndTheCause() {
    IOException cause = new IOException("boom");
    LlmException e = new LlmTimeoutException("timed out", ErrorDetails.of("anthropic", 504, "req_2"), cause);

    assertThat(e.provider()).contains("anthropic");
    assertThat(e.httpStatus()).isEqualTo(OptionalInt.of(504));
    assertThat(e.requestId()).contains("req_2");
    assertThat(e.details()).isEqualTo(ErrorDetails.of("anthropic", 504, "req_2"));
    assertThat(e.getCause()).isSameAs(cause);

    LlmException inside = new ConfigurationException("bad config");
    assertThat(inside.provider()).isEmpty();
    assertThat(inside.httpStatus()).isEqualTo(OptionalInt.empty());
    assertThat(inside.requestId()).isEmpty();
    assertThat(inside.details()).isEqualTo(ErrorDetails.NONE);
  }

  @Test
  void rateLimitInformationTravelsFromTheDetailsToTheException() {
    RateLimitInfo limits = new RateLimitInfo(new RateLimitInfo.Window(50, 0, null), null, null, null,
        Duration.ofSeconds(20));
    ErrorDetails details = ErrorDetails.of("anthropic", 429, "req_3").withRateLimits(limits);
    LlmException e = new RateLimitedException("slow down", Duration.ofSeconds(20), details);

    assertThat(details).isEqualTo(new ErrorDetails("anthropic", 429, "req_3", limits));
    assertThat(e.rateLimits()).contains(limits);
    assertThat(e.details()).isEqualTo(details);
    assertThat(e.getMessage()).isEqualTo("slow down [provider=anthropic, status=429, request-id=req_3]");
    assertThat(new NetworkException("reset", DETAILS).rateLimits()).isEmpty();
    assertThat(ErrorDetails.of("anthropic", 429, "req_3").rateLimits()).isNull();
  }

  @Test
  void rateLimitInfoReportsWhatWasSaid() {
    RateLimitInfo.Window spent = new RateLimitInfo.Window(1_000, 0, null);
    RateLimitInfo.Window left = new RateLimitInfo.Window(1_000, 10, null);
    RateLimitInfo info = new RateLimitInfo(left, spent, null, null, Duration.ofSeconds(3));

    assertThat(spent.isExhausted()).isTrue();
    assertThat(left.isExhausted()).isFalse();
    assertThat(new RateLimitInfo.Window(-1, -1, null).isExhausted()).isFalse();
    assertThat(info.requestWindow()).contains(left);
    assertThat(info.tokenWindow()).contains(spent);
    assertThat(info.retryAfterHint()).contains(Duration.ofSeconds(3));
    assertThat(info.isEmpty()).isFalse();
    assertThat(RateLimitInfo.NONE.isEmpty()).isTrue();
    assertThat(new RateLimitInfo(null, null, null, null, null).isEmpty()).isTrue();
    assertThat(RateLimitInfo.NONE.requestWindow()).isEmpty();
    assertThat(RateLimitInfo.NONE.retryAfterHint()).isEmpty();
  }

  @Test
  void constructorRejectsMissingParts() {
    assertThatThrownBy(() -> new LlmException(null, "m", false, ErrorDetails.NONE, null))
        .isInstanceOf(NullPointerException.class).hasMessageContaining("kind");
    assertThatThrownBy(() -> new LlmException(ErrorKind.NETWORK, null, false, ErrorDetails.NONE, null))
        .isInstanceOf(NullPointerException.class).hasMessageContaining("message");
    assertThatThrownBy(() -> new LlmException(ErrorKind.NETWORK, "m", false, null, null))
        .isInstanceOf(NullPointerException.class).hasMessageContaining("details");
  }

  @Test
  void contextTooLongIsAnInvalidRequestWithOptionalTokenCounts() {
    ContextTooLongException known = new ContextTooLongException("too long", 250_000, 200_000, DETAILS, null);
    ContextTooLongException unknown = new ContextTooLongException("too long", -1, -1, DETAILS, null);

    assertThat(known).isInstanceOf(InvalidRequestException.class);
    assertThat(known.requestedTokens()).isEqualTo(OptionalLong.of(250_000));
    assertThat(known.limitTokens()).isEqualTo(OptionalLong.of(200_000));
    assertThat(unknown.requestedTokens()).isEqualTo(OptionalLong.empty());
    assertThat(unknown.limitTokens()).isEqualTo(OptionalLong.empty());
  }

  @Test
  void unknownModelListsTheKnownModels() {
    UnknownModelException e = new UnknownModelException("anthropic/claude-9", List.of("anthropic/claude-haiku-4-5",
        "openai/gpt-4o"));
    assertThat(e).isInstanceOf(InvalidRequestException.class);
    assertThat(e.modelId()).isEqualTo("anthropic/claude-9");
    assertThat(e.getMessage()).contains("'anthropic/claude-9'").contains("anthropic/claude-haiku-4-5")
        .contains("openai/gpt-4o");
  }

  @Test
  void budgetExceededSaysWhichBudgetAndTheAmounts() {
    BudgetExceededException e = new BudgetExceededException("daily global", new BigDecimal("10.00"),
        new BigDecimal("9.50"), new BigDecimal("0.75"));

    assertThat(e.getMessage()).isEqualTo(
        "budget 'daily global' would be exceeded: cap $10.00, spent and reserved $9.50, this call up to $0.75");
    assertThat(e.budget()).isEqualTo("daily global");
    assertThat(e.limit()).isEqualByComparingTo("10");
    assertThat(e.spent()).isEqualByComparingTo("9.5");
    assertThat(e.requested()).isEqualByComparingTo("0.75");
    assertThat(e.provider()).isEmpty();
  }

  @Test
  void budgetExceededShowsAmountsInPlainNotation() {
    BudgetExceededException e = new BudgetExceededException("tiny", new BigDecimal("1E-7"), BigDecimal.ZERO,
        new BigDecimal("2E-7"));
    assertThat(e.getMessage()).contains("cap $0.0000001").contains("up to $0.0000002").doesNotContain("E-");
  }

  // ---- LlmProvider.unwrap ----

  @Test
  void unwrapReturnsAnLlmExceptionItself() {
    LlmException e = new NetworkException("reset", DETAILS);
    assertThat(LlmProvider.unwrap(e)).isSameAs(e);
  }

  @Test
  void unwrapDigsThroughCompletionAndExecutionExceptions() {
    LlmException e = new LlmTimeoutException("slow", DETAILS);
    assertThat(LlmProvider.unwrap(new CompletionException(e))).isSameAs(e);
    assertThat(LlmProvider.unwrap(new ExecutionException(e))).isSameAs(e);
    assertThat(LlmProvider.unwrap(new CompletionException(new ExecutionException(new CompletionException(e)))))
        .isSameAs(e);
  }

  @Test
  void unwrapFindsTheFailureOfARealFuture() {
    LlmException e = new BillingException("no credit", DETAILS);
    CompletableFuture<ChatResponse> f = new CompletableFuture<>();
    f.completeExceptionally(e);

    assertThat(LlmProvider.unwrap(catchThrowable(f::join))).isSameAs(e);
    assertThat(LlmProvider.unwrap(catchThrowable(f::get))).isSameAs(e);
    assertThat(LlmProvider.unwrap(catchThrowable(() -> f.thenApply(r -> r).join()))).isSameAs(e);
  }

  @Test
  void unwrapTurnsAnyOtherFailureIntoANonRetryableProviderException() {
    IOException io = new IOException("connection reset");
    LlmException e = LlmProvider.unwrap(new CompletionException(io));

    assertThat(e).isInstanceOf(ProviderException.class);
    assertThat(e.kind()).isEqualTo(ErrorKind.PROVIDER_ERROR);
    assertThat(e.isRetryable()).isFalse();
    assertThat(e.getCause()).isSameAs(io);
    assertThat(e.getMessage()).contains("connection reset");
  }

  @Test
  void unwrapOfAWrapperWithoutCauseKeepsTheWrapper() {
    CompletionException empty = new CompletionException("no cause", null);
    LlmException e = LlmProvider.unwrap(empty);
    assertThat(e).isInstanceOf(ProviderException.class);
    assertThat(e.getCause()).isSameAs(empty);
  }
}
