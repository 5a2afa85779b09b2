package dev.ralex.api;

/**
 * Tokens billed for one response, normalised to one convention whatever the provider: {@code inputTokens}
 * counts only uncached input, and cache reads and writes are counted beside it, never inside it. (Anthropic
 * reports this way; providers whose {@code prompt_tokens} include cached tokens subtract them when mapping.)
 * So {@link #totalInputTokens()} is everything the model read, and each count is priced at its own rate.
 *
 * @param inputTokens uncached input tokens
 * @param outputTokens generated tokens, including any reasoning tokens
 * @param cacheReadTokens input tokens read from the prompt cache
 * @param cacheWriteTokens input tokens written to the prompt cache
 */
public record Usage(long inputTokens, long outputTokens, long cacheReadTokens, long cacheWriteTokens) {
  /** No tokens. */
  public static final Usage ZERO = new Usage(0, 0, 0, 0);

  /** Validates that no count is negative. */
  public Usage {
    Checks.nonNegative(inputTokens, "inputTokens");
    Checks.nonNegative(outputTokens, "outputTokens");
    Checks.nonNegative(cacheReadTokens, "cacheReadTokens");
    Checks.nonNegative(cacheWriteTokens, "cacheWriteTokens");
  }

  /** Usage without prompt caching. */
  public static Usage of(long inputTokens, long outputTokens) {
    return new Usage(inputTokens, outputTokens, 0, 0);
  }

  /**
   * All input the model read: uncached, cache reads and cache writes.
   *
   * @throws ArithmeticException if the sum overflows a long
   */
  public long totalInputTokens() {
    return Math.addExact(Math.addExact(inputTokens, cacheReadTokens), cacheWriteTokens);
  }

  /**
   * Every token counted, input and output.
   *
   * @throws ArithmeticException if the sum overflows a long
   */
  public long totalTokens() {
    return Math.addExact(totalInputTokens(), outputTokens);
  }

  /** The sum of this and {@code other}, count by count. */
  public Usage plus(Usage other) {
    return new Usage(
        Math.addExact(inputTokens, other.inputTokens),
        Math.addExact(outputTokens, other.outputTokens),
        Math.addExact(cacheReadTokens, other.cacheReadTokens),
        Math.addExact(cacheWriteTokens, other.cacheWriteTokens));
  }
}
