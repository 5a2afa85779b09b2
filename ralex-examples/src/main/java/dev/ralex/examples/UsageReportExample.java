package dev.ralex.examples;

import dev.ralex.api.ChatRequest;
import dev.ralex.api.ModelInfo;
import dev.ralex.core.ModelCatalog;
import dev.ralex.core.Ralex;
import dev.ralex.core.UsageQuery;
import dev.ralex.core.UsageRecord;
import dev.ralex.core.UsageReport;
import dev.ralex.core.UsageReportFormat;
import dev.ralex.core.UsageStore;
import dev.ralex.core.UsageTotals;
import dev.ralex.core.UsageTracker;
import java.io.IOException;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Usage reports from a usage store: reads a {@linkplain UsageStore#journal journal}, builds the reports by day and
 * by model (priced again on the strongest model for the savings) and writes them to an output directory as
 * {@code report.json}, {@code report.csv} and {@code report.md} (the report by model, with {@link
 * UsageReportFormat}) and {@code report.html}: one self-contained page (no scripts, fonts or other files) with SVG
 * charts of spend per day and per model, a donut of each model's share of the calls, and the tables.
 *
 * <p>Without a journal it creates a temporary one and fills it offline: a few dozen calls over six simulated days,
 * through Ralex and the real HTTP providers against a {@link SimulatedLlmServer}, as {@link Demo} does.
 *
 * <p>Run it with {@code mvn -B -q -pl ralex-examples exec:java
 * -Dexec.mainClass=dev.ralex.examples.UsageReportExample -Dexec.args="[journal-dir [output-dir]]"}; the output
 * directory defaults to {@code usage-report}.
 */
public final class UsageReportExample {
  /** The files written to the output directory. */
  public static final List<String> FILES = List.of("report.json", "report.csv", "report.md", "report.html");

  /** Days the offline run spreads its calls over. */
  static final int DAYS = 6;
  /** Calls the offline run sends: 3 on its first day, one more each day after. */
  static final int CALLS = DAYS * 3 + DAYS * (DAYS - 1) / 2;

  private static final List<String> PROMPTS = List.of(
      "Fix the typo in this sentence: 'Teh budget resets at midnight.'",
      "Rename the variable tmp in: int tmp = price * qty;",
      "Refactor a 300-line OrderService whose process() method switches on the order type.",
      "Explain what a circuit breaker does in an HTTP client.",
      "Design the schema of an audit log for a payments service.",
      "Summarise the trade-offs of optimistic locking.");
  private static final List<String> TASKS = List.of("typo", "rename", "refactor", "explain", "design", "summary");
  private static final List<String> COLORS = List.of("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
      "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac");

  private UsageReportExample() {}

  /**
   * The reports written, and where.
   *
   * @param journal the journal read
   * @param outputDirectory where the files are
   * @param byDay the report by day
   * @param byModel the report by model
   */
  public record Result(Path journal, Path outputDirectory, UsageReport byDay, UsageReport byModel) {}

  /** Runs the example: {@code [journal-dir [output-dir]]}. */
  public static void main(String[] args) throws IOException {
    Path journal = args.length > 0 ? Paths.get(args[0]) : null;
    Path output = Paths.get(args.length > 1 ? args[1] : "usage-report");
    run(System.out, journal, output);
  }

  /**
   * Writes the reports of {@code journal} (or, if null, of a new temporary journal filled offline) to {@code
   * outputDirectory}, created if missing.
   *
   * @throws IOException if a file cannot be written
   */
  public static Result run(PrintStream out, Path journal, Path outputDirectory) throws IOException {
    Objects.requireNonNull(out, "out");
    Objects.requireNonNull(outputDirectory, "outputDirectory");
    Path dir = journal;
    if (dir == null) {
      dir = Files.createTempDirectory("ralex-usage-journal");
      out.println("No journal given: filling " + dir + " with " + CALLS
          + " offline calls over " + DAYS + " simulated days");
      fillOffline(dir);
    }
    UsageReport byDay;
    UsageReport byModel;
    try (UsageStore store = UsageStore.journal(dir)) {
      List<UsageRecord> records = store.records(Instant.EPOCH, FAR_FUTURE);
      List<UsageStore.Aggregate> aggregates = store.aggregates(Instant.EPOCH, FAR_FUTURE);
      ZoneId zone = store.zone();
      Instant first = FAR_FUTURE;
      Instant last = Instant.EPOCH;
      Set<String> models = new LinkedHashSet<>();
      for (UsageRecord r : records) {
        first = r.at().isBefore(first) ? r.at() : first;
        last = r.at().isAfter(last) ? r.at() : last;
        models.add(r.model());
      }
      for (UsageStore.Aggregate a : aggregates) {
        first = a.dayStart().isBefore(first) ? a.dayStart() : first;
        last = a.dayStart().isAfter(last) ? a.dayStart() : last;
        models.add(a.model());
      }
      if (first.isAfter(last)) {
        first = Instant.EPOCH;
        last = Instant.EPOCH;
      }
      Instant from = LocalDate.ofInstant(first, zone).atStartOfDay(zone).toInstant();
      Instant to = LocalDate.ofInstant(last, zone).plusDays(1).atStartOfDay(zone).toInstant();
      // A tracker over the store answers reports with compacted days included; it keeps nothing in memory.
      UsageTracker tracker = UsageTracker.inMemory(List.of(), Clock.system(zone), zone, 0, store);
      UsageQuery query = UsageQuery.between(from, to);
      List<ModelInfo> known = new ArrayList<>();
      ModelCatalog bundled = ModelCatalog.bundled();
      for (String id : models) {
        bundled.find(id).ifPresent(known::add);
      }
      query = UsageQuery.strongest(known).map(query::comparedTo).orElse(query);
      byDay = tracker.report(query.byDay());
      byModel = tracker.report(query.byModel());
    }
    Files.createDirectories(outputDirectory);
    write(outputDirectory.resolve("report.json"), UsageReportFormat.json(byModel));
    write(outputDirectory.resolve("report.csv"), UsageReportFormat.csv(byModel));
    write(outputDirectory.resolve("report.md"), UsageReportFormat.markdown(byModel));
    write(outputDirectory.resolve("report.html"), html(byDay, byModel));
    UsageTotals total = byModel.total();
    out.println("Journal " + dir + ": " + total.calls() + " billed attempts, $" + total.cost().toPlainString()
        + byModel.referenceModel().map(m -> ", $" + total.savings().toPlainString() + " saved against " + m)
            .orElse(""));
    for (String f : FILES) {
      out.println("   wrote " + outputDirectory.resolve(f));
    }
    return new Result(dir, outputDirectory, byDay, byModel);
  }

  private static final Instant FAR_FUTURE = Instant.parse("9999-01-01T00:00:00Z");

  private static void write(Path file, String text) throws IOException {
    Files.writeString(file, text, StandardCharsets.UTF_8);
  }

  /** Sends {@link #DAYS} days of calls through Ralex against a {@link SimulatedLlmServer}, into {@code journal}. */
  static void fillOffline(Path journal) {
    StepClock clock = new StepClock(Instant.parse("2026-03-23T08:00:00Z"));
    List<ModelInfo> models = new ArrayList<>();
    for (String id : Demo.DEMO_MODELS) {
      models.add(ModelCatalog.bundled().require(id));
    }
    try (SimulatedLlmServer server = new SimulatedLlmServer()) {
      server.clock(clock);
      server.start();
      try (Ralex ralex = Ralex.builder()
          .environment(name -> null)
          .provider("anthropic", Map.of("apiKey", "offline-demo-key", "baseUrl", server.anthropicBaseUrl()))
          .provider("openrouter", Map.of("apiKey", "offline-demo-key", "baseUrl", server.openRouterBaseUrl()))
          .catalog(ModelCatalog.of(models))
          .selector(new KeywordSelector())
          .defaultMaxOutputTokens(512)
          .clock(clock)
          .usageStore(UsageStore.journal(journal))
          .build()) {
        int sent = 0;
        for (int day = 0; day < DAYS; day++) {
          clock.set(Instant.parse("2026-03-23T08:00:00Z").plus(Duration.ofDays(day)));
          // More calls on later days, so that the chart of spend per day has a shape.
          for (int i = 0; i < 3 + day; i++) {
            int k = sent++ % PROMPTS.size();
            clock.advance(Duration.ofMinutes(7));
            ralex.chat(ChatRequest.builder()
                .addUserMessage(PROMPTS.get(k))
                .tags(Map.of("task", TASKS.get(k)))
                .build());
          }
        }
      }
    }
  }

  /**
   * The self-contained HTML page: SVG charts of spend per day and per model, a donut of the calls per model, and
   * the report by model and by day as tables. Every text from the reports is escaped.
   */
  static String html(UsageReport byDay, UsageReport byModel) {
    StringBuilder h = new StringBuilder();
    UsageTotals total = byModel.total();
    h.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
        .append("<title>Ralex usage report</title>\n<style>\n")
        .append("body{font-family:system-ui,sans-serif;margin:2em;color:#222}\n")
        .append("table{border-collapse:collapse;margin:1em 0}th,td{border:1px solid #ccc;padding:4px 8px}\n")
        .append("td.n{text-align:right;font-variant-numeric:tabular-nums}tr.total{font-weight:bold}\n")
        .append(".charts{display:flex;flex-wrap:wrap;gap:2em}figure{margin:0}\n")
        .append("</style>\n</head>\n<body>\n<h1>Ralex usage report</h1>\n");
    h.append("<p>").append(esc(byModel.query().from().toString())).append(" to ")
        .append(esc(byModel.query().to().toString())).append(" (days in ").append(esc(byModel.zone().getId()))
        .append("): <b>").append(total.calls()).append("</b> billed attempts, <b>$")
        .append(esc(money(total.cost()))).append("</b>");
    byModel.referenceModel().ifPresent(m -> h.append("; the same calls on ").append(esc(m))
        .append(" would have cost $").append(esc(money(total.referenceCost()))).append(", so routing saved <b>$")
        .append(esc(money(total.savings()))).append("</b>"));
    h.append(".</p>\n");
    if (!byModel.complete()) {
      h.append("<p><b>Incomplete:</b> not every record of the range was available.</p>\n");
    }
    h.append("<div class=\"charts\">\n");
    h.append("<figure><figcaption>Spend per day ($)</figcaption>\n").append(columnChart(byDay)).append("</figure>\n");
    h.append("<figure><figcaption>Spend per model ($)</figcaption>\n").append(barChart(byModel))
        .append("</figure>\n");
    h.append("<figure><figcaption>Share of calls per model</figcaption>\n").append(donut(byModel))
        .append("</figure>\n");
    h.append("</div>\n<h2>By model</h2>\n").append(table(byModel, "Model"));
    h.append("<h2>By day</h2>\n").append(table(byDay, "Day"));
    h.append("</body>\n</html>\n");
    return h.toString();
  }

  /** Vertical bars, one per day. */
  private static String columnChart(UsageReport report) {
    int barWidth = 48;
    int gap = 12;
    int height = 200;
    int width = Math.max(200, report.rows().size() * (barWidth + gap) + gap);
    double max = maxCost(report);
    StringBuilder s = new StringBuilder();
    s.append("<svg width=\"").append(width).append("\" height=\"")
        .append(height + 40).append("\" role=\"img\">\n");
    int x = gap;
    for (UsageReport.Row row : report.rows()) {
      double cost = row.totals().cost().doubleValue();
      int bar = max == 0 ? 0 : (int) Math.round(cost / max * (height - 20));
      s.append("<rect x=\"").append(x).append("\" y=\"").append(height - bar).append("\" width=\"")
          .append(barWidth).append("\" height=\"").append(bar).append("\" fill=\"").append(COLORS.get(0))
          .append("\"><title>").append(esc(row.key())).append(": $").append(esc(money(row.totals().cost())))
          .append("</title></rect>\n");
      s.append("<text x=\"").append(x + barWidth / 2).append("\" y=\"").append(height - bar - 4)
          .append("\" font-size=\"10\" text-anchor=\"middle\">").append(esc(shortMoney(row.totals().cost())))
          .append("</text>\n");
      s.append("<text x=\"").append(x + barWidth / 2).append("\" y=\"").append(height + 14)
          .append("\" font-size=\"10\" text-anchor=\"middle\">").append(esc(row.key())).append("</text>\n");
      x += barWidth + gap;
    }
    s.append("<line x1=\"0\" y1=\"").append(height).append("\" x2=\"").append(width).append("\" y2=\"")
        .append(height).append("\" stroke=\"#888\"/>\n</svg>\n");
    return s.toString();
  }

  /** Horizontal bars, one per model. */
  private static String barChart(UsageReport report) {
    int rowHeight = 26;
    int label = 260;
    int barSpace = 220;
    int height = Math.max(40, report.rows().size() * rowHeight + 10);
    double max = maxCost(report);
    StringBuilder s = new StringBuilder();
    s.append("<svg width=\"").append(label + barSpace + 90)
        .append("\" height=\"").append(height).append("\" role=\"img\">\n");
    int y = 5;
    int i = 0;
    for (UsageReport.Row row : report.rows()) {
      double cost = row.totals().cost().doubleValue();
      int bar = max == 0 ? 0 : (int) Math.round(cost / max * barSpace);
      s.append("<text x=\"").append(label - 6).append("\" y=\"").append(y + 16)
          .append("\" font-size=\"11\" text-anchor=\"end\">").append(esc(row.key())).append("</text>\n");
      s.append("<rect x=\"").append(label).append("\" y=\"").append(y).append("\" width=\"").append(bar)
          .append("\" height=\"").append(rowHeight - 6).append("\" fill=\"").append(color(i))
          .append("\"><title>").append(esc(row.key())).append(": $").append(esc(money(row.totals().cost())))
          .append("</title></rect>\n");
      s.append("<text x=\"").append(label + bar + 4).append("\" y=\"").append(y + 15)
          .append("\" font-size=\"10\">").append(esc(shortMoney(row.totals().cost()))).append("</text>\n");
      y += rowHeight;
      i++;
    }
    return s.append("</svg>\n").toString();
  }

  /** A donut of each model's share of the calls, with a legend. */
  private static String donut(UsageReport report) {
    double r = 70;
    double c = 2 * Math.PI * r;
    long calls = report.total().calls();
    int legendY = 20;
    StringBuilder s = new StringBuilder();
    int height = Math.max(200, 24 + report.rows().size() * 20);
    s.append("<svg width=\"520\" height=\"").append(height)
        .append("\" role=\"img\">\n");
    double offset = 0;
    int i = 0;
    for (UsageReport.Row row : report.rows()) {
      double share = calls == 0 ? 0 : (double) row.totals().calls() / calls;
      double len = share * c;
      String percent = String.format(java.util.Locale.ROOT, "%.1f%%", share * 100);
      // Each slice is a dashed stroke of the same circle, rotated so slices start at 12 o'clock.
      s.append("<circle cx=\"100\" cy=\"100\" r=\"").append(r).append("\" fill=\"none\" stroke=\"").append(color(i))
          .append("\" stroke-width=\"36\" stroke-dasharray=\"").append(fmt(len)).append(' ').append(fmt(c - len))
          .append("\" stroke-dashoffset=\"").append(fmt(-offset)).append("\" transform=\"rotate(-90 100 100)\">")
          .append("<title>").append(esc(row.key())).append(": ").append(row.totals().calls()).append(" calls (")
          .append(percent).append(")</title></circle>\n");
      s.append("<rect x=\"210\" y=\"").append(legendY - 10).append("\" width=\"12\" height=\"12\" fill=\"")
          .append(color(i)).append("\"/>\n<text x=\"228\" y=\"").append(legendY).append("\" font-size=\"11\">")
          .append(esc(row.key())).append(": ").append(row.totals().calls()).append(" (").append(percent)
          .append(")</text>\n");
      offset += len;
      legendY += 20;
      i++;
    }
    s.append("<text x=\"100\" y=\"105\" font-size=\"14\" text-anchor=\"middle\">").append(calls)
        .append(" calls</text>\n");
    return s.append("</svg>\n").toString();
  }

  /** The report as the Markdown table of {@link UsageReportFormat#markdown}, in HTML. */
  private static String table(UsageReport report, String column) {
    String reference = report.referenceModel().orElse("reference");
    StringBuilder t = new StringBuilder("<table>\n<thead><tr><th>").append(esc(column))
        .append("</th><th>Calls</th><th>Input tokens</th><th>Output tokens</th><th>Cache read tokens</th>")
        .append("<th>Cache write tokens</th><th>Cost ($)</th><th>On ").append(esc(reference))
        .append(" ($)</th><th>Savings ($)</th></tr></thead>\n<tbody>\n");
    for (UsageReport.Row row : report.rows()) {
      tableRow(t, "", row.key().isEmpty() ? "(none)" : row.key(), row.totals());
    }
    tableRow(t, " class=\"total\"", "Total", report.total());
    return t.append("</tbody>\n</table>\n").toString();
  }

  private static void tableRow(StringBuilder t, String attributes, String key, UsageTotals x) {
    t.append("<tr").append(attributes).append("><td>").append(esc(key)).append("</td>");
    for (String cell : List.of(Long.toString(x.calls()), Long.toString(x.inputTokens()),
        Long.toString(x.outputTokens()), Long.toString(x.cacheReadTokens()), Long.toString(x.cacheWriteTokens()),
        money(x.cost()), money(x.referenceCost()), money(x.savings()))) {
      t.append("<td class=\"n\">").append(esc(cell)).append("</td>");
    }
    t.append("</tr>\n");
  }

  private static double maxCost(UsageReport report) {
    double max = 0;
    for (UsageReport.Row row : report.rows()) {
      max = Math.max(max, row.totals().cost().doubleValue());
    }
    return max;
  }

  private static String color(int i) {
    return COLORS.get(i % COLORS.size());
  }

  private static String fmt(double d) {
    return String.format(java.util.Locale.ROOT, "%.3f", d);
  }

  private static String money(BigDecimal amount) {
    return amount.setScale(6, RoundingMode.HALF_UP).toPlainString();
  }

  private static String shortMoney(BigDecimal amount) {
    return "$" + amount.setScale(4, RoundingMode.HALF_UP).toPlainString();
  }

  /** {@code text} escaped for HTML and SVG text and attribute values. */
  static String esc(String text) {
    StringBuilder out = new StringBuilder(text.length() + 8);
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      switch (c) {
        case '&' -> out.append("&amp;");
        case '<' -> out.append("&lt;");
        case '>' -> out.append("&gt;");
        case '"' -> out.append("&quot;");
        case '\'' -> out.append("&#39;");
        default -> out.append(c);
      }
    }
    return out.toString();
  }

  /** A clock the offline run sets to each simulated day. Thread-safe. */
  private static final class StepClock extends Clock {
    private volatile Instant now;

    StepClock(Instant start) {
      this.now = start;
    }

    void set(Instant instant) {
      now = instant;
    }

    void advance(Duration d) {
      now = now.plus(d);
    }

    @Override
    public Instant instant() {
      return now;
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }
  }
}
