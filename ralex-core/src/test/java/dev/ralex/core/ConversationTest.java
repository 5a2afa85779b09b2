package dev.ralex.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ralex.api.AuthenticationException;
import dev.ralex.api.ChatRequest;
import dev.ralex.api.ChatResponse;
import dev.ralex.api.ErrorDetails;
import dev.ralex.api.Message;
import dev.ralex.api.ModelInfo;
import dev.ralex.api.Role;
import dev.ralex.api.UnknownModelException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ConversationTest {
  private static Ralex ralex(ScriptedProvider provider) {
    return Ralex.builder().provider(provider).catalog(ModelCatalog.of(List.of(TestModels.SMALL, TestModels.LARGE)))
        .retryPolicy(RetryPolicy.none()).build();
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
}
