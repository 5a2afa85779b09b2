package dev.ralex.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.doubles;
import static org.quicktheories.generators.SourceDSL.integers;

import dev.ralex.api.AuthenticationException;
import dev.ralex.api.ErrorDetails;
import dev.ralex.api.ProviderUnavailableException;
import dev.ralex.api.RateLimitedException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {
  private static final ProviderUnavailableException OVERLOADED =
      new ProviderUnavailableException("overloaded", true, ErrorDetails.of("p", 529, null));

  @Test
  void backoffStaysWithinFullJitterBounds() {
    qt().forAll(integers().between(0, 80), doubles().between(0.0, 0.999_999))
        .checkAssert((retry, r) -> {
          RetryPolicy policy = RetryPolicy.builder().maxRetries(100).deadline(Duration.ofDays(1))
              .jitter(() -> r).build();
          Duration delay = policy.delayBeforeRetry(retry, OVERLOADED, Duration.ZERO).orElseThrow();
          double ceilingSeconds = Math.min(16.0, Math.pow(2, retry));
          assertThat(delay).isBetween(Duration.ZERO, Duration.ofSeconds(16));
          assertThat(delay.toNanos() / 1e9).isLessThanOrEqualTo(ceilingSeconds);
          assertThat(delay.toNanos() / 1e9).isCloseTo(ceilingSeconds * r, org.assertj.core.data.Offset.offset(1e-6));
        });
  }

  @Test
  void notRetryableFailuresAndExhaustedRetriesStop() {
    RetryPolicy policy = RetryPolicy.defaults();
    assertThat(policy.delayBeforeRetry(0, new AuthenticationException("no", ErrorDetails.NONE), Duration.ZERO))
        .isEmpty();
    assertThat(policy.delayBeforeRetry(3, OVERLOADED, Duration.ZERO)).isEmpty();
    assertThat(policy.delayBeforeRetry(2, OVERLOADED, Duration.ZERO)).isPresent();
  }

  @Test
  void spendCap429WithoutHintIsNotRetried() {
    RateLimitedException spendCap = new RateLimitedException("spend limit", null, ErrorDetails.of("p", 429, null));
    assertThat(RetryPolicy.defaults().delayBeforeRetry(0, spendCap, Duration.ZERO)).isEmpty();
  }

  @Test
  void serverHintIsUsedUnlessLongerThanAllowed() {
    RetryPolicy policy = RetryPolicy.builder().maxRetryAfter(Duration.ofSeconds(30)).build();
    RateLimitedException hinted = new RateLimitedException("slow", Duration.ofSeconds(12), ErrorDetails.NONE);
    RateLimitedException tooLong = new RateLimitedException("slow", Duration.ofSeconds(31), ErrorDetails.NONE);
    assertThat(policy.delayBeforeRetry(0, hinted, Duration.ZERO)).hasValue(Duration.ofSeconds(12));
    assertThat(policy.delayBeforeRetry(0, tooLong, Duration.ZERO)).isEmpty();
  }

  @Test
  void noRetryStartsPastTheDeadline() {
    RetryPolicy policy = RetryPolicy.builder().deadline(Duration.ofSeconds(10)).jitter(() -> 0.5).build();
    assertThat(policy.delayBeforeRetry(0, OVERLOADED, Duration.ofMillis(9_400))).hasValue(Duration.ofMillis(500));
    assertThat(policy.delayBeforeRetry(0, OVERLOADED, Duration.ofMillis(9_500))).isEmpty();
  }

  @Test
  void invalidSettingsAreRejected() {
    assertThatThrownBy(() -> RetryPolicy.builder().maxRetries(-1).build()).hasMessageContaining("maxRetries");
    assertThatThrownBy(() -> RetryPolicy.builder().baseDelay(Duration.ZERO).build()).hasMessageContaining("baseDelay");
    assertThatThrownBy(() -> RetryPolicy.builder().baseDelay(Duration.ofSeconds(5)).maxDelay(Duration.ofSeconds(1))
        .build()).hasMessageContaining("maxDelay");
    assertThat(RetryPolicy.none().delayBeforeRetry(0, OVERLOADED, Duration.ZERO)).isEmpty();
  }

  @Test
  void aModelsRetriesCountThroughResilience4jAndStopAtTheLimit() {
    RetryPolicy policy = RetryPolicy.builder().jitter(() -> 0.5).build();
    RetryPolicy.Retries retries = policy.start();
    assertThat(retries.next(OVERLOADED, Duration.ZERO)).hasValue(Duration.ofMillis(500));
    assertThat(retries.next(OVERLOADED, Duration.ZERO)).hasValue(Duration.ofSeconds(1));
    assertThat(retries.next(OVERLOADED, Duration.ZERO)).hasValue(Duration.ofSeconds(2));
    assertThat(retries.next(OVERLOADED, Duration.ZERO)).as("three retries, then no more").isEmpty();
    // The next model of a fallback chain starts its own count.
    assertThat(policy.start().next(OVERLOADED, Duration.ZERO)).hasValue(Duration.ofMillis(500));
  }

  @Test
  void aSessionHonoursHintsDeadlinesAndWhatCannotBeRetried() {
    RetryPolicy policy = RetryPolicy.builder().maxRetryAfter(Duration.ofSeconds(30))
        .deadline(Duration.ofSeconds(60)).jitter(() -> 0.5).build();
    RateLimitedException hinted = new RateLimitedException("slow", Duration.ofMillis(12_345), ErrorDetails.NONE);
    assertThat(policy.start().next(hinted, Duration.ZERO)).hasValue(Duration.ofMillis(12_345));
    assertThat(policy.start().next(hinted, Duration.ofSeconds(50))).as("past the deadline").isEmpty();
    RateLimitedException tooLong = new RateLimitedException("slow", Duration.ofSeconds(31), ErrorDetails.NONE);
    assertThat(policy.start().next(tooLong, Duration.ZERO)).isEmpty();
    assertThat(policy.start().next(new AuthenticationException("no", ErrorDetails.NONE), Duration.ZERO)).isEmpty();
    assertThat(RetryPolicy.none().start().next(OVERLOADED, Duration.ZERO)).isEmpty();
  }

  @Test
  void sessionDelaysStayWithinTheirBounds() {
    qt().forAll(integers().between(1, 10), doubles().between(0.0, 0.999_999))
        .checkAssert((failures, r) -> {
          RetryPolicy policy = RetryPolicy.builder().maxRetries(10).deadline(Duration.ofDays(1))
              .jitter(() -> r).build();
          RetryPolicy.Retries retries = policy.start();
          for (int retry = 0; retry < failures; retry++) {
            Duration delay = retries.next(OVERLOADED, Duration.ZERO).orElseThrow();
            long ceilingMillis = Math.min(16_000, 1_000L << retry);
            assertThat(delay).isBetween(Duration.ZERO, Duration.ofMillis(ceilingMillis));
          }
        });
  }
}
