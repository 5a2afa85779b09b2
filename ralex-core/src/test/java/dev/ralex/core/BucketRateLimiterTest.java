package dev.ralex.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import dev.ralex.api.RateLimitInfo;
import dev.ralex.api.RateLimitedException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class BucketRateLimiterTest {
  private static final int RPM = 20;
  private static final long TPM = 10_000;

  @Test
  void neverGrantsMoreThanTheRateInAnyWindow() {
    // Each operation: advance the clock by 0..20 s, then ask for 1..5,000 tokens, waiting up to 2 minutes.
    qt().withExamples(200).forAll(lists().of(integers().between(0, 20_000)).ofSizeBetween(1, 80),
            lists().of(integers().between(1, 5_000)).ofSize(80))
        .checkAssert((advances, tokens) -> {
          ManualClock clock = ManualClock.at("2026-11-25T00:00:00Z");
          RecordingSleeper sleeper = new RecordingSleeper(clock);
          RateLimit limit = new RateLimit("test", RPM, TPM, RateLimit.OnLimit.WAIT, Duration.ofMinutes(2));
          BucketRateLimiter limiter = new BucketRateLimiter(List.of(limit), clock, sleeper);
          List<Instant> grantTimes = new ArrayList<>();
          List<Integer> grantTokens = new ArrayList<>();
          for (int i = 0; i < advances.size(); i++) {
            clock.advance(Duration.ofMillis(advances.get(i)));
            try {
              limiter.acquire(TestModels.SMALL, tokens.get(i));
              grantTimes.add(clock.instant());
              grantTokens.add(tokens.get(i));
            } catch (RateLimitedException refused) {
              assertThat(refused.retryAfter()).isPresent();
            }
          }
          // In any window [t0, t1] a bucket that starts full and refills continuously grants at most its
          // capacity plus the refill over the window's length.
          for (int a = 0; a < grantTimes.size(); a++) {
            long requests = 0;
            long tokenSum = 0;
            for (int b = a; b < grantTimes.size(); b++) {
              requests++;
              tokenSum += grantTokens.get(b);
              long windowMillis = Duration.between(grantTimes.get(a), grantTimes.get(b)).toMillis();
              assertThat((double) requests).isLessThanOrEqualTo(RPM + RPM * windowMillis / 60_000.0 + 1e-6);
              assertThat((double) tokenSum).isLessThanOrEqualTo(TPM + TPM * windowMillis / 60_000.0 + 1e-6);
            }
          }
        });
  }

  @Test
  void concurrentCallersShareExactlyTheCapacityWithNoLostOrDuplicatedPermit() throws Exception {
    ManualClock clock = ManualClock.at("2026-11-25T00:00:00Z");
    RateLimit limit = new RateLimit("test", 500, 0, RateLimit.OnLimit.FAIL_FAST, Duration.ZERO);
    BucketRateLimiter limiter = new BucketRateLimiter(List.of(limit), clock, new RecordingSleeper(clock));
    int threads = 16;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch start = new CountDownLatch(1);
    AtomicInteger granted = new AtomicInteger();
    AtomicInteger refused = new AtomicInteger();
    List<Future<?>> futures = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      futures.add(pool.submit(() -> {
        start.await();
        for (int i = 0; i < 100; i++) {
          try {
            limiter.acquire(TestModels.SMALL, 1);
            granted.incrementAndGet();
          } catch (RateLimitedException e) {
            refused.incrementAndGet();
          }
        }
        return null;
      }));
    }
    start.countDown();
    for (Future<?> f : futures) {
      f.get(30, TimeUnit.SECONDS);
    }
    pool.shutdown();
    assertThat(granted.get()).isEqualTo(500);
    assertThat(refused.get()).isEqualTo(16 * 100 - 500);
  }

  @Test
  void cancelledPermitGivesBackItsRequestAndTokens() {
    ManualClock clock = ManualClock.at("2026-11-25T00:00:00Z");
    RateLimit limit = new RateLimit("test", 1, 100, RateLimit.OnLimit.FAIL_FAST, Duration.ZERO);
    BucketRateLimiter limiter = new BucketRateLimiter(List.of(limit), clock, new RecordingSleeper(clock));
    limiter.acquire(TestModels.SMALL, 100).cancel();
    limiter.acquire(TestModels.SMALL, 100);
    assertThatThrownBy(() -> limiter.acquire(TestModels.SMALL, 1)).isInstanceOf(RateLimitedException.class);
  }

  @Test
  void completedPermitReturnsUnusedTokens() {
    ManualClock clock = ManualClock.at("2026-11-25T00:00:00Z");
    RateLimit limit = new RateLimit("test", 0, 1_000, RateLimit.OnLimit.FAIL_FAST, Duration.ZERO);
    BucketRateLimiter limiter = new BucketRateLimiter(List.of(limit), clock, new RecordingSleeper(clock));
    limiter.acquire(TestModels.SMALL, 1_000).complete(300);
    limiter.acquire(TestModels.SMALL, 700);
    assertThatThrownBy(() -> limiter.acquire(TestModels.SMALL, 1))
        .isInstanceOfSatisfying(RateLimitedException.class,
            e -> assertThat(e.retryAfter()).hasValue(Duration.ofMillis(60)));
  }

  @Test
  void aRequestLargerThanTheLimitCanNeverPass() {
    ManualClock clock = ManualClock.at("2026-11-25T00:00:00Z");
    BucketRateLimiter limiter = new BucketRateLimiter(List.of(RateLimit.of("test", 0, 1_000)), clock,
        new RecordingSleeper(clock));
    assertThatThrownBy(() -> limiter.acquire(TestModels.SMALL, 1_001))
        .isInstanceOf(RateLimitedException.class)
        .hasMessageContaining("can never pass")
        .satisfies(e -> assertThat(((RateLimitedException) e).isRetryable()).isFalse());
  }

  @Test
  void waitingCallersAreServedInArrivalOrder() {
    ManualClock clock = ManualClock.at("2026-11-25T00:00:00Z");
    RecordingSleeper sleeper = new RecordingSleeper(clock) {
      @Override
      public void sleep(Duration duration) {
        sleeps.add(duration); // Do not advance: each caller sees the queue the earlier ones left.
      }
    };
    RateLimit limit = new RateLimit("test", 0, 600, RateLimit.OnLimit.WAIT, Duration.ofMinutes(2));
    BucketRateLimiter limiter = new BucketRateLimiter(List.of(limit), clock, sleeper);
    limiter.acquire(TestModels.SMALL, 600); // empties the bucket
    limiter.acquire(TestModels.SMALL, 60);  // a small request waits 6 s
    limiter.acquire(TestModels.SMALL, 540); // a large one behind it waits until both are repaid: 60 s
    limiter.acquire(TestModels.SMALL, 60);  // a later small one does not jump the large one: 66 s
    assertThat(sleeper.sleeps).containsExactly(Duration.ofSeconds(6), Duration.ofSeconds(60), Duration.ofSeconds(66));
  }

  @Test
  void limitsApplyByProviderAndByModel() {
    ManualClock clock = ManualClock.at("2026-11-25T00:00:00Z");
    RateLimit perModel = new RateLimit("test/large", 1, 0, RateLimit.OnLimit.FAIL_FAST, Duration.ZERO);
    BucketRateLimiter limiter = new BucketRateLimiter(List.of(perModel), clock, new RecordingSleeper(clock));
    limiter.acquire(TestModels.LARGE, 1);
    limiter.acquire(TestModels.SMALL, 1);
    limiter.acquire(TestModels.SMALL, 1);
    assertThatThrownBy(() -> limiter.acquire(TestModels.LARGE, 1)).isInstanceOf(RateLimitedException.class);
  }

  @Test
  void neverGrantsMoreThanTheRateInAnyWindowUnderManyThreads() {
    // Phases: the clock moves by 0..15 s, then 8 threads race to take 1..3,000 tokens each at that instant.
    qt().withExamples(40).forAll(lists().of(integers().between(0, 15_000)).ofSizeBetween(1, 25),
            integers().between(0, Integer.MAX_VALUE))
        .checkAssert((advances, seed) -> {
          ManualClock clock = ManualClock.at("2026-11-25T00:00:00Z");
          RateLimit limit = new RateLimit("test", RPM, TPM, RateLimit.OnLimit.FAIL_FAST, Duration.ZERO);
          BucketRateLimiter limiter = new BucketRateLimiter(List.of(limit), clock, new RecordingSleeper(clock));
          int threads = 8;
          java.util.concurrent.CyclicBarrier barrier = new java.util.concurrent.CyclicBarrier(threads + 1);
          List<long[]> grants = new java.util.concurrent.CopyOnWriteArrayList<>(); // {millis, tokens}
          ExecutorService pool = Executors.newFixedThreadPool(threads);
          try {
            List<Future<?>> workers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
              java.util.Random random = new java.util.Random(seed + t);
              workers.add(pool.submit(() -> {
                for (int phase = 0; phase < advances.size(); phase++) {
                  barrier.await(10, TimeUnit.SECONDS); // the clock has moved
                  int tokens = 1 + random.nextInt(3_000);
                  try {
                    limiter.acquire(TestModels.SMALL, tokens);
                    grants.add(new long[] {clock.millis(), tokens});
                  } catch (RateLimitedException refused) {
                    // refused: counted by nobody
                  }
                  barrier.await(10, TimeUnit.SECONDS); // every worker is done with this instant
                }
                return null;
              }));
            }
            for (int advance : advances) {
              clock.advance(Duration.ofMillis(advance));
              barrier.await(10, TimeUnit.SECONDS);
              barrier.await(10, TimeUnit.SECONDS);
            }
            for (Future<?> w : workers) {
              w.get(10, TimeUnit.SECONDS);
            }
          } catch (Exception e) {
            throw new AssertionError(e);
          } finally {
            pool.shutdownNow();
          }
          List<long[]> sorted = new ArrayList<>(grants);
          sorted.sort(java.util.Comparator.comparingLong(g -> g[0]));
          for (int a = 0; a < sorted.size(); a++) {
            long requests = 0;
            long tokenSum = 0;
            for (int b = a; b < sorted.size(); b++) {
              requests++;
              tokenSum += sorted.get(b)[1];
              long windowMillis = sorted.get(b)[0] - sorted.get(a)[0];
              assertThat((double) requests).isLessThanOrEqualTo(RPM + RPM * windowMillis / 60_000.0 + 1e-6);
              assertThat((double) tokenSum).isLessThanOrEqualTo(TPM + TPM * windowMillis / 60_000.0 + 1e-6);
            }
          }
        });
  }

  @Test
  void aLimitCanCountOverAnotherWindow() {
    ManualClock clock = ManualClock.at("2026-11-25T00:00:00Z");
    RateLimit limit = new RateLimit("test", 10, 0, RateLimit.OnLimit.FAIL_FAST, Duration.ZERO)
        .per(Duration.ofSeconds(10));
    BucketRateLimiter limiter = new BucketRateLimiter(List.of(limit), clock, new RecordingSleeper(clock));
    for (int i = 0; i < 10; i++) {
      limiter.acquire(TestModels.SMALL, 1);
    }
    assertThatThrownBy(() -> limiter.acquire(TestModels.SMALL, 1))
        .isInstanceOfSatisfying(RateLimitedException.class,
            e -> assertThat(e.retryAfter()).hasValue(Duration.ofSeconds(1)));
    clock.advance(Duration.ofSeconds(1));
    limiter.acquire(TestModels.SMALL, 1);
  }

  @Test
  void aQueueWaitsItsTurnHoweverLong() {
    ManualClock clock = ManualClock.at("2026-11-25T00:00:00Z");
    RecordingSleeper sleeper = new RecordingSleeper(clock);
    RateLimit limit = new RateLimit("test", 0, 1_000, RateLimit.OnLimit.QUEUE, Duration.ZERO);
    BucketRateLimiter limiter = new BucketRateLimiter(List.of(limit), clock, sleeper);
    limiter.acquire(TestModels.SMALL, 1_000);
    RateLimiter.Permit second = limiter.acquire(TestModels.SMALL, 1_000);
    assertThat(second.waited()).isEqualTo(Duration.ofMinutes(1));
    assertThat(sleeper.sleeps).containsExactly(Duration.ofMinutes(1));
  }

  @Test
  void theServersRemainingCountLowersTheBucketButNeverRaisesIt() {
    ManualClock clock = ManualClock.at("2026-11-25T00:00:00Z");
    RateLimit limit = new RateLimit("test", 50, 10_000, RateLimit.OnLimit.FAIL_FAST, Duration.ZERO);
    BucketRateLimiter limiter = new BucketRateLimiter(List.of(limit), RateLimitStore.inMemory(), true, clock,
        new RecordingSleeper(clock));
    limiter.observe(TestModels.SMALL, new RateLimitInfo(new RateLimitInfo.Window(50, 3, null),
        new RateLimitInfo.Window(10_000, 12_000, null), null, null, null));
    assertThat(limiter.balance(limit, true)).isEqualTo(3.0);
    assertThat(limiter.balance(limit, false)).as("a remaining above capacity changes nothing").isEqualTo(10_000.0);
    for (int i = 0; i < 3; i++) {
      limiter.acquire(TestModels.SMALL, 1);
    }
    assertThatThrownBy(() -> limiter.acquire(TestModels.SMALL, 1)).isInstanceOf(RateLimitedException.class);
    limiter.observe(TestModels.SMALL, new RateLimitInfo(new RateLimitInfo.Window(50, 49, null), null, null, null,
        null));
    assertThat(limiter.balance(limit, true)).as("the client's own count stands when lower").isLessThan(1.0);
  }

  @Test
  void aModelWithoutAConfiguredLimitLearnsTheServersLimit() {
    ManualClock clock = ManualClock.at("2026-11-25T00:00:00Z");
    RecordingSleeper sleeper = new RecordingSleeper(clock);
    BucketRateLimiter limiter = new BucketRateLimiter(List.of(), RateLimitStore.inMemory(), true, clock, sleeper);
    assertThat(limiter.acquire(TestModels.SMALL, 500)).isSameAs(RateLimiter.Permit.NONE);
    // The server says 60 requests a minute, none left: the next call waits for one to refill (1 s).
    limiter.observe(TestModels.SMALL, new RateLimitInfo(new RateLimitInfo.Window(60, 0, null), null, null, null,
        null));
    RateLimiter.Permit permit = limiter.acquire(TestModels.SMALL, 500);
    assertThat(permit.waited()).isEqualTo(Duration.ofSeconds(1));
    // Another model is not affected.
    assertThat(limiter.acquire(TestModels.LARGE, 500)).isSameAs(RateLimiter.Permit.NONE);
  }

  @Test
  void withoutAdaptationTheHeadersAreIgnored() {
    ManualClock clock = ManualClock.at("2026-11-25T00:00:00Z");
    RateLimit limit = new RateLimit("test", 50, 0, RateLimit.OnLimit.FAIL_FAST, Duration.ZERO);
    BucketRateLimiter limiter = new BucketRateLimiter(List.of(limit), clock, new RecordingSleeper(clock));
    limiter.observe(TestModels.SMALL, new RateLimitInfo(new RateLimitInfo.Window(50, 0, null), null, null, null,
        Duration.ofSeconds(30)));
    assertThat(limiter.acquire(TestModels.SMALL, 1).waited()).isZero();
  }
}
