package dev.ralex.api;

import java.util.Objects;
import java.util.Optional;

/**
 * How the model may use the request's tools.
 *
 * @param mode whether tool use is optional, required, forced to one tool, or off
 * @param toolName the forced tool for {@link Mode#TOOL}, else {@code null}
 * @param disableParallelToolUse whether the model must call at most one tool per turn
 */
public record ToolChoice(Mode mode, String toolName, boolean disableParallelToolUse) {
  /** The model decides whether to call a tool. The default. */
  public static final ToolChoice AUTO = new ToolChoice(Mode.AUTO, null, false);
  /** The model must call some tool. */
  public static final ToolChoice ANY = new ToolChoice(Mode.ANY, null, false);
  /** The model must not call a tool. */
  public static final ToolChoice NONE = new ToolChoice(Mode.NONE, null, false);

  /** The modes of tool choice. */
  public enum Mode {
    /** The model decides. */
    AUTO,
    /** The model must call at least one tool. */
    ANY,
    /** The model must call {@link ToolChoice#toolName()}. */
    TOOL,
    /** The model must not call tools. */
    NONE
  }

  /** Validates the choice: a tool name exactly when the mode is {@link Mode#TOOL}. */
  public ToolChoice {
    Objects.requireNonNull(mode, "mode");
    if ((mode == Mode.TOOL) != (toolName != null)) {
      throw new IllegalArgumentException("a tool name is required for mode TOOL and only for it");
    }
    if (toolName != null) {
      Checks.notBlank(toolName, "toolName");
    }
  }

  /** Forces a call of the named tool. */
  public static ToolChoice tool(String name) {
    return new ToolChoice(Mode.TOOL, Objects.requireNonNull(name, "name"), false);
  }

  /** This choice, allowing at most one tool call per turn. */
  public ToolChoice withParallelToolUseDisabled() {
    return new ToolChoice(mode, toolName, true);
  }

  /** The forced tool's name, for {@link Mode#TOOL}. */
  public Optional<String> forcedTool() {
    return Optional.ofNullable(toolName);
  }
}
