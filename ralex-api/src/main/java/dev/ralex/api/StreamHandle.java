package dev.ralex.api;

import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Control of a running stream. Thread-safe.
 */
public interface StreamHandle {
  /**
   * Stops the stream and releases its connection. The handler's {@link StreamHandler#onError} then receives a
   * {@link StreamCancelledException}, unless the stream had already ended. Safe to call more than once and
   * from any thread.
   */
  void cancel();

  /**
   * Completes with the same response as {@link StreamHandler#onComplete}, or exceptionally with the same
   * {@link LlmException} as {@link StreamHandler#onError}.
   */
  CompletableFuture<ChatResponse> completion();

  /** Whether the stream has ended, by completion, failure or cancellation. */
  default boolean isDone() {
    return completion().isDone();
  }

  /**
   * A handle over {@code completion} whose {@link #cancel()} runs {@code onCancel} once, if the stream has not
   * ended.
   */
  static StreamHandle of(CompletableFuture<ChatResponse> completion, Runnable onCancel) {
    Objects.requireNonNull(completion, "completion");
    Objects.requireNonNull(onCancel, "onCancel");
    return new StreamHandle() {
      private final AtomicBoolean cancelled = new AtomicBoolean();

      @Override
      public void cancel() {
        if (!completion.isDone() && cancelled.compareAndSet(false, true)) {
          onCancel.run();
        }
      }

      @Override
      public CompletableFuture<ChatResponse> completion() {
        return completion;
      }
    };
  }
}
