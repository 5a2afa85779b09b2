package dev.ralex.examples;

import dev.ralex.api.BudgetExceededException;
import dev.ralex.api.ChatRequest;
import dev.ralex.api.ModelInfo;
import dev.ralex.core.Budget;
import dev.ralex.core.ModelCatalog;
import dev.ralex.core.Ralex;
import dev.ralex.core.RuleBasedSelector;
import dev.ralex.micrometer.RalexMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Ralex's Micrometer metrics, offline: a few calls to three SIMULATED models (cheap, balanced, strong), routed
 * by keyword, one of them retried after an overload and one refused by a budget, all recorded by {@link
 * RalexMetrics} into a {@link SimpleMeterRegistry}, whose meters are then printed as a table. In an application
 * the registry would be Prometheus's, OTLP's or another backend's.
 *
 * <p>Run: {@code mvn -B -q -pl ralex-examples exec:java -Dexec.mainClass=dev.ralex.examples.MetricsExample}.
 */
public final class MetricsExample {
  private static final List<ModelInfo> MODELS =
      List.of(SimulatedProvider.HAIKU_CLASS, SimulatedProvider.SONNET_CLASS, SimulatedProvider.OPUS_CLASS);

  private MetricsExample() {}

  /** Runs the example. */
  public static void main(String[] args) {
    run(System.out);
  }

  /** Makes the calls, prints the meters to {@code out}, and returns the registry they were recorded in. */
  static SimpleMeterRegistry run(PrintStream out) {
    Objects.requireNonNull(out, "out");
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    try (Ralex ralex = Ralex.builder()
        .provider(new SimulatedProvider().overloadOnce("deploy"))
        .catalog(ModelCatalog.of(MODELS))
        .defaultModel(SimulatedProvider.SONNET_CLASS.id())
        .selector(RuleBasedSelector.defaults())
        // The interns' team has no budget today: their calls are refused before anything is sent.
        .budget(Budget.perTag("team", Budget.Period.DAILY, BigDecimal.ZERO))
        // The simulated overload clears at once: skip the retry's backoff.
        .sleeper(duration -> {})
        .listener(RalexMetrics.builder(registry).tag("app", "metrics-example").build())
        .build()) {
      ralex.chat(ChatRequest.of("Fix the typo in the log message of Billing.java"));
      ralex.chat(ChatRequest.of("Fix the off-by-one error in the loop of Ledger.java"));
      ralex.chat(ChatRequest.of("What is a good name for the session store component?"));
      ralex.chat(ChatRequest.of("Refactor InvoiceService.java to remove the duplicated retry logic"));
      // This one names its model, and the simulated service is overloaded once: Ralex retries it.
      ralex.chat(ChatRequest.builder().addUserMessage("Summarize the deploy checklist in three bullet points")
          .model(SimulatedProvider.SONNET_CLASS.id()).build());
      try {
        ralex.chat(ChatRequest.builder().addUserMessage("Write a haiku about budgets").tag("team", "interns")
            .build());
      } catch (BudgetExceededException e) {
        out.println("refused: " + e.getMessage());
        out.println();
      }
    }
    print(out, registry);
    return registry;
  }

  /**
   * Prints every meter of {@code registry}: name, type, count, total (or value) and tags, one line each. Leaves
   * out the gauges a {@link SimpleMeterRegistry} adds for each histogram bucket ({@code *.histogram}, tagged
   * {@code le}); a Prometheus registry would publish them as the buckets of the meter.
   */
  static void print(PrintStream out, MeterRegistry registry) {
    List<Meter> meters = registry.getMeters().stream()
        .filter(m -> !m.getId().getName().endsWith(".histogram"))
        .sorted(Comparator.comparing((Meter m) -> m.getId().getName()).thenComparing(m -> tags(m)))
        .toList();
    String format = "%-34s %-8s %6s %14s  %s%n";
    out.printf(Locale.ROOT, format, "meter", "type", "count", "total", "tags");
    out.printf(Locale.ROOT, format, "-".repeat(34), "-".repeat(8), "-".repeat(6), "-".repeat(14), "-".repeat(40));
    for (Meter meter : meters) {
      String type;
      String count;
      String total;
      if (meter instanceof Timer t) {
        type = "timer";
        count = Long.toString(t.count());
        total = String.format(Locale.ROOT, "%.3f s", t.totalTime(TimeUnit.SECONDS));
      } else if (meter instanceof DistributionSummary s) {
        type = "summary";
        count = Long.toString(s.count());
        total = String.format(Locale.ROOT, "%.0f %s", s.totalAmount(), unit(meter));
      } else if (meter instanceof Counter c) {
        type = "counter";
        count = "";
        total = c.getId().getName().equals(RalexMetrics.COST)
            ? String.format(Locale.ROOT, "%.6f %s", c.count(), unit(meter))
            : String.format(Locale.ROOT, "%.0f", c.count());
      } else if (meter instanceof Gauge g) {
        type = "gauge";
        count = "";
        total = String.format(Locale.ROOT, "%.0f", g.value());
      } else {
        continue;
      }
      out.printf(Locale.ROOT, format, meter.getId().getName(), type, count, total.strip(), tags(meter));
    }
  }

  private static String unit(Meter meter) {
    String unit = meter.getId().getBaseUnit();
    return unit == null ? "" : unit;
  }

  /** The meter's tags but the application's, as {@code key=value} separated by spaces. */
  private static String tags(Meter meter) {
    return meter.getId().getTags().stream()
        .filter(t -> !t.getKey().equals("app"))
        .map(t -> t.getKey() + "=" + t.getValue())
        .collect(Collectors.joining(" "));
  }
}
