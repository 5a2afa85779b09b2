package dev.ralex.api;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A tool the model may call.
 *
 * @param name 1 to 64 letters, digits, underscores or hyphens, the rule every supported provider accepts
 * @param description what the tool does and when to use it; the model reads it, so be specific
 * @param inputSchemaJson a JSON Schema object describing the tool's input, such as {@code
 *     {"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}
 * @param cacheControl a prompt-cache breakpoint after this tool, or {@link CacheControl#NONE}
 */
public record ToolDefinition(String name, String description, String inputSchemaJson, CacheControl cacheControl) {
  private static final Pattern NAME = Pattern.compile("[a-zA-Z0-9_-]{1,64}");

  /** Validates the definition. */
  public ToolDefinition {
    Objects.requireNonNull(name, "name");
    if (!NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "tool name must be 1 to 64 letters, digits, '_' or '-' but was '" + name + "'");
    }
    Objects.requireNonNull(description, "description");
    JsonSyntax.requireObject(inputSchemaJson, "inputSchemaJson of tool '" + name + "'");
    Objects.requireNonNull(cacheControl, "cacheControl");
  }

  /** A tool without a cache breakpoint. */
  public static ToolDefinition of(String name, String description, String inputSchemaJson) {
    return new ToolDefinition(name, description, inputSchemaJson, CacheControl.NONE);
  }
}
