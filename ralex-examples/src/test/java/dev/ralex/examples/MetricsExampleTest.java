package dev.ralex.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ralex.micrometer.RalexMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class MetricsExampleTest {
  @Test
  void runsOfflineAndPrintsTheOperationDurationAndTokenUsageLines() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    SimpleMeterRegistry registry = MetricsExample.run(new PrintStream(bytes, true, StandardCharsets.UTF_8));
    String text = bytes.toString(StandardCharsets.UTF_8);
    List<String> lines = text.lines().toList();

    assertThat(lines).anySatisfy(line -> assertThat(line).startsWith("meter").contains("type").contains("tags"));
    assertThat(lines).filteredOn(line -> line.startsWith(RalexMetrics.OPERATION_DURATION + " "))
        .isNotEmpty()
        .allSatisfy(line -> assertThat(line).contains("timer").contains(" s ").contains("gen_ai.operation.name=chat"))
        .anySatisfy(line -> assertThat(line).contains("error.type=none")
            .contains("gen_ai.request.model=simulated/haiku-class"))
        .anySatisfy(line -> assertThat(line).contains("error.type=BUDGET_EXCEEDED"));
    assertThat(lines).filteredOn(line -> line.startsWith(RalexMetrics.TOKEN_USAGE + " "))
        .anySatisfy(line -> assertThat(line).contains("summary").contains("tokens").contains("gen_ai.token.type=input"))
        .anySatisfy(line -> assertThat(line).contains("gen_ai.token.type=output"));
    assertThat(lines).anySatisfy(line -> assertThat(line).startsWith(RalexMetrics.RETRIES + " ")
        .contains("error.type=OVERLOADED"));
    assertThat(text).contains(RalexMetrics.COST).contains("dollars").contains("refused: ");

    // Six calls: five answered, one refused by the interns' budget.
    double calls = registry.get(RalexMetrics.CALLS).counters().stream().mapToDouble(c -> c.count()).sum();
    assertThat(calls).isEqualTo(6);
    assertThat(registry.get(RalexMetrics.OPERATION_DURATION).tag("error.type", "none").timers().stream()
        .mapToLong(t -> t.count()).sum()).isEqualTo(5);
  }
}
