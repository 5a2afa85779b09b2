package dev.ralex.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ralex.api.BudgetExceededException;
import dev.ralex.api.Capability;
import dev.ralex.api.ChatRequest;
import dev.ralex.api.ChatResponse;
import dev.ralex.api.LlmException;
import dev.ralex.api.Message;
import dev.ralex.api.ModelInfo;
import dev.ralex.api.ModelTier;
import dev.ralex.api.Pricing;
import dev.ralex.api.StreamHandler;
import dev.ralex.api.Usage;
import java.math.BigDecimal;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Every path into the pipeline goes through the same budget gate: with the day's budget spent, blocking, async,
 * streaming, conversation and summarization calls to a paid model are all refused before reaching the provider,
 * and a model priced at zero (a local model) is still served on every path.
 */
class BudgetGateTest {
  private static final ModelInfo FREE = ModelInfo.builder("test/free").contextWindow(2_000).maxOutputTokens(500)
      .tier(ModelTier.CHEAP).capabilities(Capability.TOOLS, Capability.STREAMING).pricing(Pricing.FREE).build();
  private final ManualClock clock = ManualClock.at("2026-11-25T10:00:00Z");

  /** A tracker whose $0.01 daily budget is already spent. */
  private UsageTracker exhausted() {
    UsageTracker tracker = UsageTracker.inMemory(List.of(Budget.daily(new BigDecimal("0.01"))), clock,
        ZoneOffset.UTC, 1_000);
    tracker.reserve(ChatRequest.of("earlier"), TestModels.SMALL, new BigDecimal("0.01")).commit(new UsageRecord(
        "earlier", clock.instant(), "test/small", "test", Usage.of(5_000, 2_500), new BigDecimal("0.01"), Map.of(),
        null));
    return tracker;
  }

  private Ralex ralex(ScriptedProvider provider, ContextManager contextManager) {
    return Ralex.builder().provider(provider)
        .catalog(ModelCatalog.of(List.of(TestModels.SMALL, TestModels.LARGE, FREE)))
        .defaultModel("test/small")
        .usageTracker(exhausted())
        .contextManager(contextManager)
        .clock(clock).sleeper(new RecordingSleeper(clock)).zone(ZoneOffset.UTC).build();
  }

  private static ChatResponse stream(Ralex ralex, ChatRequest request) throws Exception {
    CompletableFuture<ChatResponse> done = new CompletableFuture<>();
    ralex.stream(request, new StreamHandler() {
      @Override
      public void onComplete(ChatResponse response) {
        done.complete(response);
      }

      @Override
      public void onError(LlmException error) {
        done.completeExceptionally(error);
      }
    });
    try {
      return done.get(10, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw (Exception) e.getCause();
    }
  }

  private static ChatResponse async(Ralex ralex, ChatRequest request) throws Exception {
    try {
      return ralex.chatAsync(request).get(10, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw (Exception) e.getCause();
    }
  }

  @Test
  void noPathReachesAPaidModelOnceTheBudgetIsSpent() {
    ScriptedProvider provider = new ScriptedProvider("test");
    try (Ralex ralex = ralex(provider, ContextManager.strict())) {
      ChatRequest paid = ChatRequest.builder().model("test/small").addUserMessage("hi").maxOutputTokens(10).build();
      assertThatThrownBy(() -> ralex.chat(paid)).isInstanceOf(BudgetExceededException.class);
      assertThatThrownBy(() -> async(ralex, paid)).isInstanceOf(BudgetExceededException.class);
      assertThatThrownBy(() -> stream(ralex, paid)).isInstanceOf(BudgetExceededException.class);
      assertThatThrownBy(() -> ralex.conversation("c").send("hi")).isInstanceOf(BudgetExceededException.class);
      assertThat(provider.requests).isEmpty();
      assertThat(ralex.usage().spentToday()).isEqualByComparingTo("0.01");
    }
  }

  @Test
  void summarizationCallsAreGatedToo() {
    ScriptedProvider provider = new ScriptedProvider("test");
    // The free model answers, but its history is over its window: the summary goes to the paid test/large.
    try (Ralex ralex = ralex(provider, ContextManager.compressing(Compression.summarize("test/large")))) {
      List<Message> history = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        history.add(Message.user("question " + i + " " + "x".repeat(200)));
        history.add(Message.assistant("answer " + i + " " + "y".repeat(200)));
      }
      history.add(Message.user("the newest question"));
      ChatRequest longOnFree = ChatRequest.builder().model("test/free").messages(history).maxOutputTokens(200).build();
      assertThatThrownBy(() -> ralex.chat(longOnFree)).isInstanceOf(BudgetExceededException.class);
      assertThat(provider.modelsCalled).doesNotContain("test/large");
      assertThat(provider.requests).isEmpty();
    }
  }

  @Test
  void aFreeModelIsServedOnEveryPathWhenTheBudgetIsSpent() throws Exception {
    ScriptedProvider provider = new ScriptedProvider("test");
    try (Ralex ralex = ralex(provider, ContextManager.strict())) {
      ChatRequest free = ChatRequest.builder().model("test/free").addUserMessage("hi").build();
      assertThat(ralex.chat(free).text()).isEqualTo("echo: hi");
      assertThat(async(ralex, free).text()).isEqualTo("echo: hi");
      assertThat(stream(ralex, free).text()).isEqualTo("echo: hi");
      Conversation c = ralex.conversation("c");
      c.model("test/free");
      assertThat(c.send("hi").text()).isEqualTo("echo: hi");
      assertThat(provider.modelsCalled).containsOnly("test/free").hasSize(4);
      assertThat(ralex.usage().spentToday()).isEqualByComparingTo("0.01");
    }
  }
}
