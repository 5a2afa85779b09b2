package dev.ralex.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ralex.api.ChatRequest;
import dev.ralex.api.ChatResponse;
import dev.ralex.api.ProviderUnavailableException;
import dev.ralex.api.StopReason;
import dev.ralex.api.TokenEstimates;
import dev.ralex.api.ToolDefinition;
import org.junit.jupiter.api.Test;

class SimulatedProviderTest {
  private final SimulatedProvider provider = new SimulatedProvider();

  @Test
  void answersDeterministicallyWithComputedUsage() {
    ChatRequest request = ChatRequest.of("Explain in two sentences what a circuit breaker does.");

    ChatResponse first = provider.chat(SimulatedProvider.SONNET_CLASS, request);
    ChatResponse second = provider.chat(SimulatedProvider.SONNET_CLASS, request);

    assertThat(first.text()).startsWith("A circuit breaker").isEqualTo(second.text());
    assertThat(first.model()).isEqualTo("simulated/sonnet-class");
    assertThat(first.usage().inputTokens()).isEqualTo(TokenEstimates.estimateInputTokens(request));
    assertThat(first.usage().outputTokens()).isEqualTo(TokenEstimates.estimateText(first.text()));
  }

  @Test
  void anUnknownPromptGetsALabelledPlaceholder() {
    ChatResponse answer = provider.chat(SimulatedProvider.HAIKU_CLASS, ChatRequest.of("What is the time?"));

    assertThat(answer.text()).contains("SIMULATED");
  }

  @Test
  void callsTheFirstToolWhenGivenTools() {
    ChatRequest request = ChatRequest.builder()
        .addUserMessage("Run the tests of module ralex-api.")
        .addTool(ToolDefinition.of("run_tests", "Runs tests.", "{\"type\":\"object\"}"))
        .build();

    ChatResponse answer = provider.chat(SimulatedProvider.SONNET_CLASS, request);

    assertThat(answer.stopReason()).isEqualTo(StopReason.TOOL_USE);
    assertThat(answer.toolUses()).singleElement()
        .satisfies(use -> assertThat(use.inputJson()).isEqualTo("{\"module\":\"ralex-api\"}"));
  }

  @Test
  void overloadsOnceOnTheChosenRequest() {
    provider.overloadOnce("refactor");
    ChatRequest other = ChatRequest.of("Fix the typo in this sentence: 'Teh'");
    ChatRequest chosen = ChatRequest.of("Should I refactor this?");

    assertThat(provider.chat(SimulatedProvider.HAIKU_CLASS, other).text()).isNotEmpty();
    assertThatThrownBy(() -> provider.chat(SimulatedProvider.OPUS_CLASS, chosen))
        .isInstanceOfSatisfying(ProviderUnavailableException.class, e -> {
          assertThat(e.isOverloaded()).isTrue();
          assertThat(e.isRetryable()).isTrue();
        });
    assertThat(provider.chat(SimulatedProvider.OPUS_CLASS, chosen).text()).startsWith("Replace the switch");
    assertThat(provider.calls()).isEqualTo(3);
  }

  @Test
  void pricesAreCopiedFromTheCatalogAndLabelledSimulated() {
    assertThat(SimulatedProvider.OPUS_CLASS.pricing().outputPerMTok()).isEqualByComparingTo("25.00");
    assertThat(SimulatedProvider.OPUS_CLASS.pricing().source()).isEqualTo("simulated, priced like Claude Opus 4.6");
    assertThat(SimulatedProvider.HAIKU_CLASS.pricing().inputPerMTok()).isEqualByComparingTo("1.00");
  }
}
