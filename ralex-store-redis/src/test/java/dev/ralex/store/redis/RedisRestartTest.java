package dev.ralex.store.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ralex.api.BudgetExceededException;
import dev.ralex.api.Usage;
import dev.ralex.core.BudgetScope;
import dev.ralex.core.UsageRecord;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Connection;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.RedisClient;

/**
 * The stores keep their data across a real Redis restart and keep working on the same client objects: the test
 * runs its own {@code redis-server} (AOF, {@code appendfsync always}, no snapshots) in a temporary directory,
 * stops it and starts it again on the same directory and port. It needs no {@code RALEX_TEST_REDIS_URL}, only a
 * {@code redis-server} executable.
 */
class RedisRestartTest {
  private static final Duration START_TIMEOUT = Duration.ofSeconds(20);
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(20);

  @TempDir
  Path dir;

  private Path redisServer;
  private int port;
  private Process server;
  private Queue<String> serverLog;
  private RedisClient client;

  @BeforeEach
  void findRedisServer() throws IOException {
    redisServer = locateRedisServer();
    Assumptions.assumeTrue(redisServer != null, "redis-server is not on the PATH nor at /usr/bin/redis-server:"
        + " run the tests with scripts/with-test-servers.sh, which installs it (see the README)");
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
  }

  @AfterEach
  void stopEverything() throws InterruptedException {
    try {
      if (client != null) {
        client.close();
      }
    } finally {
      if (server != null && server.isAlive()) {
        server.destroy();
        if (!server.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
          server.destroyForcibly().waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        }
      }
    }
  }

  @Test
  @Timeout(60)
  void dataSurvivesAGracefulRestartAndTheSameClientReconnects() throws Exception {
    restartScenario(false);
  }

  @Test
  @Timeout(60)
  void dataSurvivesTheServerBeingKilled() throws Exception {
    // SIGKILL: no shutdown work at all, so only what the AOF held when each call was acknowledged survives.
    restartScenario(true);
  }

  private void restartScenario(boolean kill) throws Exception {
    startServer();
    client = newClient(port);
    String prefix = "ralex-restart:";
    RedisUsageStore usage = RedisUsageStore.builder(client).keyPrefix(prefix).attempts(6).build();
    RedisBudgetGate gate = RedisBudgetGate.builder(client).keyPrefix(prefix).attempts(6).build();
    RedisRateLimitStore limits = RedisRateLimitStore.builder(client).keyPrefix(prefix).attempts(6).build();

    Instant day1 = Instant.parse("2026-11-26T10:00:00Z");
    Instant day2 = Instant.parse("2026-11-27T09:30:00Z");
    Instant from = day1.minus(Duration.ofDays(1));
    Instant to = day2.plus(Duration.ofDays(1));
    List<UsageRecord> before = List.of(
        record("call-1", day1, "0.10", Map.of("team", "a"), "conv-1"),
        record("call-2", day1, "0.000001", Map.of("team", "b"), null), // same instant: kept apart, in append order
        record("call-3", day1.plusMillis(1), "1.50", Map.of(), "conv-1"),
        record("call-4", day2, "0.333333333", Map.of("team", "a"), null),
        record("call-5", day2.plusSeconds(3600), "2", Map.of("team", "a"), "conv-2"));
    for (UsageRecord r : before) {
      usage.append(r);
    }

    RedisBudgetGate.Cap daily = new RedisBudgetGate.Cap("daily|global|2026-11-26", new BigDecimal("1.00"),
        Instant.now().plus(Duration.ofDays(2)));
    assertThat(gate.reserve(List.of(daily), new BigDecimal("0.30"), Duration.ofMinutes(5))
        .commit(new BigDecimal("0.25"))).isTrue();
    assertThat(gate.reserve(List.of(daily), new BigDecimal("0.20"), Duration.ofMinutes(5))
        .commit(new BigDecimal("0.123456789"))).isTrue();
    RedisBudgetGate.Reservation pending = gate.reserve(List.of(daily), new BigDecimal("0.40"),
        Duration.ofMinutes(5));
    assertThat(gate.totals(daily.key())).isEqualTo(new RedisBudgetGate.Totals(new BigDecimal("0.373456789"),
        new BigDecimal("0.400000000")));

    long now = 1_000;
    assertThat(limits.take("k", 100, 60_000, 30, 0, now)).isZero();
    assertThat(limits.take("k", 100, 60_000, 25.5, 0, now)).isZero();
    assertThat(limits.balance("k", 100, 60_000, now)).isEqualTo(44.5);

    int idleBefore = client.getPool().getNumIdle();
    restart(kill);

    // The same client objects: the pool's idle connections are broken, and the stores' retries get new ones.
    long destroyedBefore = client.getPool().getDestroyedCount();
    long createdBefore = client.getPool().getCreatedCount();
    List<UsageRecord> after = usage.records(from, to);
    long brokenConnectionsDropped = client.getPool().getDestroyedCount() - destroyedBefore;
    long connectionsCreated = client.getPool().getCreatedCount() - createdBefore;
    // The call above succeeded within its 6 attempts: at most the broken idle connections were dropped.
    assertThat(brokenConnectionsDropped).isLessThan(6).isLessThanOrEqualTo(Math.max(idleBefore, 1));
    assertThat(connectionsCreated).isPositive();

    // Every record appended before the restart, exactly (values, scales, order).
    assertThat(after).isEqualTo(before);
    assertThat(usage.spent(from, to, BudgetScope.GLOBAL)).isEqualTo(sum(before));

    // The gate's totals survived, the pending hold included; the limit still counts them.
    assertThat(gate.totals(daily.key())).isEqualTo(new RedisBudgetGate.Totals(new BigDecimal("0.373456789"),
        new BigDecimal("0.400000000")));
    assertThatThrownBy(() -> gate.reserve(List.of(daily), new BigDecimal("0.30"), Duration.ofMinutes(5)))
        .isInstanceOf(BudgetExceededException.class);
    assertThat(pending.commit(new BigDecimal("0.35"))).isTrue(); // settled across the restart, once
    assertThat(pending.release()).isFalse();
    assertThat(gate.reserve(List.of(daily), new BigDecimal("0.25"), Duration.ofMinutes(5))
        .commit(new BigDecimal("0.000000001"))).isTrue();
    assertThat(gate.totals(daily.key())).isEqualTo(new RedisBudgetGate.Totals(new BigDecimal("0.723456790"),
        new BigDecimal("0E-9")));
    assertThat(gate.stats()).containsEntry("reserved", 4L).containsEntry("committed", 4L)
        .containsEntry("refused", 1L);

    // The rate-limit bucket kept its balance, and takes from it.
    assertThat(limits.balance("k", 100, 60_000, now)).isEqualTo(44.5);
    assertThat(limits.take("k", 100, 60_000, 40, 0, now)).isZero();
    assertThat(limits.take("k", 100, 60_000, 40, 0, now)).isNegative(); // 4.5 left: refused without waiting
    assertThat(limits.balance("k", 100, 60_000, now)).isEqualTo(4.5);

    // New appends work, and the exact totals cover old and new records.
    List<UsageRecord> all = new ArrayList<>(before);
    UsageRecord late = record("call-6", day2.plusSeconds(7200), "0.0000005", Map.of("team", "b"), "conv-2");
    usage.append(late);
    all.add(late);
    assertThat(usage.records(from, to)).isEqualTo(all);
    assertThat(usage.spent(from, to, BudgetScope.GLOBAL)).isEqualTo(new BigDecimal("3.933334833"));
    assertThat(usage.spent(from, to, BudgetScope.tag("team", "a"))).isEqualTo(new BigDecimal("2.433333333"));
    assertThat(usage.spent(from, to, BudgetScope.tag("team", "b"))).isEqualTo(new BigDecimal("0.0000015"));
    assertThat(usage.spent(from, to, BudgetScope.conversation("conv-1"))).isEqualTo(new BigDecimal("1.60"));
    assertThat(usage.spent(day1, day2, BudgetScope.GLOBAL)).isEqualTo(new BigDecimal("1.600001"));

    // Once more: what was written after the restart survives the next one too.
    restart(kill);
    assertThat(usage.records(from, to)).isEqualTo(all);
    assertThat(gate.totals(daily.key()).committed()).isEqualTo(new BigDecimal("0.723456790"));
    assertThat(limits.balance("k", 100, 60_000, now)).isEqualTo(4.5);
  }

  private static UsageRecord record(String callId, Instant at, String cost, Map<String, String> tags,
      String conversationId) {
    return new UsageRecord(callId, at, "m", "p", Usage.of(10, 5), new BigDecimal(cost), tags, conversationId);
  }

  private static BigDecimal sum(List<UsageRecord> records) {
    BigDecimal s = BigDecimal.ZERO;
    for (UsageRecord r : records) {
      s = s.add(r.cost());
    }
    return s;
  }

  private static RedisClient newClient(int port) {
    GenericObjectPoolConfig<Connection> pool = new GenericObjectPoolConfig<>();
    pool.setMaxTotal(4);
    pool.setMaxIdle(4);
    return RedisClient.builder().hostAndPort("127.0.0.1", port)
        .clientConfig(DefaultJedisClientConfig.builder().connectionTimeoutMillis(2_000).socketTimeoutMillis(2_000)
            .build())
        .poolConfig(pool).build();
  }

  private void restart(boolean kill) throws Exception {
    if (kill) {
      server.destroyForcibly();
    } else {
      server.destroy(); // SIGTERM: Redis shuts down cleanly
    }
    assertThat(server.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS)).as("redis-server stopped").isTrue();
    if (!kill) {
      assertThat(server.exitValue()).as("exit code of redis-server after SIGTERM; log:%n%s", log()).isZero();
    }
    startServer();
  }

  /** Starts redis-server on {@link #port} and {@link #dir}, and returns once it answers PING. */
  private void startServer() throws Exception {
    Files.createDirectories(dir);
    ProcessBuilder pb = new ProcessBuilder(redisServer.toString(), "--port", Integer.toString(port), "--bind",
        "127.0.0.1", "--dir", dir.toString(), "--appendonly", "yes", "--appendfsync", "always", "--save", "",
        "--daemonize", "no").redirectErrorStream(true);
    server = pb.start();
    serverLog = new ConcurrentLinkedQueue<>();
    CompletableFuture<Void> ready = new CompletableFuture<>();
    Queue<String> logOfThisRun = serverLog;
    InputStream out = server.getInputStream();
    Thread reader = new Thread(() -> {
      // Reads (and so drains) the server's output until it exits; "Ready to accept connections" means ready.
      try (BufferedReader r = new BufferedReader(new InputStreamReader(out, StandardCharsets.UTF_8))) {
        for (String line; (line = r.readLine()) != null; ) {
          logOfThisRun.add(line);
          if (line.contains("Ready to accept connections")) {
            ready.complete(null);
          }
        }
      } catch (IOException e) {
        ready.completeExceptionally(e);
      }
      ready.completeExceptionally(new IllegalStateException("redis-server exited before it was ready"));
    }, "redis-server-output-" + port);
    reader.setDaemon(true);
    reader.start();
    try {
      ready.get(START_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException | java.util.concurrent.ExecutionException e) {
      throw new AssertionError("redis-server did not start on port " + port + ": " + e + "\n" + log(), e);
    }
    assertThat(ping()).as("PING reply; log:%n%s", log()).isEqualTo("+PONG");
  }

  /** One PING on a fresh connection; each read blocks at most the socket timeout. */
  private String ping() throws IOException {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 2_000);
      s.setSoTimeout(2_000);
      OutputStream o = s.getOutputStream();
      o.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
      o.flush();
      return new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII)).readLine();
    }
  }

  private String log() {
    return serverLog == null ? "" : String.join("\n", serverLog);
  }

  private static Path locateRedisServer() {
    String path = System.getenv("PATH");
    if (path != null) {
      for (String d : path.split(java.io.File.pathSeparator)) {
        if (!d.isEmpty()) {
          Path p = Path.of(d, "redis-server");
          if (Files.isRegularFile(p) && Files.isExecutable(p)) {
            return p;
          }
        }
      }
    }
    Path usr = Path.of("/usr/bin/redis-server");
    return Files.isExecutable(usr) ? usr : null;
  }
}
