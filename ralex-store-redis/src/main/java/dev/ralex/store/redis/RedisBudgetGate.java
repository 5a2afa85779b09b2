package dev.ralex.store.redis;

import dev.ralex.api.BudgetExceededException;
import dev.ralex.core.Budget;
import dev.ralex.core.BudgetScope;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisException;

/**
 * A budget gate shared by every process using the same Redis server and key prefix: before an attempt, {@link
 * #reserve} checks in one Lua script that, for every budget the call falls under, committed + reserved + the
 * worst-case amount stays within the cap, and reserves it in all of them or in none; afterwards the reservation
 * is {@linkplain Reservation#commit committed} with the real cost or {@linkplain Reservation#release released},
 * each by one script too. Two processes sharing one budget therefore can never overspend it together.
 *
 * <p><b>Money.</b> Redis adds only integers exactly, so amounts are kept as integer units of 10<sup>-9</sup>
 * dollars (nano-dollars). Amounts are rounded up to a unit, reservations and costs alike, so the gate may count
 * up to a nano-dollar too much per call, never too little; exact spend is what a {@link RedisUsageStore} keeps.
 * Caps must stay below 2<sup>53</sup> units (about $9 million), the range in which Lua compares exactly.
 *
 * <p><b>Crashes.</b> Every reservation has an id and a time to live: one that is neither committed nor released
 * by then (its process died) stops counting at the next script that touches its budget. A commit that arrives
 * after its reservation expired still adds its cost (the money was spent). Each reservation is settled at most
 * once, across processes: a marker ({@code {gate}:s:<id>}, kept for the {@linkplain Builder#settledRetention
 * retention}) makes a second commit or release a no-op.
 *
 * <p><b>Time.</b> Deadlines use the gate's {@link Clock}: processes sharing a gate need synchronized clocks.
 * Budget keys expire a while after their period ends ({@link Cap#expiresAt()}).
 *
 * <p><b>Failures.</b> Every script is idempotent (by reservation id), so one whose connection breaks is run again
 * on another pooled connection, up to {@link Builder#attempts(int)} times; what still fails throws {@link
 * RedisStoreException}, and a reservation that failed so must be treated as refused.
 *
 * <p>Thread-safe; all state is in Redis. The caller owns the client.
 */
public final class RedisBudgetGate {
  /** Units per dollar: amounts are kept in nano-dollars. */
  static final int SCALE = 9;
  private static final long MAX_UNITS = 1L << 53;

  private static final String PURGE = String.join("\n",
      "local function purge(b, h, m, now)",
      "  local expired = redis.call('ZRANGEBYSCORE', h, '-inf', now)",
      "  for _, rid in ipairs(expired) do",
      "    local a = redis.call('HGET', m, rid)",
      "    if a then",
      "      if a ~= '0' then redis.call('HINCRBY', b, 'r', '-' .. a) end",
      "      redis.call('HDEL', m, rid)",
      "    end",
      "    redis.call('ZREM', h, rid)",
      "    redis.call('HINCRBY', KEYS[1], 'expiredHolds', 1)",
      "  end",
      "end",
      "");

  /**
   * KEYS: stats, marker, then per budget its hash, holds (zset) and amounts (hash). ARGV: id, amount, now,
   * deadline, marker ttl, then per budget its limit and expiry (epoch ms).
   */
  private static final LuaScript RESERVE = new LuaScript("reserve", PURGE + String.join("\n",
      "local amount = tonumber(ARGV[2])",
      "local now = ARGV[3]",
      "local n = (#KEYS - 2) / 3",
      "if redis.call('EXISTS', KEYS[2]) == 1 then return {2} end",
      "local worst, worstLeft",
      "for i = 1, n do",
      "  local b, h, m = KEYS[3 * i], KEYS[3 * i + 1], KEYS[3 * i + 2]",
      "  purge(b, h, m, now)",
      "  local v = redis.call('HMGET', b, 'c', 'r')",
      "  local c, r = tonumber(v[1] or '0'), tonumber(v[2] or '0')",
      "  local l = tonumber(ARGV[4 + 2 * i])",
      "  if amount > 0 and c + r + amount > l then",
      "    local left = l - c - r",
      "    if worst == nil or left < worstLeft then worst = i; worstLeft = left end",
      "  end",
      "end",
      "if worst then",
      "  local v = redis.call('HMGET', KEYS[3 * worst], 'c', 'r')",
      "  redis.call('HINCRBY', KEYS[1], 'refused', 1)",
      "  return {0, worst, v[1] or '0', v[2] or '0'}",
      "end",
      "for i = 1, n do",
      "  local b, h, m = KEYS[3 * i], KEYS[3 * i + 1], KEYS[3 * i + 2]",
      "  local exp = ARGV[5 + 2 * i]",
      "  redis.call('HINCRBY', b, 'r', ARGV[2])",
      "  redis.call('HSETNX', b, 'c', '0')",
      "  redis.call('HSET', b, 'l', ARGV[4 + 2 * i])",
      "  redis.call('ZADD', h, ARGV[4], ARGV[1])",
      "  redis.call('HSET', m, ARGV[1], ARGV[2])",
      "  redis.call('PEXPIREAT', b, exp); redis.call('PEXPIREAT', h, exp); redis.call('PEXPIREAT', m, exp)",
      "end",
      "redis.call('SET', KEYS[2], 'open', 'PX', ARGV[5])",
      "redis.call('HINCRBY', KEYS[1], 'reserved', 1)",
      "return {1}"));

  /**
   * KEYS as {@link #RESERVE}. ARGV: id, cost (or '' to release), now, marker ttl, then per budget its expiry.
   * Returns 1 if this call settled the reservation, 0 if it was settled before.
   */
  private static final LuaScript SETTLE = new LuaScript("settle", PURGE + String.join("\n",
      "if redis.call('GET', KEYS[2]) == 'settled' then return 0 end",
      "redis.call('SET', KEYS[2], 'settled', 'PX', ARGV[4])",
      "local n = (#KEYS - 2) / 3",
      "for i = 1, n do",
      "  local b, h, m = KEYS[3 * i], KEYS[3 * i + 1], KEYS[3 * i + 2]",
      "  purge(b, h, m, ARGV[3])",
      "  local a = redis.call('HGET', m, ARGV[1])",
      "  if a then",
      "    if a ~= '0' then redis.call('HINCRBY', b, 'r', '-' .. a) end",
      "    redis.call('HDEL', m, ARGV[1]); redis.call('ZREM', h, ARGV[1])",
      "  end",
      "  if ARGV[2] ~= '' then redis.call('HINCRBY', b, 'c', ARGV[2]) end",
      "  local exp = ARGV[4 + i]",
      "  redis.call('PEXPIREAT', b, exp); redis.call('PEXPIREAT', h, exp); redis.call('PEXPIREAT', m, exp)",
      "end",
      "if ARGV[2] ~= '' then redis.call('HINCRBY', KEYS[1], 'committed', 1)",
      "else redis.call('HINCRBY', KEYS[1], 'released', 1) end",
      "return 1"));

  private final UnifiedJedis client;
  private final String prefix;
  private final Clock clock;
  private final long retentionMillis;
  private final int attempts;

  private RedisBudgetGate(Builder b) {
    this.client = b.client;
    this.prefix = b.prefix + "{gate}:";
    this.clock = b.clock;
    this.retentionMillis = b.retention.toMillis();
    this.attempts = b.attempts;
  }

  /** A builder for a gate on {@code client}. */
  public static Builder builder(UnifiedJedis client) {
    return new Builder(client);
  }

  /**
   * One budget in one period, as the gate sees it. Immutable.
   *
   * @param key names the budget and its period (two processes must build the same key for the same budget)
   * @param limit the cap in dollars
   * @param expiresAt when Redis may forget the budget's totals: after its period ended
   */
  public record Cap(String key, BigDecimal limit, Instant expiresAt) {
    /** Validates the cap. */
    public Cap {
      Objects.requireNonNull(key, "key");
      Objects.requireNonNull(limit, "limit");
      Objects.requireNonNull(expiresAt, "expiresAt");
      if (limit.signum() < 0) {
        throw new IllegalArgumentException("limit must not be negative but was " + limit);
      }
      if (toUnits(limit, RoundingMode.FLOOR) >= MAX_UNITS) {
        throw new IllegalArgumentException("a cap of " + limit + " is beyond what the gate counts exactly");
      }
    }

    /**
     * The cap of {@code budget} for the concrete {@code scope} (the budget's own, or the conversation or tag value
     * a template budget resolved to) in the period holding {@code now} in {@code zone}; its key is, for example,
     * {@code "daily|tag team=search|2026-05-01"}, and it expires a day after the period ends.
     */
    public static Cap of(Budget budget, BudgetScope scope, Instant now, ZoneId zone) {
      Objects.requireNonNull(budget, "budget");
      Objects.requireNonNull(scope, "scope");
      if (scope.isTemplate()) {
        throw new IllegalArgumentException("resolve the template " + scope + " to a conversation or tag value");
      }
      LocalDate day = LocalDate.ofInstant(now, zone);
      LocalDate start = budget.period() == Budget.Period.DAILY ? day : day.withDayOfMonth(1);
      LocalDate end = budget.period() == Budget.Period.DAILY ? start.plusDays(1) : start.plusMonths(1);
      String key = budget.period().name().toLowerCase(java.util.Locale.ROOT) + "|" + scope + "|" + start;
      return new Cap(key, budget.limit(), end.plusDays(1).atStartOfDay(zone).toInstant());
    }
  }

  /** Totals of one budget, in dollars (whole nano-dollars). */
  public record Totals(BigDecimal committed, BigDecimal reserved) {}

  /**
   * Reserves {@code amount} against every one of {@code caps}, all or none, for at most {@code ttl}.
   *
   * @return the reservation, to be committed or released once
   * @throws BudgetExceededException naming the cap with the least left that would overflow; nothing is reserved
   * @throws RedisStoreException if Redis cannot be reached
   */
  public Reservation reserve(List<Cap> caps, BigDecimal amount, Duration ttl) {
    Objects.requireNonNull(caps, "caps");
    Objects.requireNonNull(amount, "amount");
    Objects.requireNonNull(ttl, "ttl");
    if (amount.signum() < 0) {
      throw new IllegalArgumentException("amount must not be negative but was " + amount);
    }
    if (ttl.toMillis() < 1) {
      throw new IllegalArgumentException("ttl must be at least 1 ms but was " + ttl);
    }
    List<Cap> list = List.copyOf(caps);
    String id = UUID.randomUUID().toString();
    long now = clock.millis();
    long units = toUnits(amount, RoundingMode.CEILING);
    List<String> args = new ArrayList<>(5 + 2 * list.size());
    args.add(id);
    args.add(Long.toString(units));
    args.add(Long.toString(now));
    args.add(Long.toString(now + ttl.toMillis()));
    args.add(Long.toString(Math.max(retentionMillis, ttl.toMillis()) + ttl.toMillis()));
    for (Cap c : list) {
      args.add(Long.toString(toUnits(c.limit(), RoundingMode.FLOOR)));
      args.add(Long.toString(c.expiresAt().toEpochMilli()));
    }
    List<?> reply = (List<?>) run(RESERVE, keys(id, list), args, "reserve " + amount + " on " + keysOf(list));
    long status = (Long) reply.get(0);
    if (status == 0) {
      Cap refusing = list.get((int) (long) (Long) reply.get(1) - 1);
      BigDecimal used = fromUnits(Long.parseLong((String) reply.get(2)))
          .add(fromUnits(Long.parseLong((String) reply.get(3))));
      throw new BudgetExceededException(refusing.key(), refusing.limit(), used, amount);
    }
    return new Reservation(id, list);
  }

  /** The committed and reserved totals of the budget {@code key} now (expired reservations still count until purged). */
  public Totals totals(String key) {
    Map<String, String> h = call("read " + prefix + "b:" + key, () -> client.hgetAll(prefix + "b:" + key));
    return new Totals(fromUnits(Long.parseLong(h.getOrDefault("c", "0"))),
        fromUnits(Long.parseLong(h.getOrDefault("r", "0"))));
  }

  /**
   * Counters of this prefix since it was first used: {@code reserved}, {@code refused}, {@code committed}, {@code
   * released} (reservations), {@code expiredHolds} (budget holds dropped because their reservation expired).
   */
  public Map<String, Long> stats() {
    Map<String, String> h = call("read " + prefix + "stats", () -> client.hgetAll(prefix + "stats"));
    Map<String, Long> out = new java.util.TreeMap<>();
    for (String k : List.of("reserved", "refused", "committed", "released", "expiredHolds")) {
      out.put(k, Long.parseLong(h.getOrDefault(k, "0")));
    }
    return out;
  }

  private List<String> keys(String id, List<Cap> caps) {
    List<String> keys = new ArrayList<>(2 + 3 * caps.size());
    keys.add(prefix + "stats");
    keys.add(prefix + "s:" + id);
    for (Cap c : caps) {
      keys.add(prefix + "b:" + c.key());
      keys.add(prefix + "h:" + c.key());
      keys.add(prefix + "m:" + c.key());
    }
    return keys;
  }

  private static List<String> keysOf(List<Cap> caps) {
    return caps.stream().map(Cap::key).toList();
  }

  private Object run(LuaScript script, List<String> keys, List<String> args, String what) {
    try {
      return script.run(client, keys, args, attempts);
    } catch (JedisException e) {
      throw new RedisStoreException("budget gate: " + what + " failed: " + e.getMessage(), e);
    }
  }

  private <T> T call(String what, java.util.function.Supplier<T> op) {
    RuntimeException last = null;
    for (int i = 0; i < attempts; i++) {
      try {
        return op.get();
      } catch (redis.clients.jedis.exceptions.JedisConnectionException e) {
        last = e;
      } catch (JedisException e) {
        throw new RedisStoreException("budget gate: " + what + " failed: " + e.getMessage(), e);
      }
    }
    throw new RedisStoreException("budget gate: " + what + " failed: " + last.getMessage(), last);
  }

  static long toUnits(BigDecimal dollars, RoundingMode mode) {
    return dollars.movePointRight(SCALE).setScale(0, mode).longValueExact();
  }

  static BigDecimal fromUnits(long units) {
    return BigDecimal.valueOf(units, SCALE);
  }

  /**
   * One reservation: commit or release it once. Thread-safe: of racing calls (in any process) exactly one
   * settles it; the others return false.
   */
  public final class Reservation {
    private final String id;
    private final List<Cap> caps;
    private final AtomicBoolean done = new AtomicBoolean();

    private Reservation(String id, List<Cap> caps) {
      this.id = id;
      this.caps = caps;
    }

    /** The reservation's id, unique across processes. */
    public String id() {
      return id;
    }

    /**
     * Replaces the reservation by the real {@code cost} in every budget it holds.
     *
     * @return true if this call settled it, false if it was already committed or released
     */
    public boolean commit(BigDecimal cost) {
      Objects.requireNonNull(cost, "cost");
      if (cost.signum() < 0) {
        throw new IllegalArgumentException("cost must not be negative but was " + cost);
      }
      return settle(Long.toString(toUnits(cost, RoundingMode.CEILING)));
    }

    /**
     * Drops the reservation: the attempt was not billed.
     *
     * @return true if this call settled it, false if it was already committed or released
     */
    public boolean release() {
      return settle("");
    }

    private boolean settle(String cost) {
      if (!done.compareAndSet(false, true)) {
        return false;
      }
      List<String> args = new ArrayList<>(4 + caps.size());
      args.add(id);
      args.add(cost);
      args.add(Long.toString(clock.millis()));
      args.add(Long.toString(retentionMillis));
      for (Cap c : caps) {
        args.add(Long.toString(c.expiresAt().toEpochMilli()));
      }
      Object r = run(SETTLE, keys(id, caps), args, (cost.isEmpty() ? "release " : "commit ") + id);
      return Long.valueOf(1).equals(r);
    }
  }

  /** Settings of a {@link RedisBudgetGate}; not thread-safe, build once. */
  public static final class Builder {
    private final UnifiedJedis client;
    private String prefix = "ralex:";
    private Clock clock = Clock.systemUTC();
    private Duration retention = Duration.ofDays(1);
    private int attempts = 3;

    private Builder(UnifiedJedis client) {
      this.client = Objects.requireNonNull(client, "client");
    }

    /** What every key starts with; {@code ralex:} by default. Every process sharing budgets uses the same. */
    public Builder keyPrefix(String prefix) {
      this.prefix = Objects.requireNonNull(prefix, "prefix");
      return this;
    }

    /** The clock of reservation deadlines; the system's UTC clock by default. */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** How long a settled reservation's marker is kept against a second settlement; one day by default. */
    public Builder settledRetention(Duration retention) {
      Objects.requireNonNull(retention, "retention");
      if (retention.toMillis() < 1) {
        throw new IllegalArgumentException("settledRetention must be at least 1 ms but was " + retention);
      }
      this.retention = retention;
      return this;
    }

    /** How many times in all a script is tried when its connection breaks; 3 by default. */
    public Builder attempts(int attempts) {
      if (attempts < 1) {
        throw new IllegalArgumentException("attempts must be at least 1 but was " + attempts);
      }
      this.attempts = attempts;
      return this;
    }

    /** The gate. */
    public RedisBudgetGate build() {
      return new RedisBudgetGate(this);
    }
  }
}
