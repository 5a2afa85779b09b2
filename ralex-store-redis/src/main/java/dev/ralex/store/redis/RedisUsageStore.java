package dev.ralex.store.redis;

import dev.ralex.core.BudgetScope;
import dev.ralex.core.UsageRecord;
import dev.ralex.core.UsageStore;
import dev.ralex.core.UsageStoreException;
import java.math.BigDecimal;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisException;

/**
 * {@link UsageStore} in Redis, shared by every process using the same server and key prefix.
 *
 * <p><b>Layout.</b> Records go to one sorted set per day (midnight in the store's {@linkplain #zone() zone}),
 * {@code <prefix>{usage}:r:<epochDay>}, scored by their epoch millisecond; each member is the whole record in a
 * length-prefixed text form (money as {@link BigDecimal#toString()}, so value and scale come back exactly), led
 * by a per-append sequence, so two identical records stay two members. {@code {usage}:days} and {@code
 * {usage}:adays} index the days that hold records and aggregates; {@code {usage}:a:<epochDay>} is a day's
 * compacted aggregates (a hash). Every key carries the {@code {usage}} hash tag, so the scripts also work on a
 * Redis Cluster (on one slot).
 *
 * <p><b>Durability is the server's.</b> {@link #append} returns once Redis has acknowledged the write: the record
 * is then in the server's memory and visible to every process, but it survives a server crash only as far as
 * the server persists it. For "durable before the call returns", run Redis with {@code appendonly yes} and
 * {@code appendfsync always}; with {@code everysec} up to a second of appends may be lost in a crash, with no
 * AOF everything since the last snapshot. Replicas do not help unless the application also waits for them.
 *
 * <p><b>Exactness.</b> {@link #spent} sums {@link BigDecimal}s in Java over the records and aggregates of the
 * range (Redis never adds money, since its floats are not exact), so its cost is proportional to the records
 * in the range: {@linkplain #compact compact} old days to keep it small.
 *
 * <p><b>Failures.</b> Every operation is idempotent (an append that is repeated adds the same member again, a
 * no-op), so one whose connection breaks is run again on another pooled connection, up to {@link
 * Builder#attempts(int)} times; what still fails throws {@link UsageStoreException}. Compaction replaces a day's
 * records by its aggregate in one script that first checks that nothing it read has changed (else it reads
 * again), so it never loses or double-counts a record, even with several processes compacting at once.
 *
 * <p>Thread-safe. {@link #close()} closes the client only if the store was built with {@link
 * Builder#ownsClient(boolean) ownsClient(true)}.
 */
public final class RedisUsageStore implements UsageStore {
  private static final int COMPACT_RETRIES = 10;

  private static final LuaScript APPEND = new LuaScript("append", String.join("\n",
      "redis.call('ZADD', KEYS[1], ARGV[1], ARGV[1])",
      "redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])",
      "return 1"));

  /**
   * KEYS: days, day records, aggregate days, day aggregates. ARGV: epochDay, aggregate version read, n, n
   * members read, then field/value pairs of the day's new aggregates. Replaces what was read, or returns 0 if
   * any of it changed meanwhile.
   */
  private static final LuaScript COMPACT = new LuaScript("compact", String.join("\n",
      "local v = redis.call('HGET', KEYS[4], '__v') or '0'",
      "if v ~= ARGV[2] then return 0 end",
      "local n = tonumber(ARGV[3])",
      "for i = 1, n do if not redis.call('ZSCORE', KEYS[2], ARGV[3 + i]) then return 0 end end",
      "for i = 1, n do redis.call('ZREM', KEYS[2], ARGV[3 + i]) end",
      "redis.call('DEL', KEYS[4])",
      "for i = 4 + n, #ARGV, 2 do redis.call('HSET', KEYS[4], ARGV[i], ARGV[i + 1]) end",
      "redis.call('HSET', KEYS[4], '__v', tostring(tonumber(v) + 1))",
      "redis.call('ZADD', KEYS[3], ARGV[1], ARGV[1])",
      "if redis.call('ZCARD', KEYS[2]) == 0 then redis.call('ZREM', KEYS[1], ARGV[1]) end",
      "return 1"));

  private final UnifiedJedis client;
  private final String prefix;
  private final ZoneId zone;
  private final boolean ownsClient;
  private final int attempts;
  private final String instance;
  private final AtomicLong sequence = new AtomicLong();
  private final AtomicBoolean closed = new AtomicBoolean();

  private RedisUsageStore(Builder b) {
    this.client = b.client;
    this.prefix = b.prefix + "{usage}:";
    this.zone = b.zone;
    this.ownsClient = b.ownsClient;
    this.attempts = b.attempts;
    byte[] id = new byte[8];
    new SecureRandom().nextBytes(id);
    this.instance = HexFormat.of().formatHex(id);
  }

  /** A builder for a store on {@code client}. */
  public static Builder builder(UnifiedJedis client) {
    return new Builder(client);
  }

  private String days() {
    return prefix + "days";
  }

  private String aggregateDays() {
    return prefix + "adays";
  }

  private String recordsOf(long epochDay) {
    return prefix + "r:" + epochDay;
  }

  private String aggregatesOf(long epochDay) {
    return prefix + "a:" + epochDay;
  }

  private long epochDay(Instant at) {
    return LocalDate.ofInstant(at, zone).toEpochDay();
  }

  /**
   * {@inheritDoc}
   *
   * <p>Returns once Redis acknowledged the record: see the class notes on durability.
   */
  @Override
  public void append(UsageRecord record) {
    Objects.requireNonNull(record, "record");
    checkOpen();
    long day = epochDay(record.at());
    // The sequence orders records of one instant as this store appended them; it also keeps two equal records
    // apart, while a repeated attempt of the same append writes the same member again.
    String seq = instance + String.format("%016x", sequence.incrementAndGet());
    String member = TextCodec.member(seq, record);
    String score = Long.toString(record.at().toEpochMilli());
    call("append to " + recordsOf(day), () -> APPEND.run(client, List.of(days(), recordsOf(day)),
        List.of(Long.toString(day), score, member), 1));
  }

  @Override
  public List<UsageRecord> records(Instant from, Instant to) {
    checkRange(from, to);
    checkOpen();
    List<TextCodec.Member> members = members(from, to);
    List<UsageRecord> out = new ArrayList<>(members.size());
    for (TextCodec.Member m : members) {
      out.add(m.record());
    }
    return Collections.unmodifiableList(out);
  }

  /** The decoded members with {@code from <= at < to}, oldest first, then by append sequence. */
  private List<TextCodec.Member> members(Instant from, Instant to) {
    if (!from.isBefore(to)) {
      return List.of();
    }
    List<String> raw = call("read records of " + prefix + "r:*", () -> {
      List<String> days = client.zrangeByScore(days(), Long.toString(epochDay(from)), Long.toString(epochDay(to)));
      if (days.isEmpty()) {
        return List.of();
      }
      String min = Long.toString(from.toEpochMilli());
      String max = Long.toString(to.toEpochMilli()); // inclusive: a record later in that millisecond is filtered
      List<Response<List<String>>> replies = new ArrayList<>(days.size());
      try (AbstractPipeline p = client.pipelined()) {
        for (String d : days) {
          replies.add(p.zrangeByScore(recordsOf(Long.parseLong(d)), min, max));
        }
        p.sync();
      }
      List<String> all = new ArrayList<>();
      for (Response<List<String>> r : replies) {
        all.addAll(r.get());
      }
      return all;
    });
    List<TextCodec.Member> out = new ArrayList<>(raw.size());
    for (String s : raw) {
      TextCodec.Member m = decode(s);
      Instant at = m.record().at();
      if (!at.isBefore(from) && at.isBefore(to)) {
        out.add(m);
      }
    }
    out.sort(Comparator.comparing((TextCodec.Member m) -> m.record().at()).thenComparing(TextCodec.Member::seq));
    return out;
  }

  private TextCodec.Member decode(String s) {
    try {
      return TextCodec.decodeMember(s);
    } catch (RuntimeException e) {
      throw new UsageStoreException("corrupt usage record in " + prefix + "r:*: "
          + s.substring(0, Math.min(80, s.length())) + ": " + e.getMessage(), e);
    }
  }

  @Override
  public List<Aggregate> aggregates(Instant from, Instant to) {
    checkRange(from, to);
    checkOpen();
    if (!from.isBefore(to)) {
      return List.of();
    }
    List<Aggregate> out = new ArrayList<>();
    for (Map.Entry<Long, Map<String, String>> day : aggregateHashes(epochDay(from), epochDay(to)).entrySet()) {
      for (Aggregate a : decodeAggregates(day.getKey(), day.getValue())) {
        if (!a.dayStart().isBefore(from) && a.dayStart().isBefore(to)) {
          out.add(a);
        }
      }
    }
    out.sort(Comparator.comparing(Aggregate::dayStart));
    return Collections.unmodifiableList(out);
  }

  /** The aggregate hashes of the days in [firstDay, lastDay], by day. */
  private Map<Long, Map<String, String>> aggregateHashes(long firstDay, long lastDay) {
    return call("read aggregates of " + prefix + "a:*", () -> {
      List<String> days = client.zrangeByScore(aggregateDays(), Long.toString(firstDay), Long.toString(lastDay));
      Map<Long, Map<String, String>> out = new TreeMap<>();
      if (days.isEmpty()) {
        return out;
      }
      Map<Long, Response<Map<String, String>>> replies = new LinkedHashMap<>();
      try (AbstractPipeline p = client.pipelined()) {
        for (String d : days) {
          replies.put(Long.parseLong(d), p.hgetAll(aggregatesOf(Long.parseLong(d))));
        }
        p.sync();
      }
      for (Map.Entry<Long, Response<Map<String, String>>> e : replies.entrySet()) {
        out.put(e.getKey(), e.getValue().get());
      }
      return out;
    });
  }

  private List<Aggregate> decodeAggregates(long day, Map<String, String> hash) {
    List<Aggregate> out = new ArrayList<>(hash.size());
    for (Map.Entry<String, String> e : new TreeMap<>(hash).entrySet()) {
      if (e.getKey().equals("__v")) {
        continue;
      }
      try {
        out.add(TextCodec.decodeAggregate(e.getKey(), e.getValue()));
      } catch (RuntimeException ex) {
        throw new UsageStoreException("corrupt aggregate in " + aggregatesOf(day) + ": " + ex.getMessage(), ex);
      }
    }
    return out;
  }

  /**
   * {@inheritDoc}
   *
   * <p>Reads the range's records and aggregates and sums their costs in Java, exactly.
   */
  @Override
  public Map<BudgetScope, BigDecimal> spent(Instant from, Instant to, Collection<BudgetScope> scopes) {
    checkRange(from, to);
    Objects.requireNonNull(scopes, "scopes");
    List<BudgetScope> distinct = new ArrayList<>();
    for (BudgetScope s : scopes) {
      Objects.requireNonNull(s, "scope");
      if (s.isTemplate()) {
        throw new IllegalArgumentException("usage stores sum concrete scopes; resolve the template " + s
            + " to the conversation or tag value first");
      }
      if (!distinct.contains(s)) {
        distinct.add(s);
      }
    }
    checkOpen();
    BigDecimal[] sums = new BigDecimal[distinct.size()];
    java.util.Arrays.fill(sums, BigDecimal.ZERO);
    for (TextCodec.Member m : members(from, to)) {
      add(distinct, sums, m.record().tags(), m.record().conversationId(), m.record().cost());
    }
    for (Aggregate a : aggregates(from, to)) {
      add(distinct, sums, a.tags(), a.conversationId(), a.cost());
    }
    Map<BudgetScope, BigDecimal> out = new LinkedHashMap<>();
    for (int i = 0; i < sums.length; i++) {
      out.put(distinct.get(i), sums[i]);
    }
    return Collections.unmodifiableMap(out);
  }

  private static void add(List<BudgetScope> scopes, BigDecimal[] sums, Map<String, String> tags,
      String conversationId, BigDecimal cost) {
    for (int i = 0; i < sums.length; i++) {
      if (covers(scopes.get(i), tags, conversationId)) {
        sums[i] = sums[i].add(cost);
      }
    }
  }

  /** Whether a call with these tags and conversation falls under the concrete {@code scope}. */
  static boolean covers(BudgetScope scope, Map<String, String> tags, String conversationId) {
    switch (scope.kind()) {
      case GLOBAL:
        return true;
      case TAG:
        return scope.value().equals(tags.get(scope.key()));
      case CONVERSATION:
        return scope.value().equals(conversationId);
      default:
        throw new IllegalArgumentException("usage stores cannot filter by budget scope " + scope);
    }
  }

  /**
   * {@inheritDoc}
   *
   * <p>One script per day replaces the day's records by its merged aggregates; if another process appended to
   * or compacted that day between the read and the script, the day is read again.
   */
  @Override
  public void compact(Instant before) {
    Objects.requireNonNull(before, "before");
    checkOpen();
    long lastDay = epochDay(before);
    List<String> days = call("list days of " + days(), () -> client.zrangeByScore(days(), "-inf",
        Long.toString(lastDay)));
    for (String d : days) {
      long day = Long.parseLong(d);
      Instant end = LocalDate.ofEpochDay(day).plusDays(1).atStartOfDay(zone).toInstant();
      if (end.isAfter(before)) {
        continue;
      }
      compactDay(day);
    }
  }

  private void compactDay(long day) {
    for (int attempt = 0; attempt < COMPACT_RETRIES; attempt++) {
      List<String> raw = call("read " + recordsOf(day), () -> client.zrange(recordsOf(day), 0, -1));
      Map<String, String> hash = call("read " + aggregatesOf(day), () -> client.hgetAll(aggregatesOf(day)));
      String version = hash.getOrDefault("__v", "0");
      Map<TextCodec.AggKey, Aggregate> merged = new LinkedHashMap<>();
      for (Aggregate a : decodeAggregates(day, hash)) {
        merge(merged, a);
      }
      Instant dayStart = LocalDate.ofEpochDay(day).atStartOfDay(zone).toInstant();
      for (String s : raw) {
        UsageRecord r = decode(s).record();
        merge(merged, new Aggregate(dayStart, r.model(), r.provider(), r.tags(), r.conversationId(), 1, r.usage(),
            r.cost(), r.kind(), r.saved()));
      }
      List<String> args = new ArrayList<>(3 + raw.size() + 2 * merged.size());
      args.add(Long.toString(day));
      args.add(version);
      args.add(Integer.toString(raw.size()));
      args.addAll(raw);
      for (Map.Entry<TextCodec.AggKey, Aggregate> e : merged.entrySet()) {
        args.add(TextCodec.aggField(e.getKey()));
        args.add(TextCodec.aggValue(e.getValue()));
      }
      Object done = call("compact " + recordsOf(day), () -> COMPACT.run(client,
          List.of(days(), recordsOf(day), aggregateDays(), aggregatesOf(day)), args, 1));
      if (Long.valueOf(1).equals(done)) {
        return;
      }
    }
    throw new UsageStoreException("could not compact " + recordsOf(day) + ": it kept changing during "
        + COMPACT_RETRIES + " attempts", null);
  }

  private static void merge(Map<TextCodec.AggKey, Aggregate> merged, Aggregate a) {
    TextCodec.AggKey key = new TextCodec.AggKey(a.model(), a.provider(), a.tags(), a.conversationId(), a.kind());
    merged.merge(key, a, (x, y) -> new Aggregate(x.dayStart(), x.model(), x.provider(), x.tags(),
        x.conversationId(), Math.addExact(x.count(), y.count()), x.usage().plus(y.usage()), x.cost().add(y.cost()),
        x.kind(), x.saved().add(y.saved())));
  }

  @Override
  public ZoneId zone() {
    return zone;
  }

  /** Marks the store closed; closes the client if the store owns it. Idempotent. */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true) && ownsClient) {
      try {
        client.close();
      } catch (JedisException e) {
        throw new UsageStoreException("closing the Redis client of " + this + " failed", e);
      }
    }
  }

  private void checkOpen() {
    if (closed.get()) {
      throw new IllegalStateException(this + " is closed");
    }
  }

  private static void checkRange(Instant from, Instant to) {
    Objects.requireNonNull(from, "from");
    Objects.requireNonNull(to, "to");
    if (to.isBefore(from)) {
      throw new IllegalArgumentException("range end " + to + " is before its start " + from);
    }
  }

  /** Runs an idempotent operation, again on a broken connection, up to the configured attempts. */
  private <T> T call(String what, Supplier<T> op) {
    JedisConnectionException last = null;
    for (int i = 0; i < attempts; i++) {
      try {
        return op.get();
      } catch (JedisConnectionException e) {
        last = e;
      } catch (JedisException e) {
        throw new UsageStoreException("Redis usage store: " + what + " failed: " + e.getMessage(), e);
      }
    }
    throw new UsageStoreException("Redis usage store: " + what + " failed after " + attempts
        + " attempts: " + last.getMessage(), last);
  }

  @Override
  public String toString() {
    return "RedisUsageStore[" + prefix + "*, " + zone + "]";
  }

  /** Settings of a {@link RedisUsageStore}; not thread-safe, build once. */
  public static final class Builder {
    private final UnifiedJedis client;
    private String prefix = "ralex:";
    private ZoneId zone = ZoneOffset.UTC;
    private boolean ownsClient;
    private int attempts = 3;

    private Builder(UnifiedJedis client) {
      this.client = Objects.requireNonNull(client, "client");
    }

    /** What every key starts with; {@code ralex:} by default. Use one per application sharing a server. */
    public Builder keyPrefix(String prefix) {
      this.prefix = Objects.requireNonNull(prefix, "prefix");
      return this;
    }

    /**
     * The zone whose midnights start the days; UTC by default. Use the budgets' zone, and the same in every
     * process sharing the prefix: the first store to write records it, and a store built with another fails.
     */
    public Builder zone(ZoneId zone) {
      this.zone = Objects.requireNonNull(zone, "zone");
      return this;
    }

    /** Whether {@link RedisUsageStore#close()} also closes the client; false by default. */
    public Builder ownsClient(boolean ownsClient) {
      this.ownsClient = ownsClient;
      return this;
    }

    /** How many times in all an operation is tried when its connection breaks; 3 by default. */
    public Builder attempts(int attempts) {
      if (attempts < 1) {
        throw new IllegalArgumentException("attempts must be at least 1 but was " + attempts);
      }
      this.attempts = attempts;
      return this;
    }

    /**
     * The store. Records the zone under {@code <prefix>{usage}:meta} if no store did yet.
     *
     * @throws UsageStoreException if Redis cannot be reached, or the prefix's data was written in another zone
     */
    public RedisUsageStore build() {
      RedisUsageStore store = new RedisUsageStore(this);
      String meta = store.prefix + "meta";
      String stored = store.call("read " + meta, () -> {
        client.hsetnx(meta, "zone", zone.getId());
        return client.hget(meta, "zone");
      });
      if (!ZoneId.of(stored).normalized().equals(zone.normalized())) {
        throw new UsageStoreException("the usage records under " + store.prefix + "* were kept with days in "
            + stored + ", not " + zone + ": build the store with zone(ZoneId.of(\"" + stored + "\"))", null);
      }
      return store;
    }
  }
}
