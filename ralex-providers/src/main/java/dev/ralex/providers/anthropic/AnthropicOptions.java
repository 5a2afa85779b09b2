package dev.ralex.providers.anthropic;

import java.util.Objects;

/**
 * Anthropic-specific options of a request, attached with {@code ChatRequest.builder().option(AnthropicOptions.class,
 * AnthropicOptions.userId("user-42"))} and ignored by other providers.
 *
 * @param userId an opaque id of the end user, sent as {@code metadata.user_id} so that Anthropic can detect abuse
 *     per user; a UUID or hash, never a name, email or phone number. 1 to 256 characters.
 */
public record AnthropicOptions(String userId) {
  /** Validates the options. */
  public AnthropicOptions {
    Objects.requireNonNull(userId, "userId");
    if (userId.isBlank() || userId.length() > 256) {
      throw new IllegalArgumentException("userId must be 1 to 256 non-blank characters but had " + userId.length());
    }
  }

  /** Options with the end user's opaque id. */
  public static AnthropicOptions userId(String userId) {
    return new AnthropicOptions(userId);
  }

  /** Shows the length of the id, not the id, which identifies a user. */
  @Override
  public String toString() {
    return "AnthropicOptions[userId=" + userId.length() + " chars]";
  }
}
