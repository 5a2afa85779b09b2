package dev.ralex.bandit.replay;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Random;

/**
 * Per-prompt outcomes of several models in the RouterBench CSV format: an unnamed index column, {@code sample_id},
 * {@code prompt}, {@code eval_name}, one 0/1 correctness column per model, {@code <model>|model_response},
 * {@code <model>|total_cost} and {@code oracle_model_to_route_to}. A model is a column that has a matching
 * {@code <model>|total_cost} column. Rows with an empty or NaN cell are skipped. The
 * {@code <model>|model_response} columns are optional: a prompt keeps each model's response text, or an empty
 * string when the file has no such column. Immutable.
 *
 * @param models the models, in the first file's column order
 * @param prompts the usable rows
 * @param skipped the rows skipped for an empty or NaN cell
 */
public record RouterBenchData(List<String> models, List<Prompt> prompts, int skipped) {

  /** Validates and copies. */
  public RouterBenchData {
    models = List.copyOf(models);
    prompts = List.copyOf(prompts);
    if (models.isEmpty()) {
      throw new IllegalArgumentException("no models");
    }
    for (Prompt p : prompts) {
      if (p.correct().length != models.size() || p.cost().length != models.size()
          || (!p.responses().isEmpty() && p.responses().size() != models.size())) {
        throw new IllegalArgumentException("prompt " + p.sampleId() + " does not have one outcome per model");
      }
    }
  }

  /**
   * One prompt and every model's outcome on it.
   *
   * @param sampleId the row's {@code sample_id}
   * @param text the prompt text
   * @param evalName the task ({@code eval_name}); selectors must not look at it
   * @param correct per model (in {@link RouterBenchData#models()} order), whether its answer was correct
   * @param cost per model, the dollar cost of the request
   * @param responses per model, its response text ({@code ""} when the file has none); empty when no model's
   *     response is known
   */
  public record Prompt(String sampleId, String text, String evalName, boolean[] correct, double[] cost,
      List<String> responses) {
    /** Checks for nulls and copies the responses. */
    public Prompt {
      Objects.requireNonNull(sampleId, "sampleId");
      Objects.requireNonNull(text, "text");
      Objects.requireNonNull(evalName, "evalName");
      Objects.requireNonNull(correct, "correct");
      Objects.requireNonNull(cost, "cost");
      responses = List.copyOf(Objects.requireNonNull(responses, "responses"));
      if (!responses.isEmpty() && responses.size() != cost.length) {
        throw new IllegalArgumentException("prompt " + sampleId + ": " + responses.size() + " responses for "
            + cost.length + " models");
      }
    }

    /** A prompt without response texts. */
    public Prompt(String sampleId, String text, String evalName, boolean[] correct, double[] cost) {
      this(sampleId, text, evalName, correct, cost, List.of());
    }

    /** The response text of {@code model}, or {@code ""} when it is not known. */
    public String response(int model) {
      return responses.isEmpty() ? "" : responses.get(model);
    }

    /** The cheapest correct model's index, or the cheapest model's when none is correct. */
    public int oracle() {
      int best = -1;
      for (int m = 0; m < cost.length; m++) {
        if (correct[m] && (best < 0 || cost[m] < cost[best])) {
          best = m;
        }
      }
      if (best >= 0) {
        return best;
      }
      best = 0;
      for (int m = 1; m < cost.length; m++) {
        if (cost[m] < cost[best]) {
          best = m;
        }
      }
      return best;
    }
  }

  /** Reads and concatenates {@code files}, which must have the same models. */
  public static RouterBenchData read(List<Path> files) throws IOException {
    return readEach(files, (records, fileName) -> parse(records));
  }

  /**
   * Parses each file's CSV records with {@code parser} (given the records and the file's name) and concatenates
   * the parts; a file that does not parse is named in the exception.
   */
  static RouterBenchData readEach(List<Path> files,
      java.util.function.BiFunction<List<List<String>>, String, RouterBenchData> parser) throws IOException {
    java.util.Objects.requireNonNull(files, "files");
    if (files.isEmpty()) {
      throw new IllegalArgumentException("no files");
    }
    List<RouterBenchData> parts = new ArrayList<>();
    for (Path f : files) {
      try (Reader in = Files.newBufferedReader(f, StandardCharsets.UTF_8)) {
        try {
          parts.add(parser.apply(Csv.read(in), f.getFileName().toString()));
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException(f + ": " + e.getMessage(), e);
        }
      }
    }
    return concat(parts);
  }

  /** Concatenates datasets over the same models (in the same order). */
  public static RouterBenchData concat(List<RouterBenchData> parts) {
    List<String> models = parts.get(0).models();
    List<Prompt> prompts = new ArrayList<>();
    int skipped = 0;
    for (RouterBenchData d : parts) {
      if (!d.models().equals(models)) {
        throw new IllegalArgumentException("files have different models: " + models + " and " + d.models());
      }
      prompts.addAll(d.prompts());
      skipped += d.skipped();
    }
    return new RouterBenchData(models, prompts, skipped);
  }

  /** Parses the records of one CSV file, the first being the header. */
  public static RouterBenchData parse(List<List<String>> records) {
    if (records.isEmpty()) {
      throw new IllegalArgumentException("empty file: no header");
    }
    List<String> header = records.get(0);
    int sampleCol = column(header, "sample_id");
    int promptCol = column(header, "prompt");
    int evalCol = column(header, "eval_name");
    List<String> models = new ArrayList<>();
    List<Integer> correctCols = new ArrayList<>();
    List<Integer> costCols = new ArrayList<>();
    List<Integer> responseCols = new ArrayList<>();
    for (int c = 0; c < header.size(); c++) {
      String h = header.get(c);
      if (h.isEmpty() || h.contains("|") || c == sampleCol || c == promptCol || c == evalCol) {
        continue;
      }
      int costCol = header.indexOf(h + "|total_cost");
      if (costCol >= 0) {
        models.add(h);
        correctCols.add(c);
        costCols.add(costCol);
        responseCols.add(header.indexOf(h + "|model_response"));
      }
    }
    boolean anyResponse = responseCols.stream().anyMatch(c -> c >= 0);
    if (models.isEmpty()) {
      throw new IllegalArgumentException("no model columns (a column X with a matching 'X|total_cost')");
    }
    List<Prompt> prompts = new ArrayList<>();
    int skipped = 0;
    for (int r = 1; r < records.size(); r++) {
      List<String> row = records.get(r);
      if (row.size() == 1 && row.get(0).isEmpty()) {
        continue; // a blank line
      }
      if (row.size() != header.size() || hasMissing(row)) {
        skipped++;
        continue;
      }
      boolean[] correct = new boolean[models.size()];
      double[] cost = new double[models.size()];
      boolean bad = false;
      for (int m = 0; m < models.size() && !bad; m++) {
        Double ok = number(row.get(correctCols.get(m)));
        Double c = number(row.get(costCols.get(m)));
        if (ok == null || c == null || (ok != 0.0 && ok != 1.0) || c < 0) {
          bad = true;
        } else {
          correct[m] = ok == 1.0;
          cost[m] = c;
        }
      }
      if (bad) {
        skipped++;
        continue;
      }
      List<String> responses = new ArrayList<>();
      if (anyResponse) {
        for (int col : responseCols) {
          responses.add(col >= 0 ? row.get(col) : "");
        }
      }
      prompts.add(new Prompt(row.get(sampleCol), row.get(promptCol), row.get(evalCol), correct, cost, responses));
    }
    return new RouterBenchData(models, prompts, skipped);
  }

  /**
   * Splits the prompts in a seeded random order: the first {@code fraction} go to the first part (train), the
   * rest to the second (test). The rows skipped while reading are counted in the first part.
   */
  public List<RouterBenchData> split(double fraction, long seed) {
    if (!(fraction > 0.0 && fraction < 1.0)) {
      throw new IllegalArgumentException("fraction must be in (0, 1) but was " + fraction);
    }
    List<Prompt> shuffled = new ArrayList<>(prompts);
    Collections.shuffle(shuffled, new Random(seed));
    int cut = (int) Math.round(shuffled.size() * fraction);
    return List.of(new RouterBenchData(models, shuffled.subList(0, cut), skipped),
        new RouterBenchData(models, shuffled.subList(cut, shuffled.size()), 0));
  }

  /**
   * Deals the prompts in a seeded random order into {@code k} parts whose sizes differ by at most one, and
   * returns, for each part, {@code {train, test}}: the other parts, then that part. Every prompt is in exactly one
   * test set. The rows skipped while reading are counted in no part ({@link #skipped()} of the whole says them).
   *
   * @throws IllegalArgumentException if {@code k} is below 2 or above the number of prompts
   */
  public List<RouterBenchData[]> folds(int k, long seed) {
    if (k < 2 || k > prompts.size()) {
      throw new IllegalArgumentException("folds must be in [2, " + prompts.size() + "] but was " + k);
    }
    List<Prompt> shuffled = new ArrayList<>(prompts);
    Collections.shuffle(shuffled, new Random(seed));
    List<RouterBenchData[]> out = new ArrayList<>();
    for (int f = 0; f < k; f++) {
      List<Prompt> train = new ArrayList<>();
      List<Prompt> test = new ArrayList<>();
      for (int i = 0; i < shuffled.size(); i++) {
        (i % k == f ? test : train).add(shuffled.get(i));
      }
      out.add(new RouterBenchData[] {new RouterBenchData(models, train, 0), new RouterBenchData(models, test, 0)});
    }
    return out;
  }

  /** Each model's accuracy over the prompts. */
  public double[] accuracy() {
    double[] acc = new double[models.size()];
    for (Prompt p : prompts) {
      for (int m = 0; m < acc.length; m++) {
        acc[m] += p.correct()[m] ? 1 : 0;
      }
    }
    for (int m = 0; m < acc.length; m++) {
      acc[m] /= Math.max(1, prompts.size());
    }
    return acc;
  }

  /** Each model's total cost over the prompts. */
  public double[] totalCost() {
    double[] cost = new double[models.size()];
    for (Prompt p : prompts) {
      for (int m = 0; m < cost.length; m++) {
        cost[m] += p.cost()[m];
      }
    }
    return cost;
  }

  private static int column(List<String> header, String name) {
    int c = header.indexOf(name);
    if (c < 0) {
      throw new IllegalArgumentException("no '" + name + "' column; the header is " + header);
    }
    return c;
  }

  private static boolean hasMissing(List<String> row) {
    for (String cell : row) {
      String t = cell.trim();
      if (t.isEmpty() || t.toLowerCase(Locale.ROOT).equals("nan")) {
        return true;
      }
    }
    return false;
  }

  private static Double number(String s) {
    try {
      double d = Double.parseDouble(s.trim());
      return Double.isFinite(d) ? d : null;
    } catch (NumberFormatException e) {
      return null;
    }
  }
}
