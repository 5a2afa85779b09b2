package dev.ralex.store.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ralex.api.BudgetExceededException;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import redis.clients.jedis.RedisClient;

class RedisBudgetGateTest {
  private final String prefix = TestRedis.uniquePrefix("gate");
  private final List<RedisClient> clients = new ArrayList<>();

  @BeforeAll
  static void assumeRedis() {
    TestRedis.assumeAvailable();
  }

  @AfterEach
  void cleanUp() {
    if (!clients.isEmpty()) {
      TestRedis.deleteKeys(clients.get(0), prefix);
    }
    clients.forEach(RedisClient::close);
  }

  private RedisClient newClient() {
    RedisClient c = TestRedis.client();
    clients.add(c);
    return c;
  }

  private static RedisBudgetGate.Cap cap(String key, String limit) {
    return new RedisBudgetGate.Cap(key, new BigDecimal(limit), Instant.now().plus(Duration.ofDays(2)));
  }

  @Test
  @Timeout(120)
  void independentGatesRacingOnOneBudgetNeverOverspendIt() throws Exception {
    int gates = 3;
    int threadsPerGate = 6;
    int attemptsPerThread = 150;
    RedisBudgetGate.Cap daily = cap("daily|global|2026-11-26", "1.00");
    RedisBudgetGate.Cap team = cap("daily|tag team=a|2026-11-26", "0.70");
    ExecutorService pool = Executors.newFixedThreadPool(gates * threadsPerGate);
    CountDownLatch start = new CountDownLatch(1);
    AtomicLong admitted = new AtomicLong();
    AtomicLong settledByUs = new AtomicLong();
    AtomicLong secondSettlements = new AtomicLong();
    AtomicReference<BigDecimal> expectedCommitted = new AtomicReference<>(BigDecimal.ZERO);
    List<Future<?>> futures = new ArrayList<>();
    try {
      for (int g = 0; g < gates; g++) {
        // Each gate has its own pool of connections, as another process would.
        RedisBudgetGate gate = RedisBudgetGate.builder(newClient()).keyPrefix(prefix).build();
        for (int t = 0; t < threadsPerGate; t++) {
          futures.add(pool.submit(() -> {
            start.await();
            ThreadLocalRandom random = ThreadLocalRandom.current();
            for (int i = 0; i < attemptsPerThread; i++) {
              BigDecimal worst = new BigDecimal(random.nextInt(1, 5000)).movePointLeft(6); // up to $0.005
              List<RedisBudgetGate.Cap> caps = random.nextBoolean() ? List.of(daily, team) : List.of(daily);
              RedisBudgetGate.Reservation r;
              try {
                r = gate.reserve(caps, worst, Duration.ofMinutes(5));
              } catch (BudgetExceededException e) {
                continue;
              }
              admitted.incrementAndGet();
              boolean settled;
              if (random.nextInt(4) == 0) {
                settled = r.release();
              } else {
                BigDecimal real = worst.multiply(new BigDecimal(random.nextInt(0, 101))).movePointLeft(2)
                    .setScale(8, java.math.RoundingMode.DOWN);
                settled = r.commit(real);
                if (settled) {
                  expectedCommitted.accumulateAndGet(real, BigDecimal::add);
                }
              }
              if (settled) {
                settledByUs.incrementAndGet();
              }
              if (r.commit(BigDecimal.ONE) || r.release()) {
                secondSettlements.incrementAndGet();
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

    RedisBudgetGate reader = RedisBudgetGate.builder(newClient()).keyPrefix(prefix).build();
    RedisBudgetGate.Totals totals = reader.totals(daily.key());
    assertThat(totals.committed()).isLessThanOrEqualTo(new BigDecimal("1.00"))
        .isEqualByComparingTo(expectedCommitted.get());
    assertThat(totals.reserved()).isEqualByComparingTo("0");
    assertThat(reader.totals(team.key()).committed()).isLessThanOrEqualTo(new BigDecimal("0.70"));
    assertThat(reader.totals(team.key()).reserved()).isEqualByComparingTo("0");
    assertThat(secondSettlements.get()).isZero();
    assertThat(settledByUs.get()).isEqualTo(admitted.get());
    var stats = reader.stats();
    assertThat(stats.get("reserved")).isEqualTo(admitted.get());
    assertThat(stats.get("committed") + stats.get("released")).isEqualTo(admitted.get());
    assertThat(stats.get("refused")).isPositive(); // the cap was really contended
    assertThat(stats.get("reserved") + stats.get("refused")).isEqualTo((long) gates * threadsPerGate
        * attemptsPerThread);
  }

  @Test
  void allOrNoneAcrossBudgets() {
    RedisBudgetGate gate = RedisBudgetGate.builder(newClient()).keyPrefix(prefix).build();
    RedisBudgetGate.Cap wide = cap("wide", "10");
    RedisBudgetGate.Cap narrow = cap("narrow", "1");
    gate.reserve(List.of(wide, narrow), new BigDecimal("0.6"), Duration.ofMinutes(1)).commit(new BigDecimal("0.5"));
    assertThatThrownBy(() -> gate.reserve(List.of(wide, narrow), new BigDecimal("0.6"), Duration.ofMinutes(1)))
        .isInstanceOf(BudgetExceededException.class).hasMessageContaining("narrow");
    assertThat(gate.totals("wide").reserved()).isEqualByComparingTo("0");
    assertThat(gate.totals("wide").committed()).isEqualByComparingTo("0.5");
    // A free call always passes, as with the in-memory tracker.
    gate.reserve(List.of(narrow), BigDecimal.ZERO, Duration.ofMinutes(1)).release();
  }

  @Test
  void aCrashedProcesssReservationExpires() {
    MutableClock clock = new MutableClock(Instant.parse("2026-11-26T10:00:00Z"));
    RedisBudgetGate crashed = RedisBudgetGate.builder(newClient()).keyPrefix(prefix).clock(clock).build();
    RedisBudgetGate survivor = RedisBudgetGate.builder(newClient()).keyPrefix(prefix).clock(clock).build();
    RedisBudgetGate.Cap c = cap("c", "1");
    crashed.reserve(List.of(c), new BigDecimal("0.9"), Duration.ofSeconds(30)); // never settled
    assertThatThrownBy(() -> survivor.reserve(List.of(c), new BigDecimal("0.2"), Duration.ofSeconds(30)))
        .isInstanceOf(BudgetExceededException.class);
    clock.now = clock.now.plusSeconds(31);
    RedisBudgetGate.Reservation r = survivor.reserve(List.of(c), new BigDecimal("0.2"), Duration.ofSeconds(30));
    assertThat(survivor.totals("c").reserved()).isEqualByComparingTo("0.2");
    assertThat(r.commit(new BigDecimal("0.1"))).isTrue();
    assertThat(survivor.stats().get("expiredHolds")).isEqualTo(1);
  }

  @Test
  void capsForTrackerBudgetsNameTheirPeriod() {
    var budget = dev.ralex.core.Budget.daily(new BigDecimal("5"));
    RedisBudgetGate.Cap c = RedisBudgetGate.Cap.of(budget, budget.scope(), Instant.parse("2026-11-26T23:00:00Z"),
        ZoneOffset.UTC);
    assertThat(c.key()).isEqualTo("daily|global|2026-11-26");
    assertThat(c.expiresAt()).isEqualTo(Instant.parse("2026-11-28T00:00:00Z"));
  }

  private static final class MutableClock extends Clock {
    volatile Instant now;

    MutableClock(Instant now) {
      this.now = now;
    }

    @Override
    public Instant instant() {
      return now;
    }

    @Override
    public java.time.ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      throw new UnsupportedOperationException();
    }
  }
}
