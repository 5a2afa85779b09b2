package dev.ralex.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ralex.api.BudgetExceededException;
import dev.ralex.api.ChatRequest;
import dev.ralex.api.ChatResponse;
import dev.ralex.api.LlmException;
import dev.ralex.api.StreamHandler;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** One Ralex instance shared by many threads, as applications use it. */
class RalexConcurrencyTest {
  private static final int THREADS = 16;
  private static final int CALLS_PER_THREAD = 150;

  @Test
  void concurrentBlockingAsyncAndStreamingCallsAllCompleteAndAreEachRecordedOnce() throws Exception {
    ScriptedProvider provider = new ScriptedProvider("test");
    Set<String> callIds = ConcurrentHashMap.newKeySet();
    ExecutorService pool = Executors.newFixedThreadPool(THREADS);
    try (Ralex ralex = Ralex.builder().provider(provider)
        .catalog(ModelCatalog.of(List.of(TestModels.SMALL, TestModels.LARGE)))
        .zone(ZoneOffset.UTC).build()) {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < THREADS; t++) {
        int thread = t;
        futures.add(pool.submit(() -> {
          start.await();
          for (int i = 0; i < CALLS_PER_THREAD; i++) {
            ChatRequest request = ChatRequest.of("t" + thread + " c" + i);
            ChatResponse response;
            switch (i % 3) {
              case 0:
                response = ralex.chat(request);
                break;
              case 1:
                response = ralex.chatAsync(request).get(30, TimeUnit.SECONDS);
                break;
              default:
                response = ralex.stream(request, new StreamHandler() {
                  @Override
                  public void onComplete(ChatResponse r) {}

                  @Override
                  public void onError(LlmException e) {}
                }).completion().get(30, TimeUnit.SECONDS);
            }
            assertThat(response.text()).isEqualTo("echo: t" + thread + " c" + i);
            assertThat(callIds.add(response.callId())).isTrue();
          }
          return null;
        }));
      }
      start.countDown();
      for (Future<?> f : futures) {
        f.get(60, TimeUnit.SECONDS);
      }
      int total = THREADS * CALLS_PER_THREAD;
      assertThat(callIds).hasSize(total);
      assertThat(provider.requests).hasSize(total);
      assertThat(ralex.usage().records(Instant.EPOCH, Instant.now().plusSeconds(60))).hasSize(total);
      // Each echo is billed 10 input at $1/M and 5 output at $2/M: $0.00002.
      assertThat(ralex.usage().spentToday())
          .isEqualByComparingTo(new BigDecimal("0.00002").multiply(BigDecimal.valueOf(total)));
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void racingCallsNeverSpendPastTheDailyCap() throws Exception {
    // Each call's worst case on test/small: 500 output tokens at $2/M plus ~10 input tokens at $1/M, just over
    // $0.001; each really costs $0.00002. A cap of $0.0105 admits at most ten worst cases in flight at once.
    ScriptedProvider provider = new ScriptedProvider("test");
    BigDecimal cap = new BigDecimal("0.0105");
    ExecutorService pool = Executors.newFixedThreadPool(THREADS);
    AtomicInteger refused = new AtomicInteger();
    AtomicInteger succeeded = new AtomicInteger();
    try (Ralex ralex = Ralex.builder().provider(provider)
        .catalog(ModelCatalog.of(List.of(TestModels.SMALL)))
        .dailyBudget(cap).zone(ZoneOffset.UTC).build()) {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < THREADS; t++) {
        futures.add(pool.submit(() -> {
          start.await();
          for (int i = 0; i < 100; i++) {
            try {
              ralex.chat(ChatRequest.of("x"));
              succeeded.incrementAndGet();
            } catch (BudgetExceededException e) {
              refused.incrementAndGet();
            }
          }
          return null;
        }));
      }
      start.countDown();
      for (Future<?> f : futures) {
        f.get(60, TimeUnit.SECONDS);
      }
      assertThat(succeeded.get() + refused.get()).isEqualTo(THREADS * 100);
      assertThat(ralex.usage().spentToday()).isLessThanOrEqualTo(cap);
      assertThat(ralex.usage().spentToday())
          .isEqualByComparingTo(new BigDecimal("0.00002").multiply(BigDecimal.valueOf(succeeded.get())));
      assertThat(provider.requests).hasSize(succeeded.get());
    } finally {
      pool.shutdownNow();
    }
  }
}
