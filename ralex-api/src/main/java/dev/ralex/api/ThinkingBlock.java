package dev.ralex.api;

import java.util.Objects;

/**
 * The model's visible reasoning, returned by models with extended thinking. Send it back unchanged, with its
 * signature, when continuing a conversation that used tools.
 *
 * @param thinking the reasoning text; may be empty
 * @param signature the provider's signature over the reasoning; may be empty
 */
public record ThinkingBlock(String thinking, String signature) implements ContentBlock {
  /** Validates the block. */
  public ThinkingBlock {
    Objects.requireNonNull(thinking, "thinking");
    Objects.requireNonNull(signature, "signature");
  }

  @Override
  public String type() {
    return "thinking";
  }

  /** Names the block without its text. */
  @Override
  public String toString() {
    return "ThinkingBlock[" + thinking.length() + " chars]";
  }
}
