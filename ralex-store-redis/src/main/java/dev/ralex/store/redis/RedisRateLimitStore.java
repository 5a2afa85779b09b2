package dev.ralex.store.redis;

import dev.ralex.core.RateLimitStore;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisException;

/**
 * {@link RateLimitStore} in Redis, so that every process using the same server and key prefix shares the same
 * buckets. Each method is one Lua script that applies the refill and the operation atomically on one hash per
 * bucket ({@code <prefix>rl:<key>}, fields {@code b} = balance and {@code t} = last refill in ms), so its results
 * are exactly those of {@link RateLimitStore#inMemory()}: the same IEEE double arithmetic in the same order, the
 * balance kept as a 17-digit decimal that reads back as the same double.
 *
 * <p><b>Expiry.</b> Each write sets the bucket's expiry to the time it needs to refill to full plus an idle
 * grace (one minute unless set): a bucket that vanished would have been full again, so recreating it full
 * changes nothing. The expiry runs on the server's clock, so it assumes the callers' clocks advance at real
 * speed; the grace absorbs skew.
 *
 * <p><b>Time.</b> By default the scripts use the caller's {@code nowMillis} (the limiter's clock), which keeps
 * tests deterministic: processes that share a store then need synchronized clocks (NTP), since a process whose
 * clock is behind sees no refill until it catches up, and one ahead refills early. With {@link
 * Builder#serverTime(boolean) serverTime(true)} the scripts read the Redis server's {@code TIME} instead and
 * ignore {@code nowMillis}, so only one clock matters.
 *
 * <p><b>Failures.</b> A call whose connection breaks is run again on another pooled connection (up to {@link
 * Builder#attempts(int)} times in all), except {@link #giveBack}, which is not repeated: a repeated {@code take}
 * can only count twice (fewer permits, never more), whereas a repeated give-back could grant permits that were
 * never returned. What still fails throws {@link RedisStoreException}.
 *
 * <p>Thread-safe; all state is in Redis. The caller owns the client and closes it.
 */
public final class RedisRateLimitStore implements RateLimitStore {
  private static final String PRELUDE = String.join("\n",
      "local function num(s)",
      "  if s == 'inf' then return math.huge elseif s == '-inf' then return -math.huge",
      "  elseif s == 'nan' then return 0/0 end",
      "  return tonumber(s)",
      "end",
      "local function fmt(x) return string.format('%.17g', x) end",
      // Java's Math.min: NaN wins, -0.0 is below 0.0, else the first unless the second is smaller.
      "local function jmin(a, b)",
      "  if a ~= a then return a end",
      "  if b ~= b then return b end",
      "  if a == 0 and b == 0 then if 1/b < 0 then return b end return a end",
      "  if a <= b then return a end",
      "  return b",
      "end",
      "local key = KEYS[1]",
      "local cap = num(ARGV[1])",
      "local window = num(ARGV[2])",
      "local now",
      "if ARGV[3] == '' then",
      "  local t = redis.call('TIME')",
      "  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)",
      "else now = num(ARGV[3]) end",
      "local grace = num(ARGV[4])",
      "local h = redis.call('HMGET', key, 'b', 't')",
      "local bal, last",
      "if h[1] then bal = num(h[1]); last = num(h[2]) else bal = cap; last = now end",
      "local elapsed = now - last",
      "if elapsed > 0 then",
      "  bal = jmin(cap, bal + elapsed * cap / window)",
      "  last = now",
      "end",
      "local function save()",
      "  redis.call('HSET', key, 'b', fmt(bal), 't', fmt(last))",
      "  local ttl = grace",
      "  if bal < cap then ttl = ttl + (cap - bal) * window / cap end",
      "  if not (ttl < 1e15) then ttl = 1e15 end",
      "  if ttl < 1 then ttl = 1 end",
      "  redis.call('PEXPIRE', key, string.format('%.0f', math.ceil(ttl)))",
      "end",
      "");

  private static final LuaScript TAKE = new LuaScript("take", PRELUDE + String.join("\n",
      "local amount = num(ARGV[5])",
      "local threshold = num(ARGV[6])",
      "local after = bal - amount",
      "local wait = 0",
      "if not (after >= 0) then wait = math.ceil(-after * window / cap) end",
      "if wait > threshold then save(); return {'refused', fmt(wait)} end",
      "bal = after",
      "save()",
      "return {'taken', fmt(wait)}"));

  private static final LuaScript GIVE_BACK = new LuaScript("giveBack", PRELUDE + String.join("\n",
      "bal = jmin(cap, bal + num(ARGV[5]))",
      "save()",
      "return 1"));

  private static final LuaScript LOWER_TO = new LuaScript("lowerTo", PRELUDE + String.join("\n",
      "bal = jmin(bal, num(ARGV[5]))",
      "save()",
      "return 1"));

  private static final LuaScript BALANCE = new LuaScript("balance", PRELUDE + String.join("\n",
      "save()",
      "return fmt(bal)"));

  private final UnifiedJedis client;
  private final String prefix;
  private final long graceMillis;
  private final boolean serverTime;
  private final int attempts;

  private RedisRateLimitStore(Builder b) {
    this.client = b.client;
    this.prefix = b.prefix;
    this.graceMillis = b.grace.toMillis();
    this.serverTime = b.serverTime;
    this.attempts = b.attempts;
  }

  /** A store on {@code client} with the defaults: prefix {@code ralex:}, one minute of idle grace, caller time. */
  public static RedisRateLimitStore create(UnifiedJedis client) {
    return builder(client).build();
  }

  /** A builder for a store on {@code client}, which the caller keeps owning. */
  public static Builder builder(UnifiedJedis client) {
    return new Builder(client);
  }

  @Override
  public long take(String key, long capacity, long windowMillis, double amount, long maxWaitMillis,
      long nowMillis) {
    List<?> reply = (List<?>) run(TAKE, key, capacity, windowMillis, nowMillis, 2, encode(amount),
        threshold(maxWaitMillis));
    long wait = (long) decode((String) reply.get(1));
    return "refused".equals(reply.get(0)) ? -1 - wait : wait;
  }

  @Override
  public void giveBack(String key, long capacity, long windowMillis, double amount, long nowMillis) {
    run(GIVE_BACK, key, capacity, windowMillis, nowMillis, 1, encode(amount));
  }

  @Override
  public void lowerTo(String key, long capacity, long windowMillis, double balance, long nowMillis) {
    run(LOWER_TO, key, capacity, windowMillis, nowMillis, attempts, encode(balance));
  }

  @Override
  public double balance(String key, long capacity, long windowMillis, long nowMillis) {
    return decode((String) run(BALANCE, key, capacity, windowMillis, nowMillis, attempts));
  }

  /** The Redis key of the bucket named {@code key}. */
  String redisKey(String key) {
    return prefix + "rl:" + key;
  }

  private Object run(LuaScript script, String key, long capacity, long windowMillis, long nowMillis,
      int tries, String... extra) {
    Objects.requireNonNull(key, "key");
    if (capacity <= 0 || windowMillis <= 0) {
      throw new IllegalArgumentException("capacity and windowMillis must be positive but were " + capacity
          + " and " + windowMillis);
    }
    String[] args = new String[4 + extra.length];
    args[0] = Long.toString(capacity);
    args[1] = Long.toString(windowMillis);
    args[2] = serverTime ? "" : Long.toString(nowMillis);
    args[3] = Long.toString(graceMillis);
    System.arraycopy(extra, 0, args, 4, extra.length);
    try {
      return script.run(client, List.of(redisKey(key)), List.of(args), script == TAKE ? attempts : tries);
    } catch (JedisException e) {
      throw new RedisStoreException("rate-limit " + script.name() + " on " + redisKey(key) + " failed: "
          + e.getMessage(), e);
    }
  }

  /** A double as text that the server's {@code strtod} reads back as the same double. */
  static String encode(double x) {
    if (Double.isNaN(x)) {
      return "nan";
    }
    if (Double.isInfinite(x)) {
      return x > 0 ? "inf" : "-inf";
    }
    return Double.toString(x); // the shortest decimal that reads back as x
  }

  /** The double a script printed with {@code %.17g}. */
  static double decode(String s) {
    switch (s) {
      case "inf":
        return Double.POSITIVE_INFINITY;
      case "-inf":
        return Double.NEGATIVE_INFINITY;
      case "nan":
      case "-nan":
        return Double.NaN;
      default:
        return Double.parseDouble(s);
    }
  }

  /**
   * The largest double {@code d} such that an integral wait {@code w} (a double, as the script computes it)
   * passes exactly when {@code (long) w <= maxWaitMillis}, as in the in-memory store: {@code w > d} refuses.
   */
  static String threshold(long maxWaitMillis) {
    if (maxWaitMillis == Long.MAX_VALUE) {
      return "inf"; // (long) w saturates at Long.MAX_VALUE, which never exceeds it
    }
    double d = maxWaitMillis;
    if (new BigDecimal(d).compareTo(BigDecimal.valueOf(maxWaitMillis)) > 0) {
      d = Math.nextDown(d);
    }
    return encode(d);
  }

  @Override
  public String toString() {
    return "RedisRateLimitStore[" + prefix + "rl:*]";
  }

  /** Settings of a {@link RedisRateLimitStore}; not thread-safe, build once. */
  public static final class Builder {
    private final UnifiedJedis client;
    private String prefix = "ralex:";
    private Duration grace = Duration.ofMinutes(1);
    private boolean serverTime;
    private int attempts = 3;

    private Builder(UnifiedJedis client) {
      this.client = Objects.requireNonNull(client, "client");
    }

    /** What every key starts with; {@code ralex:} by default. Use one per application sharing a server. */
    public Builder keyPrefix(String prefix) {
      this.prefix = Objects.requireNonNull(prefix, "prefix");
      return this;
    }

    /** How long a full bucket stays before it expires; one minute by default, at least one millisecond. */
    public Builder idleGrace(Duration grace) {
      Objects.requireNonNull(grace, "grace");
      if (grace.toMillis() < 1) {
        throw new IllegalArgumentException("idleGrace must be at least 1 ms but was " + grace);
      }
      this.grace = grace;
      return this;
    }

    /**
     * Whether the scripts read the server's {@code TIME} rather than the caller's {@code nowMillis}; false by
     * default. With true, processes need not have synchronized clocks, but the limiter's own clock no longer
     * drives refills (tests with a manual clock need false).
     */
    public Builder serverTime(boolean serverTime) {
      this.serverTime = serverTime;
      return this;
    }

    /** How many times in all a call is tried when its connection breaks (not {@code giveBack}); 3 by default. */
    public Builder attempts(int attempts) {
      if (attempts < 1) {
        throw new IllegalArgumentException("attempts must be at least 1 but was " + attempts);
      }
      this.attempts = attempts;
      return this;
    }

    /** The store. */
    public RedisRateLimitStore build() {
      return new RedisRateLimitStore(this);
    }
  }
}
