package dev.ralex.api;

/**
 * A block of a kind Ralex does not model, kept as the provider sent it so that nothing is lost and it can be
 * sent back in a later turn.
 *
 * @param type the provider's name of the kind, such as {@code "redacted_thinking"} or {@code "server_tool_use"}
 * @param rawJson the whole block as a JSON object
 */
public record OtherBlock(String type, String rawJson) implements ContentBlock {
  /** Validates the block; {@code rawJson} must be a JSON object. */
  public OtherBlock {
    Checks.notBlank(type, "type");
    JsonSyntax.requireObject(rawJson, "rawJson of block '" + type + "'");
  }

  /** Names the kind without the content. */
  @Override
  public String toString() {
    return "OtherBlock[" + type + ", " + rawJson.length() + " chars]";
  }
}
