package dev.ralex.core;

import java.util.Objects;

/**
 * One step of history compression. A compressing {@link ContextManager} ({@link
 * ContextManager#compressing(Compression...)}) applies its steps in order, so cheap steps go first and lossy ones
 * last. Every step is called on every fit; a step should act only while {@link History#fits()} is false, except
 * to repeat for a conversation what it did on that conversation's earlier turns: the built-in steps remember, per
 * conversation, how far they went, and go as far again, so the history's prefix stays byte-for-byte the same from
 * one turn to the next and a provider's prompt cache keeps serving it.
 *
 * <p>A step works on a {@link History}, whose operations are the only way to change the request: they keep every
 * invariant by construction (whole turns only, so a {@code tool_use} never loses its {@code tool_result}; never
 * the system prompt, a pinned turn or the newest turn), so a step written by a user cannot produce a request the
 * provider would reject. Implementations must be thread-safe: one step serves every call.
 */
public interface Compression {
  /** A short name for events and logs, such as {@code dropOldest}. */
  String name();

  /**
   * Makes {@code history} smaller, toward {@link History#budget()}, through its operations; called on every fit,
   * including those that already fit.
   */
  void apply(History history);

  /**
   * Keeps the newest {@code turns} turns (and every pinned turn), dropping older ones, whether or not the request
   * is over budget: a cap on how much history any request carries.
   */
  static Compression keepRecentTurns(int turns) {
    if (turns < 1) {
      throw new IllegalArgumentException("turns must be at least 1 but was " + turns);
    }
    return new Compressions.KeepRecentTurns(turns);
  }

  /**
   * Drops the oldest unpinned turns until the request fits its budget. Once it must drop, it drops down to
   * {@code refillFraction} of the budget, and then keeps that cut for the conversation while the request fits:
   * the history's prefix stays the same from one turn to the next, so a provider's prompt cache keeps serving it,
   * instead of a new cut (and a cache miss) on every turn.
   *
   * @param refillFraction in (0, 1]: 1 drops just enough; 0.7 leaves 30% of the budget for the next turns
   */
  static Compression dropOldest(double refillFraction) {
    if (!(refillFraction > 0 && refillFraction <= 1)) {
      throw new IllegalArgumentException("refillFraction must be in (0, 1] but was " + refillFraction);
    }
    return new Compressions.DropOldest(refillFraction);
  }

  /** {@link #dropOldest(double)} with 0.75: a quarter of the token allowance left for the turns after a cut. */
  static Compression dropOldest() {
    return dropOldest(0.75);
  }

  /**
   * Cuts tool results longer than {@code maxTokens} to about that size, keeping their start and end, with a
   * marker saying how much was left out, oldest turns first, until the request fits; for a conversation, the turns
   * it shortened before are shortened again on later turns. Never touches a pinned turn or the newest turn.
   */
  static Compression truncateToolResults(int maxTokens) {
    if (maxTokens < 16) {
      throw new IllegalArgumentException("maxTokens must be at least 16 but was " + maxTokens);
    }
    return new Compressions.TruncateToolResults(maxTokens);
  }

  /**
   * Replaces the oldest unpinned turns by a summary written by {@code modelId} through the same Ralex pipeline
   * (budgets, limits, retries and usage records apply to it, tagged {@code ralex.task=summarize}), placed after
   * the system prompt. Summaries are cached by the exact messages they cover, so a prefix is never summarized
   * twice, and a longer prefix is summarized from the previous summary plus what was added. Summarizes down to
   * {@code refillFraction} of the budget, like {@link #dropOldest(double)}, and no more at once than the
   * summarizing model's own window takes (a later step handles what is still over). The summary call blocks the
   * thread that fits the request (the caller's, or Ralex's executor for async calls and streams).
   */
  static Compression summarize(String modelId, double refillFraction) {
    Objects.requireNonNull(modelId, "modelId");
    if (!(refillFraction > 0 && refillFraction <= 1)) {
      throw new IllegalArgumentException("refillFraction must be in (0, 1] but was " + refillFraction);
    }
    return new Summarize(modelId, refillFraction);
  }

  /** {@link #summarize(String, double)} down to half the token allowance. */
  static Compression summarize(String modelId) {
    return summarize(modelId, 0.5);
  }
}
