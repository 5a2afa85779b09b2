package dev.ralex.core;

import java.nio.file.Path;
import java.time.ZoneId;
import javax.sql.DataSource;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

/**
 * {@link JdbcUsageStore} on SQLite: a file database in the test's temporary directory, with days in Tokyo so that
 * compacted days are not UTC days.
 */
class JdbcUsageStoreSqliteTest extends JdbcUsageStoreContract {
  @Override
  protected DataSource dataSource(Path dir) {
    SQLiteConfig config = new SQLiteConfig();
    // Concurrent writers wait for each other rather than failing with SQLITE_BUSY.
    config.setBusyTimeout(60_000);
    config.setJournalMode(SQLiteConfig.JournalMode.WAL);
    SQLiteDataSource ds = new SQLiteDataSource(config);
    ds.setUrl("jdbc:sqlite:" + dir.resolve("usage.db"));
    return ds;
  }

  @Override
  protected ZoneId storeZone() {
    return ZoneId.of("Asia/Tokyo");
  }
}
