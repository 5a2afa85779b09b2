package dev.ralex.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ralex.api.CacheControl;
import dev.ralex.api.ChatRequest;
import dev.ralex.api.ChatResponse;
import dev.ralex.api.ContentBlock;
import dev.ralex.api.LlmException;
import dev.ralex.api.Message;
import dev.ralex.api.Role;
import dev.ralex.api.StopReason;
import dev.ralex.api.StreamHandler;
import dev.ralex.api.ToolDefinition;
import dev.ralex.api.ToolResultBlock;
import dev.ralex.api.ToolUseBlock;
import dev.ralex.core.Conversation;
import dev.ralex.core.Ralex;
import dev.ralex.providers.openrouter.OpenRouterOptions;
import java.math.BigDecimal;
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
}
