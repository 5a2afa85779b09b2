package dev.ralex.api;

import static dev.ralex.api.Fixtures.pricing;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.longs;

import java.math.BigDecimal;
import java.time.LocalDate;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

class UsageAndPricingTest {

  // ---- Usage ----

  @Test
  void eachNegativeCountIsRejectedByName() {
    assertThatThrownBy(() -> new Usage(-1, 0, 0, 0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("inputTokens");
    assertThatThrownBy(() -> new Usage(0, -1, 0, 0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("outputTokens");
    assertThatThrownBy(() -> new Usage(0, 0, -1, 0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("cacheReadTokens");
    assertThatThrownBy(() -> new Usage(0, 0, 0, -1)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("cacheWriteTokens");
    assertThatThrownBy(() -> Usage.of(-5, 0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("-5");
  }

  @Test
  void ofLeavesCacheCountsAtZero() {
    assertThat(Usage.of(100, 20)).isEqualTo(new Usage(100, 20, 0, 0));
    assertThat(Usage.ZERO).isEqualTo(new Usage(0, 0, 0, 0));
  }

  @Test
  void totalsCountCacheReadsAndWritesBesideUncachedInput() {
    Usage u = new Usage(1_000, 2_000, 10_000, 500);
    assertThat(u.totalInputTokens()).isEqualTo(11_500);
    assertThat(u.totalTokens()).isEqualTo(13_500);
    assertThat(Usage.ZERO.totalTokens()).isZero();
  }

  @Test
  void plusAddsCountByCount() {
    assertThat(new Usage(1, 2, 3, 4).plus(new Usage(10, 20, 30, 40))).isEqualTo(new Usage(11, 22, 33, 44));
    assertThat(new Usage(1, 2, 3, 4).plus(Usage.ZERO)).isEqualTo(new Usage(1, 2, 3, 4));
  }

  @Test
  void plusOverflowInAnyCountThrowsArithmeticException() {
    long max = Long.MAX_VALUE;
    assertThatThrownBy(() -> new Usage(max, 0, 0, 0).plus(new Usage(1, 0, 0, 0)))
        .isInstanceOf(ArithmeticException.class);
    assertThatThrownBy(() -> new Usage(0, max, 0, 0).plus(new Usage(0, 1, 0, 0)))
        .isInstanceOf(ArithmeticException.class);
    assertThatThrownBy(() -> new Usage(0, 0, max, 0).plus(new Usage(0, 0, 1, 0)))
        .isInstanceOf(ArithmeticException.class);
    assertThatThrownBy(() -> new Usage(0, 0, 0, max).plus(new Usage(0, 0, 0, 1)))
        .isInstanceOf(ArithmeticException.class);
    assertThat(new Usage(max - 1, 0, 0, 0).plus(new Usage(1, 0, 0, 0)).inputTokens()).isEqualTo(max);
  }

  @Test
  void plusIsTheFieldwiseSumAndCommutes() {
    Gen<Long> count = longs().between(0, 1L << 40);
    Gen<Usage> usages = count.zip(count, count, count, Usage::new);
    qt().forAll(usages, usages).checkAssert((a, b) -> {
      Usage sum = a.plus(b);
      assertThat(sum).isEqualTo(b.plus(a));
      assertThat(sum.inputTokens()).isEqualTo(a.inputTokens() + b.inputTokens());
      assertThat(sum.outputTokens()).isEqualTo(a.outputTokens() + b.outputTokens());
      assertThat(sum.cacheReadTokens()).isEqualTo(a.cacheReadTokens() + b.cacheReadTokens());
      assertThat(sum.cacheWriteTokens()).isEqualTo(a.cacheWriteTokens() + b.cacheWriteTokens());
      assertThat(sum.totalTokens()).isEqualTo(a.totalTokens() + b.totalTokens());
    });
  }

  // ---- Pricing ----

  @Test
  void costOfPricesEachKindOfTokenAtItsOwnRate() {
    // input $3/MTok, output $15/MTok, cache read $0.30/MTok, cache write $3.75/MTok
    Pricing p = pricing("3", "15", "0.30", "3.75");
    // 1,000 x 3 + 2,000 x 15 + 10,000 x 0.30 + 500 x 3.75 = 3,000 + 30,000 + 3,000 + 1,875 = 37,875 per million
    BigDecimal cost = p.costOf(new Usage(1_000, 2_000, 10_000, 500));
    assertThat(cost).isEqualByComparingTo("0.037875");
  }

  @Test
  void costOfIsExactWithoutFloatingPointDrift() {
    // 3 tokens at $0.10/MTok = $0.0000003; in double arithmetic 0.1 * 3 is 0.30000000000000004
    assertThat(pricing("0.10", "0", "0", "0").costOf(Usage.of(3, 0))).isEqualByComparingTo("0.0000003");
    // one token at $0.000001/MTok
    assertThat(pricing("0", "0.000001", "0", "0").costOf(Usage.of(0, 1))).isEqualByComparingTo("0.000000000001");
  }

  @Test
  void costOfZeroUsageIsZero() {
    assertThat(pricing("3", "15", "0.30", "3.75").costOf(Usage.ZERO)).isEqualByComparingTo("0");
  }

  @Test
  void worstCaseCostPricesInputAtTheHigherOfInputAndCacheWrite() {
    // cache write ($3.75) dearer than input ($3): 1,000 x 3.75 + 2,000 x 15 = 3,750 + 30,000 = 33,750 per million
    assertThat(pricing("3", "15", "0.30", "3.75").worstCaseCost(1_000, 2_000)).isEqualByComparingTo("0.03375");
    // input ($5) dearer than cache write ($1): 2,000 x 5 + 100 x 10 = 10,000 + 1,000 = 11,000 per million
    assertThat(pricing("5", "10", "0.5", "1").worstCaseCost(2_000, 100)).isEqualByComparingTo("0.011");
    // cache reads never raise the worst case: 1,000,000 x 1 + 0 = $1
    assertThat(pricing("1", "2", "100", "0").worstCaseCost(1_000_000, 0)).isEqualByComparingTo("1");
  }

  @Test
  void worstCaseCostRejectsNegativeTokenCounts() {
    Pricing p = pricing("3", "15", "0.30", "3.75");
    assertThatThrownBy(() -> p.worstCaseCost(-1, 0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("inputTokens");
    assertThatThrownBy(() -> p.worstCaseCost(0, -1)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxOutputTokens");
  }

  @Test
  void worstCaseCostIsNeverBelowTheCostOfAnyUsageWithinTheLimits() {
    Pricing p = pricing("3", "15", "0.30", "3.75");
    Gen<Long> part = longs().between(0, 1_000_000);
    qt().forAll(part, part, part, part).checkAssert((in, read, write, out) -> {
      Usage u = new Usage(in, out, read, write);
      assertThat(p.worstCaseCost(in + read + write, out)).isGreaterThanOrEqualTo(p.costOf(u));
    });
  }

  @Test
  void negativePricesAreRejectedByName() {
    assertThatThrownBy(() -> pricing("-1", "0", "0", "0")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("inputPerMTok");
    assertThatThrownBy(() -> pricing("0", "-0.01", "0", "0")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("outputPerMTok");
    assertThatThrownBy(() -> pricing("0", "0", "-1", "0")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("cacheReadPerMTok");
    assertThatThrownBy(() -> pricing("0", "0", "0", "-1")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("cacheWritePerMTok");
  }

  @Test
  void missingPartsAreRejectedByName() {
    BigDecimal one = BigDecimal.ONE;
    LocalDate day = LocalDate.of(2025, 1, 1);
    assertThatThrownBy(() -> new Pricing(null, one, one, one, "s", day)).isInstanceOf(NullPointerException.class)
        .hasMessageContaining("inputPerMTok");
    assertThatThrownBy(() -> new Pricing(one, one, one, one, null, day)).isInstanceOf(NullPointerException.class)
        .hasMessageContaining("source");
    assertThatThrownBy(() -> new Pricing(one, one, one, one, "s", null)).isInstanceOf(NullPointerException.class)
        .hasMessageContaining("asOf");
  }

  @Test
  void freeIsFreeAndCostsNothing() {
    assertThat(Pricing.FREE.isFree()).isTrue();
    assertThat(Pricing.FREE.costOf(new Usage(1_000_000, 1_000_000, 1_000_000, 1_000_000)))
        .isEqualByComparingTo("0");
    assertThat(Pricing.FREE.worstCaseCost(1_000_000, 1_000_000)).isEqualByComparingTo("0");
    assertThat(pricing("0.00", "0", "0", "0").isFree()).isTrue();
  }

  @Test
  void anyNonZeroPriceIsNotFree() {
    assertThat(pricing("0.01", "0", "0", "0").isFree()).isFalse();
    assertThat(pricing("0", "0.01", "0", "0").isFree()).isFalse();
    assertThat(pricing("0", "0", "0.01", "0").isFree()).isFalse();
    assertThat(pricing("0", "0", "0", "0.01").isFree()).isFalse();
  }
}
