package dev.ralex.api;

/**
 * Who wrote a {@link Message}. The system prompt is not a role: it lives in {@link ChatRequest#system()}, and
 * tool results travel in {@link #USER} messages as {@link ToolResultBlock}s, as the Anthropic Messages API has
 * it (providers for OpenAI-style APIs map them to their {@code tool} role).
 */
public enum Role {
  /** The caller, or tool results returned by the caller. */
  USER,
  /** The model. */
  ASSISTANT
}
