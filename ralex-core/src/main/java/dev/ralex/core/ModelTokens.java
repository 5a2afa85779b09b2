package dev.ralex.core;

import dev.ralex.api.ChatRequest;
import dev.ralex.api.LlmProvider;
import dev.ralex.api.Message;
import dev.ralex.api.ModelInfo;
import dev.ralex.api.TokenCounter;

/**
 * The token counts of one attempt on one model, as the pipeline hands them to the {@link ContextManager}: per
 * message from the provider's {@link LlmProvider#tokenCounter counter}, whole requests from its {@link
 * LlmProvider#estimateInputTokens estimate} (which may be exact), and the model's calibration ratio (real input
 * tokens over estimated ones, learned from responses) that both are multiplied by. A compressing context manager
 * works in unscaled per-message counts against a budget divided by {@link #ratio()}, so counts it remembers
 * across turns stay valid while the ratio moves. Immutable.
 */
final class ModelTokens implements TokenCounter {
  private final LlmProvider provider;
  private final TokenCounter perMessage;
  private final double ratio;

  ModelTokens(LlmProvider provider, ModelInfo model, double ratio) {
    this.provider = provider;
    this.perMessage = provider.tokenCounter(model);
    this.ratio = ratio;
  }

  /** Real tokens per counted token for this model; 1 until responses have taught otherwise. */
  double ratio() {
    return ratio;
  }

  /** Unscaled. */
  @Override
  public int countMessage(ModelInfo model, Message message) {
    return perMessage.countMessage(model, message);
  }

  /** Unscaled. */
  @Override
  public int countFixed(ModelInfo model, ChatRequest request) {
    return perMessage.countFixed(model, request);
  }

  /** The provider's estimate of the whole request, scaled by the ratio and rounded up. */
  @Override
  public int countInputTokens(ModelInfo model, ChatRequest request) {
    return scale(provider.estimateInputTokens(model, request));
  }

  int scale(int count) {
    return ratio == 1.0 ? count : (int) Math.min(Integer.MAX_VALUE, (long) Math.ceil(count * ratio));
  }
}
