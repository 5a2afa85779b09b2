package dev.ralex.core;

import dev.ralex.api.Usage;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One billed attempt: when, which model, the tokens, the cost and the labels of the call. Immutable.
 *
 * @param callId Ralex's id of the call
 * @param at when the usage was recorded
 * @param model the model's id
 * @param provider the provider's id
 * @param usage the tokens billed
 * @param cost what they cost, in US dollars
 * @param tags the call's tags
 * @param conversationId the call's conversation, or {@code null}
 */
public record UsageRecord(
    String callId,
    Instant at,
    String model,
    String provider,
    Usage usage,
    BigDecimal cost,
    Map<String, String> tags,
    String conversationId) {

  /** Validates the record. */
  public UsageRecord {
    Objects.requireNonNull(callId, "callId");
    Objects.requireNonNull(at, "at");
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(provider, "provider");
    Objects.requireNonNull(usage, "usage");
    Objects.requireNonNull(cost, "cost");
    if (cost.signum() < 0) {
      throw new IllegalArgumentException("cost must not be negative");
    }
    tags = Map.copyOf(tags);
  }

  /** The call's conversation, if any. */
  public Optional<String> conversation() {
    return Optional.ofNullable(conversationId);
  }
}
