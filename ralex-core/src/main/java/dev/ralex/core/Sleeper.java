package dev.ralex.core;

import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * How the pipeline waits: for a retry's backoff and for a rate-limit permit. Injected, with a {@link
 * java.time.Clock}, so that tests of waits run instantly and exactly; {@link #SYSTEM} waits for real.
 * Implementations must be thread-safe.
 */
public interface Sleeper {
  /** Waits for real: {@link Thread#sleep} for blocking waits, a JDK timer for asynchronous ones. */
  Sleeper SYSTEM = new Sleeper() {
    @Override
    public void sleep(Duration duration) throws InterruptedException {
      if (!duration.isNegative() && !duration.isZero()) {
        TimeUnit.NANOSECONDS.sleep(duration.toNanos());
      }
    }

    @Override
    public CompletableFuture<Void> delay(Duration duration, Executor executor) {
      if (duration.isNegative() || duration.isZero()) {
        return CompletableFuture.runAsync(() -> {}, executor);
      }
      return CompletableFuture.runAsync(
          () -> {}, CompletableFuture.delayedExecutor(duration.toNanos(), TimeUnit.NANOSECONDS, executor));
    }
  };

  /** Blocks the calling thread for {@code duration}; returns at once for zero or negative durations. */
  void sleep(Duration duration) throws InterruptedException;

  /**
   * Completes on {@code executor} after {@code duration}, without holding a thread while it waits where the
   * implementation can. The default runs {@link #sleep} on {@code executor}.
   */
  default CompletableFuture<Void> delay(Duration duration, Executor executor) {
    return CompletableFuture.runAsync(() -> {
      try {
        sleep(duration);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new CancellationException("interrupted while waiting");
      }
    }, executor);
  }
}
