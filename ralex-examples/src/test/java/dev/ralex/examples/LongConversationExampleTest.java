package dev.ralex.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ralex.examples.LongConversationExample.Comparison;
import dev.ralex.examples.LongConversationExample.Options;
import dev.ralex.examples.LongConversationExample.TurnUsage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class LongConversationExampleTest {
  private static Comparison comparison;

  @BeforeAll
  static void runTheConversationOnce() {
    try (SimulatedLlmServer server = new SimulatedLlmServer()) {
      server.start();
      comparison = LongConversationExample.run(Options.quick(), server);
    }
  }

  @Test
  void allTwoHundredTurnsRunAndTheRawHistoryOutgrowsTheWindow() {
    assertThat(comparison.baseline().turns()).hasSize(200);
    assertThat(comparison.compressed().turns()).hasSize(200);
    assertThat(comparison.rawHistoryTokens()).isGreaterThan(3L * comparison.options().contextWindow());
    // The strict baseline is refused once the history no longer fits the window.
    assertThat(comparison.baseline().refusedFromTurn()).isBetween(2, 200);
    assertThat(comparison.baseline().maxPromptTokens()).isGreaterThan(comparison.options().contextWindow());
  }

  @Test
  void theCompressedRunNeverExceedsTheWindow() {
    Options o = comparison.options();
    for (TurnUsage t : comparison.compressed().turns()) {
      assertThat(t.maxPromptTokens() + o.maxOutputTokens()).as("turn %d", t.turn())
          .isLessThanOrEqualTo(o.contextWindow());
    }
    assertThat(comparison.compressed().summaryCalls()).isPositive();
  }

  @Test
  void theCompressedRunKeepsToolPairsIntact() {
    // The simulated server rejects an orphan tool_use or tool_result with Anthropic's 400, which would have failed
    // the run; every turn's tool round went through, and compression ran on the turns after the window filled.
    for (TurnUsage t : comparison.compressed().turns()) {
      assertThat(t.usage().outputTokens()).as("turn %d answered", t.turn()).isPositive();
    }
    assertThat(comparison.compressed().turns().get(199).compressions()).isNotEmpty();
  }

  @Test
  void compressionWithCachingCostsLessThanTheBaseline() {
    assertThat(comparison.compressed().totalCost()).isLessThan(comparison.baseline().totalCost());
    assertThat(comparison.costRatio().doubleValue()).isLessThan(0.5);
    assertThat(comparison.compressed().cacheHitRate()).isGreaterThan(0.5);
    // The summaries' own cost is counted.
    assertThat(comparison.compressed().summaryCost()).isPositive();
  }

  @Test
  void printsEveryTenthTurnTotalsAndTheRatio() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    LongConversationExample.print(new PrintStream(bytes, true, StandardCharsets.UTF_8), comparison);
    String text = bytes.toString(StandardCharsets.UTF_8);

    assertThat(text).contains("   200 |").contains("  total|").contains("ratio " + comparison.costRatio());
    assertThat(LongConversationExample.markdown(comparison)).contains("| 150 |").contains("| **Total** |");
  }
}
