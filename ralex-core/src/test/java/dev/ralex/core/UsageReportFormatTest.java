package dev.ralex.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ralex.api.Usage;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class UsageReportFormatTest {
  private static final Instant FROM = Instant.parse("2026-03-01T00:00:00Z");
  private static final Instant TO = Instant.parse("2026-04-01T00:00:00Z");

  private static UsageRecord record(String at, String model, Usage usage, String cost, Map<String, String> tags) {
    return new UsageRecord("c-" + at, Instant.parse(at), model, "test", usage, new BigDecimal(cost), tags, null);
  }

  /** Three calls on two models; prices of test/small are 1 and 2 $/MTok, of test/large 10 and 30. */
  private static final List<UsageRecord> RECORDS = List.of(
      record("2026-03-28T10:00:00Z", "test/small", Usage.of(1_000, 200), "0.0014", Map.of()),
      record("2026-03-28T11:00:00Z", "test/small", new Usage(500, 100, 300, 0), "0.0007", Map.of()),
      record("2026-03-29T09:00:00Z", "test/large", Usage.of(2_000, 1_000), "0.05", Map.of()));

  private static UsageReport byModel() {
    return UsageReport.of(UsageQuery.between(FROM, TO).byModel().comparedTo(TestModels.LARGE), ZoneOffset.UTC,
        RECORDS, true);
  }

  @Test
  void csvHasAHeaderOneRowPerGroupAndATotalWithExactMoney() {
    assertThat(UsageReportFormat.csv(byModel())).isEqualTo(""
        + "row,key,calls,input_tokens,output_tokens,cache_read_tokens,cache_write_tokens,cost,reference_cost,"
        + "savings,cache_hits,cache_saved\r\n"
        + "group,test/large,1,2000,1000,0,0,0.05,0.05,0.00,0,0\r\n"
        + "group,test/small,2,1500,300,300,0,0.0021,0.024,0.0219,0,0\r\n"
        + "total,,3,3500,1300,300,0,0.0521,0.074,0.0219,0,0\r\n");
  }

  @Test
  void markdownIsASessionLogTable() {
    assertThat(UsageReportFormat.markdown(byModel())).isEqualTo(""
        + "## Usage report\n"
        + "\n"
        + "- Range: 2026-03-01T00:00:00Z to 2026-04-01T00:00:00Z (days in Z)\n"
        + "- Grouped by: model\n"
        + "- Reference model: test/large\n"
        + "\n"
        + "| Model | Calls | Input tokens | Output tokens | Cache read tokens | Cache write tokens | Cost ($) "
        + "| On test/large ($) | Savings ($) | Cache hits | Saved by cache ($) |\n"
        + "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n"
        + "| test/large | 1 | 2000 | 1000 | 0 | 0 | 0.050000 | 0.050000 | 0.000000 | 0 | 0.000000 |\n"
        + "| test/small | 2 | 1500 | 300 | 300 | 0 | 0.002100 | 0.024000 | 0.021900 | 0 | 0.000000 |\n"
        + "| **Total** | **3** | **3500** | **1300** | **300** | **0** | **0.052100** | **0.074000** "
        + "| **0.021900** | **0** | **0.000000** |\n");
  }

  @Test
  void markdownSaysWhatTheQueryFilteredAndWhenTheReportIsIncomplete() {
    UsageReport report = UsageReport.of(UsageQuery.between(FROM, TO).byDay().tagged("task", "review"),
        ZoneOffset.UTC, List.of(record("2026-03-28T10:00:00Z", "test/small", Usage.of(1, 1), "0.01",
            Map.of("task", "review"))), false);

    assertThat(UsageReportFormat.markdown(report))
        .contains("- Grouped by: day\n")
        .contains("- Only calls tagged: task=review\n")
        .contains("- Reference model: none (savings are 0)\n")
        .contains("- **Incomplete:**")
        .contains("| Day | Calls |")
        .contains("| 2026-03-28 | 1 | 1 | 1 | 0 | 0 | 0.010000 | 0.010000 | 0.000000 | 0 | 0.000000 |\n");
  }

  @Test
  void jsonHasTheQueryRowsAndTotal() {
    assertThat(UsageReportFormat.json(byModel())).isEqualTo(""
        + "{\n"
        + "  \"from\" : \"2026-03-01T00:00:00Z\",\n"
        + "  \"to\" : \"2026-04-01T00:00:00Z\",\n"
        + "  \"zone\" : \"Z\",\n"
        + "  \"groupBy\" : \"MODEL\",\n"
        + "  \"tagKey\" : \"\",\n"
        + "  \"tags\" : { },\n"
        + "  \"referenceModel\" : \"test/large\",\n"
        + "  \"complete\" : true,\n"
        + "  \"rows\" : [ {\n"
        + "    \"key\" : \"test/large\",\n"
        + "    \"calls\" : 1,\n"
        + "    \"inputTokens\" : 2000,\n"
        + "    \"outputTokens\" : 1000,\n"
        + "    \"cacheReadTokens\" : 0,\n"
        + "    \"cacheWriteTokens\" : 0,\n"
        + "    \"cost\" : 0.05,\n"
        + "    \"referenceCost\" : 0.05,\n"
        + "    \"savings\" : 0.00,\n"
        + "    \"cacheHits\" : 0,\n"
        + "    \"cacheSaved\" : 0\n"
        + "  }, {\n"
        + "    \"key\" : \"test/small\",\n"
        + "    \"calls\" : 2,\n"
        + "    \"inputTokens\" : 1500,\n"
        + "    \"outputTokens\" : 300,\n"
        + "    \"cacheReadTokens\" : 300,\n"
        + "    \"cacheWriteTokens\" : 0,\n"
        + "    \"cost\" : 0.0021,\n"
        + "    \"referenceCost\" : 0.024,\n"
        + "    \"savings\" : 0.0219,\n"
        + "    \"cacheHits\" : 0,\n"
        + "    \"cacheSaved\" : 0\n"
        + "  } ],\n"
        + "  \"total\" : {\n"
        + "    \"calls\" : 3,\n"
        + "    \"inputTokens\" : 3500,\n"
        + "    \"outputTokens\" : 1300,\n"
        + "    \"cacheReadTokens\" : 300,\n"
        + "    \"cacheWriteTokens\" : 0,\n"
        + "    \"cost\" : 0.0521,\n"
        + "    \"referenceCost\" : 0.074,\n"
        + "    \"savings\" : 0.0219,\n"
        + "    \"cacheHits\" : 0,\n"
        + "    \"cacheSaved\" : 0\n"
        + "  }\n"
        + "}\n");
  }

  @Test
  void jsonKeepsMoneyExactThroughARoundTrip() throws Exception {
    BigDecimal tiny = new BigDecimal("1E-25");
    BigDecimal precise = new BigDecimal("0.123456789012345678901234567891");
    BigDecimal large = new BigDecimal("12345678901234567890.12345678901");
    UsageReport report = UsageReport.of(UsageQuery.between(FROM, TO).byModel(), ZoneOffset.UTC, List.of(
        record("2026-03-02T00:00:00Z", "m/tiny", Usage.of(1, 1), tiny.toString(), Map.of()),
        record("2026-03-03T00:00:00Z", "m/precise", Usage.of(1, 1), precise.toPlainString(), Map.of()),
        record("2026-03-04T00:00:00Z", "m/large", Usage.of(1, 1), large.toPlainString(), Map.of())), true);

    String json = UsageReportFormat.json(report);

    assertThat(json).doesNotContain("E-").contains("0.0000000000000000000000001");
    JsonNode tree = new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS).readTree(json);
    Map<String, BigDecimal> expected = Map.of("m/tiny", tiny, "m/precise", precise, "m/large", large);
    for (JsonNode row : tree.get("rows")) {
      assertThat(row.get("cost").decimalValue())
          .isEqualByComparingTo(expected.get(row.get("key").asText()));
    }
    assertThat(tree.get("total").get("cost").decimalValue()).isEqualByComparingTo(tiny.add(precise).add(large));
    assertThat(tree.get("referenceModel").isNull()).isTrue();
  }

  @Test
  void tagValuesWithCommasQuotesAndLineBreaksAreQuotedAndEscaped() {
    List<UsageRecord> records = List.of(
        record("2026-03-02T00:00:00Z", "test/small", Usage.of(1, 1), "0.01", Map.of("user", "Doe, Jane")),
        record("2026-03-03T00:00:00Z", "test/small", Usage.of(1, 1), "0.02", Map.of("user", "say \"hi\"")),
        record("2026-03-04T00:00:00Z", "test/small", Usage.of(1, 1), "0.03", Map.of("user", "two\r\nlines")),
        record("2026-03-05T00:00:00Z", "test/small", Usage.of(1, 1), "0.04", Map.of("user", "a|b *x* <i>")),
        record("2026-03-06T00:00:00Z", "test/small", Usage.of(1, 1), "0.05", Map.of()));
    UsageReport report = UsageReport.of(UsageQuery.between(FROM, TO).byTag("user"), ZoneOffset.UTC, records, true);

    assertThat(UsageReportFormat.csv(report)).isEqualTo(UsageReportFormat.CSV_HEADER + "\r\n"
        + "group,,1,1,1,0,0,0.05,0.05,0.00,0,0\r\n"
        + "group,\"Doe, Jane\",1,1,1,0,0,0.01,0.01,0.00,0,0\r\n"
        + "group,a|b *x* <i>,1,1,1,0,0,0.04,0.04,0.00,0,0\r\n"
        + "group,\"say \"\"hi\"\"\",1,1,1,0,0,0.02,0.02,0.00,0,0\r\n"
        + "group,\"two\r\nlines\",1,1,1,0,0,0.03,0.03,0.00,0,0\r\n"
        + "total,,5,5,5,0,0,0.15,0.15,0.00,0,0\r\n");

    String markdown = UsageReportFormat.markdown(report);
    assertThat(markdown)
        .contains("- Grouped by: tag user\n")
        .contains("| Tag user | Calls |")
        .contains("\n| *(none)* | 1 |")
        .contains("\n| Doe, Jane | 1 |")
        .contains("\n| say \"hi\" | 1 |")
        .contains("\n| two<br>lines | 1 |")
        .contains("\n| a\\|b \\*x\\* &lt;i&gt; | 1 |");
    // Every table line has the same number of unescaped cell separators.
    assertThat(markdown.lines().filter(l -> l.startsWith("|")))
        .allSatisfy(l -> assertThat(l.replace("\\|", "").chars().filter(c -> c == '|').count()).isEqualTo(12));

    String json = UsageReportFormat.json(report);
    assertThat(json).contains("\"key\" : \"two\\r\\nlines\"").contains("\"key\" : \"say \\\"hi\\\"\"");
  }

  @Test
  void cacheHitsAndWhatTheySavedAreColumnsOfEveryFormat() throws Exception {
    List<UsageRecord> records = List.of(
        record("2026-03-02T00:00:00Z", "test/small", Usage.of(1_000, 200), "0.0014", Map.of("user", "ann")),
        UsageRecord.cacheHit("hit-1", Instant.parse("2026-03-02T00:01:00Z"), "test/small", "test",
            new BigDecimal("0.0014"), Map.of("user", "ann"), null),
        UsageRecord.cacheHit("hit-2", Instant.parse("2026-03-02T00:02:00Z"), "test/small", "test",
            new BigDecimal("0.0014"), Map.of("user", "ann"), null),
        record("2026-03-03T00:00:00Z", "test/small", Usage.of(1, 1), "0.01", Map.of("user", "bob")));
    UsageReport report = UsageReport.of(UsageQuery.between(FROM, TO).byTag("user"), ZoneOffset.UTC, records, true);

    UsageTotals ann = report.row("ann").orElseThrow();
    assertThat(ann.calls()).isEqualTo(1);
    assertThat(ann.cacheHits()).isEqualTo(2);
    assertThat(ann.cacheHitRate()).isEqualTo(2.0 / 3);
    assertThat(report.row("bob").orElseThrow().cacheHitRate()).isZero();
    assertThat(UsageReportFormat.csv(report)).isEqualTo(UsageReportFormat.CSV_HEADER + "\r\n"
        + "group,ann,1,1000,200,0,0,0.0014,0.0014,0.0000,2,0.0028\r\n"
        + "group,bob,1,1,1,0,0,0.01,0.01,0.00,0,0\r\n"
        + "total,,2,1001,201,0,0,0.0114,0.0114,0.0000,2,0.0028\r\n");
    assertThat(UsageReportFormat.markdown(report))
        .contains("| Tag user | Calls | Input tokens | Output tokens | Cache read tokens | Cache write tokens "
            + "| Cost ($) | On reference ($) | Savings ($) | Cache hits | Saved by cache ($) |\n")
        .contains("| ann | 1 | 1000 | 200 | 0 | 0 | 0.001400 | 0.001400 | 0.000000 | 2 | 0.002800 |\n")
        .contains("| **Total** | **2** | **1001** | **201** | **0** | **0** | **0.011400** | **0.011400** "
            + "| **0.000000** | **2** | **0.002800** |\n");
    JsonNode tree = new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
        .readTree(UsageReportFormat.json(report));
    assertThat(tree.get("total").get("cacheHits").asLong()).isEqualTo(2);
    assertThat(tree.get("total").get("cacheSaved").decimalValue()).isEqualTo(new BigDecimal("0.0028"));
    assertThat(tree.get("rows").get(0).get("calls").asLong()).isEqualTo(1);
  }
}
