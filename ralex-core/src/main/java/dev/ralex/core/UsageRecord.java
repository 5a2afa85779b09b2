package dev.ralex.core;

import dev.ralex.api.Usage;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One entry of the usage ledger: a billed attempt, or a call answered from the response cache. Each says when,
 * which model, the tokens, the cost and the labels of the call; a cache hit also says what it did not spend.
 * Immutable.
 *
 * @param callId Ralex's id of the call
 * @param at when the usage was recorded
 * @param model the model's id (for a cache hit: the model that made the cached answer)
 * @param provider the provider's id (for a cache hit: the provider of the cached answer)
 * @param usage the tokens billed; {@link Usage#ZERO} for a cache hit
 * @param cost what they cost, in US dollars; zero for a cache hit
 * @param tags the call's tags
 * @param conversationId the call's conversation, or {@code null}
 * @param kind whether this is a billed attempt or a cache hit
 * @param saved what a cache hit did not spend (what the cached answer cost when it was made), in US dollars;
 *     zero for a billed attempt
 */
public record UsageRecord(
    String callId,
    Instant at,
    String model,
    String provider,
    Usage usage,
    BigDecimal cost,
    Map<String, String> tags,
    String conversationId,
    Kind kind,
    BigDecimal saved) {

  /** What an entry of the usage ledger records. */
  public enum Kind {
    /** An attempt a provider billed: it has usage and a cost, and counts against budgets. */
    BILLED,
    /**
     * A call answered from the response cache: no usage, no cost, never counted against budgets, with what the
     * cached answer cost as {@linkplain #saved() saved}.
     */
    CACHE_HIT
  }

  /**
   * Validates the record.
   *
   * @throws IllegalArgumentException if the cost or saved amount is negative, a billed attempt has a saved
   *     amount, or a cache hit has usage or a cost
   */
  public UsageRecord {
    Objects.requireNonNull(callId, "callId");
    Objects.requireNonNull(at, "at");
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(provider, "provider");
    Objects.requireNonNull(usage, "usage");
    Objects.requireNonNull(cost, "cost");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(saved, "saved");
    checkAmounts(kind, usage, cost, saved);
    tags = Map.copyOf(tags);
  }

  /**
   * A billed attempt: as the canonical constructor with {@link Kind#BILLED} and nothing saved. The constructor
   * records had before cache hits were recorded, kept so that existing code compiles unchanged.
   */
  public UsageRecord(String callId, Instant at, String model, String provider, Usage usage, BigDecimal cost,
      Map<String, String> tags, String conversationId) {
    this(callId, at, model, provider, usage, cost, tags, conversationId, Kind.BILLED, BigDecimal.ZERO);
  }

  /**
   * A call answered from the response cache: no usage, no cost, and {@code saved} (what the cached answer cost
   * when it was made) not spent.
   *
   * @param model the model that made the cached answer
   * @param provider the provider of the cached answer
   * @throws IllegalArgumentException if {@code saved} is negative
   */
  public static UsageRecord cacheHit(String callId, Instant at, String model, String provider, BigDecimal saved,
      Map<String, String> tags, String conversationId) {
    return new UsageRecord(callId, at, model, provider, Usage.ZERO, BigDecimal.ZERO, tags, conversationId,
        Kind.CACHE_HIT, saved);
  }

  /** Whether the call was answered from the response cache rather than billed. */
  public boolean isCacheHit() {
    return kind == Kind.CACHE_HIT;
  }

  /** The call's conversation, if any. */
  public Optional<String> conversation() {
    return Optional.ofNullable(conversationId);
  }

  /** The rules every ledger entry of {@code kind} (a record or a compacted aggregate) follows. */
  static void checkAmounts(Kind kind, Usage usage, BigDecimal cost, BigDecimal saved) {
    if (cost.signum() < 0) {
      throw new IllegalArgumentException("cost must not be negative");
    }
    if (saved.signum() < 0) {
      throw new IllegalArgumentException("saved must not be negative");
    }
    if (kind == Kind.BILLED && saved.signum() != 0) {
      throw new IllegalArgumentException("a billed attempt saves nothing, but saved was " + saved.toPlainString());
    }
    if (kind == Kind.CACHE_HIT && (cost.signum() != 0 || !usage.equals(Usage.ZERO))) {
      // A hit must never move a budget: a cost here would be counted by every store's spent().
      throw new IllegalArgumentException("a cache hit has no usage and no cost, but had " + usage + " and $"
          + cost.toPlainString());
    }
  }
}
