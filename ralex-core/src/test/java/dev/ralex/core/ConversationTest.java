package dev.ralex.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ralex.api.AuthenticationException;
import dev.ralex.api.BudgetExceededException;
import dev.ralex.api.ChatRequest;
import dev.ralex.api.ChatResponse;
import dev.ralex.api.ContentBlock;
import dev.ralex.api.ErrorDetails;
import dev.ralex.api.InvalidRequestException;
import dev.ralex.api.Message;
import dev.ralex.api.ModelInfo;
import dev.ralex.api.RalexEvent;
import dev.ralex.api.RalexListener;
import dev.ralex.api.Role;
import dev.ralex.api.StopReason;
import dev.ralex.api.ToolResultBlock;
import dev.ralex.api.ToolUseBlock;
import dev.ralex.api.UnknownModelException;
import dev.ralex.api.Usage;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConversationTest {
  private static Ralex ralex(ScriptedProvider provider) {
    return builder(provider).build();
  }

  private static Ralex.Builder builder(ScriptedProvider provider) {
    return Ralex.builder().provider(provider).catalog(ModelCatalog.of(List.of(TestModels.SMALL, TestModels.LARGE)))
        .retryPolicy(RetryPolicy.none());
  }

  /** A provider that answers "use a tool" with a tool call {@code toolu_1}, and echoes everything else. */
  private static ScriptedProvider toolCaller() {
    return new ScriptedProvider("test") {
      @Override
      public ChatResponse chat(ModelInfo model, ChatRequest request) {
        if (!request.lastUserText().equals("use a tool")) {
          return super.chat(model, request);
        }
        requests.add(request);
        return ChatResponse.builder().id("msg_tool").model(model.id()).provider(model.provider())
            .content(List.of(ContentBlock.text("calling"), new ToolUseBlock("toolu_1", "lookup", "{\"q\":1}")))
            .usage(Usage.of(10, 5)).stopReason(StopReason.TOOL_USE).providerRequestId("req").build();
      }
    };
  }

  @Test
  void sendsCarryTheHistorySystemPromptAndConversationId() {
    ScriptedProvider provider = new ScriptedProvider("test");
    try (Ralex ralex = ralex(provider)) {
      Conversation chat = ralex.conversation("c-1").system("Be brief.").model("test/large");
      chat.send("first");
      ChatResponse second = chat.send("second");

      assertThat(second.text()).isEqualTo("echo: second");
      assertThat(second.model()).isEqualTo("test/large");
      ChatRequest sent = provider.requests.get(1);
      assertThat(sent.systemText()).isEqualTo("Be brief.");
      assertThat(sent.conversationId()).hasValue("c-1");
      assertThat(sent.messages()).extracting(Message::role)
          .containsExactly(Role.USER, Role.ASSISTANT, Role.USER);
      assertThat(chat.history()).extracting(Message::text)
          .containsExactly("first", "echo: first", "second", "echo: second");
      assertThat(ralex.conversation("c-1")).isSameAs(chat);
    }
  }

  @Test
  void failedSendLeavesHistoryUnchanged() {
    ScriptedProvider provider = new ScriptedProvider("test");
    try (Ralex ralex = ralex(provider)) {
      Conversation chat = ralex.conversation("c-2");
      chat.send("kept");
      provider.thenFail(new AuthenticationException("bad key", ErrorDetails.of("test", 401, null)));

      assertThatThrownBy(() -> chat.send("lost")).isInstanceOf(AuthenticationException.class);
      assertThat(chat.history()).extracting(Message::text).containsExactly("kept", "echo: kept");
    }
  }

  @Test
  void unknownModelPreferenceIsRefusedAtOnce() {
    try (Ralex ralex = ralex(new ScriptedProvider("test"))) {
      assertThatThrownBy(() -> ralex.conversation("c").model("test/none"))
          .isInstanceOf(UnknownModelException.class);
    }
  }

  @Test
  void deleteStartsAfresh() {
    try (Ralex ralex = ralex(new ScriptedProvider("test"))) {
      Conversation chat = ralex.conversation("c-3");
      chat.send("x");
      chat.delete();
      assertThat(ralex.conversation("c-3")).isNotSameAs(chat);
      assertThat(ralex.conversation("c-3").history()).isEmpty();
    }
  }

  @Test
  void concurrentSendsToOneConversationAreSerialized() throws Exception {
    AtomicInteger inFlight = new AtomicInteger();
    AtomicInteger maxInFlight = new AtomicInteger();
    ScriptedProvider provider = new ScriptedProvider("test") {
      @Override
      public ChatResponse chat(ModelInfo model, ChatRequest request) {
        maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
        try {
          return super.chat(model, request);
        } finally {
          inFlight.decrementAndGet();
        }
      }
    };
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try (Ralex ralex = ralex(provider)) {
      Conversation chat = ralex.conversation("shared").model("test/large");
      CountDownLatch start = new CountDownLatch(1);
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        int thread = t;
        futures.add(pool.submit(() -> {
          start.await();
          for (int i = 0; i < 25; i++) {
            chat.send("t" + thread + "-" + i);
          }
          return null;
        }));
      }
      start.countDown();
      for (Future<?> f : futures) {
        f.get(60, TimeUnit.SECONDS);
      }
      List<Message> history = chat.history();
      assertThat(history).hasSize(2 * 8 * 25);
      // Serialized sends keep every question directly followed by its own answer.
      for (int i = 0; i < history.size(); i += 2) {
        assertThat(history.get(i + 1).text()).isEqualTo("echo: " + history.get(i).text());
      }
      assertThat(maxInFlight.get()).isEqualTo(1);
      // The last request carried the whole history before it.
      assertThat(provider.requests.get(provider.requests.size() - 1).messages()).hasSize(2 * 8 * 25 - 1);
    } finally {
      pool.shutdownNow();
    }
  }

  @TempDir
  Path dir;

  @Test
  void pinsAreKeptSentAndChangeable() {
    ScriptedProvider provider = new ScriptedProvider("test");
    ConversationStore store = ConversationStore.inMemory();
    try (Ralex ralex = builder(provider).conversationStore(store).build()) {
      Conversation chat = ralex.conversation("pins");
      chat.sendPinned("remember: the code is 42");
      chat.send(Message.user("a pinned message").pin());
      chat.send("plain");

      assertThat(chat.history()).extracting(Message::pinned)
          .containsExactly(true, false, true, false, false, false);
      assertThat(provider.requests.get(2).messages()).extracting(Message::pinned)
          .containsExactly(true, false, true, false, false);
      chat.pin(5).unpin(0);
      assertThat(chat.history()).extracting(Message::pinned)
          .containsExactly(false, false, true, false, false, true);
      assertThat(store.load("pins").orElseThrow().messages()).isEqualTo(chat.history());
      assertThatThrownBy(() -> chat.pin(6)).isInstanceOf(IndexOutOfBoundsException.class);
    }
  }

  @Test
  void toolUseAndToolResultStayInTheHistory() {
    ScriptedProvider provider = toolCaller();
    try (Ralex ralex = ralex(provider)) {
      Conversation chat = ralex.conversation("tools");
      ChatResponse call = chat.send("use a tool");
      assertThat(call.toMessage().toolUses()).extracting(ToolUseBlock::id).containsExactly("toolu_1");
      chat.send(Message.user(ToolResultBlock.of("toolu_1", "sunny")));

      List<Message> history = chat.history();
      assertThat(history).hasSize(4);
      assertThat(history.get(1).toolUses()).extracting(ToolUseBlock::id).containsExactly("toolu_1");
      assertThat(history.get(2).content()).containsExactly(ToolResultBlock.of("toolu_1", "sunny"));
      assertThat(HistoryRepair.findOrphans(history)).isEmpty();
    }
  }

  @Test
  void brokenHistoryIsRepairedBeforeSendingAndReported() {
    ScriptedProvider provider = toolCaller();
    List<HistoryRepair.Result> repairs = new CopyOnWriteArrayList<>();
    try (Ralex ralex = builder(provider).historyRepair(HistoryRepair.repairing((id, r) -> repairs.add(r))).build()) {
      Conversation chat = ralex.conversation("broken");
      chat.send("use a tool");
      // The tool's result never came (a crash, or another thread sent first).
      chat.send("never mind");

      ChatRequest sent = provider.requests.get(1);
      assertThat(HistoryRepair.findOrphans(sent.messages())).isEmpty();
      assertThat(sent.messages()).hasSize(3);
      assertThat(sent.messages().get(1).content()).containsExactly(ContentBlock.text("calling"));
      assertThat(repairs).hasSize(1);
      assertThat(repairs.get(0).orphans())
          .containsExactly(new HistoryRepair.Orphan(1, "toolu_1", HistoryRepair.OrphanKind.TOOL_USE));
      assertThat(chat.history()).hasSize(4);
      assertThat(HistoryRepair.findOrphans(chat.history())).isEmpty();

      // A late result for the dropped call answers nothing: refused rather than sent to fail with a 400.
      assertThatThrownBy(() -> chat.send(Message.user(ToolResultBlock.of("toolu_1", "late"))))
          .isInstanceOf(InvalidRequestException.class)
          .hasMessageContaining("nothing is left to send");
      assertThat(chat.history()).hasSize(4);
    }
  }

  @Test
  void refusePolicyRefusesBrokenHistoryWithoutCallingTheProvider() {
    ScriptedProvider provider = toolCaller();
    try (Ralex ralex = builder(provider).historyRepair(HistoryRepair.refusing()).build()) {
      Conversation chat = ralex.conversation("strict");
      chat.send("use a tool");
      List<Message> before = chat.history();

      assertThatThrownBy(() -> chat.send("never mind"))
          .isInstanceOf(InvalidRequestException.class)
          .hasMessageContaining("message 1")
          .hasMessageContaining("toolu_1");
      assertThat(provider.requests).hasSize(1);
      assertThat(chat.history()).isEqualTo(before);
    }
  }

  @Test
  void historyBrokenInTheStoreIsRepairedOnTheNextSend() {
    ConversationStore store = ConversationStore.inMemory();
    store.save("crashed", new ConversationState(List.of(
        Message.user("q").pin(),
        Message.assistant("a"),
        Message.user(ToolResultBlock.of("toolu_x", "orphan"))), null, null, null));
    ScriptedProvider provider = new ScriptedProvider("test");
    try (Ralex ralex = builder(provider).conversationStore(store).build()) {
      ralex.conversation("crashed").send("next");
      assertThat(provider.requests.get(0).messages()).extracting(Message::text)
          .containsExactly("q", "a", "next");
      assertThat(store.load("crashed").orElseThrow().messages()).extracting(Message::text)
          .containsExactly("q", "a", "next", "echo: next");
      assertThat(store.load("crashed").orElseThrow().messages().get(0).pinned()).isTrue();
    }
  }

  @Test
  void newInstanceOnTheSameDirectorySeesTheSameConversation() {
    List<Message> history;
    try (Ralex ralex = builder(new ScriptedProvider("test")).conversationStore(ConversationStore.files(dir)).build()) {
      Conversation chat = ralex.conversation("user-7/chat").system("Be brief.").model("test/small")
          .budget(new BigDecimal("2.50"));
      chat.sendPinned("first");
      chat.send("second");
      chat.pin(3);
      history = chat.history();
    }
    ScriptedProvider provider = new ScriptedProvider("test");
    try (Ralex restarted = builder(provider).conversationStore(ConversationStore.files(dir)).build()) {
      Conversation chat = restarted.conversation("user-7/chat");
      assertThat(chat.history()).isEqualTo(history);
      assertThat(chat.history()).extracting(Message::pinned).containsExactly(true, false, false, true);
      assertThat(chat.system()).hasValue("Be brief.");
      assertThat(chat.model()).hasValue("test/small");
      assertThat(chat.budget()).hasValueSatisfying(b -> assertThat(b).isEqualByComparingTo("2.5"));
      chat.send("third");
      assertThat(provider.requests.get(0).messages()).hasSize(5);
      assertThat(provider.requests.get(0).systemText()).isEqualTo("Be brief.");
    }
  }

  @Test
  void conversationBudgetRefusesSendsOnceSpent() {
    ScriptedProvider provider = new ScriptedProvider("test");
    try (Ralex ralex = ralex(provider)) {
      // Each echo costs 10 input + 5 output tokens on test/small: $0.00002.
      Conversation chat = ralex.conversation("capped").model("test/small").budget(new BigDecimal("0.00003"));
      chat.send("one");
      chat.send("two");
      assertThat(chat.spentToday()).isEqualByComparingTo("0.00004");
      assertThatThrownBy(() -> chat.send("three"))
          .isInstanceOfSatisfying(BudgetExceededException.class, e -> {
            assertThat(e.budget()).isEqualTo("daily conversation capped");
            assertThat(e.limit()).isEqualByComparingTo("0.00003");
          });
      assertThat(provider.requests).hasSize(2);
      assertThat(chat.history()).hasSize(4);
      // Other conversations are not held to it.
      ralex.conversation("free").model("test/small").send("one");
      chat.budget(null);
      chat.send("three");
    }
  }

  @Test
  void deletedConversationIsGoneFromTheStoreAndRefusesUse() {
    ConversationStore store = ConversationStore.inMemory();
    try (Ralex ralex = builder(new ScriptedProvider("test")).conversationStore(store).build()) {
      Conversation chat = ralex.conversation("gone");
      chat.send("x");
      assertThat(store.ids()).containsExactly("gone");
      chat.delete();
      chat.delete();
      assertThat(store.ids()).isEmpty();
      assertThatThrownBy(() -> chat.send("y")).isInstanceOf(IllegalStateException.class);
    }
  }

  @Test
  void sendsToOneConversationWaitForEachOther() throws Exception {
    CountDownLatch firstEntered = new CountDownLatch(1);
    CountDownLatch releaseFirst = new CountDownLatch(1);
    AtomicInteger inFlight = new AtomicInteger();
    AtomicInteger maxInFlight = new AtomicInteger();
    ScriptedProvider provider = new ScriptedProvider("test") {
      @Override
      public ChatResponse chat(ModelInfo model, ChatRequest request) {
        maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
        try {
          if (request.lastUserText().equals("first")) {
            firstEntered.countDown();
            await(releaseFirst);
          }
          return super.chat(model, request);
        } finally {
          inFlight.decrementAndGet();
        }
      }
    };
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try (Ralex ralex = ralex(provider)) {
      Conversation chat = ralex.conversation("one");
      Future<ChatResponse> first = pool.submit(() -> chat.send("first"));
      assertThat(firstEntered.await(10, TimeUnit.SECONDS)).isTrue();
      Thread[] secondThread = new Thread[1];
      CountDownLatch secondStarted = new CountDownLatch(1);
      Future<ChatResponse> second = pool.submit(() -> {
        secondThread[0] = Thread.currentThread();
        secondStarted.countDown();
        return chat.send("second");
      });
      assertThat(secondStarted.await(10, TimeUnit.SECONDS)).isTrue();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (!chat.hasQueuedThread(secondThread[0])) {
        assertThat(System.nanoTime()).isLessThan(deadline);
        Thread.onSpinWait();
      }
      // The second send waits on the conversation while the first is at the provider.
      assertThat(inFlight.get()).isEqualTo(1);
      releaseFirst.countDown();
      first.get(10, TimeUnit.SECONDS);
      second.get(10, TimeUnit.SECONDS);
      assertThat(maxInFlight.get()).isEqualTo(1);
      assertThat(provider.requests.get(1).messages()).extracting(Message::text)
          .containsExactly("first", "echo: first", "second");
    } finally {
      releaseFirst.countDown();
      pool.shutdownNow();
    }
  }

  @Test
  void differentConversationsSendInParallel() throws Exception {
    CountDownLatch bothAtProvider = new CountDownLatch(2);
    ScriptedProvider provider = new ScriptedProvider("test") {
      @Override
      public ChatResponse chat(ModelInfo model, ChatRequest request) {
        bothAtProvider.countDown();
        // Returns only once the other conversation's send is at the provider too: serialized sends would stall.
        await(bothAtProvider);
        return super.chat(model, request);
      }
    };
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try (Ralex ralex = builder(provider).conversationStore(ConversationStore.files(dir)).build()) {
      Future<ChatResponse> a = pool.submit(() -> ralex.conversation("a").send("to a"));
      Future<ChatResponse> b = pool.submit(() -> ralex.conversation("b").send("to b"));
      assertThat(a.get(10, TimeUnit.SECONDS).text()).isEqualTo("echo: to a");
      assertThat(b.get(10, TimeUnit.SECONDS).text()).isEqualTo("echo: to b");
      assertThat(ConversationStore.files(dir).ids()).containsExactlyInAnyOrder("a", "b");
    } finally {
      pool.shutdownNow();
    }
  }

  private static void await(CountDownLatch latch) {
    try {
      if (!latch.await(10, TimeUnit.SECONDS)) {
        throw new AssertionError("timed out waiting on a latch");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  @Test
  void aRepairedHistoryIsAListenerEvent() {
    ConversationStore store = ConversationStore.inMemory();
    // As a crash between a tool call and its result leaves it: the call has no result.
    store.save("broken", new ConversationState(List.of(
        Message.user("list the files"),
        new Message(Role.ASSISTANT, List.of(new ToolUseBlock("toolu_lost", "ls", "{}")))), null, null, null));
    List<RalexEvent.HistoryRepaired> repairs = new CopyOnWriteArrayList<>();
    ScriptedProvider provider = new ScriptedProvider("test");
    try (Ralex ralex = builder(provider).conversationStore(store).listener(new RalexListener() {
      @Override
      public void onHistoryRepaired(RalexEvent.HistoryRepaired event) {
        repairs.add(event);
      }
    }).build()) {
      ralex.conversation("broken").send("try again");
      assertThat(repairs).singleElement().satisfies(e -> {
        assertThat(e.conversationId()).isEqualTo("broken");
        assertThat(e.orphanToolUseIds()).containsExactly("toolu_lost");
        assertThat(e.orphanToolResultIds()).isEmpty();
      });
      assertThat(provider.requests.get(0).messages()).noneMatch(m -> !m.toolUses().isEmpty());
    }
  }
}
