package dev.ralex.core;

import dev.ralex.api.ErrorDetails;
import dev.ralex.api.ModelInfo;
import dev.ralex.api.RateLimitedException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@link RateLimiter} over token buckets that refill continuously at their per-minute rate and start full.
 *
 * <p>Written here rather than on Resilience4j's RateLimiter because that one reads {@code System.nanoTime()}
 * directly, so its waits cannot run on an injected clock, and it cannot give back a reservation once the real
 * token count is known. The scheme is reservation-based: a caller debits the buckets at once, possibly into
 * debt, and then sleeps outside any lock until the debt it joined behind is repaid. Debits happen in arrival
 * order, so waiting callers are served first come, first served.
 */
final class BucketRateLimiter implements RateLimiter {
  private final List<RateLimit> limits;
  private final Clock clock;
  private final Sleeper sleeper;
  private final Map<String, Bucket[]> bucketsByModel = new ConcurrentHashMap<>();
  private final Map<RateLimit, Bucket[]> bucketsByLimit = new ConcurrentHashMap<>();

  BucketRateLimiter(List<RateLimit> limits, Clock clock, Sleeper sleeper) {
    this.limits = List.copyOf(limits);
    this.clock = Objects.requireNonNull(clock, "clock");
    this.sleeper = Objects.requireNonNull(sleeper, "sleeper");
    for (RateLimit limit : this.limits) {
      long now = clock.millis();
      bucketsByLimit.put(limit, new Bucket[] {
          limit.requestsPerMinute() > 0 ? new Bucket(limit, limit.requestsPerMinute(), true, now) : null,
          limit.tokensPerMinute() > 0 ? new Bucket(limit, limit.tokensPerMinute(), false, now) : null});
    }
  }

  @Override
  public Permit acquire(ModelInfo model, long tokens) {
    Bucket[] buckets = bucketsByModel.computeIfAbsent(model.id(), id -> bucketsFor(model));
    if (buckets.length == 0) {
      return Permit.NONE;
    }
    // Reserve in every bucket, or in none: a refusal by a later bucket gives back what earlier ones took.
    long waitMillis = 0;
    int taken = 0;
    try {
      for (; taken < buckets.length; taken++) {
        Bucket b = buckets[taken];
        long amount = b.isRequests ? 1 : tokens;
        waitMillis = Math.max(waitMillis, b.reserve(amount, clock.millis()));
      }
    } catch (RateLimitedException e) {
      giveBack(buckets, taken, tokens);
      throw e;
    }
    if (waitMillis > 0) {
      try {
        sleeper.sleep(Duration.ofMillis(waitMillis));
      } catch (InterruptedException e) {
        giveBack(buckets, buckets.length, tokens);
        Thread.currentThread().interrupt();
        throw new RateLimitedException("interrupted while waiting for a rate-limit permit for " + model.id(),
            null, ErrorDetails.NONE, e);
      }
    }
    return new BucketPermit(buckets, tokens);
  }

  private static void giveBack(Bucket[] buckets, int count, long tokens) {
    for (int i = 0; i < count; i++) {
      buckets[i].refund(buckets[i].isRequests ? 1 : tokens);
    }
  }

  private Bucket[] bucketsFor(ModelInfo model) {
    List<Bucket> list = new ArrayList<>();
    for (RateLimit limit : limits) {
      if (limit.appliesTo(model.id(), model.provider())) {
        for (Bucket b : bucketsByLimit.get(limit)) {
          if (b != null) {
            list.add(b);
          }
        }
      }
    }
    return list.toArray(new Bucket[0]);
  }

  private static final class BucketPermit implements Permit {
    private final Bucket[] buckets;
    private final long reservedTokens;
    private boolean done;

    BucketPermit(Bucket[] buckets, long reservedTokens) {
      this.buckets = buckets;
      this.reservedTokens = reservedTokens;
    }

    @Override
    public synchronized void complete(long actualTokens) {
      if (done) {
        return;
      }
      done = true;
      for (Bucket b : buckets) {
        if (!b.isRequests) {
          b.refund(reservedTokens - actualTokens);
        }
      }
    }

    @Override
    public synchronized void cancel() {
      if (done) {
        return;
      }
      done = true;
      giveBack(buckets, buckets.length, reservedTokens);
    }
  }

  /** A bucket that refills at {@code perMinute} per minute up to {@code perMinute}. */
  static final class Bucket {
    final RateLimit limit;
    final boolean isRequests;
    final long capacity;
    private double available;
    private long lastRefillMillis;

    Bucket(RateLimit limit, long perMinute, boolean isRequests, long nowMillis) {
      this.limit = limit;
      this.isRequests = isRequests;
      this.capacity = perMinute;
      this.available = perMinute;
      this.lastRefillMillis = nowMillis;
    }

    /**
     * Debits {@code amount} and returns how long the caller must wait until the debt is repaid; throws when the
     * amount can never fit or the wait is longer than the limit allows.
     */
    synchronized long reserve(long amount, long nowMillis) {
      refill(nowMillis);
      if (amount > capacity) {
        throw new RateLimitedException("a call needing " + amount + " " + unit() + " can never pass the limit of "
            + capacity + " " + unit() + " per minute on '" + limit.scope() + "'", null, ErrorDetails.NONE);
      }
      double after = available - amount;
      long waitMillis = after >= 0 ? 0 : (long) Math.ceil(-after * 60_000.0 / capacity);
      if (waitMillis > 0) {
        Duration wait = Duration.ofMillis(waitMillis);
        if (limit.onLimit() == RateLimit.OnLimit.FAIL_FAST || wait.compareTo(limit.maxWait()) > 0) {
          throw new RateLimitedException("rate limit of " + capacity + " " + unit() + " per minute on '"
              + limit.scope() + "' reached; next permit in " + wait.toMillis() + " ms", wait, ErrorDetails.NONE);
        }
      }
      available = after;
      return waitMillis;
    }

    synchronized void refund(long amount) {
      available = Math.min(capacity, available + amount);
    }

    synchronized double available(long nowMillis) {
      refill(nowMillis);
      return available;
    }

    private void refill(long nowMillis) {
      long elapsed = nowMillis - lastRefillMillis;
      if (elapsed > 0) {
        available = Math.min(capacity, available + elapsed * capacity / 60_000.0);
        lastRefillMillis = nowMillis;
      }
    }

    private String unit() {
      return isRequests ? "requests" : "tokens";
    }
  }
}
