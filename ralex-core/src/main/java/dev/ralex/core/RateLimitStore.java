package dev.ralex.core;

/**
 * Where the rate limiter keeps its buckets: the in-memory default serves one process; an implementation over a
 * shared store (Redis, say, with each method as one atomic script) shares the limits across processes.
 *
 * <p>A bucket is named by a key and described by its {@code capacity} and {@code windowMillis}: it holds at most
 * {@code capacity} units, starts full, and refills continuously at {@code capacity} per {@code windowMillis}. Its
 * balance may go negative: a caller that takes more than is there owes the difference and waits until the refill
 * repays it, which serves waiting callers in the order they took. Every method first applies the refill up to
 * {@code nowMillis}, and must be atomic per key. Implementations must be thread-safe.
 */
public interface RateLimitStore {
  /**
   * Takes {@code amount} from the bucket, unless the caller would then wait longer than {@code maxWaitMillis}
   * for the balance to come back to zero.
   *
   * @return the wait in milliseconds before the caller may go (0 if the balance covered the amount), or {@code
   *     -1 - wait} if the amount was refused (nothing taken), where {@code wait} is how long until it would fit
   */
  long take(String key, long capacity, long windowMillis, double amount, long maxWaitMillis, long nowMillis);

  /** Gives {@code amount} back (an attempt used less than it took, or never ran); the balance stays at most full. */
  void giveBack(String key, long capacity, long windowMillis, double amount, long nowMillis);

  /**
   * Lowers the balance to {@code balance} if it is higher: the server said less is left than the bucket thinks,
   * or (with a negative balance) asked for a pause.
   */
  void lowerTo(String key, long capacity, long windowMillis, double balance, long nowMillis);

  /** The balance now, after the refill; for reports and tests. */
  double balance(String key, long capacity, long windowMillis, long nowMillis);

  /** A store in this process's memory. */
  static RateLimitStore inMemory() {
    return new InMemoryRateLimitStore();
  }
}
