package dev.ralex.api;

import java.util.Objects;

/**
 * Plain text.
 *
 * @param text the text; never empty (providers reject empty text blocks)
 * @param cacheControl a prompt-cache breakpoint after this block, or {@link CacheControl#NONE}
 */
public record TextBlock(String text, CacheControl cacheControl) implements ContentBlock {
  /** Validates the block. */
  public TextBlock {
    Objects.requireNonNull(text, "text");
    Objects.requireNonNull(cacheControl, "cacheControl");
    if (text.isEmpty()) {
      throw new IllegalArgumentException("text must not be empty");
    }
  }

  @Override
  public String type() {
    return "text";
  }

  /** This block with a prompt-cache breakpoint. */
  public TextBlock withCacheControl(CacheControl cacheControl) {
    return new TextBlock(text, cacheControl);
  }

  /** Names the block and its length, never its text, so that prompts stay out of logs. */
  @Override
  public String toString() {
    return "TextBlock[" + text.length() + " chars" + (cacheControl == CacheControl.NONE ? "" : ", " + cacheControl) + "]";
  }
}
