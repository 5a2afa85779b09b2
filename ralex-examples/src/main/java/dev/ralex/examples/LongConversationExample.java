package dev.ralex.examples;

import dev.ralex.api.ChatRequest;
import dev.ralex.api.ChatResponse;
import dev.ralex.api.ContentBlock;
import dev.ralex.api.ContextTooLongException;
import dev.ralex.api.Message;
import dev.ralex.api.ModelInfo;
import dev.ralex.api.RalexEvent;
import dev.ralex.api.RalexListener;
import dev.ralex.api.Role;
import dev.ralex.api.StopReason;
import dev.ralex.api.ToolDefinition;
import dev.ralex.api.ToolResultBlock;
import dev.ralex.api.ToolUseBlock;
import dev.ralex.api.Usage;
import dev.ralex.core.Compression;
import dev.ralex.core.ContextManager;
import dev.ralex.core.ModelCatalog;
import dev.ralex.core.Ralex;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Token savings of history compression and prompt caching on a long coding conversation: a scripted 200-turn
 * session (a user working through a codebase with questions, pasted code and logs, and a {@code read_file} tool
 * round on every turn with files of varied sizes), generated deterministically from a seed, run twice through
 * Ralex on Claude Haiku 4.5 against a {@link SimulatedLlmServer}, whose Anthropic side simulates prompt caching:
 *
 * <ol>
 *   <li><b>baseline</b>: {@link ContextManager#strict()}, no cache breakpoints. On the real 200,000-token window it
 *       is refused with a {@link ContextTooLongException} once the history no longer fits; from that turn on the
 *       baseline continues on a copy of Claude Haiku 4.5 with a 1,000,000-token window at the same prices, so its
 *       cost covers all 200 turns (what the conversation would cost uncompressed, were there room).
 *   <li><b>compressed</b>: {@code ContextManager.compressing(truncateToolResults(2_000),
 *       summarize("anthropic/claude-haiku-4-5"), dropOldest())} with its cache breakpoints, on the real window.
 * </ol>
 *
 * It prints the tokens and cost of every 10th turn and the totals, the summarization calls' own cost included
 * (they are tagged {@code ralex.task=summarize} and seen through {@link RalexEvent.UsageRecorded}), and the cost
 * ratio. Offline, no key needed: {@code mvn -B -q install -DskipTests && mvn -B -q -pl ralex-examples exec:java
 * -Dexec.mainClass=dev.ralex.examples.LongConversationExample} (the arguments {@code --markdown} print the table
 * for docs/BENCHMARKS.md instead).
 */
public final class LongConversationExample {
  /** The model both runs use. */
  public static final String MODEL = "anthropic/claude-haiku-4-5";
  /** The window of the baseline's fallback copy of {@link #MODEL}, large enough for the whole history. */
  static final int UNBOUNDED_WINDOW = 1_000_000;
  /** The turns the Markdown table shows. */
  static final List<Integer> TABLE_TURNS = List.of(1, 10, 50, 100, 150, 200);

  private LongConversationExample() {}

  /**
   * What to run.
   *
   * @param seed the script's seed
   * @param turns how many user turns
   * @param contextWindow the window of {@link #MODEL} the compressed run (and the strict baseline) must fit
   * @param sizeScale a factor on every generated size (1 is realistic; smaller makes quick tests)
   * @param maxOutputTokens the output reserved per call
   */
  public record Options(long seed, int turns, int contextWindow, double sizeScale, int maxOutputTokens) {
    /** Validates the options. */
    public Options {
      if (turns < 1 || contextWindow < 1_000 || !(sizeScale > 0) || maxOutputTokens < 1) {
        throw new IllegalArgumentException("turns >= 1, contextWindow >= 1000, sizeScale > 0 and maxOutputTokens "
            + ">= 1 are required");
      }
    }

    /**
     * 200 turns at a tenth of the realistic sizes on a 20,000-token window: the same shape (the raw history ends
     * well beyond the window) at a tenth of the bytes, for the demo and tests.
     */
    public static Options quick() {
      return new Options(42, 200, 20_000, 0.1, 1_024);
    }

    /** 200 turns of realistic sizes on Claude Haiku 4.5's 200,000-token window; seed 42. */
    public static Options defaults() {
      return new Options(42, 200, 200_000, 1.0, 4_096);
    }
  }

  /**
   * What one user turn cost: its calls (the question and the tool round) and the summarization calls made while
   * fitting them.
   *
   * @param turn the turn, from 1
   * @param usage the tokens of the turn's own calls
   * @param cost their cost
   * @param summaryUsage the tokens of the summarization calls made during the turn
   * @param summaryCost their cost
   * @param summaryCalls how many there were
   * @param maxPromptTokens the largest input (uncached, read and written) the server billed for one call
   * @param compressions the compression steps that changed the turn's requests, as {@code strategy:count}
   */
  public record TurnUsage(int turn, Usage usage, BigDecimal cost, Usage summaryUsage, BigDecimal summaryCost,
      int summaryCalls, long maxPromptTokens, List<String> compressions) {
    /** Validates the record. */
    public TurnUsage {
      Objects.requireNonNull(usage, "usage");
      Objects.requireNonNull(cost, "cost");
      Objects.requireNonNull(summaryUsage, "summaryUsage");
      Objects.requireNonNull(summaryCost, "summaryCost");
      compressions = List.copyOf(compressions);
    }

    /** The input tokens billed: uncached, cache reads and cache writes, summarization calls included. */
    public long inputBilled() {
      return usage.totalInputTokens() + summaryUsage.totalInputTokens();
    }

    /** The turn's whole cost, summarization calls included. */
    public BigDecimal totalCost() {
      return cost.add(summaryCost);
    }
  }

  /**
   * One run of the conversation.
   *
   * @param name what was run
   * @param turns each turn's usage, in order
   * @param refusedFromTurn the first turn the 200k window refused (strict baseline), or 0 if none was
   */
  public record Run(String name, List<TurnUsage> turns, int refusedFromTurn) {
    /** Validates the record. */
    public Run {
      Objects.requireNonNull(name, "name");
      turns = List.copyOf(turns);
    }

    /** All tokens of the run's turns, summarization calls included. */
    public Usage totalUsage() {
      Usage sum = Usage.ZERO;
      for (TurnUsage t : turns) {
        sum = sum.plus(t.usage()).plus(t.summaryUsage());
      }
      return sum;
    }

    /** The run's cost, summarization calls included. */
    public BigDecimal totalCost() {
      BigDecimal sum = BigDecimal.ZERO;
      for (TurnUsage t : turns) {
        sum = sum.add(t.totalCost());
      }
      return sum;
    }

    /** The summarization calls' cost alone. */
    public BigDecimal summaryCost() {
      BigDecimal sum = BigDecimal.ZERO;
      for (TurnUsage t : turns) {
        sum = sum.add(t.summaryCost());
      }
      return sum;
    }

    /** How many summarization calls the run made. */
    public int summaryCalls() {
      int n = 0;
      for (TurnUsage t : turns) {
        n += t.summaryCalls();
      }
      return n;
    }

    /** The largest input one call was billed for. */
    public long maxPromptTokens() {
      long max = 0;
      for (TurnUsage t : turns) {
        max = Math.max(max, t.maxPromptTokens());
      }
      return max;
    }

    /** The share of billed input read from the cache, in [0, 1]. */
    public double cacheHitRate() {
      Usage u = totalUsage();
      return u.totalInputTokens() == 0 ? 0 : (double) u.cacheReadTokens() / u.totalInputTokens();
    }
  }

  /**
   * Both runs.
   *
   * @param options what was run
   * @param rawHistoryTokens the estimated tokens of the whole uncompressed history after the last turn
   * @param baseline the strict, uncached run
   * @param compressed the compressing, cached run
   */
  public record Comparison(Options options, long rawHistoryTokens, Run baseline, Run compressed) {
    /** The compressed run's cost over the baseline's. */
    public BigDecimal costRatio() {
      return compressed.totalCost().divide(baseline.totalCost(), 4, RoundingMode.HALF_UP);
    }
  }

  /**
   * Runs the comparison with the default options on a simulated server and prints it; {@code --markdown} prints
   * the Markdown table instead.
   */
  public static void main(String[] args) {
    try (SimulatedLlmServer server = new SimulatedLlmServer()) {
      server.start();
      Comparison c = run(Options.defaults(), server);
      if (args.length > 0 && args[0].equals("--markdown")) {
        System.out.print(markdown(c));
      } else {
        print(System.out, c);
      }
    }
  }

  /** Runs the scripted conversation twice against {@code server} (started), as the class comment says. */
  public static Comparison run(Options options, SimulatedLlmServer server) {
    Objects.requireNonNull(options, "options");
    Objects.requireNonNull(server, "server");
    Script script = Script.generate(options);
    // The two runs are independent (their own Ralex, key and cache entries): run the baseline beside the other.
    CompletableFuture<Run> baseline = CompletableFuture.supplyAsync(() -> {
      Tally tally = new Tally();
      try (Ralex strict = ralex(server, "baseline", window(options.contextWindow()), ContextManager.strict(), tally,
          options);
          Ralex unbounded = ralex(server, "baseline", window(UNBOUNDED_WINDOW), ContextManager.strict(), tally,
              options)) {
        return converse("baseline: strict, no caching", script, options, tally, strict, unbounded);
      }
    });
    Tally compressedTally = new Tally();
    Run compressed;
    ContextManager compressing = ContextManager.compressing(Compression.truncateToolResults(2_000),
        Compression.summarize(MODEL), Compression.dropOldest());
    try (Ralex ralex = ralex(server, "compressed", window(options.contextWindow()), compressing, compressedTally,
        options)) {
      compressed = converse("compressed + prompt caching", script, options, compressedTally, ralex, null);
    }
    return new Comparison(options, script.rawTokens, baseline.join(), compressed);
  }

  private static ModelInfo window(int contextWindow) {
    ModelInfo model = ModelCatalog.bundled().require(MODEL);
    return model.toBuilder().contextWindow(contextWindow)
        .maxOutputTokens(Math.min(model.maxOutputTokens(), contextWindow / 2)).build();
  }

  private static Ralex ralex(SimulatedLlmServer server, String key, ModelInfo model, ContextManager contextManager,
      Tally tally, Options options) {
    return Ralex.builder()
        .environment(name -> null)
        .provider("anthropic", Map.of("apiKey", "long-conversation-" + key, "baseUrl", server.anthropicBaseUrl()))
        .catalog(ModelCatalog.of(List.of(model)))
        .defaultMaxOutputTokens(options.maxOutputTokens())
        .contextManager(contextManager)
        // The simulated server's rate-limit headers allow 2M input tokens a minute, which 400 calls of up to 200k
        // tokens in a few seconds exceed: learning them would make the run wait, as it should against the real
        // API. The comparison is about tokens and cost, not throughput.
        .adaptiveRateLimits(false)
        .listener(tally)
        .build();
  }

  /**
   * Sends the script's turns, keeping the history; on a {@link ContextTooLongException} switches to {@code
   * fallback} (if any) for the rest of the run.
   */
  private static Run converse(String name, Script script, Options options, Tally tally, Ralex ralex,
      Ralex fallback) {
    List<Message> history = new ArrayList<>();
    List<TurnUsage> turns = new ArrayList<>(options.turns());
    String conversationId = "long-conversation-" + options.seed();
    Ralex current = ralex;
    int refusedFrom = 0;
    for (int t = 1; t <= options.turns(); t++) {
      Script.Turn turn = script.turns.get(t - 1);
      tally.reset();
      history.add(Message.user(turn.userText()));
      for (int round = 0; round < 3; round++) {
        ChatRequest request = ChatRequest.builder()
            .model(MODEL)
            .system(script.systemPrompt)
            .tools(script.tools)
            .messages(history)
            .maxOutputTokens(options.maxOutputTokens())
            .conversationId(conversationId)
            .build();
        ChatResponse response;
        try {
          response = current.chat(request);
        } catch (ContextTooLongException e) {
          if (fallback == null || current == fallback) {
            throw e;
          }
          refusedFrom = t;
          current = fallback;
          response = current.chat(request);
        }
        history.add(response.toMessage());
        if (response.stopReason() != StopReason.TOOL_USE) {
          break;
        }
        List<ContentBlock> results = new ArrayList<>();
        for (ToolUseBlock use : response.toolUses()) {
          results.add(ToolResultBlock.of(use.id(), turn.fileContent()));
        }
        history.add(new Message(Role.USER, results));
      }
      turns.add(tally.turn(t));
    }
    return new Run(name, turns, refusedFrom);
  }

  // ------------------------------------------------------------------------------------------------ output

  /** Prints every 10th turn (and the first), the totals and the cost ratio. */
  public static void print(PrintStream out, Comparison c) {
    Options o = c.options();
    out.printf(Locale.ROOT, "Long conversation: %d scripted coding turns on %s (seed %d, window %,d tokens); the "
        + "raw history ends at %,d tokens%n", o.turns(), MODEL, o.seed(), o.contextWindow(), c.rawHistoryTokens());
    if (c.baseline().refusedFromTurn() > 0) {
      out.printf(Locale.ROOT, "  strict baseline: refused from turn %d on (ContextTooLongException); from there it "
          + "runs on a %,d-token copy of the model at the same prices%n", c.baseline().refusedFromTurn(),
          UNBOUNDED_WINDOW);
    }
    out.println("  turn | baseline: input   cost      | compressed: input  cache-read cache-write  output   cost"
        + "      | summaries");
    List<TurnUsage> base = c.baseline().turns();
    List<TurnUsage> comp = c.compressed().turns();
    for (int i = 0; i < base.size(); i++) {
      int turn = i + 1;
      if (turn == 1 || turn % 10 == 0) {
        TurnUsage b = base.get(i);
        TurnUsage k = comp.get(i);
        Usage u = k.usage().plus(k.summaryUsage());
        out.printf(Locale.ROOT, "  %4d | %,15d  $%-8s | %,17d %,10d %,11d %,7d  $%-8s | %d call(s) $%s%n", turn,
            b.inputBilled(), money(b.totalCost()), u.inputTokens(), u.cacheReadTokens(), u.cacheWriteTokens(),
            u.outputTokens(), money(k.totalCost()), k.summaryCalls(), money(k.summaryCost()));
      }
    }
    Usage bu = c.baseline().totalUsage();
    Usage cu = c.compressed().totalUsage();
    out.printf(Locale.ROOT, "  total| %,15d  $%-8s | %,17d %,10d %,11d %,7d  $%-8s | %d call(s) $%s%n",
        bu.totalInputTokens(), money(c.baseline().totalCost()), cu.inputTokens(), cu.cacheReadTokens(),
        cu.cacheWriteTokens(), cu.outputTokens(), money(c.compressed().totalCost()),
        c.compressed().summaryCalls(), money(c.compressed().summaryCost()));
    out.printf(Locale.ROOT, "  largest request: baseline %,d tokens, compressed %,d tokens (window %,d); "
        + "compressed cache hit rate %.1f%% of input%n", c.baseline().maxPromptTokens(),
        c.compressed().maxPromptTokens(), o.contextWindow(), 100 * c.compressed().cacheHitRate());
    out.printf(Locale.ROOT, "  cost: baseline $%s, compressed $%s (summaries $%s): ratio %s (%.1fx cheaper)%n",
        money(c.baseline().totalCost()), money(c.compressed().totalCost()), money(c.compressed().summaryCost()),
        c.costRatio().toPlainString(), 1 / c.costRatio().doubleValue());
  }

  /** A short summary for the demo: the totals and the ratio. */
  public static void printSummary(PrintStream out, Comparison c) {
    out.printf(Locale.ROOT, "   turns  : %d scripted coding turns, raw history %,d tokens at the end (window %,d)%n",
        c.options().turns(), c.rawHistoryTokens(), c.options().contextWindow());
    out.printf(Locale.ROOT, "   strict : %,d input tokens billed, $%s%s%n",
        c.baseline().totalUsage().totalInputTokens(), money(c.baseline().totalCost()),
        c.baseline().refusedFromTurn() > 0 ? String.format(Locale.ROOT, " (the %,d-token window refuses it from "
            + "turn %d; priced on as if it fitted)", c.options().contextWindow(), c.baseline().refusedFromTurn())
            : "");
    Usage cu = c.compressed().totalUsage();
    out.printf(Locale.ROOT, "   compressed + caching: %,d uncached + %,d cache-read + %,d cache-write tokens, $%s "
        + "(%d summaries, $%s)%n", cu.inputTokens(), cu.cacheReadTokens(), cu.cacheWriteTokens(),
        money(c.compressed().totalCost()), c.compressed().summaryCalls(), money(c.compressed().summaryCost()));
    out.printf(Locale.ROOT, "   savings: cost ratio %s (%.1fx cheaper)%n", c.costRatio().toPlainString(),
        1 / c.costRatio().doubleValue());
  }

  /** The Markdown table for docs/BENCHMARKS.md. */
  public static String markdown(Comparison c) {
    StringBuilder sb = new StringBuilder();
    Options o = c.options();
    sb.append(String.format(Locale.ROOT, "Scripted %d-turn coding conversation (seed %d; a `read_file` tool round "
        + "every turn), %s at list prices, SIMULATED server with Anthropic's prompt-caching rules. Raw history at "
        + "the end: %,d tokens. Input tokens billed per turn = uncached + cache reads + cache writes, "
        + "summarization calls included.%n%n", o.turns(), o.seed(), MODEL, c.rawHistoryTokens()));
    sb.append("| Turn | Without: input billed | Without: cost | With: uncached input | With: cache read "
        + "| With: cache write | With: input billed | With: cost | Cost ratio |\n");
    sb.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (int turn : TABLE_TURNS) {
      if (turn > o.turns()) {
        continue;
      }
      TurnUsage b = c.baseline().turns().get(turn - 1);
      TurnUsage k = c.compressed().turns().get(turn - 1);
      Usage u = k.usage().plus(k.summaryUsage());
      sb.append(String.format(Locale.ROOT, "| %d | %,d | $%s | %,d | %,d | %,d | %,d | $%s | %s |%n", turn,
          b.inputBilled(), money(b.totalCost()), u.inputTokens(), u.cacheReadTokens(), u.cacheWriteTokens(),
          k.inputBilled(), money(k.totalCost()), ratio(k.totalCost(), b.totalCost())));
    }
    Usage bu = c.baseline().totalUsage();
    Usage cu = c.compressed().totalUsage();
    sb.append(String.format(Locale.ROOT, "| **Total** | %,d | $%s | %,d | %,d | %,d | %,d | $%s | **%s** |%n",
        bu.totalInputTokens(), money(c.baseline().totalCost()), cu.inputTokens(), cu.cacheReadTokens(),
        cu.cacheWriteTokens(), cu.totalInputTokens(), money(c.compressed().totalCost()),
        c.costRatio().toPlainString()));
    sb.append(String.format(Locale.ROOT, "%nWithout: `ContextManager.strict()`, no cache breakpoints; the "
        + "%,d-token window refuses it from turn %d, so from there it is priced as if the window were %,d tokens. "
        + "With: `compressing(truncateToolResults(2_000), summarize(\"%s\"), dropOldest())` with cache "
        + "breakpoints; %d summarization calls costing $%s are included; largest request %,d tokens; %.1f%% of "
        + "the input read from the cache.%n", o.contextWindow(), c.baseline().refusedFromTurn(), UNBOUNDED_WINDOW,
        MODEL,
        c.compressed().summaryCalls(), money(c.compressed().summaryCost()), c.compressed().maxPromptTokens(),
        100 * c.compressed().cacheHitRate()));
    return sb.toString();
  }

  private static String ratio(BigDecimal a, BigDecimal b) {
    return b.signum() == 0 ? "-" : a.divide(b, 3, RoundingMode.HALF_UP).toPlainString();
  }

  private static String money(BigDecimal amount) {
    return amount.setScale(4, RoundingMode.HALF_UP).toPlainString();
  }

  // ------------------------------------------------------------------------------------------------ usage

  /**
   * Adds up the usage of each turn, the calls Ralex makes to summarize apart (their requests carry the tag
   * {@code ralex.task=summarize}). Listeners run on the calling thread; the maps are concurrent all the same.
   */
  private static final class Tally implements RalexListener {
    private final Set<String> summaryCalls = ConcurrentHashMap.newKeySet();
    private final Map<String, Integer> compressions = new ConcurrentHashMap<>();
    private Usage usage = Usage.ZERO;
    private BigDecimal cost = BigDecimal.ZERO;
    private Usage summaryUsage = Usage.ZERO;
    private BigDecimal summaryCost = BigDecimal.ZERO;
    private int summaries;
    private long maxPrompt;

    synchronized void reset() {
      usage = Usage.ZERO;
      cost = BigDecimal.ZERO;
      summaryUsage = Usage.ZERO;
      summaryCost = BigDecimal.ZERO;
      summaries = 0;
      maxPrompt = 0;
      compressions.clear();
    }

    synchronized TurnUsage turn(int turn) {
      List<String> steps = new ArrayList<>();
      compressions.forEach((k, v) -> steps.add(k + ":" + v));
      steps.sort(null);
      return new TurnUsage(turn, usage, cost, summaryUsage, summaryCost, summaries, maxPrompt, steps);
    }

    @Override
    public void onCallStarted(RalexEvent.CallStarted event) {
      if ("summarize".equals(event.request().tags().get("ralex.task"))) {
        summaryCalls.add(event.callId());
      }
    }

    @Override
    public void onContextCompressed(RalexEvent.ContextCompressed event) {
      compressions.merge(event.strategy(), 1, Integer::sum);
    }

    @Override
    public synchronized void onUsageRecorded(RalexEvent.UsageRecorded event) {
      if (summaryCalls.remove(event.callId())) {
        summaryUsage = summaryUsage.plus(event.usage());
        summaryCost = summaryCost.add(event.cost());
        summaries++;
      } else {
        usage = usage.plus(event.usage());
        cost = cost.add(event.cost());
        maxPrompt = Math.max(maxPrompt, event.usage().totalInputTokens());
      }
    }
  }

  // ----------------------------------------------------------------------------------------------- script

  /**
   * The scripted conversation: a coding assistant's system prompt and tools, and per turn the user's message and
   * the file the {@code read_file} tool returns. Deterministic for a seed.
   */
  static final class Script {
    final String systemPrompt;
    final List<ToolDefinition> tools;
    final List<Turn> turns;
    final long rawTokens;

    record Turn(String userText, String fileContent) {}

    private Script(String systemPrompt, List<ToolDefinition> tools, List<Turn> turns, long rawTokens) {
      this.systemPrompt = systemPrompt;
      this.tools = tools;
      this.turns = turns;
      this.rawTokens = rawTokens;
    }

    private static final String[] PACKAGES = {"order", "billing", "catalog", "inventory", "shipping", "customer",
        "payment", "search", "auth", "notification"};
    private static final String[] NOUNS = {"Order", "Invoice", "Product", "Stock", "Shipment", "Customer",
        "Payment", "Query", "Token", "Message", "Cart", "Discount", "Address", "Refund", "Report"};
    private static final String[] ROLES = {"Service", "Repository", "Controller", "Mapper", "Validator", "Client",
        "Handler", "Factory", "Policy", "Listener"};
    private static final String[] VERBS = {"find", "save", "validate", "compute", "apply", "load", "publish",
        "cancel", "merge", "resolve", "schedule", "retry"};
    private static final String[] QUESTIONS = {
        "Where is %s.%s called from, and can it ever receive a null argument?",
        "Why does %s.%s take a lock here? Is that still needed after the last change?",
        "Can you explain what %s.%s does when the list is empty?",
        "Is there a race between %s.%s and the scheduled job that cleans up expired entries?",
        "What would break if I made %s.%s package-private?",
        "How does %s.%s handle a timeout from the downstream service?",
        "Could %s.%s be simplified with a stream, or is the loop there for a reason?",
        "Does %s.%s need a transaction, given that it writes two tables?"};

    static Script generate(Options options) {
      Random random = new Random(options.seed());
      double scale = options.sizeScale();
      List<String> files = new ArrayList<>();
      for (int i = 0; i < 60; i++) {
        String pkg = PACKAGES[random.nextInt(PACKAGES.length)];
        files.add("src/main/java/com/acme/shop/" + pkg + "/" + NOUNS[random.nextInt(NOUNS.length)]
            + ROLES[random.nextInt(ROLES.length)] + ".java");
      }
      StringBuilder system = new StringBuilder("You are a senior Java engineer pairing with the user on the "
          + "acme-shop codebase, a Spring Boot monolith being split into modules. Use the tools to read code before "
          + "answering; quote file paths and line numbers; prefer small, reviewable changes.\n\nHouse rules:\n");
      for (int i = 0; system.length() < (int) (6_000 * scale); i++) {
        system.append(i + 1).append(". ").append(sentence(random)).append('\n');
      }
      List<ToolDefinition> tools = List.of(
          ToolDefinition.of("read_file", "Reads a file of the repository and returns its contents with line "
              + "numbers.", "{\"type\":\"object\",\"properties\":{\"path\":{\"type\":\"string\"}},"
              + "\"required\":[\"path\"]}"),
          ToolDefinition.of("search_code", "Searches the repository for a regular expression and returns the "
              + "matching lines.", "{\"type\":\"object\",\"properties\":{\"pattern\":{\"type\":\"string\"}},"
              + "\"required\":[\"pattern\"]}"),
          ToolDefinition.of("run_tests", "Runs a Maven module's tests and returns the failures.",
              "{\"type\":\"object\",\"properties\":{\"module\":{\"type\":\"string\"}},"
              + "\"required\":[\"module\"]}"));
      List<Turn> turns = new ArrayList<>(options.turns());
      long raw = dev.ralex.api.TokenEstimates.estimateText(system.toString());
      for (int t = 1; t <= options.turns(); t++) {
        String file = files.get(random.nextInt(files.size()));
        String cls = file.substring(file.lastIndexOf('/') + 1, file.length() - 5);
        String method = VERBS[random.nextInt(VERBS.length)] + NOUNS[random.nextInt(NOUNS.length)];
        double kind = random.nextDouble();
        String user;
        if (kind < 0.55) {
          user = String.format(Locale.ROOT, QUESTIONS[random.nextInt(QUESTIONS.length)], cls, method)
              + " The file is " + file + ".";
        } else if (kind < 0.85) {
          user = "Here is my change to " + cls + "." + method + " in " + file + "; does it look right?\n```java\n"
              + code(random, (int) (size(random, 500, 0.7, 150, 1_800) * scale)) + "```";
        } else {
          user = "The build fails after my change to " + file + ":\n" + log(random, cls, method,
              (int) (size(random, 450, 0.5, 150, 1_200) * scale));
        }
        // Files: a median of 1,500 tokens, a long tail to 14,000.
        String content = numbered(code(random, (int) (size(random, 1_500, 0.8, 150, 14_000) * scale)));
        turns.add(new Turn(user, content));
        raw += dev.ralex.api.TokenEstimates.estimateText(user) + dev.ralex.api.TokenEstimates.estimateText(content)
            + 60;
      }
      return new Script(system.toString(), tools, List.copyOf(turns), raw);
    }

    /** Tokens from a log-normal distribution around {@code median}, clipped. */
    private static int size(Random random, int median, double sigma, int min, int max) {
      double v = median * Math.exp(sigma * random.nextGaussian());
      return (int) Math.max(min, Math.min(max, v));
    }

    private static String sentence(Random random) {
      return "When you touch a " + NOUNS[random.nextInt(NOUNS.length)] + ROLES[random.nextInt(ROLES.length)]
          + ", keep " + VERBS[random.nextInt(VERBS.length)] + " methods free of side effects, log with the "
          + "request id, and add a test next to the existing ones in the same package.";
    }

    /** About {@code tokens} tokens of Java-like code (four characters a token). */
    private static String code(Random random, int tokens) {
      StringBuilder sb = new StringBuilder(tokens * 4 + 100);
      int chars = tokens * 4;
      while (sb.length() < chars) {
        String noun = NOUNS[random.nextInt(NOUNS.length)];
        String verb = VERBS[random.nextInt(VERBS.length)];
        switch (random.nextInt(5)) {
          case 0 -> sb.append("  public ").append(noun).append(' ').append(verb).append(noun).append("(")
              .append(noun).append("Id id, Context ctx) {\n");
          case 1 -> sb.append("    var ").append(noun.toLowerCase(Locale.ROOT)).append(" = repository.")
              .append(verb).append("(id).orElseThrow(() -> new NotFoundException(id));\n");
          case 2 -> sb.append("    if (").append(noun.toLowerCase(Locale.ROOT)).append(".status() == Status.")
              .append(verb.toUpperCase(Locale.ROOT)).append("ED) {\n      return ")
              .append(noun.toLowerCase(Locale.ROOT)).append(";\n    }\n");
          case 3 -> sb.append("    log.debug(\"").append(verb).append(' ').append(noun).append(" {} took {} ms\", id, ")
              .append(random.nextInt(900)).append(");\n");
          default -> sb.append("  }\n\n");
        }
      }
      return sb.toString();
    }

    private static String numbered(String code) {
      StringBuilder sb = new StringBuilder(code.length() + code.length() / 8);
      int line = 1;
      for (String l : code.split("\n", -1)) {
        sb.append(line++).append('\t').append(l).append('\n');
      }
      return sb.toString();
    }

    private static String log(Random random, String cls, String method, int tokens) {
      StringBuilder sb = new StringBuilder("[ERROR] Tests run: " + (20 + random.nextInt(200)) + ", Failures: "
          + (1 + random.nextInt(4)) + "\njava.lang.IllegalStateException: " + method + " failed\n");
      while (sb.length() < tokens * 4) {
        sb.append("\tat com.acme.shop.").append(PACKAGES[random.nextInt(PACKAGES.length)]).append('.')
            .append(cls).append('.').append(VERBS[random.nextInt(VERBS.length)]).append('(').append(cls)
            .append(".java:").append(10 + random.nextInt(400)).append(")\n");
      }
      return sb.toString();
    }
  }
}
