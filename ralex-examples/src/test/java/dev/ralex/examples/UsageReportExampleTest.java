package dev.ralex.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ralex.api.Usage;
import dev.ralex.core.UsageRecord;
import dev.ralex.core.UsageStore;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UsageReportExampleTest {
  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  private final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);

  private static int count(String text, String what) {
    Matcher m = Pattern.compile(Pattern.quote(what)).matcher(text);
    int n = 0;
    while (m.find()) {
      n++;
    }
    return n;
  }

  @Test
  void fillsATemporaryJournalOfflineAndWritesFourReportsWhoseTotalsMatchTheStore(@TempDir Path output)
      throws Exception {
    UsageReportExample.Result result = UsageReportExample.run(out, null, output);

    for (String file : UsageReportExample.FILES) {
      assertThat(output.resolve(file)).isRegularFile();
    }
    List<UsageRecord> records;
    try (UsageStore store = UsageStore.journal(result.journal())) {
      records = store.records(Instant.EPOCH, Instant.parse("9999-01-01T00:00:00Z"));
    }
    BigDecimal storeCost = records.stream().map(UsageRecord::cost).reduce(BigDecimal.ZERO, BigDecimal::add);
    assertThat(records).hasSize(UsageReportExample.CALLS);
    assertThat(storeCost).isPositive();

    JsonNode json = new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
        .readTree(output.resolve("report.json").toFile());
    assertThat(json.get("total").get("calls").asLong()).isEqualTo(records.size());
    assertThat(json.get("total").get("cost").decimalValue()).isEqualByComparingTo(storeCost);
    assertThat(json.get("referenceModel").asText()).isEqualTo("anthropic/claude-opus-4-7");
    assertThat(json.get("rows")).hasSizeGreaterThan(1);
    assertThat(result.byDay().rows()).hasSize(UsageReportExample.DAYS);
    assertThat(result.byDay().total().cost()).isEqualByComparingTo(storeCost);

    String csv = Files.readString(output.resolve("report.csv"));
    assertThat(csv).contains("\r\ntotal,," + records.size() + ",")
        .contains("," + result.byModel().total().cost().toPlainString() + ",");
    assertThat(Files.readString(output.resolve("report.md"))).contains("| **Total** | **" + records.size() + "** |");

    String html = Files.readString(output.resolve("report.html"));
    assertThat(count(html, "<svg")).isEqualTo(3);
    assertThat(html).doesNotContain("<script").doesNotContain("http://").doesNotContain("@font-face")
        .contains("2026-03-23").contains("2026-03-28").contains("anthropic/claude-opus-4-7")
        .contains(records.size() + " calls");
    assertThat(bytes.toString(StandardCharsets.UTF_8)).contains("report.html");
  }

  @Test
  void readsAGivenJournalAndEscapesItsTextInTheHtml(@TempDir Path journal, @TempDir Path output) throws Exception {
    try (UsageStore store = UsageStore.journal(journal)) {
      store.append(new UsageRecord("c1", Instant.parse("2026-05-01T10:00:00Z"), "evil/<script>x</script>", "evil",
          Usage.of(1_000, 100), new BigDecimal("0.0125"), Map.of(), null));
      store.append(new UsageRecord("c2", Instant.parse("2026-05-02T10:00:00Z"), "anthropic/claude-haiku-4-5",
          "anthropic", Usage.of(2_000, 200), new BigDecimal("0.003"), Map.of(), null));
    }

    UsageReportExample.Result result = UsageReportExample.run(out, journal, output);

    assertThat(result.byModel().total().cost()).isEqualByComparingTo("0.0155");
    assertThat(result.byDay().rows()).hasSize(2);
    String html = Files.readString(output.resolve("report.html"));
    assertThat(html).doesNotContain("<script").contains("evil/&lt;script&gt;x&lt;/script&gt;");
    assertThat(count(html, "<svg")).isEqualTo(3);
    assertThat(Files.readString(output.resolve("report.csv")))
        .contains("group,evil/<script>x</script>,1,1000,100,0,0,0.0125,");
  }
}
