package dev.ralex.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ralex.api.CacheControl;
import dev.ralex.api.ChatRequest;
import dev.ralex.api.ChatResponse;
import dev.ralex.api.ContentBlock;
import dev.ralex.api.LlmException;
import dev.ralex.api.Message;
import dev.ralex.api.RalexEvent;
import dev.ralex.api.RalexListener;
import dev.ralex.api.Role;
import dev.ralex.api.StopReason;
import dev.ralex.api.StreamHandler;
import dev.ralex.api.ToolDefinition;
import dev.ralex.api.ToolResultBlock;
import dev.ralex.api.ToolUseBlock;
import dev.ralex.core.Budget;
import dev.ralex.core.CircuitBreakerPolicy;
import dev.ralex.core.Compression;
import dev.ralex.core.ContextManager;
import dev.ralex.core.Conversation;
import dev.ralex.core.ConversationStore;
import dev.ralex.core.Ralex;
import dev.ralex.core.RateLimit;
import dev.ralex.core.ResponseValidator;
import dev.ralex.core.RetryPolicy;
import dev.ralex.core.UsageQuery;
import dev.ralex.core.UsageReport;
import dev.ralex.core.UsageStore;
import dev.ralex.providers.openrouter.OpenRouterOptions;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The README's provider examples, as written there, run against the loopback server: if one stops compiling or
 * working, this test says so before a user does.
 */
class ReadmeExamplesTest {
  private SimulatedLlmServer server;
  private Ralex ralex;

  @BeforeEach
  void start() {
    server = new SimulatedLlmServer();
    server.start();
    // As discoverProviders() would, with the keys and base URLs in the environment.
    Map<String, String> env = Map.of(
        "ANTHROPIC_API_KEY", "readme-key", "ANTHROPIC_BASE_URL", server.anthropicBaseUrl(),
        "OPENROUTER_API_KEY", "readme-key", "OPENROUTER_BASE_URL", server.openRouterBaseUrl());
    ralex = Ralex.builder().discoverProviders().environment(env::get).dailyBudget(new BigDecimal("5.00")).build();
  }

  @AfterEach
  void stop() {
    ralex.close();
    server.close();
  }

  @Test
  void quickstart() {
    ChatResponse answer = ralex.chat(ChatRequest.builder()
        .system("You are a terse code reviewer.")
        .addUserMessage("Fix the typo: 'recieve'")
        .maxOutputTokens(200)
        .build());
    assertThat(answer.text()).isNotEmpty();
    assertThat(answer.model()).isEqualTo("anthropic/claude-haiku-4-5");
    assertThat(answer.cost()).isPositive();
  }

  @Test
  void anthropicBlockingWithCacheBreakpointAndStreaming() throws Exception {
    String styleGuide = "Prefer small functions. ".repeat(50);
    ChatResponse r = ralex.chat(ChatRequest.builder()
        .model("anthropic/claude-sonnet-4-6")
        .systemBlocks(List.of(ContentBlock.text(styleGuide).withCacheControl(CacheControl.EPHEMERAL)))
        .addUserMessage("Review this diff: ...")
        .build());
    assertThat(r.model()).isEqualTo("anthropic/claude-sonnet-4-6");

    StringBuilder streamed = new StringBuilder();
    ChatResponse done = ralex.stream(
        ChatRequest.builder().model("anthropic/claude-haiku-4-5").addUserMessage("Tell me a story").build(),
        new StreamHandler() {
          @Override
          public void onTextDelta(String text) {
            streamed.append(text);
          }

          @Override
          public void onComplete(ChatResponse response) {}

          @Override
          public void onError(LlmException error) {}
        }).completion().get(30, TimeUnit.SECONDS);
    assertThat(streamed.toString()).isEqualTo(done.text()).isNotEmpty();
  }

  @Test
  void toolUseLoop() {
    ToolDefinition weather = ToolDefinition.of("get_weather", "Current weather for a city",
        "{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}},\"required\":[\"city\"]}");
    Conversation chat = ralex.conversation("trip-42");
    ChatResponse r = chat.send(Message.user("Do I need an umbrella in Paris?"), b -> b.addTool(weather));
    int rounds = 0;
    while (r.stopReason().equals(StopReason.TOOL_USE)) {
      List<ContentBlock> results = new ArrayList<>();
      for (ToolUseBlock call : r.toolUses()) {
        results.add(ToolResultBlock.of(call.id(), "light rain, 14 C"));
      }
      r = chat.send(new Message(Role.USER, results), b -> b.addTool(weather));
      rounds++;
    }
    assertThat(rounds).isEqualTo(1);
    assertThat(r.text()).isNotEmpty();
    assertThat(chat.history()).hasSize(4);
  }

  @Test
  void openRouterWithRoutingOptions() {
    ChatResponse r = ralex.chat(ChatRequest.builder()
        .model("openrouter/meta-llama/llama-3.3-70b-instruct")
        .addUserMessage("Summarise: ...")
        .option(OpenRouterOptions.class, OpenRouterOptions.builder()
            .models("meta-llama/llama-3.1-8b-instruct")
            .order("groq", "together").allowFallbacks(true)
            .build())
        .build());
    assertThat(r.provider()).isEqualTo("openrouter");
    assertThat(r.providerModel()).hasValue("meta-llama/llama-3.3-70b-instruct");
    assertThat(r.cost()).isPositive();
  }

  @Test
  void limitsRetriesCircuitBreakersAndFallbacks() {
    server.overloadOnce("incident");
    Map<String, String> env = Map.of("ANTHROPIC_API_KEY", "readme-key",
        "ANTHROPIC_BASE_URL", server.anthropicBaseUrl());
    List<Duration> waits = new java.util.concurrent.CopyOnWriteArrayList<>();
    // As in the README, with the loopback server's environment and a sleeper that records the backoff.
    try (Ralex resilient = Ralex.builder()
        .discoverProviders()
        .environment(env::get)
        .sleeper(waits::add)
        .defaultModel("anthropic/claude-haiku-4-5")
        .fallbackModels("anthropic/claude-sonnet-4-6")
        .rateLimit(RateLimit.of("anthropic", 50, 40_000))
        .rateLimit(new RateLimit("anthropic/claude-opus-4-5", 5, 0, RateLimit.OnLimit.FAIL_FAST, Duration.ZERO))
        .retryPolicy(RetryPolicy.builder().maxRetries(3).baseDelay(Duration.ofSeconds(1))
            .maxDelay(Duration.ofSeconds(16)).deadline(Duration.ofMinutes(2)).build())
        .circuitBreaker(CircuitBreakerPolicy.builder().failureRateThreshold(50).slidingWindowSize(20)
            .waitInOpenState(Duration.ofSeconds(30)).build())
        .responseValidator((request, answer) -> answer.text().isBlank()
            ? ResponseValidator.Verdict.reject("empty answer") : ResponseValidator.Verdict.accept())
        .build()) {
      ChatResponse answer = resilient.chat(ChatRequest.of("Summarise this incident report: ..."));
      assertThat(answer.text()).isNotBlank();
      assertThat(answer.attempts()).as("the simulated 529, then the retry").isEqualTo(2);
      assertThat(answer.modelsTried()).containsExactly("anthropic/claude-haiku-4-5");
      assertThat(waits).hasSize(1);
      assertThat(answer.waited()).isEqualTo(waits.get(0));
    }
  }

  @Test
  void conversationsAndLongHistories(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
    Map<String, String> env = Map.of("ANTHROPIC_API_KEY", "readme-key",
        "ANTHROPIC_BASE_URL", server.anthropicBaseUrl());
    java.nio.file.Path store = dir.resolve("conversations");
    try (Ralex withHistory = Ralex.builder()
        .discoverProviders()
        .environment(env::get)
        .conversationStore(ConversationStore.files(store))
        .contextManager(ContextManager.compressing(
            Compression.truncateToolResults(2_000),
            Compression.summarize("anthropic/claude-haiku-4-5"),
            Compression.dropOldest()))
        .build()) {
      Conversation chat = withHistory.conversation("ticket-1234")
          .system("You are a senior Java reviewer.");
      chat.sendPinned("House rules: Java 17, no new dependencies.");
      chat.budget(new BigDecimal("0.50"));
      ChatResponse answer = chat.send("Review PaymentService.retry()");
      assertThat(answer.text()).isNotEmpty();
      assertThat(chat.history()).hasSize(4);
      assertThat(chat.history().get(0).pinned()).isTrue();
    }
    // A new instance on the same directory, as after a restart, has the same conversation.
    try (Ralex restarted = Ralex.builder().discoverProviders().environment(env::get)
        .conversationStore(ConversationStore.files(store)).build()) {
      Conversation again = restarted.conversation("ticket-1234");
      assertThat(again.history()).hasSize(4);
      assertThat(again.system()).hasValue("You are a senior Java reviewer.");
    }
  }

  @Test
  void budgetsUsageAndSavings(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
    Map<String, String> env = Map.of("ANTHROPIC_API_KEY", "readme-key",
        "ANTHROPIC_BASE_URL", server.anthropicBaseUrl());
    List<RalexEvent.BudgetAlert> alerts = new java.util.concurrent.CopyOnWriteArrayList<>();
    java.time.Instant monthStart = java.time.Instant.now().minus(java.time.Duration.ofDays(31));
    // As in the README, with the loopback server's environment, the usage directory under a temporary one, and
    // budgets small enough that a few calls reach the alert.
    try (Ralex budgeted = Ralex.builder()
        .discoverProviders()
        .environment(env::get)
        .zone(java.time.ZoneId.of("Europe/Berlin"))
        .budget(Budget.daily(new BigDecimal("5.00")))
        .budget(Budget.monthly(new BigDecimal("0.01")).withAlertThreshold(new BigDecimal("0.01")))
        .budget(Budget.perConversation(Budget.Period.DAILY, new BigDecimal("0.50")))
        .budget(Budget.perTag("user", Budget.Period.DAILY, new BigDecimal("1.00")))
        .usageStore(UsageStore.journalBuilder(dir.resolve("usage")).zone(java.time.ZoneId.of("Europe/Berlin")).build())
        .listener(new RalexListener() {
          @Override
          public void onBudgetAlert(RalexEvent.BudgetAlert alert) {
            alerts.add(alert);
          }
        })
        .build()) {
      for (int i = 0; i < 3; i++) {
        try {
          budgeted.chat(ChatRequest.builder().addUserMessage("Fix the typo: 'recieve'").tag("user", "ann")
              .maxOutputTokens(50).build());
        } catch (dev.ralex.api.BudgetExceededException refused) {
          break; // a cap reached: refused before sending, as promised
        }
      }
      UsageReport month = budgeted.report(UsageQuery.between(monthStart, java.time.Instant.now().plusSeconds(1))
          .byModel());
      assertThat(month.total().cost()).isPositive();
      assertThat(month.total().savings()).isPositive();
      assertThat(alerts).singleElement().satisfies(a -> assertThat(a.budget()).contains("monthly"));
      assertThat(budgeted.usage().spentToday()).isLessThanOrEqualTo(new BigDecimal("5.00"));
    }
  }
}
