package dev.ralex.bench;

import dev.ralex.api.Capability;
import dev.ralex.api.ChatRequest;
import dev.ralex.api.ContentBlock;
import dev.ralex.api.Message;
import dev.ralex.api.ModelInfo;
import dev.ralex.api.Pricing;
import dev.ralex.api.Role;
import dev.ralex.api.TokenCounter;
import dev.ralex.api.TokenEstimates;
import dev.ralex.api.ToolResultBlock;
import dev.ralex.api.ToolUseBlock;
import dev.ralex.core.Compression;
import dev.ralex.core.ContextManager;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Fitting a long conversation: 1,000 messages (about 300,000 estimated tokens, with tool rounds) into a
 * 100,000-token window with {@code dropOldest}.
 *
 * <ul>
 *   <li>{@code fitFromScratch}: a new context manager each time, so every message is counted and the cut is
 *       chosen afresh: the cost of the first fit of a conversation.
 *   <li>{@code fitAfterOneMessage}: the manager has fitted the conversation before; one new message (the next
 *       user question) is added, as on the next turn of a conversation: only that message is counted and the
 *       earlier cut is kept.
 * </ul>
 *
 * <p>Targets (the context issue): under 2 ms from scratch, under 200 µs incrementally.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {"-Xmx1g"})
public class ContextFitBenchmark {
  private static final String PROSE = "Refactor the payment module so that retries are idempotent; keep the "
      + "public API stable and add tests for the edge cases we discussed. ";

  private final ModelInfo model = ModelInfo.builder("bench/model").contextWindow(104_096).maxOutputTokens(4_096)
      .capabilities(Capability.TOOLS, Capability.PROMPT_CACHING).pricing(Pricing.FREE).build();
  private List<Message> history;
  private ContextManager warm;
  private int turn;

  @Setup(Level.Trial)
  public void setUp() {
    history = conversation(1_000);
    warm = ContextManager.compressing(Compression.dropOldest());
    warm.fit(request(history), model, 4_096, TokenCounter.estimating());
  }

  /** About 300 tokens per message on average; every tenth turn a tool round. */
  static List<Message> conversation(int messages) {
    Random random = new Random(42);
    List<Message> list = new ArrayList<>(messages);
    int tool = 0;
    while (list.size() < messages - 1) {
      list.add(Message.user(text(random, 1_200)));
      if (list.size() % 20 == 1 && list.size() + 3 < messages) {
        String id = "toolu_" + tool++;
        list.add(new Message(Role.ASSISTANT, List.of(new ToolUseBlock(id, "read_file", "{\"path\":\"a.java\"}"))));
        list.add(new Message(Role.USER, List.of(ToolResultBlock.of(id, text(random, 1_200)))));
      }
      list.add(Message.assistant(text(random, 1_200)));
    }
    list.add(Message.user("What next?"));
    return list;
  }

  private static String text(Random random, int averageChars) {
    int n = averageChars / 2 + random.nextInt(averageChars);
    StringBuilder sb = new StringBuilder(n);
    while (sb.length() < n) {
      sb.append(PROSE, 0, Math.min(PROSE.length(), n - sb.length()));
    }
    return sb.toString();
  }

  private static ChatRequest request(List<Message> messages) {
    return ChatRequest.builder().system("You are a senior engineer.").messages(messages).conversationId("bench")
        .build();
  }

  /** The estimated tokens of the whole conversation, for the report. */
  public int totalTokens() {
    return TokenEstimates.estimateInputTokens(request(history));
  }

  @Benchmark
  public ContextManager.Fit fitFromScratch() {
    return ContextManager.compressing(Compression.dropOldest())
        .fit(request(history), model, 4_096, TokenCounter.estimating());
  }

  @Benchmark
  public ContextManager.Fit fitAfterOneMessage() {
    // The next turn: the history so far (same message objects, as a conversation resends them) plus a new
    // question, different each time so nothing about it is remembered.
    List<Message> next = new ArrayList<>(history.size() + 2);
    next.addAll(history);
    next.add(Message.assistant("Done."));
    next.add(new Message(Role.USER, List.of(ContentBlock.text("And then? " + turn++))));
    return warm.fit(request(next), model, 4_096, TokenCounter.estimating());
  }
}
