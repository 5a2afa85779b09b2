package dev.ralex.api;

import java.util.Objects;

/**
 * Counts the input tokens a request will be billed for on one model: the system prompt, the tool definitions,
 * every content block of every message (images included) and the per-message and per-request overheads the
 * provider's chat format adds. A counter may be exact (a tokenizer of the model's family, a provider's counting
 * endpoint) or an estimate; an estimate should err high, since context fitting, budget reservations and
 * rate-limit permits are sized from it.
 *
 * <p><b>Additivity.</b> For every model and request, {@code countInputTokens(model, request) == countFixed(model,
 * request) + }the sum of {@code countMessage(model, m)} over {@code request.messages()} (saturating at {@link
 * Integer#MAX_VALUE}). The context manager relies on this: it counts the fixed part once and each message once,
 * then drops or compresses messages and subtracts their counts, without counting the whole request again. The
 * default {@link #countInputTokens} computes exactly that sum; an implementation that overrides it must keep the
 * equality. Consequently a message's count must not depend on its neighbours, and anything the format adds once
 * per request (such as the tokens that prime the reply) belongs to {@link #countFixed}.
 *
 * <p>Implementations must be thread-safe: one counter serves every call.
 */
public interface TokenCounter {
  /**
   * The tokens of one message on {@code model}: its role and separators and every block it holds. Not less than
   * 0; the same for the same message wherever it stands in a request.
   */
  int countMessage(ModelInfo model, Message message);

  /**
   * The tokens of {@code request} that are not in its messages: system prompt, tool definitions (and the tool-use
   * preamble a provider adds when tools are present), and any per-request overhead. Not less than 0.
   */
  int countFixed(ModelInfo model, ChatRequest request);

  /**
   * The input tokens of the whole request on {@code model}: {@link #countFixed} plus {@link #countMessage} of
   * every message, saturating at {@link Integer#MAX_VALUE}. See the class description for the additivity every
   * implementation keeps.
   */
  default int countInputTokens(ModelInfo model, ChatRequest request) {
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(request, "request");
    long total = countFixed(model, request);
    for (Message message : request.messages()) {
      total += countMessage(model, message);
      if (total >= Integer.MAX_VALUE) {
        return Integer.MAX_VALUE;
      }
    }
    return (int) Math.min(Integer.MAX_VALUE, total);
  }

  /**
   * The tokenizer-free estimate of {@link TokenEstimates}, the same for every model: its {@code countInputTokens}
   * equals {@link TokenEstimates#estimateInputTokens} for every request. Stateless and thread-safe.
   */
  static TokenCounter estimating() {
    return EstimatingTokenCounter.INSTANCE;
  }
}

/** {@link TokenCounter#estimating()}: {@link TokenEstimates}' figures, split into the fixed and message parts. */
final class EstimatingTokenCounter implements TokenCounter {
  static final EstimatingTokenCounter INSTANCE = new EstimatingTokenCounter();

  private EstimatingTokenCounter() {}

  @Override
  public int countMessage(ModelInfo model, Message message) {
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(message, "message");
    return (int) Math.min(Integer.MAX_VALUE, TokenEstimates.message(message));
  }

  @Override
  public int countFixed(ModelInfo model, ChatRequest request) {
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(request, "request");
    return (int) Math.min(Integer.MAX_VALUE, TokenEstimates.fixed(request));
  }

  @Override
  public String toString() {
    return "TokenCounter.estimating()";
  }
}
