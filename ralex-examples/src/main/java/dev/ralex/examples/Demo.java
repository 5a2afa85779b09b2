package dev.ralex.examples;

import dev.ralex.api.ChatRequest;
import dev.ralex.api.ChatResponse;
import dev.ralex.api.LlmException;
import dev.ralex.api.LlmProvider;
import dev.ralex.api.ModelInfo;
import dev.ralex.api.RalexEvent;
import dev.ralex.api.RalexListener;
import dev.ralex.api.Selection;
import dev.ralex.api.StreamHandle;
import dev.ralex.api.StreamHandler;
import dev.ralex.api.ToolDefinition;
import dev.ralex.api.ToolUseBlock;
import dev.ralex.core.Conversation;
import dev.ralex.core.ModelCatalog;
import dev.ralex.core.Ralex;
import dev.ralex.core.RetryPolicy;
import dev.ralex.core.UsageQuery;
import dev.ralex.core.UsageReport;
import dev.ralex.core.UsageTotals;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A tour of Ralex: five kinds of call through the real pipeline and the real HTTP providers, each printed with
 * the model it went to, why, the tokens, the cost and the attempts, then the day's total spend and a usage
 * report by model ({@link Ralex#report}) with the estimated savings against the strongest model.
 *
 * <p>Offline (the default) it starts a {@link SimulatedLlmServer} on loopback, which speaks the Anthropic and
 * OpenRouter wire formats with SIMULATED models, and points the real {@code AnthropicProvider} and {@code
 * OpenRouterProvider} at it: every byte goes over HTTP, nothing leaves the machine, and one request is answered
 * with an overload to show a retry. With {@code ANTHROPIC_API_KEY} or {@code OPENROUTER_API_KEY} set it calls the
 * real services instead, guarded by a $1.00 daily budget. Offline it ends with a 200-turn coding conversation run
 * with and without history compression and prompt caching, and the savings ({@link LongConversationExample}).
 *
 * <p>Run it with {@code mvn -B -q install -DskipTests && mvn -B -q -pl ralex-examples exec:java}.
 */
public final class Demo {
  /** How the report's line of total spend starts; the amount follows. */
  static final String SPEND_LINE = "Spend: $";
  /** How the report's line of estimated savings starts; the strongest model's id follows. */
  static final String SAVINGS_LINE = "Estimated savings against ";

  /** The line that says the demo runs on the simulation. */
  public static final String OFFLINE_BANNER =
      "offline: real HTTP providers against a loopback server with SIMULATED models (no network, no key)";

  /**
   * The models the demo routes between: one per tier on Anthropic, and a cheap open model on OpenRouter. Online,
   * only those of the providers whose key is set take part.
   */
  static final List<String> DEMO_MODELS = List.of(
      "anthropic/claude-haiku-4-5",
      "anthropic/claude-sonnet-4-6",
      "anthropic/claude-opus-4-7",
      "openrouter/meta-llama/llama-3.1-8b-instruct");

  private static final List<String> KEY_VARIABLES = List.of("ANTHROPIC_API_KEY", "OPENROUTER_API_KEY");

  private Demo() {}

  /** Runs the demo on standard output with the process environment. */
  public static void main(String[] args) {
    run(System.out, System.getenv());
  }

  /**
   * Runs the demo.
   *
   * @param out where to print
   * @param env the environment to read API keys (and base URLs) from
   * @return what the calls cost, as {@code ralex.usage().spentToday()} reports it
   */
  public static BigDecimal run(PrintStream out, Map<String, String> env) {
    return run(out, env, true);
  }

  /**
   * Runs the demo, offline with or without the long-conversation comparison ({@link LongConversationExample}).
   *
   * @return what the tour's calls cost (the long conversation runs on its own Ralex instances)
   */
  static BigDecimal run(PrintStream out, Map<String, String> env, boolean longConversation) {
    Objects.requireNonNull(out, "out");
    Objects.requireNonNull(env, "env");
    CallLog log = new CallLog();
    String keyVariable = KEY_VARIABLES.stream().filter(k -> !isBlank(env.get(k))).findFirst().orElse(null);
    if (keyVariable != null) {
      Ralex online = configure(log).environment(env::get).discoverProviders().build();
      out.println("Ralex demo -- online: " + keyVariable + " is set; real providers " + providerIds(online)
          + " (this costs real money; a $1.00 daily budget guards the run)");
      return runAll(out, online, log);
    }
    try (SimulatedLlmServer server = new SimulatedLlmServer()) {
      server.start();
      server.overloadOnce("refactor");
      // The environment is ignored offline, so a base URL or token set for real use cannot leak in.
      Ralex offline = configure(log)
          .environment(name -> null)
          .provider("anthropic", Map.of("apiKey", "offline-demo-key", "baseUrl", server.anthropicBaseUrl()))
          .provider("openrouter", Map.of("apiKey", "offline-demo-key", "baseUrl", server.openRouterBaseUrl()))
          .build();
      out.println("Ralex demo -- " + OFFLINE_BANNER);
      out.println("   server : " + server.anthropicBaseUrl() + " (Anthropic Messages) and "
          + server.openRouterBaseUrl() + " (OpenRouter chat completions)");
      BigDecimal total = runAll(out, offline, log);
      if (longConversation) {
        LongConversationExample.Options options = LongConversationExample.Options.quick();
        out.println();
        out.println("6. A " + options.turns() + "-turn coding conversation, strict and uncached vs compressed with "
            + "prompt caching (sizes and window scaled down by 10; LongConversationExample runs it full size)");
        LongConversationExample.printSummary(out, LongConversationExample.run(options, server));
      }
      return total;
    }
  }

  private static BigDecimal runAll(PrintStream out, Ralex ralex, CallLog log) {
    try (Ralex r = ralex) {
      printModels(out, r);
      Instant start = Instant.now();
      runCalls(out, r, log);
      BigDecimal total = r.usage().spentToday();
      out.println();
      out.println("Total spent today: $" + total.toPlainString());
      // Every record of this run is stamped before now; the end of a range is exclusive.
      printReport(out, r.report(UsageQuery.between(start, Instant.now().plusMillis(1)).byModel()));
      return total;
    }
  }

  /** The run's spend by model, each beside what the strongest model would have cost for the same tokens. */
  private static void printReport(PrintStream out, UsageReport report) {
    String reference = report.referenceModel().orElse("?");
    out.println();
    out.println("Usage by model (ralex.report), priced again at " + reference + ", the strongest model:");
    out.printf("   %-45s %5s %12s %12s %12s%n", "model", "calls", "cost", "strongest", "saved");
    for (UsageReport.Row row : report.rows()) {
      printRow(out, row.key(), row.totals());
    }
    printRow(out, "total", report.total());
    UsageTotals total = report.total();
    out.println(SPEND_LINE + total.cost().toPlainString() + " over " + total.calls() + " billed attempts");
    String share = total.referenceCost().signum() == 0 ? ""
        : " (" + total.savings().multiply(BigDecimal.valueOf(100))
            .divide(total.referenceCost(), 0, RoundingMode.HALF_UP) + "% less)";
    out.println(SAVINGS_LINE + reference + ": $" + total.savings().toPlainString() + share);
  }

  private static void printRow(PrintStream out, String key, UsageTotals t) {
    out.printf("   %-45s %5d %12s %12s %12s%n", key, t.calls(), dollars(t.cost()), dollars(t.referenceCost()),
        dollars(t.savings()));
  }

  private static String dollars(BigDecimal amount) {
    return "$" + amount.setScale(6, RoundingMode.HALF_UP).toPlainString();
  }

  /** What both modes share: the demo selector, the listener, quick retries and a budget as a safety net. */
  private static Ralex.Builder configure(CallLog log) {
    return Ralex.builder()
        .selector(new KeywordSelector())
        .listener(log)
        .retryPolicy(RetryPolicy.builder()
            .maxRetries(2)
            .baseDelay(Duration.ofMillis(50))
            .maxDelay(Duration.ofMillis(200))
            .build())
        .defaultMaxOutputTokens(1024)
        .dailyBudget(new BigDecimal("1.00"))
        .catalog(demoCatalog());
  }

  private static ModelCatalog demoCatalog() {
    ModelCatalog bundled = ModelCatalog.bundled();
    List<ModelInfo> models = new ArrayList<>();
    for (String id : DEMO_MODELS) {
      models.add(bundled.require(id));
    }
    return ModelCatalog.of(models);
  }

  private static void runCalls(PrintStream out, Ralex ralex, CallLog log) {
    String typo = "Fix the typo in this sentence: 'Teh budget resets at midnight.'";
    call(out, log, "1. A typo fix", typo, () -> ralex.chat(ChatRequest.of(typo)));

    String refactor = "How should I refactor a 300-line OrderService whose process() method switches on the "
        + "order type?";
    call(out, log, "2. A refactoring question", refactor, () -> ralex.chat(ChatRequest.of(refactor)));

    String tests = "Run the tests of module ralex-core and tell me what fails.";
    ToolDefinition runTests = ToolDefinition.of("run_tests", "Runs a Maven module's unit tests and returns the "
        + "failures.", "{\"type\":\"object\",\"properties\":{\"module\":{\"type\":\"string\"}},"
        + "\"required\":[\"module\"]}");
    call(out, log, "3. A request with a tool", tests,
        () -> ralex.chat(ChatRequest.builder().addUserMessage(tests).addTool(runTests).build()));

    String explain = "Explain in two sentences what a circuit breaker does.";
    call(out, log, "4. A streamed answer", explain, false, () -> stream(out, ralex, ChatRequest.of(explain)));

    Conversation chat = ralex.conversation("url-shortener")
        .system("You are a senior engineer helping to plan a small web service.");
    String[] turns = {
        "I'm designing the architecture of a URL shortener. Which storage would you pick?",
        "How would you generate the short codes?",
        "Fix the typo in my table name: shortned_urls",
    };
    for (int i = 0; i < turns.length; i++) {
      String turn = turns[i];
      call(out, log, "5." + (i + 1) + " Conversation turn " + (i + 1) + " of 3", turn, () -> chat.send(turn));
    }
  }

  /** Streams the answer, printing each text delta as it arrives. */
  private static ChatResponse stream(PrintStream out, Ralex ralex, ChatRequest request) {
    AtomicInteger deltas = new AtomicInteger();
    out.print("   stream : ");
    StreamHandle handle = ralex.stream(request, new StreamHandler() {
      @Override
      public void onTextDelta(String text) {
        deltas.incrementAndGet();
        out.print(text);
        out.flush();
      }

      @Override
      public void onComplete(ChatResponse response) {
        out.println();
        out.println("   deltas : " + deltas.get() + " text deltas, printed above as they arrived");
      }

      @Override
      public void onError(LlmException error) {
        out.println();
      }
    });
    try {
      return handle.completion().join();
    } catch (RuntimeException e) {
      throw LlmProvider.unwrap(e);
    }
  }

  private interface CallBody {
    ChatResponse run();
  }

  private static void call(PrintStream out, CallLog log, String title, String prompt, CallBody body) {
    call(out, log, title, prompt, true, body);
  }

  private static void call(PrintStream out, CallLog log, String title, String prompt, boolean showAnswer,
      CallBody body) {
    out.println();
    out.println(title);
    out.println("   prompt : " + prompt);
    ChatResponse response;
    try {
      response = body.run();
    } catch (LlmException e) {
      out.println("   failed : " + e.kind() + ": " + e.getMessage());
      return;
    }
    Selection selection = log.selections.remove(response.callId());
    out.println("   model  : " + response.model());
    out.println("   why    : " + (selection != null ? selection.reason() : "(not reported)"));
    for (String retry : log.retries.getOrDefault(response.callId(), List.of())) {
      out.println("   retry  : " + retry);
    }
    log.retries.remove(response.callId());
    if (showAnswer && !response.text().isEmpty()) {
      out.println("   answer : " + response.text());
    }
    for (ToolUseBlock use : response.toolUses()) {
      out.println("   tool   : the model calls " + use.name() + " " + use.inputJson()
          + " (the application would run it and send back a tool result)");
    }
    out.println("   tokens : " + response.usage().inputTokens() + " in, " + response.usage().outputTokens() + " out");
    out.println("   cost   : $" + response.cost().toPlainString());
    out.println("   attempts: " + response.attempts());
  }

  private static void printModels(PrintStream out, Ralex ralex) {
    out.println("Models:");
    for (ModelInfo m : ralex.models()) {
      out.printf("   %-45s %-8s $%s in / $%s out per million tokens (%s)%n", m.id(), m.tier(),
          m.pricing().inputPerMTok().toPlainString(), m.pricing().outputPerMTok().toPlainString(),
          m.pricing().source());
    }
  }

  private static TreeSet<String> providerIds(Ralex ralex) {
    TreeSet<String> ids = new TreeSet<>();
    for (ModelInfo m : ralex.models()) {
      ids.add(m.provider());
    }
    return ids;
  }

  private static boolean isBlank(String s) {
    return s == null || s.isBlank();
  }

  /**
   * Records why each call went where it did and which attempts were retried. Listeners are called on the
   * thread doing the work, so the maps are concurrent.
   */
  private static final class CallLog implements RalexListener {
    final Map<String, Selection> selections = new ConcurrentHashMap<>();
    final Map<String, List<String>> retries = new ConcurrentHashMap<>();

    @Override
    public void onModelSelected(RalexEvent.ModelSelected event) {
      selections.put(event.callId(), event.selection());
    }

    @Override
    public void onRetrying(RalexEvent.Retrying event) {
      note(event.callId(), "attempt " + (event.nextAttempt() - 1) + " on " + event.model().id() + " failed ("
          + event.cause().kind() + ": " + event.cause().getMessage() + "); retrying after "
          + event.delay().toMillis() + " ms");
    }

    @Override
    public void onFallingBack(RalexEvent.FallingBack event) {
      note(event.callId(), event.from().id() + " failed (" + event.cause().kind() + "); falling back to "
          + event.to().id());
    }

    private void note(String callId, String line) {
      retries.computeIfAbsent(callId, k -> new CopyOnWriteArrayList<>()).add(line);
    }
  }
}
