package dev.ralex.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ralex.api.BudgetSnapshot;
import dev.ralex.api.ChatRequest;
import dev.ralex.api.ModelInfo;
import dev.ralex.api.RoutingContext;
import dev.ralex.api.Selection;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class KeywordSelectorTest {
  private static final List<ModelInfo> ALL =
      List.of(SimulatedProvider.HAIKU_CLASS, SimulatedProvider.SONNET_CLASS, SimulatedProvider.OPUS_CLASS);

  private final KeywordSelector selector = new KeywordSelector();

  private static Selection select(String prompt, List<ModelInfo> candidates) {
    RoutingContext context = new RoutingContext("call-1", ChatRequest.of(prompt), candidates,
        SimulatedProvider.SONNET_CLASS, 10, BudgetSnapshot.UNLIMITED, Map.of(),
        dev.ralex.core.ComplexityAnalyzer.DEFAULT.analyze(ChatRequest.of(prompt)));
    return new KeywordSelector().select(context);
  }

  @Test
  void routesByKeyword() {
    assertThat(select("Fix the typo", ALL).model()).isEqualTo(SimulatedProvider.HAIKU_CLASS);
    assertThat(select("Please refactor this", ALL).model()).isEqualTo(SimulatedProvider.OPUS_CLASS);
    assertThat(select("Review the ARCHITECTURE", ALL).reason()).isEqualTo("keyword 'architecture' -> strong tier");
    assertThat(select("What is a monad?", ALL).model()).isEqualTo(SimulatedProvider.SONNET_CLASS);
  }

  @Test
  void keywordsMatchWholeWordStartsOnly() {
    assertThat(select("Add a prefix", ALL).model()).isEqualTo(SimulatedProvider.SONNET_CLASS);
  }

  @Test
  void fallsBackToTheDefaultModelWhenTheTierIsMissing() {
    Selection s = select("Fix it", List.of(SimulatedProvider.SONNET_CLASS, SimulatedProvider.OPUS_CLASS));

    assertThat(s.model()).isEqualTo(SimulatedProvider.SONNET_CLASS);
    assertThat(s.reason()).contains("no cheap model is configured");
    assertThat(selector.toString()).contains("demo");
  }
}
