package dev.ralex.api;

import java.time.Duration;
import java.util.Optional;

/**
 * Where Ralex keeps answers to serve the same request again without calling a model: the response cache's
 * service-provider interface. Ralex decides what is cached and under which key (a digest of the request's
 * canonical form); a cache only stores. Implementations must be thread-safe; a cache that fails throws, and
 * Ralex then treats the request as a miss (or skips storing) and logs it, so a broken cache never fails a call.
 */
public interface ResponseCache {
  /** The answer stored under {@code key}, if one is there and has not expired. */
  Optional<ChatResponse> get(String key);

  /** Stores {@code response} under {@code key} for {@code ttl}, replacing what was there. */
  void put(String key, ChatResponse response, Duration ttl);

  /**
   * What one request does with the cache, set as a request option: {@code
   * ChatRequest.builder()...option(ResponseCache.Mode.class, ResponseCache.Mode.BYPASS)}. Without the option a
   * request {@link #USE}s the cache.
   */
  enum Mode {
    /** Served from the cache when its answer is there; stored when it is not. */
    USE,
    /** Neither served from the cache nor stored. */
    BYPASS,
    /** Always sent to a model; its answer replaces the cached one. */
    REFRESH
  }
}
