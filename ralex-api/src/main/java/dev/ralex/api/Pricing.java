package dev.ralex.api;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.Objects;

/**
 * What a model costs, in US dollars per million tokens of each kind, with where and when the figures were
 * read. Money is exact: {@link BigDecimal} throughout, never floating point.
 *
 * @param inputPerMTok price of a million uncached input tokens
 * @param outputPerMTok price of a million output tokens
 * @param cacheReadPerMTok price of a million input tokens read from the prompt cache
 * @param cacheWritePerMTok price of a million input tokens written to the prompt cache
 * @param source where the prices were read, such as the vendor's pricing page
 * @param asOf the day the prices were read
 */
public record Pricing(
    BigDecimal inputPerMTok,
    BigDecimal outputPerMTok,
    BigDecimal cacheReadPerMTok,
    BigDecimal cacheWritePerMTok,
    String source,
    LocalDate asOf) {

  /** Free: for local models and tests. */
  public static final Pricing FREE =
      new Pricing(BigDecimal.ZERO, BigDecimal.ZERO, BigDecimal.ZERO, BigDecimal.ZERO, "free", LocalDate.EPOCH);

  /** Validates that no price is negative. */
  public Pricing {
    nonNegative(inputPerMTok, "inputPerMTok");
    nonNegative(outputPerMTok, "outputPerMTok");
    nonNegative(cacheReadPerMTok, "cacheReadPerMTok");
    nonNegative(cacheWritePerMTok, "cacheWritePerMTok");
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(asOf, "asOf");
    // Normalised so that prices compare by value: 3 and 3.00 are the same price.
    inputPerMTok = inputPerMTok.stripTrailingZeros();
    outputPerMTok = outputPerMTok.stripTrailingZeros();
    cacheReadPerMTok = cacheReadPerMTok.stripTrailingZeros();
    cacheWritePerMTok = cacheWritePerMTok.stripTrailingZeros();
  }

  private static void nonNegative(BigDecimal price, String name) {
    Objects.requireNonNull(price, name);
    if (price.signum() < 0) {
      throw new IllegalArgumentException(name + " must not be negative but was " + price);
    }
  }

  /** The exact cost of {@code usage} at these prices, in dollars, unrounded. */
  public BigDecimal costOf(Usage usage) {
    Objects.requireNonNull(usage, "usage");
    BigDecimal dollarsTimesMillion = inputPerMTok.multiply(BigDecimal.valueOf(usage.inputTokens()))
        .add(outputPerMTok.multiply(BigDecimal.valueOf(usage.outputTokens())))
        .add(cacheReadPerMTok.multiply(BigDecimal.valueOf(usage.cacheReadTokens())))
        .add(cacheWritePerMTok.multiply(BigDecimal.valueOf(usage.cacheWriteTokens())));
    return dollarsTimesMillion.movePointLeft(6).stripTrailingZeros();
  }

  /**
   * The most a call can cost: {@code inputTokens} of input, each priced at the higher of the input and
   * cache-write rates (a request with cache breakpoints may write all of it), and {@code maxOutputTokens} of
   * output.
   */
  public BigDecimal worstCaseCost(long inputTokens, long maxOutputTokens) {
    Checks.nonNegative(inputTokens, "inputTokens");
    Checks.nonNegative(maxOutputTokens, "maxOutputTokens");
    return inputPerMTok.max(cacheWritePerMTok).multiply(BigDecimal.valueOf(inputTokens))
        .add(outputPerMTok.multiply(BigDecimal.valueOf(maxOutputTokens)))
        .movePointLeft(6)
        .stripTrailingZeros();
  }

  /** Whether every price is zero, as for a local model. */
  public boolean isFree() {
    return inputPerMTok.signum() == 0 && outputPerMTok.signum() == 0
        && cacheReadPerMTok.signum() == 0 && cacheWritePerMTok.signum() == 0;
  }
}
