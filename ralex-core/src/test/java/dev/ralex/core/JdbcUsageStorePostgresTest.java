package dev.ralex.core;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * {@link JdbcUsageStore} on a real PostgreSQL server, named by {@code RALEX_TEST_POSTGRES_URL} (for example {@code
 * jdbc:postgresql://127.0.0.1:5440/postgres?user=postgres}); skipped when it is not set. Each test works in a
 * schema of its own, dropped afterwards, so runs never collide. Each data source is a small pool of its own
 * ({@link JdbcTestPool}), as an application's would be.
 */
class JdbcUsageStorePostgresTest extends JdbcUsageStoreContract {
  static final String URL = System.getenv("RALEX_TEST_POSTGRES_URL");

  private String schema;
  private final List<JdbcTestPool> pools = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void needsAServer() {
    Assumptions.assumeTrue(URL != null && !URL.isBlank(),
        "RALEX_TEST_POSTGRES_URL is not set: start PostgreSQL with scripts/with-test-servers.sh (see the README)");
  }

  @Override
  protected DataSource dataSource(Path dir) {
    if (schema == null) {
      schema = "ralex_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16).toLowerCase(Locale.ROOT);
      admin("CREATE SCHEMA " + schema);
    }
    PGSimpleDataSource ds = new PGSimpleDataSource();
    ds.setURL(URL);
    ds.setCurrentSchema(schema);
    // Each data source a pool of its own, as each process would have.
    JdbcTestPool pool = new JdbcTestPool(ds);
    pools.add(pool);
    return pool;
  }

  @AfterEach
  void dropSchema() throws SQLException {
    for (JdbcTestPool pool : pools) {
      pool.close();
    }
    if (schema != null) {
      admin("DROP SCHEMA " + schema + " CASCADE");
    }
  }

  private static void admin(String sql) {
    try (Connection c = DriverManager.getConnection(URL); Statement s = c.createStatement()) {
      s.execute(sql);
    } catch (SQLException e) {
      throw new AssertionError(sql, e);
    }
  }
}
