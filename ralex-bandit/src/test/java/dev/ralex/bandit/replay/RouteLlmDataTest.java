package dev.ralex.bandit.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** RouteLLM's response-file format, on generated rows (no RouteLLM data is copied). */
class RouteLlmDataTest {
  private static final String WEAK = "mistralai/Mixtral-8x7B-Instruct-v0.1";
  private static final String STRONG = "gpt-4-1106-preview";

  /** {@code n} generated rows in RouteLLM's column layout; the weak model is right on even rows only. */
  static String rows(int n) {
    StringBuilder sb = new StringBuilder("prompt," + WEAK + "," + STRONG + "," + WEAK + "_response," + STRONG
        + "_response\n");
    for (int i = 0; i < n; i++) {
      sb.append("\"Tom has ").append(i).append(" apples, \"\"red\"\".\nHow many?\",")
          .append(i % 2 == 0 ? "True" : "False").append(",True,")
          .append("\"He has ").append(i).append(".\nThe answer is ").append(i).append("\",")
          .append("\"").append("x".repeat(40)).append("\"\n");
    }
    return sb.toString();
  }

  @Test
  void readsModelsCorrectnessResponsesAndEstimatedPrices() {
    RouterBenchData d = RouteLlmData.parse(Csv.parse(rows(4)), RouteLlmData.DEFAULT_PRICES, Set.of(),
        "gsm8k_responses.csv");
    assertThat(d.models()).containsExactly(WEAK, STRONG);
    assertThat(d.prompts()).hasSize(4);
    RouterBenchData.Prompt p = d.prompts().get(1);
    assertThat(p.text()).isEqualTo("Tom has 1 apples, \"red\".\nHow many?");
    assertThat(p.evalName()).isEqualTo("gsm8k");
    assertThat(p.correct()).containsExactly(false, true);
    assertThat(p.response(0)).isEqualTo("He has 1.\nThe answer is 1");
    // characters / 4 tokens: gpt-4 at $10 in and $30 out per million, Mixtral $0.60 both ways
    double in = p.text().length() / 4.0;
    assertThat(p.cost()[1]).isCloseTo((in * 10 + 10 * 30) / 1e6, within(1e-15));
    assertThat(p.cost()[0]).isCloseTo((in + p.response(0).length() / 4.0) * 0.6 / 1e6, within(1e-15));
    assertThat(d.accuracy()).containsExactly(0.5, 1.0);
  }

  @Test
  void dropsExcludedPromptsAndRefusesUnpricedModels(@TempDir Path dir) throws Exception {
    Path jsonl = dir.resolve("contaminated.jsonl");
    Files.writeString(jsonl, "{\"train_prompt\":\"x\",\"eval_prompt\":\"Tom has 2 apples, \\\"red\\\".\\nHow many?\","
        + "\"train_idx\":1,\"eval_idx\":2}\n\n");
    Set<String> excluded = RouteLlmData.readExcluded(jsonl);
    RouterBenchData d = RouteLlmData.parse(Csv.parse(rows(4)), RouteLlmData.DEFAULT_PRICES, excluded, "gsm8k");
    assertThat(d.prompts()).hasSize(3);
    assertThat(d.skipped()).isEqualTo(1);
    assertThatThrownBy(() -> RouteLlmData.parse(Csv.parse(rows(2)), Map.of(STRONG, new RouteLlmData.Price(1, 1)),
        Set.of(), "gsm8k")).hasMessageContaining("no price for model " + WEAK);
  }

  @Test
  void theCommandLineReadsTheFormat(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("gsm8k_responses.csv");
    Files.writeString(file, rows(60));
    Path jsonl = dir.resolve("contaminated.jsonl");
    Files.writeString(jsonl, "{\"eval_prompt\":\"Tom has 0 apples, \\\"red\\\".\\nHow many?\"}\n");
    ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    ByteArrayOutputStream stderr = new ByteArrayOutputStream();
    int status = ReplayEvaluator.run(new String[] {"--data", file.toString(), "--split", "0.5", "--format",
        "routellm", "--exclude", jsonl.toString(), "--seeds", "1", "--weights", "1"},
        new PrintStream(stdout, true, StandardCharsets.UTF_8), new PrintStream(stderr, true, StandardCharsets.UTF_8));
    assertThat(status).as(stderr.toString(StandardCharsets.UTF_8)).isZero();
    assertThat(stdout.toString(StandardCharsets.UTF_8))
        .startsWith("Train 30 prompts, test 29 prompts (1 rows skipped)")
        .contains("best model " + STRONG, "| agreement-cascade");
  }
}
