package dev.ralex.bandit.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.StringReader;
import java.util.List;
import org.junit.jupiter.api.Test;

class CsvTest {
  @Test
  void readsQuotedFieldsWithCommasNewlinesAndDoubledQuotes() throws Exception {
    String text = "\uFEFFa,b,c\r\n1,\"x, \"\"y\"\"\nz\",\r\n\"\",plain,\"\"\"\"\nlast,\"line\r\ntwo\",end";
    List<List<String>> records = Csv.read(new StringReader(text));
    assertThat(records).containsExactly(
        List.of("a", "b", "c"),
        List.of("1", "x, \"y\"\nz", ""),
        List.of("", "plain", "\""),
        List.of("last", "line\r\ntwo", "end"));
  }

  @Test
  void dropsOnlyTheFinalLineBreak() {
    assertThat(Csv.parse("a,b\n")).containsExactly(List.of("a", "b"));
    assertThat(Csv.parse("a\n\nb\n")).containsExactly(List.of("a"), List.of(""), List.of("b"));
    assertThat(Csv.parse("")).isEmpty();
  }

  @Test
  void rejectsAnUnterminatedQuote() {
    assertThatThrownBy(() -> Csv.parse("a,\"open\nstill open"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unterminated quoted field starting on line 1");
    assertThatThrownBy(() -> Csv.parse("\"a\"b,c"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("after a closing quote");
  }

  @Test
  void parsesTheSyntheticRouterBenchFile() {
    List<List<String>> records = Csv.parse(SyntheticRouterBench.threeModels(200, 7));
    assertThat(records).hasSize(201);
    assertThat(records).allSatisfy(r -> assertThat(r).hasSize(records.get(0).size()));
    assertThat(records.get(1).get(4 + 3)).isEqualTo("Answer \"0\",\nwith a newline");
  }
}
