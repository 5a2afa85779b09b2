package dev.ralex.api;

import java.util.List;
import java.util.Objects;

/**
 * The caller's answer to a {@link ToolUseBlock}.
 *
 * @param toolUseId the {@link ToolUseBlock#id()} this result answers
 * @param content the result: text and image blocks only; may be empty when the tool returns nothing
 * @param isError whether the tool failed, so the model can react to the failure
 * @param cacheControl a prompt-cache breakpoint after this block, or {@link CacheControl#NONE}
 */
public record ToolResultBlock(String toolUseId, List<ContentBlock> content, boolean isError, CacheControl cacheControl)
    implements ContentBlock {

  /** Validates the block. */
  public ToolResultBlock {
    Checks.notBlank(toolUseId, "toolUseId");
    content = Checks.copyOf(content, "content");
    Objects.requireNonNull(cacheControl, "cacheControl");
    for (ContentBlock block : content) {
      if (!(block instanceof TextBlock) && !(block instanceof ImageBlock)) {
        throw new IllegalArgumentException(
            "a tool result holds only text and image blocks, not " + block.type());
      }
    }
  }

  /** A successful result with text content. */
  public static ToolResultBlock of(String toolUseId, String text) {
    return new ToolResultBlock(toolUseId, List.of(ContentBlock.text(text)), false, CacheControl.NONE);
  }

  /** A failed result with an error message for the model. */
  public static ToolResultBlock error(String toolUseId, String message) {
    return new ToolResultBlock(toolUseId, List.of(ContentBlock.text(message)), true, CacheControl.NONE);
  }

  @Override
  public String type() {
    return "tool_result";
  }

  /** The concatenated text of the result's text blocks. */
  public String text() {
    StringBuilder sb = new StringBuilder();
    for (ContentBlock block : content) {
      if (block instanceof TextBlock t) {
        sb.append(t.text());
      }
    }
    return sb.toString();
  }
}
