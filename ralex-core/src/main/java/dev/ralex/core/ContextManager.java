package dev.ralex.core;

import dev.ralex.api.ChatRequest;
import dev.ralex.api.ContextTooLongException;
import dev.ralex.api.ErrorDetails;
import dev.ralex.api.ModelInfo;
import dev.ralex.api.TokenCounter;
import java.util.List;
import java.util.Objects;

/**
 * Fits a request into the context window of the model chosen for it, reserving room for the requested output.
 * The pipeline calls it once per model tried, after selection. Implementations must be thread-safe.
 *
 * <p>The default, {@link #strict()}, sends the request unchanged when it fits and refuses it with a {@link
 * ContextTooLongException} when it does not, so the pipeline can fall back to a model with a larger window.
 * {@link #compressing(Compression...)} makes long histories fit instead, by dropping, summarizing or truncating
 * what can go, never breaking the conversation (see {@link History}).
 */
public interface ContextManager {
  /**
   * Fits {@code request} to {@code model}.
   *
   * @param request the request, with its model set to {@code model}
   * @param model the model it will be sent to
   * @param maxOutputTokens the output tokens to reserve room for
   * @param tokenCounter counts tokens for {@code model}: whole requests ({@link TokenCounter#countInputTokens},
   *     the provider's estimate, calibrated on real counts) and single messages (for incremental work)
   * @return the request to send and its input token count
   * @throws ContextTooLongException if the request cannot be made to fit
   */
  Fit fit(ChatRequest request, ModelInfo model, int maxOutputTokens, TokenCounter tokenCounter);

  /**
   * A request ready to send, its estimated input tokens, and what was done to make it fit.
   *
   * @param request the fitted request
   * @param inputTokens its estimated input tokens
   * @param compressions the compression steps that changed it, in order; empty when it was sent as it came
   */
  record Fit(ChatRequest request, int inputTokens, List<Compressed> compressions) {
    /** Validates the fit. */
    public Fit {
      Objects.requireNonNull(request, "request");
      if (inputTokens < 0) {
        throw new IllegalArgumentException("inputTokens must not be negative");
      }
      compressions = List.copyOf(compressions);
    }

    /** A request sent as it came. */
    public Fit(ChatRequest request, int inputTokens) {
      this(request, inputTokens, List.of());
    }
  }

  /**
   * What one compression step did.
   *
   * @param strategy the step's {@link Compression#name()}
   * @param messagesDropped messages it removed
   * @param messagesSummarized messages it replaced by a summary
   * @param toolResultsTruncated tool results it cut short
   * @param tokensBefore estimated input tokens before the step
   * @param tokensAfter estimated input tokens after it
   */
  record Compressed(String strategy, int messagesDropped, int messagesSummarized, int toolResultsTruncated,
      int tokensBefore, int tokensAfter) {
    /** Validates the record. */
    public Compressed {
      Objects.requireNonNull(strategy, "strategy");
    }
  }

  /** Sends requests unchanged, and refuses those that do not fit with a {@link ContextTooLongException}. */
  static ContextManager strict() {
    return StrictContextManager.INSTANCE;
  }

  /**
   * Fits long histories by applying {@code steps} in order while the request is over its model's window (less
   * the requested output), and places prompt-cache breakpoints for models that cache: after the system prompt
   * and after the history before the newest turn, so the next turn reads that prefix from the cache. The system
   * prompt, tools, pinned turns and the newest turn are never compressed; when they alone do not fit, the call
   * fails with a {@link ContextTooLongException} saying so. Typical:
   * {@code compressing(Compression.truncateToolResults(2_000), Compression.summarize("anthropic/claude-haiku-4-5"),
   * Compression.dropOldest())}.
   */
  static ContextManager compressing(Compression... steps) {
    return compressing(List.of(steps), true);
  }

  /** As {@link #compressing(Compression...)}, choosing whether to place cache breakpoints. */
  static ContextManager compressing(List<Compression> steps, boolean cacheBreakpoints) {
    if (steps.isEmpty()) {
      throw new IllegalArgumentException("a compressing context manager needs at least one step");
    }
    return new CompressingContextManager(steps, cacheBreakpoints);
  }
}

/** The default {@link ContextManager}: no compression. */
enum StrictContextManager implements ContextManager {
  INSTANCE;

  @Override
  public Fit fit(ChatRequest request, ModelInfo model, int maxOutputTokens, TokenCounter counter) {
    int input = counter.countInputTokens(model, request);
    long needed = (long) input + maxOutputTokens;
    if (needed > model.contextWindow()) {
      throw new ContextTooLongException(
          "the request needs about " + needed + " tokens (" + input + " input + " + maxOutputTokens
              + " output) but " + model.id() + " has a context window of " + model.contextWindow(),
          needed, model.contextWindow(), ErrorDetails.NONE, null);
    }
    return new Fit(request, input);
  }
}
