package dev.ralex.core;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Writes a {@link UsageReport} as JSON, CSV or a Markdown table, for files, dashboards and session logs. Each
 * row carries the calls, the tokens of each kind, the cost, the cost of the same usage on the report's reference
 * model and the savings, then the response-cache hits and what they saved; a total follows the rows. Stateless
 * and thread-safe.
 *
 * <p>JSON and CSV keep money exact (every digit of the {@link BigDecimal}, never in exponent notation); Markdown,
 * meant for people, rounds it to six decimal places.
 *
 * <pre>{@code
 * UsageReport byModel = ralex.report(UsageQuery.between(monthStart, Instant.now()).byModel());
 * Files.writeString(dir.resolve("usage.md"), UsageReportFormat.markdown(byModel));
 * }</pre>
 */
public final class UsageReportFormat {
  /** The CSV header: the columns of {@link #csv}. */
  public static final String CSV_HEADER = "row,key,calls,input_tokens,output_tokens,cache_read_tokens,"
      + "cache_write_tokens,cost,reference_cost,savings,cache_hits,cache_saved";

  private static final String CRLF = "\r\n";
  private static final JsonFactory JSON = JsonFactory.builder()
      .enable(StreamWriteFeature.WRITE_BIGDECIMAL_AS_PLAIN)
      .build();

  private UsageReportFormat() {}

  /**
   * The report as a pretty-printed JSON object: {@code from}, {@code to}, {@code zone}, {@code groupBy} (the {@link
   * UsageQuery.GroupBy} name), {@code tagKey} (for {@code TAG}, else {@code ""}), {@code tags} (the required tags),
   * {@code referenceModel} (or {@code null}), {@code complete}, {@code rows} (each with {@code key} and the totals'
   * fields, {@code cacheHits} and {@code cacheSaved} among them) and {@code total}. Money ({@code cost}, {@code
   * referenceCost}, {@code savings}, {@code cacheSaved}, in US dollars) is written as JSON numbers with every digit
   * of the exact amount; read them as decimals (Jackson: {@code DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS})
   * to keep them exact.
   */
  public static String json(UsageReport report) {
    Objects.requireNonNull(report, "report");
    UsageQuery q = report.query();
    StringWriter out = new StringWriter();
    DefaultPrettyPrinter pretty = new DefaultPrettyPrinter()
        .withObjectIndenter(new DefaultIndenter("  ", "\n"));
    try (JsonGenerator g = JSON.createGenerator(out).setPrettyPrinter(pretty)) {
      g.writeStartObject();
      g.writeStringField("from", q.from().toString());
      g.writeStringField("to", q.to().toString());
      g.writeStringField("zone", report.zone().getId());
      g.writeStringField("groupBy", q.groupBy().name());
      g.writeStringField("tagKey", q.tagKey());
      g.writeObjectFieldStart("tags");
      for (Map.Entry<String, String> e : new java.util.TreeMap<>(q.tags()).entrySet()) {
        g.writeStringField(e.getKey(), e.getValue());
      }
      g.writeEndObject();
      g.writeStringField("referenceModel", report.referenceModel().orElse(null));
      g.writeBooleanField("complete", report.complete());
      g.writeArrayFieldStart("rows");
      for (UsageReport.Row row : report.rows()) {
        g.writeStartObject();
        g.writeStringField("key", row.key());
        totals(g, row.totals());
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeObjectFieldStart("total");
      totals(g, report.total());
      g.writeEndObject();
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a StringWriter does not fail
    }
    return out.toString() + "\n";
  }

  private static void totals(JsonGenerator g, UsageTotals t) throws IOException {
    g.writeNumberField("calls", t.calls());
    g.writeNumberField("inputTokens", t.inputTokens());
    g.writeNumberField("outputTokens", t.outputTokens());
    g.writeNumberField("cacheReadTokens", t.cacheReadTokens());
    g.writeNumberField("cacheWriteTokens", t.cacheWriteTokens());
    g.writeNumberField("cost", t.cost());
    g.writeNumberField("referenceCost", t.referenceCost());
    g.writeNumberField("savings", t.savings());
    g.writeNumberField("cacheHits", t.cacheHits());
    g.writeNumberField("cacheSaved", t.saved());
  }

  /**
   * The report as CSV (RFC 4180: CRLF line ends, fields with a comma, quote, CR or LF quoted, quotes doubled):
   * the {@link #CSV_HEADER} row, one row per group ({@code row} = {@code group}, {@code key} its key), then one
   * total row ({@code row} = {@code total}, empty {@code key}). Money in US dollars, exact, in plain notation.
   */
  public static String csv(UsageReport report) {
    Objects.requireNonNull(report, "report");
    StringBuilder out = new StringBuilder(CSV_HEADER).append(CRLF);
    for (UsageReport.Row row : report.rows()) {
      csvRow(out, "group", row.key(), row.totals());
    }
    csvRow(out, "total", "", report.total());
    return out.toString();
  }

  private static void csvRow(StringBuilder out, String kind, String key, UsageTotals t) {
    out.append(kind).append(',').append(csvField(key));
    for (Object v : List.of(t.calls(), t.inputTokens(), t.outputTokens(), t.cacheReadTokens(),
        t.cacheWriteTokens())) {
      out.append(',').append(v);
    }
    for (BigDecimal money : List.of(t.cost(), t.referenceCost(), t.savings())) {
      out.append(',').append(money.toPlainString());
    }
    out.append(',').append(t.cacheHits()).append(',').append(t.saved().toPlainString());
    out.append(CRLF);
  }

  /** {@code value} as one CSV field: as is, or quoted with its quotes doubled if it needs quoting. */
  static String csvField(String value) {
    if (value.indexOf(',') < 0 && value.indexOf('"') < 0 && value.indexOf('\r') < 0 && value.indexOf('\n') < 0) {
      return value;
    }
    return '"' + value.replace("\"", "\"\"") + '"';
  }

  /**
   * The report as Markdown, like a session log: a heading, a list saying the range, zone, grouping, required tags
   * and reference model (and a warning if the report is not {@linkplain UsageReport#complete() complete}), then a
   * table with one row per group (a group without a key shows as <i>(none)</i>) and a bold total row: calls, input,
   * output, cache-read and cache-write tokens, cost, the cost on the reference model, the savings, the
   * response-cache hits and what they saved. Money is in US dollars rounded half-up to six decimal places; text is
   * escaped so that keys cannot break the table or add formatting.
   */
  public static String markdown(UsageReport report) {
    Objects.requireNonNull(report, "report");
    UsageQuery q = report.query();
    String reference = report.referenceModel().orElse(null);
    StringBuilder out = new StringBuilder("## Usage report\n\n");
    out.append("- Range: ").append(q.from()).append(" to ").append(q.to()).append(" (days in ")
        .append(markdownText(report.zone().getId())).append(")\n");
    out.append("- Grouped by: ").append(groupName(q)).append('\n');
    if (!q.tags().isEmpty()) {
      StringBuilder tags = new StringBuilder();
      for (Map.Entry<String, String> e : new java.util.TreeMap<>(q.tags()).entrySet()) {
        tags.append(tags.length() == 0 ? "" : ", ").append(markdownText(e.getKey())).append('=')
            .append(markdownText(e.getValue()));
      }
      out.append("- Only calls tagged: ").append(tags).append('\n');
    }
    out.append("- Reference model: ").append(reference == null ? "none (savings are 0)" : markdownText(reference))
        .append('\n');
    if (!report.complete()) {
      out.append("- **Incomplete:** the tracker no longer held every record of the range; figures are a lower "
          + "bound\n");
    }
    out.append('\n');
    String column = capitalize(groupName(q));
    out.append("| ").append(column).append(" | Calls | Input tokens | Output tokens | Cache read tokens "
        + "| Cache write tokens | Cost ($) | On ")
        .append(reference == null ? "reference" : markdownText(reference))
        .append(" ($) | Savings ($) | Cache hits | Saved by cache ($) |\n");
    out.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (UsageReport.Row row : report.rows()) {
      String key = row.key().isEmpty()
          ? (q.groupBy() == UsageQuery.GroupBy.NONE ? "*all calls*" : "*(none)*")
          : markdownText(row.key());
      markdownRow(out, key, row.totals(), false);
    }
    markdownRow(out, "Total", report.total(), true);
    return out.toString();
  }

  private static void markdownRow(StringBuilder out, String label, UsageTotals t, boolean bold) {
    String b = bold ? "**" : "";
    out.append("| ").append(b).append(label).append(b);
    for (String cell : List.of(Long.toString(t.calls()), Long.toString(t.inputTokens()),
        Long.toString(t.outputTokens()), Long.toString(t.cacheReadTokens()), Long.toString(t.cacheWriteTokens()),
        money(t.cost()), money(t.referenceCost()), money(t.savings()), Long.toString(t.cacheHits()),
        money(t.saved()))) {
      out.append(" | ").append(b).append(cell).append(b);
    }
    out.append(" |\n");
  }

  /** An amount in dollars rounded half-up to six decimal places, in plain notation, as Markdown shows it. */
  static String money(BigDecimal amount) {
    return amount.setScale(6, RoundingMode.HALF_UP).toPlainString();
  }

  /**
   * {@code text} escaped for a Markdown table cell: Markdown punctuation backslash-escaped, {@code <} and {@code >}
   * as entities, line breaks as {@code <br>}.
   */
  static String markdownText(String text) {
    StringBuilder out = new StringBuilder(text.length() + 8);
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      switch (c) {
        case '\\': case '`': case '*': case '_': case '[': case ']': case '(': case ')': case '#': case '|':
        case '!': case '~': case '{': case '}':
          out.append('\\').append(c);
          break;
        case '<':
          out.append("&lt;");
          break;
        case '>':
          out.append("&gt;");
          break;
        case '&':
          out.append("&amp;");
          break;
        case '\r':
          if (i + 1 < text.length() && text.charAt(i + 1) == '\n') {
            i++;
          }
          out.append("<br>");
          break;
        case '\n':
          out.append("<br>");
          break;
        default:
          out.append(c);
      }
    }
    return out.toString();
  }

  private static String groupName(UsageQuery q) {
    switch (q.groupBy()) {
      case DAY:
        return "day";
      case MONTH:
        return "month";
      case MODEL:
        return "model";
      case PROVIDER:
        return "provider";
      case CONVERSATION:
        return "conversation";
      case TAG:
        return "tag " + markdownText(q.tagKey());
      default:
        return "nothing";
    }
  }

  private static String capitalize(String s) {
    return s.equals("nothing") ? "Group" : Character.toUpperCase(s.charAt(0)) + s.substring(1);
  }
}
