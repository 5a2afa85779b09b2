package dev.ralex.examples;

import dev.ralex.api.BatchItem;
import dev.ralex.api.BatchResult;
import dev.ralex.api.ChatRequest;
import dev.ralex.api.ChatResponse;
import dev.ralex.core.Batch;
import dev.ralex.core.Budget;
import dev.ralex.core.Ralex;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A batch at half price, offline: four support tickets summarized through Anthropic's Message Batches API, against
 * the {@link SimulatedLlmServer} (which answers a batch at once), with a $1.00 daily budget that holds for the
 * batch too. Prints each result with its cost and what the same calls would have cost made one by one.
 *
 * <p>Run: {@code mvn -B -q -pl ralex-examples exec:java -Dexec.mainClass=dev.ralex.examples.BatchExample}.
 */
public final class BatchExample {
  private static final String MODEL = "anthropic/claude-haiku-4-5";
  private static final List<String> TICKETS = List.of(
      "The login page times out after the last deploy.",
      "Invoices from March show the wrong VAT rate.",
      "The export button does nothing in Safari.",
      "Password reset mails arrive twice.");

  private BatchExample() {}

  /** Runs the example. */
  public static void main(String[] args) {
    run(System.out);
  }

  /** Runs the example, printing to {@code out}; returns the results. */
  static List<BatchResult> run(PrintStream out) {
    try (SimulatedLlmServer server = new SimulatedLlmServer()) {
      server.start();
      try (Ralex ralex = Ralex.builder()
          .environment(name -> null)
          .provider("anthropic", Map.of("apiKey", "offline-demo-key", "baseUrl", server.anthropicBaseUrl()))
          .budget(Budget.daily(new BigDecimal("1.00")))
          .build()) {
        List<BatchItem> items = new ArrayList<>();
        for (int i = 0; i < TICKETS.size(); i++) {
          items.add(BatchItem.of("ticket-" + (i + 1), ChatRequest.builder()
              .addUserMessage("Summarize this support ticket in one line: " + TICKETS.get(i))
              .maxOutputTokens(200).build()));
        }
        Batch batch = ralex.submitBatch(MODEL, items);
        out.println("Submitted " + batch.id() + " (" + items.size() + " requests) to " + MODEL);
        List<BatchResult> results = batch.awaitResults(Duration.ofMinutes(5));
        BigDecimal atOnce = BigDecimal.ZERO;
        for (BatchResult r : results) {
          if (r.response().isPresent()) {
            ChatResponse answer = r.response().get();
            BigDecimal full = ralex.model(MODEL).pricing().costOf(answer.usage());
            atOnce = atOnce.add(full);
            out.printf(Locale.ROOT, "  %-9s $%s (at once: $%s)  %s%n", r.customId(), answer.cost().toPlainString(),
                full.toPlainString(), answer.text().length() > 60 ? answer.text().substring(0, 57) + "..."
                    : answer.text());
          } else {
            out.printf(Locale.ROOT, "  %-9s %s%n", r.customId(), r.outcome());
          }
        }
        out.printf(Locale.ROOT, "Spent today: $%s; the same calls made at once: $%s%n",
            ralex.usage().spentToday().toPlainString(), atOnce.toPlainString());
        return results;
      }
    }
  }
}
