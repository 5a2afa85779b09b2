package dev.ralex.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class TracingExampleTest {
  @Test
  void runsOfflineAndPrintsTheCallAndAttemptSpansAsATree() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    List<SpanData> spans = TracingExample.run(new PrintStream(bytes, true, StandardCharsets.UTF_8));
    String text = bytes.toString(StandardCharsets.UTF_8);
    List<String> lines = text.lines().toList();

    // The application's span, with two call spans under it, each with its attempt one level deeper.
    assertThat(lines).anySatisfy(line -> assertThat(line).startsWith("  POST /review  [INTERNAL, "));
    assertThat(lines).anySatisfy(line -> assertThat(line).startsWith("    chat simulated/haiku-class  [CLIENT, ")
        .contains("gen_ai.usage.input_tokens=").contains("ralex.cost="));
    assertThat(lines).anySatisfy(line -> assertThat(line).startsWith("      attempt simulated/haiku-class  [INTERNAL, ")
        .contains("ralex.attempt=1"));
    assertThat(lines).anySatisfy(line -> assertThat(line).startsWith("    chat simulated/opus-class  [CLIENT, "));
    // The retried call: a root, its retry event, a failed attempt and the one that answered.
    assertThat(lines).anySatisfy(line -> assertThat(line).startsWith("  chat simulated/sonnet-class  [CLIENT, ")
        .contains("ralex.attempts=2"));
    assertThat(lines).anySatisfy(line -> assertThat(line).startsWith("    * ralex.retry ")
        .contains("error.type=OVERLOADED"));
    assertThat(lines).anySatisfy(line -> assertThat(line).startsWith("    attempt simulated/sonnet-class  [INTERNAL, ")
        .contains(", ERROR]").contains("error.type=OVERLOADED"));
    // The refused call: an error span, no attempt.
    assertThat(lines).anySatisfy(line -> assertThat(line).startsWith("  chat ralex  [CLIENT, ").contains(", ERROR]")
        .contains("error.type=BUDGET_EXCEEDED"));
    assertThat(text).contains("refused: ").doesNotContain("Write a haiku about budgets");

    List<SpanData> calls = spans.stream().filter(s -> s.getKind() == SpanKind.CLIENT).toList();
    assertThat(calls).hasSize(4);
    assertThat(calls).filteredOn(s -> s.getStatus().getStatusCode() == StatusCode.ERROR).hasSize(1);
    assertThat(spans).filteredOn(s -> s.getName().startsWith("attempt ")).hasSize(4);
    assertThat(calls).filteredOn(s -> "simulated/sonnet-class".equals(
        s.getAttributes().get(AttributeKey.stringKey("gen_ai.response.model")))).hasSize(1);
  }
}
