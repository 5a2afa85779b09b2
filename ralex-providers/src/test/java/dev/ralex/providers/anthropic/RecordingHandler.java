package dev.ralex.providers.anthropic;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ralex.api.ChatResponse;
import dev.ralex.api.LlmException;
import dev.ralex.api.StreamHandler;
import dev.ralex.api.ToolUseBlock;
import dev.ralex.api.Usage;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Records every callback in order, checks that no two overlap, and lets a test wait for the end of the stream
 * (or for the first event) with a timeout, never a sleep.
 */
class RecordingHandler implements StreamHandler {
  final List<String> events = new CopyOnWriteArrayList<>();
  final StringBuilder text = new StringBuilder();
  final StringBuilder thinking = new StringBuilder();
  final List<String> toolInputDeltas = new CopyOnWriteArrayList<>();
  final List<ToolUseBlock> toolUses = new CopyOnWriteArrayList<>();
  final List<Usage> usages = new CopyOnWriteArrayList<>();
  final AtomicInteger terminals = new AtomicInteger();
  final CountDownLatch firstEvent = new CountDownLatch(1);
  final CountDownLatch end = new CountDownLatch(1);
  volatile ChatResponse response;
  volatile LlmException error;
  private final AtomicInteger inCallback = new AtomicInteger();
  volatile boolean overlapped;

  private void enter(String event) {
    if (inCallback.incrementAndGet() != 1) {
      overlapped = true;
    }
    events.add(event);
    firstEvent.countDown();
  }

  private void exit() {
    inCallback.decrementAndGet();
  }

  @Override
  public void onTextDelta(String t) {
    enter("text");
    text.append(t);
    exit();
  }

  @Override
  public void onThinkingDelta(String t) {
    enter("thinking");
    thinking.append(t);
    exit();
  }

  @Override
  public void onToolInputDelta(int blockIndex, String partialJson) {
    enter("toolInput:" + blockIndex);
    toolInputDeltas.add(partialJson);
    exit();
  }

  @Override
  public void onToolUse(ToolUseBlock toolUse) {
    enter("toolUse");
    toolUses.add(toolUse);
    exit();
  }

  @Override
  public void onUsage(Usage usage) {
    enter("usage");
    usages.add(usage);
    exit();
  }

  @Override
  public void onComplete(ChatResponse r) {
    enter("complete");
    response = r;
    terminals.incrementAndGet();
    exit();
    end.countDown();
  }

  @Override
  public void onError(LlmException e) {
    enter("error");
    error = e;
    terminals.incrementAndGet();
    exit();
    end.countDown();
  }

  /** Waits for the terminal callback; fails the test after 10 s. */
  RecordingHandler awaitEnd() throws InterruptedException {
    assertThat(end.await(10, TimeUnit.SECONDS)).as("the stream ended").isTrue();
    assertThat(overlapped).as("callbacks overlapped").isFalse();
    return this;
  }
}
