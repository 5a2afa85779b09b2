package dev.ralex.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ralex.api.CacheControl;
import dev.ralex.api.Capability;
import dev.ralex.api.ChatRequest;
import dev.ralex.api.ChatResponse;
import dev.ralex.api.ContentBlock;
import dev.ralex.api.ContextTooLongException;
import dev.ralex.api.Message;
import dev.ralex.api.ModelInfo;
import dev.ralex.api.ModelTier;
import dev.ralex.api.Pricing;
import dev.ralex.api.RalexEvent;
import dev.ralex.api.RalexListener;
import dev.ralex.api.Role;
import dev.ralex.api.TextBlock;
import dev.ralex.api.TokenCounter;
import dev.ralex.api.TokenEstimates;
import dev.ralex.api.ToolResultBlock;
import dev.ralex.api.ToolUseBlock;
import dev.ralex.api.Usage;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class ContextCompressionTest {
  /** A caching model with a small window: 2,000 tokens, 200 reserved for output in these tests. */
  private static final ModelInfo SMALL_WINDOW = ModelInfo.builder("test/small-window")
      .contextWindow(2_000).maxOutputTokens(500).tier(ModelTier.CHEAP)
      .capabilities(Capability.TOOLS, Capability.PROMPT_CACHING)
      .pricing(new Pricing(BigDecimal.ONE, BigDecimal.ONE, BigDecimal.ZERO, BigDecimal.ZERO, "test",
          LocalDate.of(2026, 11, 25)))
      .build();

  private static List<Message> history(int turns, int charsPerMessage) {
    List<Message> messages = new ArrayList<>();
    for (int i = 0; i < turns; i++) {
      messages.add(Message.user("question " + i + " " + "x".repeat(charsPerMessage)));
      messages.add(Message.assistant("answer " + i + " " + "y".repeat(charsPerMessage)));
    }
    messages.add(Message.user("the newest question"));
    return messages;
  }

  private static ContextManager.Fit fit(ContextManager manager, ChatRequest request) {
    return manager.fit(request, SMALL_WINDOW, 200, TokenCounter.estimating());
  }

  @Test
  void dropOldestKeepsItsCutWhileTheHistoryFitsSoThePrefixStaysCacheable() {
    ContextManager manager = ContextManager.compressing(List.of(Compression.dropOldest(0.5)), false);
    List<Message> messages = history(20, 200); // about 20 x 2 x 55 tokens: well over 1,800
    ContextManager.Fit first = fit(manager, ChatRequest.builder().messages(messages).conversationId("c").build());
    assertThat(first.inputTokens()).isLessThanOrEqualTo(900);
    Message firstKept = first.request().messages().get(0);
    // Next turn: the answer and a new question are added; the cut stays where it was.
    List<Message> next = new ArrayList<>(messages);
    next.add(Message.assistant("the newest answer"));
    next.add(Message.user("a follow-up"));
    ContextManager.Fit second = fit(manager, ChatRequest.builder().messages(next).conversationId("c").build());
    assertThat(second.request().messages().get(0)).isSameAs(firstKept);
    assertThat(second.compressions()).singleElement()
        .satisfies(c -> assertThat(c.messagesDropped()).isEqualTo(first.compressions().get(0).messagesDropped()));
  }

  @Test
  void keepRecentTurnsCapsTheHistoryButKeepsPinnedTurns() {
    List<Message> messages = history(6, 10);
    messages.set(2, messages.get(2).pin()); // turn 1's question
    ContextManager manager = ContextManager.compressing(List.of(Compression.keepRecentTurns(2)), false);
    ChatRequest out = fit(manager, ChatRequest.builder().messages(messages).build()).request();
    assertThat(out.messages()).extracting(Message::text).containsExactly(
        messages.get(2).text(), messages.get(3).text(), // the pinned turn 1
        messages.get(10).text(), messages.get(11).text(), // turn 5
        messages.get(12).text()); // the newest turn
  }

  @Test
  void longToolResultsAreCutWithAMarkerAndTheirPairingKept() {
    List<Message> messages = new ArrayList<>();
    messages.add(Message.user("read the log"));
    messages.add(new Message(Role.ASSISTANT, List.of(new ToolUseBlock("toolu_1", "read", "{}"))));
    messages.add(new Message(Role.USER, List.of(ToolResultBlock.of("toolu_1", "line\n".repeat(3_000)))));
    messages.add(Message.assistant("done"));
    messages.add(Message.user("now summarize it"));
    ContextManager manager = ContextManager.compressing(List.of(Compression.truncateToolResults(100)), false);
    ContextManager.Fit fit = fit(manager, ChatRequest.builder().messages(messages).build());
    Message result = fit.request().messages().get(2);
    ToolResultBlock block = (ToolResultBlock) result.content().get(0);
    String text = ((TextBlock) block.content().get(0)).text();
    assertThat(block.toolUseId()).isEqualTo("toolu_1");
    assertThat(text).contains("characters omitted by Ralex").startsWith("line\n").endsWith("line\n");
    assertThat(fit.compressions()).singleElement().satisfies(c -> {
      assertThat(c.strategy()).isEqualTo("truncateToolResults");
      assertThat(c.toolResultsTruncated()).isEqualTo(1);
    });
  }

  @Test
  void aResultJustOverTheLimitIsLeftAloneRatherThanLengthenedByTheMarker() {
    // 100 tokens keep 400 characters: 410 would lose 10 and gain a marker of about 60, so they stay; the long
    // result beside them is cut.
    String justOver = "x".repeat(410);
    List<Message> messages = new ArrayList<>();
    messages.add(Message.user("read both"));
    messages.add(new Message(Role.ASSISTANT, List.of(new ToolUseBlock("toolu_1", "read", "{}"),
        new ToolUseBlock("toolu_2", "read", "{}"))));
    messages.add(new Message(Role.USER, List.of(ToolResultBlock.of("toolu_1", justOver),
        ToolResultBlock.of("toolu_2", "line\n".repeat(3_000)))));
    messages.add(Message.assistant("done"));
    messages.add(Message.user("next"));
    ContextManager manager = ContextManager.compressing(List.of(Compression.truncateToolResults(100)), false);
    ContextManager.Fit fit = fit(manager, ChatRequest.builder().messages(messages).build());
    List<ContentBlock> results = fit.request().messages().get(2).content();
    assertThat(((TextBlock) ((ToolResultBlock) results.get(0)).content().get(0)).text()).isEqualTo(justOver);
    assertThat(((TextBlock) ((ToolResultBlock) results.get(1)).content().get(0)).text())
        .contains("characters omitted by Ralex");
    assertThat(fit.compressions()).singleElement().satisfies(c -> {
      assertThat(c.toolResultsTruncated()).isEqualTo(1);
      assertThat(c.tokensAfter()).isLessThan(c.tokensBefore());
    });
  }

  @Test
  void whatCannotBeCompressedAloneTooBigIsRefusedClearly() {
    List<Message> messages = List.of(Message.user("x".repeat(10_000)));
    ContextManager manager = ContextManager.compressing(Compression.dropOldest());
    assertThatThrownBy(() -> fit(manager, ChatRequest.builder().messages(messages).build()))
        .isInstanceOf(ContextTooLongException.class)
        .hasMessageContaining("pinned and newest turns");
  }

  @Test
  void cacheBreakpointsGoAfterTheSystemPromptAndBeforeTheNewestTurn() {
    List<Message> messages = history(2, 10);
    ContextManager manager = ContextManager.compressing(Compression.dropOldest());
    ChatRequest out = fit(manager, ChatRequest.builder().system("be brief").messages(messages).build()).request();
    assertThat(out.system().get(0).cacheControl()).isEqualTo(CacheControl.EPHEMERAL);
    List<Message> m = out.messages();
    assertThat(((TextBlock) m.get(m.size() - 2).content().get(0)).cacheControl()).isEqualTo(CacheControl.EPHEMERAL);
    assertThat(m.get(m.size() - 1)).isEqualTo(messages.get(messages.size() - 1)); // the newest is untouched
    long marks = m.stream().flatMap(x -> x.content().stream())
        .filter(b -> b instanceof TextBlock t && t.cacheControl() != CacheControl.NONE).count();
    assertThat(marks).isEqualTo(1);
    // A model without prompt caching gets none.
    ChatRequest plain = ContextManager.compressing(Compression.dropOldest())
        .fit(ChatRequest.builder().system("be brief").messages(messages).build(), TestModels.LARGE, 200,
            TokenCounter.estimating()).request();
    assertThat(plain.system().get(0).cacheControl()).isEqualTo(CacheControl.NONE);
  }

  @Test
  void summariesGoThroughThePipelineAreBilledAndAreNeverWrittenTwiceForOnePrefix() {
    ModelInfo summarizer = TestModels.LARGE;
    ModelInfo main = ModelInfo.builder("test/main").contextWindow(2_000).maxOutputTokens(500)
        .tier(ModelTier.STRONG).capabilities(Capability.TOOLS).pricing(Pricing.FREE).build();
    ScriptedProvider provider = new ScriptedProvider("test", main)
        .thenAnswer("SUMMARY ONE", Usage.of(30, 20))   // the summary of the first call
        .thenAnswer("first answer", Usage.of(40, 10))  // (under 64 tokens: calibration ignores these counts)
        .thenAnswer("second answer", Usage.of(40, 10)); // no second summary: the prefix is cached
    List<RalexEvent> events = new CopyOnWriteArrayList<>();
    RalexListener recorder = new RalexListener() {
      @Override
      public void onEvent(RalexEvent event) {
        events.add(event);
      }
    };
    ManualClock clock = ManualClock.at("2026-11-25T10:00:00Z");
    try (Ralex ralex = Ralex.builder().provider(provider)
        .catalog(ModelCatalog.of(List.of(summarizer, main)))
        .defaultModel("test/main")
        .contextManager(ContextManager.compressing(Compression.summarize("test/large")))
        .clock(clock).sleeper(new RecordingSleeper(clock)).zone(ZoneOffset.UTC)
        .listener(recorder)
        .build()) {
      List<Message> messages = history(20, 200);
      ChatResponse first = ralex.chat(ChatRequest.builder().messages(messages).maxOutputTokens(200).build());
      assertThat(first.text()).isEqualTo("first answer");
      assertThat(provider.modelsCalled).containsExactly("test/large", "test/main");
      ChatRequest sent = provider.requests.get(1);
      assertThat(sent.systemText()).contains("<conversation_summary>", "SUMMARY ONE");
      assertThat(sent.messages().get(sent.messages().size() - 1).text()).isEqualTo("the newest question");
      assertThat(provider.requests.get(0).tags()).containsEntry("ralex.task", "summarize");
      assertThat(ralex.usage().spentToday()).isGreaterThan(BigDecimal.ZERO); // the summary was billed

      ChatResponse again = ralex.chat(ChatRequest.builder().messages(messages).maxOutputTokens(200).build());
      assertThat(again.text()).isEqualTo("second answer");
      assertThat(provider.modelsCalled).containsExactly("test/large", "test/main", "test/main");
      assertThat(events).filteredOn(e -> e instanceof RalexEvent.ContextCompressed).hasSize(2)
          .allSatisfy(e -> {
            RalexEvent.ContextCompressed c = (RalexEvent.ContextCompressed) e;
            assertThat(c.strategy()).isEqualTo("summarize");
            assertThat(c.messagesSummarized()).isPositive();
            assertThat(c.tokensSaved()).isPositive();
          });
    }
  }

  @Test
  void aLongerPrefixIsSummarizedFromThePreviousSummary() {
    ModelInfo main = ModelInfo.builder("test/main").contextWindow(2_000).maxOutputTokens(500)
        .tier(ModelTier.STRONG).capabilities(Capability.TOOLS).pricing(Pricing.FREE).build();
    ScriptedProvider provider = new ScriptedProvider("test", main)
        .thenAnswer("SUMMARY ONE", Usage.of(10, 10)).thenAnswer("a1", Usage.of(10, 10))
        .thenAnswer("SUMMARY TWO", Usage.of(10, 10)).thenAnswer("a2", Usage.of(10, 10));
    try (Ralex ralex = Ralex.builder().provider(provider)
        .catalog(ModelCatalog.of(List.of(TestModels.LARGE, main))).defaultModel("test/main")
        .contextManager(ContextManager.compressing(Compression.summarize("test/large", 0.5)))
        .build()) {
      List<Message> messages = history(20, 200);
      ralex.chat(ChatRequest.builder().messages(messages).conversationId("c").maxOutputTokens(200).build());
      List<Message> longer = new ArrayList<>(messages.subList(0, messages.size() - 1));
      // Enough new turns that the first summary no longer makes it fit: the summary is extended.
      for (int i = 0; i < 20; i++) {
        longer.add(Message.user("more " + i + " " + "z".repeat(200)));
        longer.add(Message.assistant("ok " + i + " " + "w".repeat(200)));
      }
      longer.add(Message.user("newest"));
      ralex.chat(ChatRequest.builder().messages(longer).conversationId("c").maxOutputTokens(200).build());
      String secondSummaryInput = provider.requests.get(2).lastUserText();
      assertThat(secondSummaryInput).startsWith("Previous summary:\nSUMMARY ONE");
      assertThat(secondSummaryInput).doesNotContain("question 0 ");
      assertThat(provider.requests.get(3).systemText()).contains("SUMMARY TWO");
    }
  }

  @Test
  void requestsThatFitAreSentAsTheyCame() {
    List<Message> messages = history(1, 10);
    ChatRequest request = ChatRequest.builder().messages(messages).build();
    ContextManager.Fit fit = ContextManager.compressing(List.of(Compression.dropOldest()), false)
        .fit(request, SMALL_WINDOW, 200, TokenCounter.estimating());
    assertThat(fit.request()).isSameAs(request);
    assertThat(fit.compressions()).isEmpty();
    assertThat(fit.inputTokens()).isEqualTo(TokenEstimates.estimateInputTokens(request));
    assertThat(request.messages().get(0).content()).allMatch(b -> b instanceof ContentBlock);
  }

  @Test
  void realInputCountsCalibrateLaterFits() {
    // About 60,000 tokens counted, plus TestModels.LARGE's 4,000 output tokens, in a 100,000-token window.
    ChatRequest request = ChatRequest.builder().addUserMessage("x".repeat(240_000)).maxOutputTokens(4_000).build();
    int estimate = TokenEstimates.estimateInputTokens(request);
    // The provider bills twice what Ralex counts (a script or tokenizer the estimate knows badly).
    ScriptedProvider provider = new ScriptedProvider("test");
    for (int i = 0; i < 10; i++) {
      provider.thenAnswer("ok", Usage.of(2L * estimate, 5));
    }
    try (Ralex ralex = Ralex.builder().provider(provider).catalog(ModelCatalog.of(List.of(TestModels.LARGE)))
        .retryPolicy(RetryPolicy.none()).build()) {
      // Counted as is, the request and its output fit the 100,000-token window, and the first call is sent.
      assertThat(estimate + 4_000).isLessThan(100_000);
      int sent = 0;
      ContextTooLongException refused = null;
      while (refused == null && sent < 10) {
        try {
          ralex.chat(request);
          sent++;
        } catch (ContextTooLongException e) {
          refused = e;
        }
      }
      // Once the counts have learned what the provider bills, it does not fit: refused before sending.
      assertThat(refused).as("refused within 10 calls").isNotNull();
      assertThat(sent).isBetween(1, 5);
      assertThat(provider.requests).hasSize(sent);
      assertThat(refused.getMessage()).contains("context window of 100000");
    }
  }

  @Test
  void aConversationKeepsItsSummaryWhileThatIsEnoughSoThePrefixStaysTheSame() {
    ModelInfo main = ModelInfo.builder("test/main").contextWindow(2_000).maxOutputTokens(500)
        .tier(ModelTier.STRONG).capabilities(Capability.TOOLS).pricing(Pricing.FREE).build();
    ScriptedProvider provider = new ScriptedProvider("test", main)
        .thenAnswer("SUMMARY ONE", Usage.of(10, 10)).thenAnswer("a1", Usage.of(10, 10))
        .thenAnswer("a2", Usage.of(10, 10));
    try (Ralex ralex = Ralex.builder().provider(provider)
        .catalog(ModelCatalog.of(List.of(TestModels.LARGE, main))).defaultModel("test/main")
        .contextManager(ContextManager.compressing(Compression.summarize("test/large", 0.5)))
        .build()) {
      List<Message> messages = history(20, 200);
      ralex.chat(ChatRequest.builder().messages(messages).conversationId("c").maxOutputTokens(200).build());
      List<Message> next = new ArrayList<>(messages);
      next.add(Message.assistant("a1"));
      next.add(Message.user("one more question"));
      ralex.chat(ChatRequest.builder().messages(next).conversationId("c").maxOutputTokens(200).build());
      // No second summary call, and the second request starts exactly as the first: same summary, same turns.
      assertThat(provider.modelsCalled).containsExactly("test/large", "test/main", "test/main");
      ChatRequest first = provider.requests.get(1);
      ChatRequest second = provider.requests.get(2);
      assertThat(second.systemText()).isEqualTo(first.systemText());
      assertThat(second.messages().subList(0, first.messages().size() - 1))
          .isEqualTo(first.messages().subList(0, first.messages().size() - 1));
    }
  }

  @Test
  void shortenedToolResultsStayShortenedOnLaterTurns() {
    ContextManager manager = ContextManager.compressing(List.of(Compression.truncateToolResults(50)), false);
    List<Message> messages = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      messages.add(Message.user("read file " + i));
      messages.add(new Message(Role.ASSISTANT, List.of(new ToolUseBlock("toolu_" + i, "read", "{}"))));
      messages.add(new Message(Role.USER, List.of(ToolResultBlock.of("toolu_" + i, "line\n".repeat(400)))));
      messages.add(Message.assistant("read " + i));
    }
    messages.add(Message.user("now what?"));
    ContextManager.Fit first = fit(manager, ChatRequest.builder().messages(messages).conversationId("t").build());
    int shortened = first.compressions().get(0).toolResultsTruncated();
    assertThat(shortened).isBetween(1, 5);
    // The next turn adds a little: the same results are shortened again, the prefix unchanged.
    List<Message> next = new ArrayList<>(messages);
    next.add(Message.assistant("ok"));
    next.add(Message.user("and then?"));
    ContextManager.Fit second = fit(manager, ChatRequest.builder().messages(next).conversationId("t").build());
    assertThat(second.compressions()).singleElement()
        .satisfies(c -> assertThat(c.toolResultsTruncated()).isEqualTo(shortened));
    assertThat(second.request().messages().subList(0, messages.size() - 1))
        .isEqualTo(first.request().messages().subList(0, messages.size() - 1));
  }
}
