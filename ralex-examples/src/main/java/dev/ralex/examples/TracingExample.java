package dev.ralex.examples;

import dev.ralex.api.BudgetExceededException;
import dev.ralex.api.ChatRequest;
import dev.ralex.api.ModelInfo;
import dev.ralex.core.Budget;
import dev.ralex.core.ModelCatalog;
import dev.ralex.core.Ralex;
import dev.ralex.core.RuleBasedSelector;
import dev.ralex.opentelemetry.RalexTracing;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.EventData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

/**
 * Ralex's OpenTelemetry traces, offline: a few calls to three SIMULATED models (cheap, balanced, strong), routed
 * by keyword, one of them retried after an overload and one refused by a budget, traced by {@link RalexTracing}
 * into an OpenTelemetry SDK whose spans are kept in memory and then printed as a tree, with their key attributes
 * and events. Two of the calls run inside an application span, {@code POST /review}, and so join its trace. In an
 * application the SDK would export the spans with OTLP to Jaeger, Tempo, Honeycomb or another backend.
 *
 * <p>Run: {@code mvn -B -q -pl ralex-examples exec:java -Dexec.mainClass=dev.ralex.examples.TracingExample}.
 */
public final class TracingExample {
  private static final List<ModelInfo> MODELS =
      List.of(SimulatedProvider.HAIKU_CLASS, SimulatedProvider.SONNET_CLASS, SimulatedProvider.OPUS_CLASS);

  /** The attributes printed after a span's name, in this order, when the span has them. */
  private static final List<String> SHOWN = List.of("gen_ai.request.model", "gen_ai.response.model",
      "ralex.attempt", "ralex.attempts", "gen_ai.usage.input_tokens", "gen_ai.usage.output_tokens", "ralex.cost",
      "gen_ai.response.finish_reasons", "error.type", "ralex.selection.reason");
  /** The span events printed under a span: Ralex's, and a failed call's exception. */
  private static final Set<String> SHOWN_EVENTS = Set.of("ralex.retry", "ralex.fallback", "ralex.escalation",
      "ralex.rate_limit.wait", "ralex.context.compressed", "ralex.circuit.state_changed", "ralex.budget.alert",
      "exception");

  private TracingExample() {}

  /** Runs the example. */
  public static void main(String[] args) {
    run(System.out);
  }

  /** Makes the calls, prints the spans to {@code out} as a tree, and returns them in the order they ended. */
  static List<SpanData> run(PrintStream out) {
    Objects.requireNonNull(out, "out");
    InMemoryExporter exporter = new InMemoryExporter();
    try (OpenTelemetrySdk otel = OpenTelemetrySdk.builder()
        .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(exporter)).build())
        .build()) {
      try (Ralex ralex = Ralex.builder()
          .provider(new SimulatedProvider().overloadOnce("deploy"))
          .catalog(ModelCatalog.of(MODELS))
          .defaultModel(SimulatedProvider.SONNET_CLASS.id())
          .selector(RuleBasedSelector.defaults())
          // The interns' team has no budget today: their calls are refused before anything is sent.
          .budget(Budget.perTag("team", Budget.Period.DAILY, BigDecimal.ZERO))
          // The simulated overload clears at once: skip the retry's backoff.
          .sleeper(duration -> {})
          .listener(RalexTracing.of(otel))
          .build()) {
        // An application's own span, such as an HTTP server instrumentation would make: the calls made while it
        // is current become its children, in its trace.
        Span request = otel.getTracer("tracing-example").spanBuilder("POST /review").startSpan();
        Scope scope = request.makeCurrent();
        try {
          ralex.chat(ChatRequest.of("Fix the typo in the log message of Billing.java"));
          ralex.chat(ChatRequest.of("Refactor InvoiceService.java to remove the duplicated retry logic"));
        } finally {
          scope.close();
          request.end();
        }
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
    }
    List<SpanData> spans = exporter.spans();
    print(out, spans);
    return spans;
  }

  /**
   * Prints {@code spans} as trees: each trace's root, then its children by start time, indented two spaces per
   * level, with the span's kind, duration, status, key attributes and Ralex's events.
   */
  static void print(PrintStream out, List<SpanData> spans) {
    Map<String, SpanData> byId = new LinkedHashMap<>();
    for (SpanData span : spans) {
      byId.put(span.getSpanId(), span);
    }
    Map<String, List<SpanData>> children = new LinkedHashMap<>();
    List<SpanData> roots = new ArrayList<>();
    for (SpanData span : spans) {
      if (span.getParentSpanContext().isValid() && byId.containsKey(span.getParentSpanId())) {
        children.computeIfAbsent(span.getParentSpanId(), id -> new ArrayList<>()).add(span);
      } else {
        roots.add(span);
      }
    }
    Comparator<SpanData> byStart = Comparator.comparingLong(SpanData::getStartEpochNanos);
    roots.sort(byStart);
    children.values().forEach(list -> list.sort(byStart));
    for (SpanData root : roots) {
      out.println("trace " + root.getTraceId());
      print(out, root, children, 1);
      out.println();
    }
  }

  private static void print(PrintStream out, SpanData span, Map<String, List<SpanData>> children, int depth) {
    String indent = "  ".repeat(depth);
    double millis = (span.getEndEpochNanos() - span.getStartEpochNanos()) / 1e6;
    StringBuilder line = new StringBuilder(indent).append(span.getName())
        .append(String.format(Locale.ROOT, "  [%s, %.1f ms", span.getKind(), millis));
    if (span.getStatus().getStatusCode() != StatusCode.UNSET) {
      line.append(", ").append(span.getStatus().getStatusCode());
    }
    line.append(']');
    String attributes = attributes(span.getAttributes(), SHOWN);
    if (!attributes.isEmpty()) {
      line.append(' ').append(attributes);
    }
    out.println(line);
    for (EventData event : span.getEvents()) {
      if (SHOWN_EVENTS.contains(event.getName())) {
        out.println(indent + "  * " + event.getName() + " " + attributes(event.getAttributes(), null));
      }
    }
    for (SpanData child : children.getOrDefault(span.getSpanId(), List.of())) {
      print(out, child, children, depth + 1);
    }
  }

  /** The attributes named in {@code keys} (all, if {@code null}) as {@code key=value} separated by spaces. */
  private static String attributes(Attributes attributes, List<String> keys) {
    Map<String, Object> byName = new LinkedHashMap<>();
    attributes.forEach((key, value) -> byName.put(key.getKey(), value));
    Collection<String> names = keys != null ? keys : byName.keySet();
    return names.stream()
        .filter(byName::containsKey)
        .map(name -> name + "=" + value(byName.get(name)))
        .collect(Collectors.joining(" "));
  }

  private static String value(Object value) {
    String text = value instanceof List<?> list
        ? list.stream().map(String::valueOf).collect(Collectors.joining(",", "[", "]"))
        : String.valueOf(value);
    return text.contains(" ") ? '"' + text + '"' : text;
  }

  /** Keeps every span it is given, for printing: the example's stand-in for an OTLP exporter. */
  private static final class InMemoryExporter implements SpanExporter {
    private final List<SpanData> spans = new CopyOnWriteArrayList<>();

    @Override
    public CompletableResultCode export(Collection<SpanData> batch) {
      spans.addAll(batch);
      return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode flush() {
      return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode shutdown() {
      return CompletableResultCode.ofSuccess();
    }

    List<SpanData> spans() {
      return List.copyOf(spans);
    }
  }
}
