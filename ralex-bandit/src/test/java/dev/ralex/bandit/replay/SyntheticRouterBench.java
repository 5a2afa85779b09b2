package dev.ralex.bandit.replay;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Writes small RouterBench-format CSV text for the tests. */
final class SyntheticRouterBench {
  static final List<String> MODELS = List.of("cheap/translator", "cheap/calculator", "big/generalist");

  private SyntheticRouterBench() {}

  /** One row: prompt, then per model correctness, cost and (null: a placeholder) response. */
  record Row(String prompt, String evalName, int[] correct, double[] cost, List<String> responses) {
    /** A row with placeholder responses. */
    Row(String prompt, String evalName, int[] correct, double[] cost) {
      this(prompt, evalName, correct, cost, null);
    }
  }

  /** RouterBench CSV for {@code rows} over {@code models}, every field quoted when it needs to be. */
  static String csv(List<String> models, List<Row> rows) {
    return csv(models, rows, true);
  }

  /** As {@link #csv(List, List)}, with or without the {@code <model>|model_response} columns. */
  static String csv(List<String> models, List<Row> rows, boolean withResponses) {
    StringBuilder sb = new StringBuilder();
    List<String> header = new ArrayList<>(List.of("", "sample_id", "prompt", "eval_name"));
    header.addAll(models);
    if (withResponses) {
      for (String m : models) {
        header.add(m + "|model_response");
      }
    }
    for (String m : models) {
      header.add(m + "|total_cost");
    }
    header.add("oracle_model_to_route_to");
    line(sb, header);
    for (int r = 0; r < rows.size(); r++) {
      Row row = rows.get(r);
      List<String> cells = new ArrayList<>(List.of(Integer.toString(r), "s." + r, row.prompt(), row.evalName()));
      for (int c : row.correct()) {
        cells.add(c < 0 ? "" : c + ".0");
      }
      if (withResponses) {
        for (int m = 0; m < models.size(); m++) {
          cells.add(row.responses() == null ? "Answer \"" + m + "\",\nwith a newline" : row.responses().get(m));
        }
      }
      for (double c : row.cost()) {
        cells.add(Double.isNaN(c) ? "NaN" : Double.toString(c));
      }
      cells.add(models.get(0));
      line(sb, cells);
    }
    return sb.toString();
  }

  /**
   * {@code n} prompts: translation prompts only the cheap translator (and usually the big model) answer,
   * arithmetic prompts only the cheap calculator (and usually the big model) answer.
   */
  static String threeModels(int n, long seed) {
    Random rng = new Random(seed);
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      boolean translate = rng.nextBoolean();
      String prompt = translate
          ? "Please translate this sentence into French: \"the cat number " + i + " sleeps\""
          : "Please compute the sum, show the equation:\n" + i + " + " + (i * 7 % 13) + " = ?";
      int big = rng.nextDouble() < 0.8 ? 1 : 0;
      rows.add(new Row(prompt, translate ? "translate" : "math",
          new int[] {translate ? 1 : 0, translate ? 0 : 1, big}, new double[] {0.0001, 0.0001, 0.002}));
    }
    return csv(MODELS, rows);
  }

  static final List<String> AGREEMENT_MODELS = List.of("cheap/a", "cheap/b", "big/oracle");

  /**
   * {@code n} four-choice prompts over {@link #AGREEMENT_MODELS} (costs $0.001, $0.001, $0.02): on a share
   * {@code hard} of them both cheap models are wrong and give different letters, otherwise both are right; the big
   * model is always right. Responses look like RouterBench's ({@code ['C\n']}).
   */
  static String agreement(int n, double hard, long seed) {
    Random rng = new Random(seed);
    String letters = "ABCD";
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int gold = rng.nextInt(4);
      boolean isHard = rng.nextDouble() < hard;
      int wrongA = (gold + 1 + rng.nextInt(3)) % 4;
      int wrongB = wrongA;
      while (wrongB == wrongA || wrongB == gold) {
        wrongB = rng.nextInt(4);
      }
      String prompt = "Question " + i + ": which option is right?\nA) one\nB) two\nC) three\nD) four\n"
          + "Print only a single choice from \"A\" or \"B\" or \"C\" or \"D\" without explanation.\nAnswer:";
      char a = letters.charAt(isHard ? wrongA : gold);
      char b = letters.charAt(isHard ? wrongB : gold);
      rows.add(new Row(prompt, "quiz", new int[] {isHard ? 0 : 1, isHard ? 0 : 1, 1},
          new double[] {0.001, 0.001, 0.02},
          List.of("['" + a + "\\n']", "['" + b + "']", "['" + letters.charAt(gold) + "']")));
    }
    return csv(AGREEMENT_MODELS, rows);
  }

  private static void line(StringBuilder sb, List<String> cells) {
    for (int i = 0; i < cells.size(); i++) {
      if (i > 0) {
        sb.append(',');
      }
      String c = cells.get(i);
      if (c.contains(",") || c.contains("\"") || c.contains("\n") || c.contains("\r")) {
        sb.append('"').append(c.replace("\"", "\"\"")).append('"');
      } else {
        sb.append(c);
      }
    }
    sb.append("\r\n");
  }
}
