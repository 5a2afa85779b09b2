package dev.ralex.bandit.replay;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Reads RouteLLM's per-prompt response files (for example {@code gsm8k_responses.csv} in RouteLLM's
 * {@code routellm/evals/}, Apache-2.0) into {@link RouterBenchData}: a {@code prompt} column, one
 * {@code True}/{@code False} correctness column per model and a {@code <model>_response} column with its answer.
 * The files have no costs, so each call is priced from estimated tokens (characters / 4) of the prompt (input)
 * and the response (output) at the model's list price per million tokens: estimates, not billed amounts.
 */
public final class RouteLlmData {
  /**
   * A model's list price in dollars per million tokens.
   *
   * @param inputPerMillion the input price
   * @param outputPerMillion the output price
   */
  public record Price(double inputPerMillion, double outputPerMillion) {
    /** Validates. */
    public Price {
      if (!(inputPerMillion >= 0) || !(outputPerMillion >= 0)) {
        throw new IllegalArgumentException("prices must be >= 0");
      }
    }
  }

  /**
   * The prices of RouteLLM's two models, from memory of their list prices when the data was made (estimates):
   * gpt-4-1106-preview $10 in / $30 out, Mixtral-8x7B-Instruct $0.60 / $0.60 per million tokens.
   */
  public static final Map<String, Price> DEFAULT_PRICES = Map.of(
      "gpt-4-1106-preview", new Price(10.0, 30.0),
      "mistralai/Mixtral-8x7B-Instruct-v0.1", new Price(0.60, 0.60));

  private RouteLlmData() {}

  /**
   * Reads and concatenates {@code files} (same models), pricing calls with {@code prices} and dropping prompts
   * whose text is in {@code excluded}; dropped prompts count as skipped.
   */
  public static RouterBenchData read(List<Path> files, Map<String, Price> prices, Set<String> excluded)
      throws IOException {
    return RouterBenchData.readEach(files, (records, fileName) -> parse(records, prices, excluded, fileName));
  }

  /**
   * Parses one file's records, the first being the header; {@code source} names the file in sample ids and is
   * the task name (its part before {@code _responses}).
   */
  public static RouterBenchData parse(List<List<String>> records, Map<String, Price> prices, Set<String> excluded,
      String source) {
    Objects.requireNonNull(records, "records");
    Objects.requireNonNull(prices, "prices");
    Objects.requireNonNull(excluded, "excluded");
    Objects.requireNonNull(source, "source");
    if (records.isEmpty()) {
      throw new IllegalArgumentException("empty file: no header");
    }
    List<String> header = records.get(0);
    int promptCol = header.indexOf("prompt");
    if (promptCol < 0) {
      throw new IllegalArgumentException("no 'prompt' column; the header is " + header);
    }
    List<String> models = new ArrayList<>();
    List<Integer> correctCols = new ArrayList<>();
    List<Integer> responseCols = new ArrayList<>();
    for (int c = 0; c < header.size(); c++) {
      String h = header.get(c);
      int r = header.indexOf(h + "_response");
      if (c != promptCol && r >= 0) {
        if (!prices.containsKey(h)) {
          throw new IllegalArgumentException("no price for model " + h);
        }
        models.add(h);
        correctCols.add(c);
        responseCols.add(r);
      }
    }
    if (models.isEmpty()) {
      throw new IllegalArgumentException("no model columns (a column X with a matching 'X_response')");
    }
    String task = source.replaceFirst("_responses.*$", "").replaceFirst("\\.csv$", "");
    List<RouterBenchData.Prompt> prompts = new ArrayList<>();
    int skipped = 0;
    for (int r = 1; r < records.size(); r++) {
      List<String> row = records.get(r);
      if (row.size() == 1 && row.get(0).isEmpty()) {
        continue;
      }
      if (row.size() != header.size() || excluded.contains(row.get(promptCol))) {
        skipped++;
        continue;
      }
      String text = row.get(promptCol);
      boolean[] correct = new boolean[models.size()];
      double[] cost = new double[models.size()];
      List<String> responses = new ArrayList<>();
      boolean bad = false;
      for (int m = 0; m < models.size() && !bad; m++) {
        String v = row.get(correctCols.get(m)).trim().toLowerCase(Locale.ROOT);
        if (!v.equals("true") && !v.equals("false")) {
          bad = true;
          continue;
        }
        correct[m] = v.equals("true");
        String response = row.get(responseCols.get(m));
        responses.add(response);
        cost[m] = price(prices.get(models.get(m)), text, response);
      }
      if (bad) {
        skipped++;
        continue;
      }
      prompts.add(new RouterBenchData.Prompt(source + "." + (r - 1), text, task, correct, cost, responses));
    }
    return new RouterBenchData(models, prompts, skipped);
  }

  /** The estimated dollar cost of one call: characters / 4 tokens each way at {@code price}. */
  public static double price(Price price, String prompt, String response) {
    return (prompt.length() / 4.0 * price.inputPerMillion() + response.length() / 4.0 * price.outputPerMillion())
        / 1e6;
  }

  /**
   * The prompts RouteLLM drops as contaminated: the {@code eval_prompt} of each line of a JSON-lines file such as
   * {@code contaminated_prompts.jsonl}.
   */
  public static Set<String> readExcluded(Path jsonl) throws IOException {
    ObjectMapper json = new ObjectMapper();
    Set<String> out = new HashSet<>();
    for (String line : Files.readAllLines(jsonl, StandardCharsets.UTF_8)) {
      if (line.isBlank()) {
        continue;
      }
      JsonNode node = json.readTree(line);
      JsonNode p = node.get("eval_prompt");
      if (p == null || !p.isTextual()) {
        throw new IllegalArgumentException(jsonl + ": a line without a textual 'eval_prompt'");
      }
      out.add(p.asText());
    }
    return Set.copyOf(out);
  }
}
