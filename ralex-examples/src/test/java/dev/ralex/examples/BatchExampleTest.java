package dev.ralex.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ralex.api.BatchResult;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class BatchExampleTest {
  @Test
  void everyTicketIsAnsweredAtHalfThePriceOfACallMadeAtOnce() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    List<BatchResult> results = BatchExample.run(new PrintStream(bytes, true, StandardCharsets.UTF_8));
    assertThat(results).hasSize(4).allMatch(r -> r.outcome() == BatchResult.Outcome.SUCCEEDED);
    for (BatchResult r : results) {
      // Haiku 4.5 at $1 / $5 per million, halved.
      var answer = r.response().orElseThrow();
      BigDecimal full = new BigDecimal(answer.usage().inputTokens()).add(
          new BigDecimal(answer.usage().outputTokens()).multiply(BigDecimal.valueOf(5)))
          .divide(BigDecimal.valueOf(1_000_000));
      assertThat(answer.cost()).isEqualByComparingTo(full.divide(BigDecimal.valueOf(2)));
    }
    String text = bytes.toString(StandardCharsets.UTF_8);
    assertThat(text).contains("Submitted msgbatch_sim_").contains("ticket-4").contains("Spent today: $");
  }
}
