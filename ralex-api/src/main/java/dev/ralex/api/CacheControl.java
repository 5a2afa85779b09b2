package dev.ralex.api;

/**
 * A prompt-cache breakpoint on a block, tool or system prompt: the provider caches the prompt prefix up to and
 * including the marked item, and later requests that share the prefix pay the cache-read price for it.
 * Providers without prompt caching ignore it.
 */
public enum CacheControl {
  /** No breakpoint here. */
  NONE,
  /** A breakpoint whose cache entry lives for the provider's default time (five minutes on Anthropic). */
  EPHEMERAL,
  /** A breakpoint whose cache entry lives for one hour, where the provider offers it (at a higher write price). */
  EPHEMERAL_1H
}
