package dev.ralex.core.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/** Runs work on several threads released together, for tests of thread safety under real concurrency. */
public final class Concurrently {
  /** Work one thread does; may throw, which fails {@link #run}. */
  @FunctionalInterface
  public interface Work {
    /** Does the thread's share; {@code thread} is its index from 0. */
    void run(int thread) throws Exception;
  }

  private Concurrently() {}

  /**
   * Starts {@code threads} threads, releases them at once so that they overlap, and waits up to a minute for all
   * of them; the first failure is rethrown (wrapped in an {@link java.util.concurrent.ExecutionException}).
   */
  public static void run(int threads, Work work) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch start = new CountDownLatch(1);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int thread = t;
        done.add(pool.submit(() -> {
          start.await();
          work.run(thread);
          return null;
        }));
      }
      start.countDown();
      for (Future<?> f : done) {
        f.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
