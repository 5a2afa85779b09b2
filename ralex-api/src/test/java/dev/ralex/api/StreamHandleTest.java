package dev.ralex.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class StreamHandleTest {

  @Test
  void cancelRunsOnCancelOnce() {
    AtomicInteger cancels = new AtomicInteger();
    StreamHandle handle = StreamHandle.of(new CompletableFuture<>(), cancels::incrementAndGet);

    handle.cancel();
    handle.cancel();
    handle.cancel();

    assertThat(cancels).hasValue(1);
  }

  @Test
  void cancelAfterCompletionDoesNothing() {
    AtomicInteger cancels = new AtomicInteger();
    CompletableFuture<ChatResponse> completion = new CompletableFuture<>();
    StreamHandle handle = StreamHandle.of(completion, cancels::incrementAndGet);

    completion.complete(Fixtures.response(List.of()));
    handle.cancel();

    assertThat(cancels).hasValue(0);
  }

  @Test
  void cancelAfterFailureDoesNothing() {
    AtomicInteger cancels = new AtomicInteger();
    CompletableFuture<ChatResponse> completion = new CompletableFuture<>();
    StreamHandle handle = StreamHandle.of(completion, cancels::incrementAndGet);

    completion.completeExceptionally(new NetworkException("reset", ErrorDetails.NONE));
    handle.cancel();

    assertThat(cancels).hasValue(0);
  }

  @Test
  void isDoneFollowsTheCompletion() {
    CompletableFuture<ChatResponse> completion = new CompletableFuture<>();
    StreamHandle handle = StreamHandle.of(completion, () -> {});

    assertThat(handle.isDone()).isFalse();
    assertThat(handle.completion()).isSameAs(completion);
    completion.complete(Fixtures.response(List.of()));
    assertThat(handle.isDone()).isTrue();
  }

  @Test
  void concurrentCancelsRunOnCancelOnce() throws Exception {
    AtomicInteger cancels = new AtomicInteger();
    StreamHandle handle = StreamHandle.of(new CompletableFuture<>(), cancels::incrementAndGet);
    int threads = 8;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch ready = new CountDownLatch(threads);
    CountDownLatch go = new CountDownLatch(1);
    try {
      for (int i = 0; i < threads; i++) {
        pool.execute(() -> {
          ready.countDown();
          try {
            go.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
          }
          handle.cancel();
        });
      }
      assertThat(ready.await(10, TimeUnit.SECONDS)).isTrue();
      go.countDown();
      pool.shutdown();
      assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    } finally {
      pool.shutdownNow();
    }
    assertThat(cancels).hasValue(1);
  }

  @Test
  void argumentsAreRequired() {
    assertThatThrownBy(() -> StreamHandle.of(null, () -> {}))
        .isInstanceOf(NullPointerException.class).hasMessageContaining("completion");
    assertThatThrownBy(() -> StreamHandle.of(new CompletableFuture<>(), null))
        .isInstanceOf(NullPointerException.class).hasMessageContaining("onCancel");
  }
}
