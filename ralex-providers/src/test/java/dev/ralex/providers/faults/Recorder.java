package dev.ralex.providers.faults;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ralex.api.ChatResponse;
import dev.ralex.api.LlmException;
import dev.ralex.api.StreamHandler;
import dev.ralex.api.Usage;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** A stream handler that records every callback and lets a test wait for the end, with a timeout. */
final class Recorder implements StreamHandler {
  final List<String> events = new CopyOnWriteArrayList<>();
  final List<Usage> usages = new CopyOnWriteArrayList<>();
  final List<ChatResponse> completions = new CopyOnWriteArrayList<>();
  final List<LlmException> errors = new CopyOnWriteArrayList<>();
  private final StringBuffer text = new StringBuffer();
  private final CountDownLatch end = new CountDownLatch(1);

  @Override
  public void onTextDelta(String delta) {
    text.append(delta);
    events.add("text");
  }

  @Override
  public void onUsage(Usage usage) {
    usages.add(usage);
    events.add("usage");
  }

  @Override
  public void onComplete(ChatResponse response) {
    completions.add(response);
    events.add("complete");
    end.countDown();
  }

  @Override
  public void onError(LlmException error) {
    errors.add(error);
    events.add("error");
    end.countDown();
  }

  String text() {
    return text.toString();
  }

  /** Waits for the first terminal callback; fails the test after 10 s. */
  Recorder awaitEnd() throws InterruptedException {
    assertThat(end.await(10, TimeUnit.SECONDS)).as("the stream ended").isTrue();
    return this;
  }
}
