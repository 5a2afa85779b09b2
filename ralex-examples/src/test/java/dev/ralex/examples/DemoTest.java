package dev.ralex.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DemoTest {
  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  private final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);

  private String output() {
    return bytes.toString(StandardCharsets.UTF_8);
  }

  @Test
  void runsOfflineEndToEndAndShowsRoutingRetryAndCosts() {
    BigDecimal total = Demo.run(out, Map.of(), false);

    String text = output();
    assertThat(text).contains(Demo.OFFLINE_BANNER)
        .contains("SIMULATED models")
        .contains("model  : openrouter/meta-llama/llama-3.1-8b-instruct")
        .contains("model  : anthropic/claude-sonnet-4-6")
        .contains("model  : anthropic/claude-opus-4-7")
        .contains("why    : keyword 'fix' -> cheap tier")
        .contains("why    : keyword 'refactor' -> strong tier")
        .contains("why    : no routing keyword -> balanced tier")
        .contains("retry  : attempt 1 on anthropic/claude-opus-4-7 failed (OVERLOADED")
        .contains("status=529")
        .contains("attempts: 2")
        .contains("tool   : the model calls run_tests {\"module\":\"ralex-core\"}")
        .contains("deltas : ")
        .contains("Conversation turn 3 of 3")
        .doesNotContain("failed :")
        .doesNotContain("falling back");
    assertThat(text).containsPattern("cost   : \\$0\\.0\\d+");
    assertThat(total).isPositive();
    assertThat(text).contains("Total spent today: $" + total.toPlainString());
    // The report by model: what the run spent, and what it saved against the strongest model, at its prices.
    assertThat(text).contains("Usage by model (ralex.report), priced again at anthropic/claude-opus-4-7")
        .contains(Demo.SPEND_LINE + total.toPlainString() + " over ")
        .containsPattern(java.util.regex.Pattern.quote(Demo.SAVINGS_LINE)
            + "anthropic/claude-opus-4-7: \\$0\\.\\d+ \\(\\d+% less\\)")
        .containsPattern("(?m)^   anthropic/claude-sonnet-4-6 +\\d+ +\\$0\\.\\d{6} ")
        .containsPattern("(?m)^   total +\\d+ +\\$0\\.\\d{6} ");
    // Exactly one retry: the simulated overload happens once.
    assertThat(text.split("retry  :", -1)).hasSize(2);
  }

  @Test
  void offlineItEndsWithTheLongConversationsSavings() {
    // runsOfflineEndToEnd... checks the tour; this runs the demo as main does and reads its last part.
    Demo.run(out, Map.of());

    String text = output();
    String part = text.substring(text.indexOf("6. A 200-turn coding conversation"));
    assertThat(part).contains("strict : ").contains("compressed + caching: ").containsPattern("cost ratio 0\\.\\d+");
  }

  @Test
  void conversationHistoryGrowsAcrossTurns() {
    Demo.run(out, Map.of(), false);

    // Each turn resends the history, so each turn's input tokens exceed the previous one's.
    String conversation = output().substring(output().indexOf("Conversation turn 1"));
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("tokens : (\\d+) in").matcher(conversation);
    int previous = 0;
    int turns = 0;
    while (m.find()) {
      int input = Integer.parseInt(m.group(1));
      assertThat(input).isGreaterThan(previous);
      previous = input;
      turns++;
    }
    assertThat(turns).isEqualTo(3);
  }

  @Test
  void withAKeyTheDemoCallsTheServiceTheEnvironmentNames() {
    // The real service, played here by a loopback server the environment points the providers at.
    try (SimulatedLlmServer service = new SimulatedLlmServer()) {
      service.start();
      Demo.run(out, Map.of("ANTHROPIC_API_KEY", "sk-ant-test-not-a-real-key",
          "ANTHROPIC_BASE_URL", service.anthropicBaseUrl()));
      assertThat(service.requests()).isPositive();
    }

    String text = output();
    assertThat(text).contains("online: ANTHROPIC_API_KEY is set; real providers [anthropic]")
        .contains("model  : anthropic/claude-haiku-4-5")
        .contains("model  : anthropic/claude-opus-4-7")
        .doesNotContain("openrouter/")
        .doesNotContain("failed :")
        .doesNotContain("sk-ant-test-not-a-real-key");
  }

  @Test
  void aBlankKeyCountsAsUnset() {
    Demo.run(out, Map.of("OPENROUTER_API_KEY", " "), false);

    assertThat(output()).startsWith("Ralex demo -- " + Demo.OFFLINE_BANNER).doesNotContain("Falling back");
  }
}
