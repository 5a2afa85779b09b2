package dev.ralex.core;

import dev.ralex.api.RequestComplexity;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ralex.api.ChatRequest;
import dev.ralex.api.ToolDefinition;
import org.junit.jupiter.api.Test;

class ComplexityAnalyzerTest {
  private static final ComplexityAnalyzer A = ComplexityAnalyzer.DEFAULT;

  @Test
  void aShortTypoFixIsLowAndACodeFix() {
    RequestComplexity c = A.analyze(ChatRequest.of("Fix the typo in the README"));
    assertThat(c.level()).isEqualTo(RequestComplexity.Level.LOW);
    assertThat(c.taskType()).isEqualTo(RequestComplexity.TaskType.CODE_FIX);
    assertThat(c.signals()).contains("keyword 'typo'");
  }

  @Test
  void smallTalkIsLowChat() {
    RequestComplexity c = A.analyze(ChatRequest.of("Hello, how are you today?"));
    assertThat(c.level()).isEqualTo(RequestComplexity.Level.LOW);
    assertThat(c.taskType()).isEqualTo(RequestComplexity.TaskType.CHAT);
    assertThat(c.signals()).isEmpty();
  }

  @Test
  void aRefactorAcrossFilesIsHigh() {
    RequestComplexity c = A.analyze(ChatRequest.of("Refactor OrderService.java, OrderRepository.java, "
        + "PaymentGateway.java and InvoiceMapper.java so that processOrder() no longer calls chargeCard()"));
    assertThat(c.level()).isEqualTo(RequestComplexity.Level.HIGH);
    assertThat(c.taskType()).isEqualTo(RequestComplexity.TaskType.REFACTOR);
    assertThat(c.signals()).contains("4 files", "keyword 'refactor'");
    assertThat(c.describe()).startsWith("high refactor (");
  }

  @Test
  void analysisKeywordsMakeAnAnalysis() {
    RequestComplexity c = A.analyze(ChatRequest.of("Explain why the architecture uses a state machine"));
    assertThat(c.taskType()).isEqualTo(RequestComplexity.TaskType.ANALYSIS);
    assertThat(c.level()).isEqualTo(RequestComplexity.Level.MEDIUM);
  }

  @Test
  void codeBlocksAndLengthRaiseTheLevel() {
    String block = "```java\nint x = compute(a, b);\n```\n";
    String filler = "x".repeat(4_100);
    RequestComplexity c = A.analyze(ChatRequest.of("Implement this:\n" + block + block + block + filler));
    assertThat(c.taskType()).isEqualTo(RequestComplexity.TaskType.CODE_GENERATION);
    assertThat(c.signals()).contains("3 code blocks");
    assertThat(c.level()).isEqualTo(RequestComplexity.Level.HIGH);
  }

  @Test
  void toolsAreASignal() {
    ChatRequest r = ChatRequest.builder().addUserMessage("Look up the weather")
        .addTool(ToolDefinition.of("weather", "the weather", "{\"type\":\"object\"}")).build();
    RequestComplexity c = A.analyze(r);
    assertThat(c.signals()).contains("1 tool");
    assertThat(c.score()).isEqualTo(1);
  }

  @Test
  void wordsInsideOtherWordsDoNotCount() {
    RequestComplexity c = A.analyze(ChatRequest.of("prefix suffix fixture"));
    assertThat(c.taskType()).isEqualTo(RequestComplexity.TaskType.CHAT);
  }
}
