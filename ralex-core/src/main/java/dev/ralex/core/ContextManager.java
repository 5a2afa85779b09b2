package dev.ralex.core;

import dev.ralex.api.ChatRequest;
import dev.ralex.api.ContextTooLongException;
import dev.ralex.api.ErrorDetails;
import dev.ralex.api.ModelInfo;
import java.util.Objects;
import java.util.function.ToIntFunction;

/**
 * Fits a request into the context window of the model chosen for it, reserving room for the requested output.
 * The pipeline calls it once per model tried, after selection. Implementations must be thread-safe.
 *
 * <p>The default, {@link #strict()}, sends the request unchanged when it fits and refuses it with a {@link
 * ContextTooLongException} when it does not, so the pipeline can fall back to a model with a larger window.
 */
public interface ContextManager {
  /**
   * Fits {@code request} to {@code model}.
   *
   * @param request the request, with its model set to {@code model}
   * @param model the model it will be sent to
   * @param maxOutputTokens the output tokens to reserve room for
   * @param tokenCounter counts a request's input tokens as the model's provider estimates them
   * @return the request to send and its input token count
   * @throws ContextTooLongException if the request cannot be made to fit
   */
  Fit fit(ChatRequest request, ModelInfo model, int maxOutputTokens, ToIntFunction<ChatRequest> tokenCounter);

  /**
   * A request ready to send and its estimated input tokens.
   *
   * @param request the fitted request
   * @param inputTokens its estimated input tokens
   */
  record Fit(ChatRequest request, int inputTokens) {
    /** Validates the fit. */
    public Fit {
      Objects.requireNonNull(request, "request");
      if (inputTokens < 0) {
        throw new IllegalArgumentException("inputTokens must not be negative");
      }
    }
  }

  /** Sends requests unchanged, and refuses those that do not fit with a {@link ContextTooLongException}. */
  static ContextManager strict() {
    return StrictContextManager.INSTANCE;
  }
}

/** The default {@link ContextManager}: no compression. */
enum StrictContextManager implements ContextManager {
  INSTANCE;

  @Override
  public Fit fit(ChatRequest request, ModelInfo model, int maxOutputTokens, ToIntFunction<ChatRequest> counter) {
    int input = counter.applyAsInt(request);
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
