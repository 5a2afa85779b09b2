package dev.ralex.api;

/**
 * Receives a streamed answer as it arrives. Callbacks for one stream are never called concurrently and come in
 * order; they may run on a provider's I/O thread, so they should return quickly and must not block on the
 * stream itself. Exactly one of {@link #onComplete} and {@link #onError} ends every stream.
 *
 * <p>Only the two terminal callbacks must be implemented; the others do nothing by default.
 */
public interface StreamHandler {
  /** A piece of the answer's text. */
  default void onTextDelta(String text) {}

  /** A piece of the model's visible reasoning. */
  default void onThinkingDelta(String thinking) {}

  /**
   * A piece of a tool call's JSON input; pieces are not valid JSON on their own. {@link #onToolUse} follows
   * with the assembled call.
   *
   * @param blockIndex the index of the tool-use block in the answer's content
   * @param partialJson the next piece of the input's JSON text
   */
  default void onToolInputDelta(int blockIndex, String partialJson) {}

  /** A complete tool call, its input parsed and validated. */
  default void onToolUse(ToolUseBlock toolUse) {}

  /** The usage so far; the last update before {@link #onComplete} is the final usage. */
  default void onUsage(Usage usage) {}

  /**
   * The stream finished. {@code response} holds the whole answer, as the non-streaming call would have
   * returned it, with its usage and cost.
   */
  void onComplete(ChatResponse response);

  /**
   * The stream failed or was cancelled. Deltas delivered before the failure stand; Ralex does not retry a
   * stream that delivered content.
   */
  void onError(LlmException error);

  /**
   * Delivers a whole response to {@code handler} as a stream would have: a text delta per text block, a thinking
   * delta per non-empty thinking block, the input and then the completed call per tool use, and the usage. It
   * does not call {@link #onComplete}, which the caller does once it has settled its own state. For providers
   * that stream by replaying a blocking answer, or that received a whole JSON body where a stream was expected.
   */
  static void replay(ChatResponse response, StreamHandler handler) {
    int index = 0;
    for (ContentBlock block : response.content()) {
      if (block instanceof TextBlock t) {
        handler.onTextDelta(t.text());
      } else if (block instanceof ThinkingBlock t && !t.thinking().isEmpty()) {
        handler.onThinkingDelta(t.thinking());
      } else if (block instanceof ToolUseBlock u) {
        handler.onToolInputDelta(index, u.inputJson());
        handler.onToolUse(u);
      }
      index++;
    }
    handler.onUsage(response.usage());
  }
}
