/**
 * Redis-backed stores for Ralex applications that run on several machines: {@link
 * dev.ralex.store.redis.RedisRateLimitStore} (shared rate-limit buckets), {@link
 * dev.ralex.store.redis.RedisUsageStore} (shared, exact usage records) and {@link
 * dev.ralex.store.redis.RedisBudgetGate} (budgets reserved across processes, all or none, by one atomic script).
 *
 * <p>Every type takes a Jedis {@link redis.clients.jedis.UnifiedJedis} (a pooled {@code RedisClient}, say) that
 * the caller owns, and a key prefix so that several applications can share one server. Durability is the
 * server's: see each type's notes on AOF and {@code appendfsync}.
 */
package dev.ralex.store.redis;
