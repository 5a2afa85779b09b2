package dev.ralex.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;
import static org.quicktheories.generators.SourceDSL.strings;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

class TokenCounterTest {
  private static final ModelInfo MODEL = Fixtures.model("fake/some-model", 200_000);
  private static final TokenCounter ESTIMATING = TokenCounter.estimating();

  private static final Gen<String> TEXT = strings().basicMultilingualPlaneAlphabet().ofLengthBetween(1, 60)
      .mix(strings().ascii().ofLengthBetween(1, 300));

  /** A request of user, assistant (text and a tool call) and tool-result turns, with optional system and tools. */
  private static ChatRequest request(List<String> texts, int tools, boolean system) {
    ChatRequest.Builder b = ChatRequest.builder();
    if (system) {
      b.system(texts.get(0));
    }
    for (int i = 0; i < texts.size(); i++) {
      switch (i % 4) {
        case 0 -> b.addUserMessage(texts.get(i));
        case 1 -> b.addMessage(Message.assistant(ContentBlock.text(texts.get(i)),
            new ToolUseBlock("toolu_" + i, "tool_0", "{\"q\": \"x\"}")));
        case 2 -> b.addMessage(Message.user(ToolResultBlock.of("toolu_" + (i - 1), texts.get(i)),
            ImageBlock.base64("image/png", "AQID")));
        default -> b.addAssistantMessage(texts.get(i));
      }
    }
    for (int i = 0; i < tools; i++) {
      b.addTool(Fixtures.tool("tool_" + i));
    }
    return b.build();
  }

  @Test
  void theEstimatingCounterEqualsTokenEstimates() {
    qt().forAll(lists().of(TEXT).ofSizeBetween(1, 9), integers().between(0, 3), integers().between(0, 1))
        .checkAssert((texts, tools, system) -> {
          ChatRequest r = request(texts, tools, system == 1);
          assertThat(ESTIMATING.countInputTokens(MODEL, r)).isEqualTo(TokenEstimates.estimateInputTokens(r));
        });
  }

  @Test
  void theWholeIsTheFixedPartPlusEveryMessage() {
    qt().forAll(lists().of(TEXT).ofSizeBetween(1, 9), integers().between(0, 3), integers().between(0, 1))
        .checkAssert((texts, tools, system) -> {
          ChatRequest r = request(texts, tools, system == 1);
          long sum = ESTIMATING.countFixed(MODEL, r);
          for (Message m : r.messages()) {
            sum += ESTIMATING.countMessage(MODEL, m);
          }
          assertThat((long) ESTIMATING.countInputTokens(MODEL, r)).isEqualTo(sum);
        });
  }

  @Test
  void aMessageCountsTheSameWhereverItStands() {
    qt().forAll(lists().of(TEXT).ofSizeBetween(2, 9)).checkAssert(texts -> {
      ChatRequest r = request(texts, 1, true);
      List<Message> dropped = new ArrayList<>(r.messages());
      Message first = dropped.remove(0);
      ChatRequest shorter = r.withMessages(dropped);
      assertThat(ESTIMATING.countInputTokens(MODEL, r) - ESTIMATING.countInputTokens(MODEL, shorter))
          .isEqualTo(ESTIMATING.countMessage(MODEL, first));
    });
  }

  @Test
  void theFixedPartIsTheSystemPromptAndTools() {
    ChatRequest bare = ChatRequest.of("hello");
    assertThat(ESTIMATING.countFixed(MODEL, bare)).isZero();
    assertThat(ESTIMATING.countMessage(MODEL, bare.messages().get(0))).isEqualTo(6);
    ChatRequest withSystem = bare.toBuilder().system("abcd").build();
    assertThat(ESTIMATING.countFixed(MODEL, withSystem)).isEqualTo(1);
    ChatRequest withTool = bare.toBuilder().addTool(Fixtures.tool("t")).build();
    assertThat(ESTIMATING.countFixed(MODEL, withTool)).isGreaterThan(TokenEstimates.TOOLS_PREAMBLE);
  }

  @Test
  void theDefaultSumSaturates() {
    TokenCounter huge = new TokenCounter() {
      @Override
      public int countMessage(ModelInfo model, Message message) {
        return Integer.MAX_VALUE - 1;
      }

      @Override
      public int countFixed(ModelInfo model, ChatRequest request) {
        return Integer.MAX_VALUE - 1;
      }
    };
    ChatRequest two = ChatRequest.builder().addUserMessage("a").addAssistantMessage("b").addUserMessage("c").build();
    assertThat(huge.countInputTokens(MODEL, two)).isEqualTo(Integer.MAX_VALUE);
  }

  @Test
  void nullsAreRefusedWithTheirName() {
    assertThatThrownBy(() -> ESTIMATING.countInputTokens(null, ChatRequest.of("x"))).hasMessage("model");
    assertThatThrownBy(() -> ESTIMATING.countInputTokens(MODEL, null)).hasMessage("request");
    assertThatThrownBy(() -> ESTIMATING.countMessage(MODEL, null)).hasMessage("message");
  }

  @Test
  void theEstimatingCounterIsSafeToShare() throws Exception {
    ChatRequest r = request(List.of("some text", "more text", "a result", "the end"), 2, true);
    int expected = TokenEstimates.estimateInputTokens(r);
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<Integer>> counts = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        counts.add(pool.submit(() -> ESTIMATING.countInputTokens(MODEL, r)));
      }
      for (Future<Integer> count : counts) {
        assertThat(count.get()).isEqualTo(expected);
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
