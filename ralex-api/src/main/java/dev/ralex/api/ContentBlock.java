package dev.ralex.api;

/**
 * One block of a message's content. The set of kinds is closed here so that code can handle each one, with
 * {@link OtherBlock} keeping any kind a provider adds later instead of dropping it.
 */
public sealed interface ContentBlock
    permits TextBlock, ImageBlock, ToolUseBlock, ToolResultBlock, ThinkingBlock, OtherBlock {

  /** The provider's name of this block's kind, such as {@code "text"} or {@code "tool_use"}. */
  String type();

  /** A text block without a cache breakpoint. */
  static TextBlock text(String text) {
    return new TextBlock(text, CacheControl.NONE);
  }
}
