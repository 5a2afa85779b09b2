package dev.ralex.core;

import dev.ralex.api.Usage;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Where billed attempts and response-cache hits are kept, so that spend survives a restart, budgets can be
 * rebuilt from it and reports show what the cache saved. One {@link UsageRecord} per billed attempt or cache hit
 * is {@linkplain #append appended} (a hit costs zero, so it never changes what {@link #spent} returns); the
 * tracker reloads each budget's current-period spend with {@link #spent(Instant, Instant, Collection)} at start;
 * old detail can be {@linkplain #compact compacted} into per-day {@link Aggregate}s that keep every total exact.
 *
 * <p>Implementations must be thread-safe: any number of threads may append, query and compact at once. Every
 * failure to read or write is a {@link UsageStoreException} naming what failed; none is swallowed. A store used
 * after {@link #close()} throws {@link IllegalStateException}.
 *
 * <p>Days for compaction start at midnight in the store's {@linkplain #zone() zone}, which should be the zone
 * budgets are kept in, so that totals over compacted days stay exact for every budget period.
 */
public interface UsageStore extends AutoCloseable {

  /**
   * Stores {@code record}. When this returns the record is as durable as the store promises (for the journal:
   * forced to disk), and every later query sees it.
   *
   * @throws UsageStoreException if it cannot be stored; it may then be stored or not, but never half
   * @throws IllegalStateException if the store is closed
   */
  void append(UsageRecord record);

  /**
   * The detailed records with {@code from <= at < to}, oldest first (records with the same time in the order
   * they were appended). Records already compacted are not returned: see {@link #aggregates}.
   *
   * @throws UsageStoreException if they cannot be read, or what is stored is corrupt
   */
  List<UsageRecord> records(Instant from, Instant to);

  /**
   * The per-day aggregates of compacted records whose day starts in [{@code from}, {@code to}), oldest first.
   *
   * @throws UsageStoreException if they cannot be read, or what is stored is corrupt
   */
  List<Aggregate> aggregates(Instant from, Instant to);

  /**
   * What the billed attempts in [{@code from}, {@code to}) under each of {@code scopes} cost, exactly, in one
   * pass: detailed records by their time, and aggregates by the start of their day (so over compacted days
   * the sum is exact when {@code from} and {@code to} are midnights in the store's zone, as budget periods
   * are). The map has one entry per distinct scope, {@code 0} where nothing matched.
   *
   * <p>This is the shape the tracker needs to rebuild budgets at start: one call per period start (today, this
   * month) with the scopes of every budget of that period. The scopes are declarative, not predicates, so a
   * database store can answer with one indexed query instead of sending every record to Java.
   *
   * @throws UsageStoreException if they cannot be read, or what is stored is corrupt
   */
  Map<BudgetScope, BigDecimal> spent(Instant from, Instant to, Collection<BudgetScope> scopes);

  /** What the billed attempts in [{@code from}, {@code to}) under {@code scope} cost; see {@link #spent(Instant, Instant, Collection)}. */
  default BigDecimal spent(Instant from, Instant to, BudgetScope scope) {
    Objects.requireNonNull(scope, "scope");
    return spent(from, to, List.of(scope)).get(scope);
  }

  /**
   * Replaces the detailed records of every day that ends at or before {@code before} (midnights in the store's
   * zone) by one {@link Aggregate} per day, model, provider, tags and conversation, merged with any aggregate
   * already there. {@link #spent} returns the same totals afterwards, and the other records stay as they were.
   * Appends and queries may wait while a compaction replaces data they touch; an interrupted compaction loses
   * nothing.
   *
   * @throws UsageStoreException if it cannot be done; the store then holds what it held before
   */
  void compact(Instant before);

  /** The zone whose midnights start the days of {@link #compact}. */
  ZoneId zone();

  /**
   * Releases the store's files or connections after making every appended record durable. Idempotent.
   *
   * @throws UsageStoreException if pending data cannot be made durable
   */
  @Override
  void close();

  /**
   * A store in the SQL database behind {@code dataSource} (PostgreSQL or SQLite), days in UTC; tables are
   * created on first use. Pass a pooled DataSource. See {@link JdbcUsageStore}.
   */
  static UsageStore jdbc(javax.sql.DataSource dataSource) {
    return JdbcUsageStore.create(dataSource);
  }

  /** As {@link #jdbc(javax.sql.DataSource)}, with days and months in {@code zone}. */
  static UsageStore jdbc(javax.sql.DataSource dataSource, java.time.ZoneId zone) {
    return JdbcUsageStore.create(dataSource, zone);
  }

  /** A store in this process's memory, with days in UTC: everything is lost when the process ends. */
  static UsageStore inMemory() {
    return new InMemoryUsageStore(ZoneOffset.UTC);
  }

  /** A store in this process's memory, with days starting at midnight in {@code zone}. */
  static UsageStore inMemory(ZoneId zone) {
    return new InMemoryUsageStore(Objects.requireNonNull(zone, "zone"));
  }

  /**
   * A durable append-only journal in {@code directory}, with {@link FlushPolicy#FLUSH_EACH} and days in UTC; see
   * {@link #journalBuilder(Path)}.
   *
   * @throws UsageStoreException if the directory cannot be opened, is in use, or holds a corrupt journal
   */
  static UsageStore journal(Path directory) {
    return journalBuilder(directory).build();
  }

  /**
   * A builder for a durable journal in {@code directory} (created if missing): one append-only file per UTC month,
   * each record framed with its length and a CRC32C, exact money. On open a torn last record (a crash mid-append)
   * is detected, logged at WARN and cut off; corruption anywhere else fails the open. One store per directory:
   * a lock file keeps other stores and processes out while it is open.
   */
  static JournalBuilder journalBuilder(Path directory) {
    return new JournalBuilder(directory);
  }

  /** When the journal forces appended records to disk. */
  enum FlushPolicy {
    /** Each append writes its record and forces the file before it returns: one disk flush per record. */
    FLUSH_EACH,
    /**
     * Appends write their records, then wait for a shared flush: one waiting appender at a time forces the file
     * for everyone who wrote before it started, so concurrent appends share flushes. An append still returns
     * only once its own record is on disk; no append waits for more than the flush in progress plus its own.
     */
    GROUP_COMMIT
  }

  /**
   * Everything compacted from one day's records with the same model, provider, tags, conversation and kind: billed
   * attempts and cache hits are compacted into separate aggregates. Immutable.
   *
   * @param dayStart the start of the day (midnight in the store's zone when compacted)
   * @param model the model's id
   * @param provider the provider's id
   * @param tags the calls' tags
   * @param conversationId the calls' conversation, or {@code null}
   * @param count how many records it replaces, at least 1
   * @param usage their tokens, summed ({@link Usage#ZERO} for cache hits)
   * @param cost their cost, summed exactly (zero for cache hits)
   * @param kind the kind of every record it replaces
   * @param saved what the cache hits it replaces did not spend, summed exactly; zero for billed attempts
   */
  record Aggregate(
      Instant dayStart,
      String model,
      String provider,
      Map<String, String> tags,
      String conversationId,
      long count,
      Usage usage,
      BigDecimal cost,
      UsageRecord.Kind kind,
      BigDecimal saved) {

    /**
     * Validates the aggregate.
     *
     * @throws IllegalArgumentException if the count is below 1, or the amounts break {@link UsageRecord}'s rules
     *     for the kind
     */
    public Aggregate {
      Objects.requireNonNull(dayStart, "dayStart");
      Objects.requireNonNull(model, "model");
      Objects.requireNonNull(provider, "provider");
      Objects.requireNonNull(usage, "usage");
      Objects.requireNonNull(cost, "cost");
      Objects.requireNonNull(kind, "kind");
      Objects.requireNonNull(saved, "saved");
      tags = Map.copyOf(tags);
      if (count < 1) {
        throw new IllegalArgumentException("count must be at least 1 but was " + count);
      }
      UsageRecord.checkAmounts(kind, usage, cost, saved);
    }

    /** Billed attempts: as the canonical constructor with {@link UsageRecord.Kind#BILLED} and nothing saved. */
    public Aggregate(Instant dayStart, String model, String provider, Map<String, String> tags,
        String conversationId, long count, Usage usage, BigDecimal cost) {
      this(dayStart, model, provider, tags, conversationId, count, usage, cost, UsageRecord.Kind.BILLED,
          BigDecimal.ZERO);
    }

    /** The aggregate of one more set of records of the same key: counts, usage, cost and saved summed. */
    Aggregate plus(Aggregate other) {
      return new Aggregate(dayStart, model, provider, tags, conversationId, Math.addExact(count, other.count),
          usage.plus(other.usage), cost.add(other.cost), kind, saved.add(other.saved));
    }
  }

  /** Settings of a journal store; not thread-safe, build once. */
  final class JournalBuilder {
    private final Path directory;
    private FlushPolicy flushPolicy = FlushPolicy.FLUSH_EACH;
    private ZoneId zone = ZoneOffset.UTC;

    private JournalBuilder(Path directory) {
      this.directory = Objects.requireNonNull(directory, "directory");
    }

    /** When appends are forced to disk; {@link FlushPolicy#FLUSH_EACH} by default. */
    public JournalBuilder flushPolicy(FlushPolicy policy) {
      this.flushPolicy = Objects.requireNonNull(policy, "policy");
      return this;
    }

    /** The zone whose midnights start compaction days; UTC by default. Use the zone budgets are kept in. */
    public JournalBuilder zone(ZoneId zone) {
      this.zone = Objects.requireNonNull(zone, "zone");
      return this;
    }

    /**
     * Opens the journal: checks every file, cuts off a torn last record, removes leftovers of an interrupted
     * compaction.
     *
     * @throws UsageStoreException if the directory cannot be opened, is in use, or holds a corrupt journal
     */
    public UsageStore build() {
      return JournalUsageStore.open(directory, flushPolicy, zone);
    }
  }
}
