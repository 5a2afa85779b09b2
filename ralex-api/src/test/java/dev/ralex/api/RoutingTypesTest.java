package dev.ralex.api;

import static dev.ralex.api.Fixtures.model;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.longs;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RoutingTypesTest {
  private static final ModelInfo SMALL = model("test/small");
  private static final ModelInfo LARGE = model("test/large");
  private static final ModelInfo OTHER = model("other/medium");

  @Nested
  class BudgetSnapshots {
    @Test
    void unlimitedHasNoCapAndAllOfItLeft() {
      BudgetSnapshot u = BudgetSnapshot.UNLIMITED;
      assertThat(u.remainingFraction()).isEqualTo(1.0);
      assertThat(u.limit()).isEmpty();
      assertThat(u.remaining()).isEmpty();
      assertThat(u.isExhausted()).isFalse();
      assertThat(u.budget()).isEqualTo("none");
    }

    @Test
    void aZeroCapHasNothingLeft() {
      BudgetSnapshot b = BudgetSnapshot.of("daily", BigDecimal.ZERO, BigDecimal.ZERO);
      assertThat(b.remainingFraction()).isEqualTo(0.0);
      assertThat(b.remaining()).hasValueSatisfying(r -> assertThat(r).isEqualByComparingTo("0"));
      assertThat(b.isExhausted()).isTrue();
    }

    @Test
    void aPartlySpentCapHasTheRestLeft() {
      BudgetSnapshot b = BudgetSnapshot.of("daily global", new BigDecimal("2.50"), new BigDecimal("10"));
      assertThat(b.remaining()).hasValueSatisfying(r -> assertThat(r).isEqualByComparingTo("7.50"));
      assertThat(b.remainingFraction()).isEqualTo(0.75);
      assertThat(b.isExhausted()).isFalse();
      assertThat(b.limit()).hasValueSatisfying(l -> assertThat(l).isEqualByComparingTo("10"));
      assertThat(b.toString()).contains("daily global").contains("2.50").contains("10");
    }

    @Test
    void overspendingLeavesZeroNotANegativeRemainder() {
      BudgetSnapshot b = BudgetSnapshot.of("daily", new BigDecimal("12"), new BigDecimal("10"));
      assertThat(b.remaining()).hasValueSatisfying(r -> assertThat(r).isEqualByComparingTo("0"));
      assertThat(b.remainingFraction()).isEqualTo(0.0);
      assertThat(b.isExhausted()).isTrue();
    }

    @Test
    void spendingExactlyTheCapExhaustsIt() {
      assertThat(BudgetSnapshot.of("d", new BigDecimal("10.00"), BigDecimal.TEN).isExhausted()).isTrue();
      assertThat(BudgetSnapshot.of("d", new BigDecimal("9.99"), BigDecimal.TEN).isExhausted()).isFalse();
    }

    @Test
    void remainderIsNeverNegativeAndFractionStaysInZeroToOne() {
      qt().forAll(longs().between(0, 1_000_000_000L), longs().between(0, 1_000_000_000L))
          .checkAssert((spentCents, limitCents) -> {
            BudgetSnapshot b = BudgetSnapshot.of("b", BigDecimal.valueOf(spentCents, 2),
                BigDecimal.valueOf(limitCents, 2));
            assertThat(b.remaining().orElseThrow()).isGreaterThanOrEqualTo(BigDecimal.ZERO);
            assertThat(b.remainingFraction()).isBetween(0.0, 1.0);
            assertThat(b.isExhausted()).isEqualTo(spentCents >= limitCents);
          });
    }

    @Test
    void invalidArgumentsAreRejected() {
      assertThatThrownBy(() -> BudgetSnapshot.of("d", new BigDecimal("-1"), BigDecimal.TEN))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("spent");
      assertThatThrownBy(() -> BudgetSnapshot.of("d", BigDecimal.ONE, new BigDecimal("-1")))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("limit");
      assertThatThrownBy(() -> BudgetSnapshot.of(" ", BigDecimal.ONE, BigDecimal.TEN))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("budget");
      assertThatThrownBy(() -> BudgetSnapshot.of("d", null, BigDecimal.TEN))
          .isInstanceOf(NullPointerException.class).hasMessageContaining("spent");
    }

    @Test
    void equalityComparesAmountsByValue() {
      assertThat(BudgetSnapshot.of("d", new BigDecimal("1.0"), new BigDecimal("10")))
          .isEqualTo(BudgetSnapshot.of("d", new BigDecimal("1.00"), new BigDecimal("10.0")))
          .isNotEqualTo(BudgetSnapshot.of("d", new BigDecimal("1.01"), new BigDecimal("10")))
          .isNotEqualTo(BudgetSnapshot.of("e", new BigDecimal("1.0"), new BigDecimal("10")))
          .isNotEqualTo(BudgetSnapshot.UNLIMITED);
    }
  }

  @Nested
  class ModelStatsTests {
    @Test
    void successRateIsTheShareOfCallsThatDidNotFail() {
      assertThat(new ModelStats(10, 2, Duration.ofMillis(300)).successRate()).isEqualTo(0.8);
      assertThat(new ModelStats(4, 4, Duration.ZERO).successRate()).isEqualTo(0.0);
      assertThat(new ModelStats(4, 0, Duration.ZERO).successRate()).isEqualTo(1.0);
    }

    @Test
    void noObservationsIsNotPenalised() {
      assertThat(ModelStats.NONE.successRate()).isEqualTo(1.0);
      assertThat(ModelStats.NONE.calls()).isZero();
    }

    @Test
    void invalidCountsAreRejected() {
      assertThatThrownBy(() -> new ModelStats(-1, 0, Duration.ZERO))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("calls");
      assertThatThrownBy(() -> new ModelStats(1, -1, Duration.ZERO))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("failures");
      assertThatThrownBy(() -> new ModelStats(2, 3, Duration.ZERO))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("failures").hasMessageContaining("3");
      assertThatThrownBy(() -> new ModelStats(2, 1, null))
          .isInstanceOf(NullPointerException.class).hasMessageContaining("meanLatency");
    }
  }

  @Nested
  class RoutingContexts {
    private RoutingContext context(String callId, List<ModelInfo> candidates, int estimate,
        Map<String, ModelStats> stats) {
      return new RoutingContext(callId, ChatRequest.of("hi"), candidates, SMALL, estimate, BudgetSnapshot.UNLIMITED,
          stats, RequestComplexity.of(RequestComplexity.Level.LOW, RequestComplexity.TaskType.CHAT));
    }

    @Test
    void statsOfAnUnseenModelIsNone() {
      ModelStats seen = new ModelStats(5, 1, Duration.ofMillis(200));
      RoutingContext c = context("call-1", List.of(SMALL, LARGE), 10, Map.of("test/large", seen));
      assertThat(c.statsOf("test/large")).isEqualTo(seen);
      assertThat(c.statsOf("test/small")).isEqualTo(ModelStats.NONE);
    }

    @Test
    void candidatesAreCopiedAndUnmodifiable() {
      List<ModelInfo> candidates = new ArrayList<>(List.of(SMALL));
      RoutingContext c = context("call-1", candidates, 10, Map.of());
      candidates.add(LARGE);
      assertThat(c.candidates()).containsExactly(SMALL);
      assertThatThrownBy(() -> c.candidates().add(LARGE)).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void invalidContextsAreRejected() {
      assertThatThrownBy(() -> context("call-1", List.of(), 10, Map.of()))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("candidate");
      assertThatThrownBy(() -> context("call-1", List.of(SMALL), -1, Map.of()))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("estimatedInputTokens");
      assertThatThrownBy(() -> context(" ", List.of(SMALL), 0, Map.of()))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("callId");
      assertThatThrownBy(() -> context("call-1", List.of(SMALL), 0, null))
          .isInstanceOf(NullPointerException.class).hasMessageContaining("stats");
      assertThatThrownBy(() -> new RoutingContext("c", ChatRequest.of("x"), List.of(SMALL), SMALL, 0, null, Map.of(),
          RequestComplexity.of(RequestComplexity.Level.LOW, RequestComplexity.TaskType.CHAT)))
          .isInstanceOf(NullPointerException.class).hasMessageContaining("budget");
    }
  }

  @Nested
  class Selections {
    @Test
    void fallbacksKeepTheirOrder() {
      Selection s = new Selection(SMALL, List.of(LARGE, OTHER), "cheapest first");
      assertThat(s.fallbacks()).containsExactly(LARGE, OTHER);
      assertThat(Selection.of(SMALL, "default").fallbacks()).isEmpty();
    }

    @Test
    void fallbacksMustNotContainTheModel() {
      assertThatThrownBy(() -> new Selection(SMALL, List.of(LARGE, SMALL), "r"))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("fallbacks")
          .hasMessageContaining("test/small");
    }

    @Test
    void fallbacksMustNotRepeat() {
      assertThatThrownBy(() -> new Selection(SMALL, List.of(LARGE, OTHER, model("test/large")), "r"))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("fallbacks")
          .hasMessageContaining("test/large");
    }

    @Test
    void reasonMustNotBeBlank() {
      assertThatThrownBy(() -> Selection.of(SMALL, " "))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("reason");
    }
  }

  @Nested
  class Feedbacks {
    private Feedback feedback(Optional<ErrorKind> error, OptionalDouble quality) {
      return new Feedback("call-1", SMALL, error, Duration.ofMillis(120), new BigDecimal("0.001"), Usage.of(10, 5),
          quality, Optional.empty());
    }

    @ParameterizedTest
    @ValueSource(doubles = {0.0, 0.5, 1.0})
    void qualityInZeroToOneIsAccepted(double q) {
      assertThat(feedback(Optional.empty(), OptionalDouble.of(q)).quality()).isEqualTo(OptionalDouble.of(q));
    }

    @ParameterizedTest
    @ValueSource(doubles = {-0.01, 1.01, Double.NaN, Double.NEGATIVE_INFINITY})
    void qualityOutsideZeroToOneIsRejected(double q) {
      assertThatThrownBy(() -> feedback(Optional.empty(), OptionalDouble.of(q)))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("quality");
    }

    @Test
    void succeededWhenThereIsNoError() {
      assertThat(feedback(Optional.empty(), OptionalDouble.empty()).succeeded()).isTrue();
      assertThat(feedback(Optional.of(ErrorKind.TIMEOUT), OptionalDouble.empty()).succeeded()).isFalse();
    }

    @Test
    void blankCallIdIsRejected() {
      assertThatThrownBy(() -> new Feedback(" ", SMALL, Optional.empty(), Duration.ZERO, BigDecimal.ZERO,
          Usage.ZERO, OptionalDouble.empty(), Optional.empty()))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("callId");
    }
  }

  @Nested
  class ErrorDetailsTests {
    @ParameterizedTest
    @ValueSource(ints = {0, 100, 429, 599})
    void zeroOrAnHttpStatusIsAccepted(int status) {
      assertThat(ErrorDetails.of("anthropic", status, "req_1").httpStatus()).isEqualTo(status);
    }

    @ParameterizedTest
    @ValueSource(ints = {-1, 1, 99, 600, 1000})
    void otherStatusesAreRejected(int status) {
      assertThatThrownBy(() -> ErrorDetails.of("anthropic", status, null))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("httpStatus")
          .hasMessageContaining(String.valueOf(status));
    }

    @Test
    void factoriesFillTheRest() {
      assertThat(ErrorDetails.of("openai")).isEqualTo(new ErrorDetails("openai", 0, null));
      assertThat(ErrorDetails.NONE).isEqualTo(new ErrorDetails(null, 0, null));
    }
  }
}
