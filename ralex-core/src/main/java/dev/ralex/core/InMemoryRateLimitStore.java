package dev.ralex.core;

import java.util.concurrent.ConcurrentHashMap;

/** {@link RateLimitStore} in this process's memory: one lock per bucket. Thread-safe. */
final class InMemoryRateLimitStore implements RateLimitStore {
  private final ConcurrentHashMap<String, Bucket> buckets = new ConcurrentHashMap<>();

  private Bucket bucket(String key, long capacity, long nowMillis) {
    Bucket b = buckets.get(key);
    return b != null ? b : buckets.computeIfAbsent(key, k -> new Bucket(capacity, nowMillis));
  }

  @Override
  public long take(String key, long capacity, long windowMillis, double amount, long maxWaitMillis,
      long nowMillis) {
    Bucket b = bucket(key, capacity, nowMillis);
    synchronized (b) {
      b.refill(capacity, windowMillis, nowMillis);
      double after = b.balance - amount;
      long wait = after >= 0 ? 0 : (long) Math.ceil(-after * windowMillis / capacity);
      if (wait > maxWaitMillis) {
        return -1 - wait;
      }
      b.balance = after;
      return wait;
    }
  }

  @Override
  public void giveBack(String key, long capacity, long windowMillis, double amount, long nowMillis) {
    Bucket b = bucket(key, capacity, nowMillis);
    synchronized (b) {
      b.refill(capacity, windowMillis, nowMillis);
      b.balance = Math.min(capacity, b.balance + amount);
    }
  }

  @Override
  public void lowerTo(String key, long capacity, long windowMillis, double balance, long nowMillis) {
    Bucket b = bucket(key, capacity, nowMillis);
    synchronized (b) {
      b.refill(capacity, windowMillis, nowMillis);
      b.balance = Math.min(b.balance, balance);
    }
  }

  @Override
  public double balance(String key, long capacity, long windowMillis, long nowMillis) {
    Bucket b = bucket(key, capacity, nowMillis);
    synchronized (b) {
      b.refill(capacity, windowMillis, nowMillis);
      return b.balance;
    }
  }

  private static final class Bucket {
    double balance;
    long lastRefillMillis;

    Bucket(long capacity, long nowMillis) {
      this.balance = capacity;
      this.lastRefillMillis = nowMillis;
    }

    void refill(long capacity, long windowMillis, long nowMillis) {
      long elapsed = nowMillis - lastRefillMillis;
      if (elapsed > 0) {
        balance = Math.min(capacity, balance + (double) elapsed * capacity / windowMillis);
        lastRefillMillis = nowMillis;
      }
    }
  }
}
