package dev.ralex.api;

import java.util.Objects;

/**
 * The model's request to call a tool. The caller runs the tool and answers with a {@link ToolResultBlock} that
 * carries the same {@link #id()} in the next user message.
 *
 * @param id the provider's id of this call, such as {@code toolu_01A09q90qw90lq917835lq9}
 * @param name the tool's name, as in its {@link ToolDefinition}
 * @param inputJson the arguments, a JSON object in text form
 */
public record ToolUseBlock(String id, String name, String inputJson) implements ContentBlock {
  /** Validates the block; {@code inputJson} must be a well-formed JSON object. */
  public ToolUseBlock {
    Checks.notBlank(id, "id");
    Checks.notBlank(name, "name");
    Objects.requireNonNull(inputJson, "inputJson");
    JsonSyntax.requireObject(inputJson, "inputJson of tool use '" + name + "'");
  }

  @Override
  public String type() {
    return "tool_use";
  }

  /** Names the call without its arguments, which may hold user data. */
  @Override
  public String toString() {
    return "ToolUseBlock[id=" + id + ", name=" + name + ", " + inputJson.length() + " chars of input]";
  }
}
