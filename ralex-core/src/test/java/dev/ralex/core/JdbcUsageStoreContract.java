package dev.ralex.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The {@link UsageStoreContract} for {@link JdbcUsageStore}, plus what only a database store does: its schema and
 * version, and stores in several processes sharing one database. A subclass names the database.
 */
abstract class JdbcUsageStoreContract extends UsageStoreContract {
  static final Instant T = Instant.parse("2026-03-10T12:00:00Z");

  /** A new, independent data source on the test's database (as another process would open), kept in {@code dir}. */
  protected abstract DataSource dataSource(Path dir);

  /** The zone of the store under test. */
  protected ZoneId storeZone() {
    return ZoneOffset.UTC;
  }

  @Override
  protected UsageStore open(Path directory) {
    return JdbcUsageStore.create(dataSource(directory), storeZone());
  }

  @Override
  protected boolean durable() {
    return true;
  }

  private void sql(String statement) {
    try (Connection c = dataSource(dir).getConnection(); Statement s = c.createStatement()) {
      s.execute(statement);
    } catch (SQLException e) {
      throw new AssertionError(statement, e);
    }
  }

  private List<Long> longs(String query) {
    try (Connection c = dataSource(dir).getConnection(); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(query)) {
      List<Long> out = new ArrayList<>();
      while (rs.next()) {
        out.add(rs.getLong(1));
      }
      return out;
    } catch (SQLException e) {
      throw new AssertionError(query, e);
    }
  }

  private boolean tableExists(String name) {
    try (Connection c = dataSource(dir).getConnection(); Statement s = c.createStatement()) {
      s.executeQuery("SELECT COUNT(*) FROM " + name).close();
      return true;
    } catch (SQLException e) {
      return false;
    }
  }

  @Test
  void theSchemaIsCreatedOnFirstUseWithItsVersion() {
    UsageStore fresh = JdbcUsageStore.builder(dataSource(dir)).tablePrefix("fresh_").build();
    assertThat(tableExists("fresh_schema_version")).as("nothing is created before first use").isFalse();

    assertThat(fresh.records(ALL_FROM, ALL_TO)).isEmpty();

    assertThat(longs("SELECT version FROM fresh_schema_version")).containsExactly((long) JdbcUsageStore.SCHEMA_VERSION);
    assertThat(tableExists("fresh_usage_records")).isTrue();
    assertThat(tableExists("fresh_usage_aggregates")).isTrue();
    // Opening again finds the schema and keeps the one version row.
    UsageStore again = JdbcUsageStore.builder(dataSource(dir)).tablePrefix("fresh_").build();
    again.append(record("x", T, "0.5"));
    assertThat(fresh.records(ALL_FROM, ALL_TO)).extracting(UsageRecord::callId).containsExactly("x");
    assertThat(longs("SELECT COUNT(*) FROM fresh_schema_version")).containsExactly(1L);
    // The other prefix's tables are untouched.
    assertThat(store.records(ALL_FROM, ALL_TO)).isEmpty();
  }

  @Test
  void aNewerSchemaVersionIsRefusedAndReopeningKeepsTheData() {
    store.append(record("kept", T, "0.25"));
    store.close();
    sql("UPDATE ralex_schema_version SET version = " + (JdbcUsageStore.SCHEMA_VERSION + 1));

    UsageStore newer = open(dir);
    assertThatThrownBy(() -> newer.records(ALL_FROM, ALL_TO))
        .isInstanceOf(UsageStoreException.class)
        .hasMessageContaining("schema version " + (JdbcUsageStore.SCHEMA_VERSION + 1))
        .hasMessageContaining("newer than version " + JdbcUsageStore.SCHEMA_VERSION);
    UsageRecord r = record("refused", T, "1");
    assertThatThrownBy(() -> newer.append(r)).isInstanceOf(UsageStoreException.class);
    assertThat(longs("SELECT version FROM ralex_schema_version"))
        .containsExactly((long) JdbcUsageStore.SCHEMA_VERSION + 1);

    sql("UPDATE ralex_schema_version SET version = " + JdbcUsageStore.SCHEMA_VERSION);
    store = open(dir);
    assertThat(store.records(ALL_FROM, ALL_TO)).extracting(UsageRecord::callId).containsExactly("kept");
    assertThat(store.spent(ALL_FROM, ALL_TO, BudgetScope.GLOBAL)).isEqualTo(new BigDecimal("0.25"));
  }

  @Test
  void aFailureNamesTheOperationAndKeepsTheCause() {
    store.append(record("a", T, "1"));
    sql("DROP TABLE ralex_usage_records");
    UsageRecord r = record("b", T, "1");
    assertThatThrownBy(() -> store.append(r))
        .isInstanceOf(UsageStoreException.class)
        .hasMessageContaining("cannot append a usage record")
        .hasMessageContaining("tables ralex_*")
        .hasCauseInstanceOf(SQLException.class);
    assertThatThrownBy(() -> store.records(ALL_FROM, ALL_TO))
        .isInstanceOf(UsageStoreException.class)
        .hasMessageContaining("cannot read usage records");
  }

  @Test
  void templatesAreRefusedEvenWhenNothingIsStored() {
    assertThatThrownBy(() -> store.spent(ALL_FROM, ALL_TO, BudgetScope.eachConversation()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("template");
  }

  @Test
  void aNegativeScaleAndScaleOnlyDifferencesSumAsBigDecimalDoes() {
    store.append(record("a", T, "1.5E+3", Map.of("team", "search"), null));
    store.append(record("b", T.plusSeconds(1), "2.50", Map.of("team", "ads"), null));
    assertThat(store.spent(ALL_FROM, ALL_TO, TEAM_SEARCH)).isEqualTo(new BigDecimal("1500"));
    assertThat(store.spent(ALL_FROM, ALL_TO, BudgetScope.GLOBAL)).isEqualTo(new BigDecimal("1502.50"));
    store.compact(ALL_TO);
    assertThat(store.aggregates(ALL_FROM, ALL_TO)).extracting(UsageStore.Aggregate::cost)
        .containsExactly(new BigDecimal("1.5E+3"), new BigDecimal("2.50"));
    assertThat(store.spent(ALL_FROM, ALL_TO, BudgetScope.GLOBAL)).isEqualTo(new BigDecimal("1502.50"));
  }

  @Test
  @Timeout(120)
  void storesFirstUsedAtOnceCreateTheSchemaOnce() throws Exception {
    int stores = 6;
    List<UsageStore> all = new ArrayList<>();
    for (int i = 0; i < stores; i++) {
      all.add(JdbcUsageStore.builder(dataSource(dir)).tablePrefix("race_").build());
    }
    ExecutorService pool = Executors.newFixedThreadPool(stores);
    CountDownLatch start = new CountDownLatch(1);
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (int i = 0; i < stores; i++) {
        UsageStore s = all.get(i);
        String id = "first-" + i;
        futures.add(pool.submit(() -> {
          start.await();
          s.append(record(id, T, "0.01"));
          return null;
        }));
      }
      start.countDown();
      for (Future<?> f : futures) {
        f.get(110, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(all.get(0).records(ALL_FROM, ALL_TO)).hasSize(stores);
    assertThat(longs("SELECT version FROM race_schema_version")).containsExactly((long) JdbcUsageStore.SCHEMA_VERSION);
  }

  @Test
  @Timeout(120)
  void twoStoresOnOneDatabaseStoreEveryRecordExactlyOnce() throws Exception {
    int threadsPerStore = 4;
    int perThread = 150;
    // Two data sources, as two processes would have; neither shares anything with the other in Java.
    List<UsageStore> stores = List.of(open(dir), open(dir));
    ExecutorService pool = Executors.newFixedThreadPool(2 * threadsPerStore);
    CountDownLatch start = new CountDownLatch(1);
    Set<String> expected = new HashSet<>();
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (int s = 0; s < 2; s++) {
        for (int t = 0; t < threadsPerStore; t++) {
          UsageStore target = stores.get(s);
          String name = "s" + s + "t" + t;
          for (int i = 0; i < perThread; i++) {
            expected.add(name + "-" + i);
          }
          futures.add(pool.submit(() -> {
            start.await();
            for (int i = 0; i < perThread; i++) {
              target.append(record(name + "-" + i, T.plusMillis(i), "0.001", Map.of("writer", name), null));
              if (i % 50 == 0) {
                target.spent(ALL_FROM, ALL_TO, BudgetScope.tag("writer", name)); // reads between writes
              }
            }
            return null;
          }));
        }
      }
      start.countDown();
      for (Future<?> f : futures) {
        f.get(110, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    for (UsageStore s : stores) {
      List<UsageRecord> back = s.records(ALL_FROM, ALL_TO);
      Set<String> ids = new HashSet<>();
      for (UsageRecord r : back) {
        assertThat(ids.add(r.callId())).as("stored twice: %s", r.callId()).isTrue();
      }
      assertThat(ids).isEqualTo(expected);
      assertThat(s.spent(ALL_FROM, ALL_TO, BudgetScope.GLOBAL)).isEqualTo(new BigDecimal("1.200"));
      assertThat(s.spent(ALL_FROM, ALL_TO, BudgetScope.tag("writer", "s1t2"))).isEqualTo(new BigDecimal("0.150"));
      s.close();
    }
  }

  /**
   * The tables as version 1 of the schema made them (before cache hits), with one record and one aggregate in
   * them, under {@code prefix}.
   */
  private void createVersionOneTables(String prefix) {
    boolean postgres;
    try (Connection c = dataSource(dir).getConnection()) {
      postgres = c.getMetaData().getDatabaseProductName().equalsIgnoreCase("PostgreSQL");
    } catch (SQLException e) {
      throw new AssertionError(e);
    }
    String id = postgres ? "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY" : "INTEGER PRIMARY KEY";
    String money = postgres ? "NUMERIC" : "TEXT";
    String tokens = " input_tokens BIGINT NOT NULL, output_tokens BIGINT NOT NULL, cache_read_tokens BIGINT NOT NULL,"
        + " cache_write_tokens BIGINT NOT NULL, cost " + money + " NOT NULL, cost_scale INTEGER NOT NULL";
    sql("CREATE TABLE " + prefix + "schema_version (version INTEGER NOT NULL)");
    sql("INSERT INTO " + prefix + "schema_version (version) VALUES (1)");
    sql("CREATE TABLE " + prefix + "usage_records (id " + id + ", call_id TEXT NOT NULL, at_second BIGINT NOT NULL,"
        + " at_nano INTEGER NOT NULL, model TEXT NOT NULL, provider TEXT NOT NULL," + tokens
        + ", tags TEXT NOT NULL, conversation_id TEXT)");
    sql("CREATE INDEX " + prefix + "usage_records_at ON " + prefix + "usage_records (at_second, at_nano, id)");
    sql("CREATE TABLE " + prefix + "usage_aggregates (id " + id + ", day_second BIGINT NOT NULL,"
        + " day_nano INTEGER NOT NULL, model TEXT NOT NULL, provider TEXT NOT NULL, tags TEXT NOT NULL,"
        + " conversation_id TEXT, record_count BIGINT NOT NULL," + tokens + ")");
    sql("CREATE INDEX " + prefix + "usage_aggregates_day ON " + prefix + "usage_aggregates (day_second, day_nano, id)");
    sql("INSERT INTO " + prefix + "usage_records (call_id, at_second, at_nano, model, provider, input_tokens,"
        + " output_tokens, cache_read_tokens, cache_write_tokens, cost, cost_scale, tags, conversation_id) VALUES"
        + " ('old', " + T.getEpochSecond() + ", 5, 'm', 'p', 100, 20, 0, 0, '0.0450', 4, '{\"team\":\"search\"}',"
        + " 'conv-1')");
    sql("INSERT INTO " + prefix + "usage_aggregates (day_second, day_nano, model, provider, tags, conversation_id,"
        + " record_count, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, cost, cost_scale)"
        + " VALUES (" + T.minusSeconds(86_400 * 10).getEpochSecond() + ", 0, 'm', 'p', '{}', NULL, 3, 1, 2, 3, 4,"
        + " '1.25', 2)");
  }

  @Test
  void versionOneTablesAreMigratedAndTheirRowsReadAsBilled() {
    createVersionOneTables("old_");
    UsageStore old = JdbcUsageStore.builder(dataSource(dir)).tablePrefix("old_").zone(storeZone()).build();

    UsageRecord record = old.records(ALL_FROM, ALL_TO).get(0);
    assertThat(record).isEqualTo(new UsageRecord("old", T.plusNanos(5), "m", "p", dev.ralex.api.Usage.of(100, 20),
        new BigDecimal("0.0450"), Map.of("team", "search"), "conv-1"));
    assertThat(record.kind()).isEqualTo(UsageRecord.Kind.BILLED);
    assertThat(record.saved()).isZero();
    assertThat(old.aggregates(ALL_FROM, ALL_TO)).singleElement().satisfies(a -> {
      assertThat(a.kind()).isEqualTo(UsageRecord.Kind.BILLED);
      assertThat(a.saved()).isZero();
      assertThat(a.count()).isEqualTo(3);
      assertThat(a.cost()).isEqualTo(new BigDecimal("1.25"));
    });
    assertThat(longs("SELECT version FROM old_schema_version")).containsExactly((long) JdbcUsageStore.SCHEMA_VERSION);

    // The migrated tables take hits, and the old rows stay as they were.
    UsageRecord hit = UsageRecord.cacheHit("new-hit", T.plusSeconds(1), "m", "p", new BigDecimal("0.0450"),
        Map.of("team", "search"), "conv-1");
    old.append(hit);
    UsageStore reopened = JdbcUsageStore.builder(dataSource(dir)).tablePrefix("old_").zone(storeZone()).build();
    assertThat(reopened.records(ALL_FROM, ALL_TO)).containsExactly(record, hit);
    assertThat(reopened.spent(ALL_FROM, ALL_TO, BudgetScope.GLOBAL)).isEqualTo(new BigDecimal("1.2950"));
    assertThat(longs("SELECT COUNT(*) FROM old_schema_version")).containsExactly(1L);
  }
}
