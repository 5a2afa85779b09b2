package dev.ralex.bandit.replay;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HtmlReportTest {
  @Test
  void thePageHasEverySelectorsPointTheLinUcbCurveAndNoScript(@TempDir Path dir) throws Exception {
    Path train = dir.resolve("train.csv");
    Path test = dir.resolve("test.csv");
    Path html = dir.resolve("report.html");
    Path json = dir.resolve("report.json");
    Files.writeString(train, SyntheticRouterBench.agreement(120, 0.3, 1));
    Files.writeString(test, SyntheticRouterBench.agreement(80, 0.3, 2));
    PrintStream quiet = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    int status = ReplayEvaluator.run(new String[] {"--train", train.toString(), "--test", test.toString(),
        "--seeds", "1", "--weights", "0,1,4", "--html", html.toString(), "--out", json.toString()}, quiet, quiet);
    assertThat(status).isZero();
    String page = Files.readString(html, StandardCharsets.UTF_8);
    assertThat(page).startsWith("<!DOCTYPE html>").contains("<svg", "</svg>", "</html>")
        .doesNotContain("<script", "http://", "https://", "src=")
        .contains("class=\"linucb-curve\"");
    ReplayEvaluator.Report report = new com.fasterxml.jackson.databind.ObjectMapper()
        .readValue(json.toFile(), ReplayEvaluator.Report.class);
    assertThat(report.selectors()).hasSize(4 + 2 + 3 + 1 + 1); // baselines, rules and scoring, LinUCB, cascade, oracle
    for (ReplayEvaluator.SelectorResult r : report.selectors()) {
      assertThat(page).as(r.name()).contains("data-selector=\"" + HtmlReport.escape(r.name()) + "\"");
    }
    assertThat(page).contains("class=\"point reference\" data-selector=\"oracle (reference)\"",
        "class=\"point linucb\" data-selector=\"linucb w=4\"",
        "class=\"point learned\" data-selector=\"agreement-cascade");
  }

  @Test
  void namesAreEscaped() {
    assertThat(HtmlReport.escape("<a & \"b\">")).isEqualTo("&lt;a &amp; &quot;b&quot;&gt;");
  }
}
