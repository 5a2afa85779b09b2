package dev.ralex.api;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One request of a batch, with the id its result will carry. Immutable.
 *
 * @param customId the caller's id for the request, unique in its batch: 1 to 64 letters, digits, {@code _} or
 *     {@code -} (what Anthropic's Message Batches API accepts)
 * @param request the request
 */
public record BatchItem(String customId, ChatRequest request) {
  private static final Pattern ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");

  /** Validates the item. */
  public BatchItem {
    Objects.requireNonNull(customId, "customId");
    if (!ID.matcher(customId).matches()) {
      throw new IllegalArgumentException("customId must be 1 to 64 letters, digits, '_' or '-' but was '"
          + (customId.length() > 80 ? customId.substring(0, 80) + "..." : customId) + "'");
    }
    Objects.requireNonNull(request, "request");
  }

  /** An item with the given id. */
  public static BatchItem of(String customId, ChatRequest request) {
    return new BatchItem(customId, request);
  }
}
