package dev.ralex.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ralex.api.ChatRequest;
import dev.ralex.api.RalexEvent;
import dev.ralex.api.ChatResponse;
import dev.ralex.api.ContentBlock;
import dev.ralex.api.ErrorDetails;
import dev.ralex.api.ErrorKind;
import dev.ralex.api.LlmException;
import dev.ralex.api.ModelInfo;
import dev.ralex.api.NetworkException;
import dev.ralex.api.ProviderUnavailableException;
import dev.ralex.api.StopReason;
import dev.ralex.api.StreamCancelledException;
import dev.ralex.api.StreamHandle;
import dev.ralex.api.StreamHandler;
import dev.ralex.api.Usage;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class RalexStreamTest {
  private final ManualClock clock = ManualClock.at("2026-11-25T10:00:00Z");
  private final RecordingSleeper sleeper = new RecordingSleeper(clock);

  /** What one streamed attempt does. */
  private enum Script { ANSWER, FAIL_BEFORE_CONTENT, FAIL_AFTER_CONTENT, HANG }

  /** A provider that streams "Hel" + "lo" per attempt, failing or hanging as scripted. */
  private static final class StreamingProvider extends ScriptedProvider {
    final Queue<Script> scripts = new ConcurrentLinkedQueue<>();
    final CountDownLatch hanging = new CountDownLatch(1);
    final CountDownLatch cancelledByCaller = new CountDownLatch(1);

    StreamingProvider(Script... scripts) {
      super("test");
      this.scripts.addAll(List.of(scripts));
    }

    @Override
    public StreamHandle stream(ModelInfo model, ChatRequest request, StreamHandler handler) {
      modelsCalled.add(model.id());
      Script script = scripts.isEmpty() ? Script.ANSWER : scripts.poll();
      CompletableFuture<ChatResponse> done = new CompletableFuture<>();
      switch (script) {
        case FAIL_BEFORE_CONTENT:
          LlmException overloaded = new ProviderUnavailableException("overloaded_error event", true,
              ErrorDetails.of("test", 200, "req_s"));
          done.completeExceptionally(overloaded);
          handler.onError(overloaded);
          return StreamHandle.of(done, () -> {});
        case FAIL_AFTER_CONTENT:
          handler.onUsage(new Usage(40, 1, 0, 0));
          handler.onTextDelta("Hel");
          handler.onUsage(new Usage(40, 3, 0, 0));
          LlmException cut = new NetworkException("stream cut", ErrorDetails.of("test", 200, "req_s"));
          done.completeExceptionally(cut);
          handler.onError(cut);
          return StreamHandle.of(done, () -> {});
        case HANG:
          handler.onTextDelta("Hel");
          hanging.countDown();
          return StreamHandle.of(done, () -> {
            cancelledByCaller.countDown();
            StreamCancelledException e = new StreamCancelledException("cancelled", ErrorDetails.of("test"));
            done.completeExceptionally(e);
            handler.onError(e);
          });
        default:
          handler.onTextDelta("Hel");
          handler.onTextDelta("lo");
          Usage usage = new Usage(40, 2, 0, 0);
          handler.onUsage(usage);
          ChatResponse response = ChatResponse.builder().id("msg_1").model(model.id()).provider("test")
              .content(List.of(ContentBlock.text("Hello"))).usage(usage).stopReason(StopReason.END_TURN).build();
          done.complete(response);
          handler.onComplete(response);
          return StreamHandle.of(done, () -> {});
      }
    }
  }

  /** Records what the caller's handler saw. */
  private static final class Recorder implements StreamHandler {
    final List<String> seen = new CopyOnWriteArrayList<>();
    final CompletableFuture<Object> end = new CompletableFuture<>();

    @Override
    public void onTextDelta(String text) {
      seen.add("text " + text);
    }

    @Override
    public void onUsage(Usage usage) {
      seen.add("usage " + usage.outputTokens());
    }

    @Override
    public void onComplete(ChatResponse response) {
      seen.add("complete " + response.text());
      end.complete(response);
    }

    @Override
    public void onError(LlmException error) {
      seen.add("error " + error.kind());
      end.complete(error);
    }
  }

  private Ralex ralex(StreamingProvider provider) {
    return Ralex.builder().provider(provider)
        .catalog(ModelCatalog.of(List.of(TestModels.SMALL, TestModels.LARGE)))
        .clock(clock).sleeper(sleeper).zone(ZoneOffset.UTC)
        .retryPolicy(RetryPolicy.builder().jitter(() -> 0.0).build())
        .build();
  }

  @Test
  void streamDeliversDeltasThenTheCompletedResponse() throws Exception {
    StreamingProvider provider = new StreamingProvider(Script.ANSWER);
    Recorder recorder = new Recorder();
    try (Ralex ralex = ralex(provider)) {
      StreamHandle handle = ralex.stream(ChatRequest.of("hi"), recorder);
      ChatResponse response = handle.completion().get(10, TimeUnit.SECONDS);

      assertThat(response.text()).isEqualTo("Hello");
      assertThat(response.callId()).isNotEmpty();
      // 40 input at $1/M + 2 output at $2/M
      assertThat(response.cost()).isEqualByComparingTo("0.000044");
      assertThat(recorder.end.get(10, TimeUnit.SECONDS)).isEqualTo(response);
      assertThat(ralex.usage().spentToday()).isEqualByComparingTo("0.000044");
    }
    assertThat(recorder.seen).containsExactly("text Hel", "text lo", "usage 2", "complete Hello");
  }

  @Test
  void failureBeforeAnyContentIsRetried() throws Exception {
    StreamingProvider provider = new StreamingProvider(Script.FAIL_BEFORE_CONTENT, Script.ANSWER);
    Recorder recorder = new Recorder();
    try (Ralex ralex = ralex(provider)) {
      ChatResponse response = ralex.stream(ChatRequest.of("hi"), recorder).completion().get(10, TimeUnit.SECONDS);
      assertThat(response.attempts()).isEqualTo(2);
    }
    assertThat(recorder.seen).containsExactly("text Hel", "text lo", "usage 2", "complete Hello");
    assertThat(provider.modelsCalled).hasSize(2);
  }

  @Test
  void theFirstChunkIsReportedOnceWithTheWaitSinceTheCallAndSinceTheAttempt() throws Exception {
    StreamingProvider provider = new StreamingProvider(Script.FAIL_BEFORE_CONTENT, Script.ANSWER);
    List<RalexEvent.FirstChunk> firsts = new java.util.concurrent.CopyOnWriteArrayList<>();
    try (Ralex ralex = Ralex.builder().provider(provider)
        .catalog(ModelCatalog.of(List.of(TestModels.SMALL, TestModels.LARGE)))
        .clock(clock).sleeper(sleeper).zone(ZoneOffset.UTC)
        .retryPolicy(RetryPolicy.builder().jitter(() -> 0.5).build())
        .listener(new dev.ralex.api.RalexListener() {
          @Override
          public void onFirstChunk(RalexEvent.FirstChunk event) {
            firsts.add(event);
          }
        })
        .build()) {
      ralex.stream(ChatRequest.of("hi"), new Recorder()).completion().get(10, TimeUnit.SECONDS);
    }
    // The retry waited half of the 1 s base on the manual clock; the second attempt delivered at once.
    assertThat(firsts).singleElement().satisfies(e -> {
      assertThat(e.model()).isEqualTo(TestModels.SMALL);
      assertThat(e.sinceCallStart()).isEqualTo(java.time.Duration.ofMillis(500));
      assertThat(e.sinceAttemptStart()).isZero();
    });
  }

  @Test
  void failureAfterContentIsNotRetriedAndThePartialUsageIsBilled() throws Exception {
    StreamingProvider provider = new StreamingProvider(Script.FAIL_AFTER_CONTENT, Script.ANSWER);
    Recorder recorder = new Recorder();
    try (Ralex ralex = ralex(provider)) {
      ralex.stream(ChatRequest.of("hi"), recorder);
      Object end = recorder.end.get(10, TimeUnit.SECONDS);

      assertThat(end).isInstanceOf(NetworkException.class);
      // 40 input at $1/M + 3 output at $2/M, as the last usage update said.
      assertThat(ralex.usage().spentToday()).isEqualByComparingTo("0.000046");
    }
    assertThat(recorder.seen).containsExactly("usage 1", "text Hel", "usage 3", "error NETWORK");
    assertThat(provider.modelsCalled).hasSize(1);
  }

  @Test
  void cancelEndsTheStreamWithACancellationAndClosesTheProviderStream() throws Exception {
    StreamingProvider provider = new StreamingProvider(Script.HANG);
    Recorder recorder = new Recorder();
    try (Ralex ralex = ralex(provider)) {
      StreamHandle handle = ralex.stream(ChatRequest.of("hi"), recorder);
      // Wait until the provider has started the stream and delivered its first delta.
      assertThat(provider.hanging.await(10, TimeUnit.SECONDS)).isTrue();
      handle.cancel();

      Object end = recorder.end.get(10, TimeUnit.SECONDS);
      assertThat(end).isInstanceOfSatisfying(LlmException.class,
          e -> assertThat(e.kind()).isEqualTo(ErrorKind.CANCELLED));
      assertThat(handle.isDone()).isTrue();
      // The provider's stream is closed too, possibly just after the caller heard of the cancellation.
      assertThat(provider.cancelledByCaller.await(10, TimeUnit.SECONDS)).isTrue();
    }
    List<String> errors = new ArrayList<>(recorder.seen);
    errors.removeIf(s -> !s.startsWith("error"));
    assertThat(errors).containsExactly("error CANCELLED");
    assertThat(sleeper.sleeps).isEmpty();
  }
}
