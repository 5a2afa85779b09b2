package dev.ralex.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ralex.api.ApiKey;
import dev.ralex.api.ChatRequest;
import dev.ralex.api.ChatResponse;
import dev.ralex.api.LlmException;
import dev.ralex.api.RalexEvent;
import dev.ralex.api.RalexListener;
import dev.ralex.core.Ralex;
import dev.ralex.core.RateLimit;
import dev.ralex.providers.anthropic.AnthropicProvider;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import okhttp3.ConnectionPool;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/**
 * Goodput under a real limit: a loopback {@link LimitEnforcingServer} enforcing Anthropic's limits of 600
 * requests and 200,000 tokens per minute, scaled to a 10-second window (100 requests and 33,333 tokens per 10 s)
 * to keep the run short, and 2,000 calls of varied size (prompts of 100 to 1,200 characters of English-like text,
 * {@code max_tokens} 64 to 256, from a fixed-seed {@link Random}) sent from 32 threads through two clients, each
 * against a fresh server, in the same run:
 *
 * <ul>
 *   <li>{@code ralex}: {@code Ralex.chat} through the Anthropic provider, with the server's limit configured as a
 *       {@link RateLimit} ({@link RateLimit.OnLimit#QUEUE}), adaptive learning from the headers on and the default
 *       retry policy (which honours {@code retry-after});
 *   <li>{@code naive}: a hand-written OkHttp + Jackson loop that sends at once and, on a 429, sleeps the {@code
 *       retry-after} and sends again; nothing else.
 * </ul>
 *
 * <p><b>Goodput.</b> The least time any client could take for the same work under the server's buckets, {@code
 * max((N - 100) / 10 per s, (tokens charged - 33,333) / 3,333.3 per s)} with {@code N} the requests admitted and
 * the tokens the server charged after give-backs, divided by the client's wall time (first send to last answer).
 * The target for Ralex: goodput at least 0.95 with under 1% of requests answered 429, every call completed.
 *
 * <p>Before each measured run the client is warmed up with a few calls against a throwaway server, then built
 * afresh so its buckets start full, as the fresh server's do. If Ralex misses the target the harness prints the
 * server's per-second admissions and every 429 (with {@code --timeline} it always does).
 *
 * <p>Usage: {@code java -cp ralex-bench/target/benchmarks.jar dev.ralex.bench.GoodputHarness [--calls 2000]
 * [--threads 32] [--seed 42] [--max-tokens 64-256] [--latency-ms 20] [--clients ralex,naive] [--timeline]}. The
 * defaults are the workload, which the request limit binds; a wider {@code --max-tokens} range (such as
 * {@code 256-1024}) makes the token limit bind instead. Exits 0 only if Ralex met the target.
 */
public final class GoodputHarness {
  /** The server's request allowance per window: 600 per minute scaled to 10 s. */
  static final int REQUESTS_PER_WINDOW = 100;
  /** The server's token allowance per window: 200,000 per minute scaled to 10 s. */
  static final long TOKENS_PER_WINDOW = 33_333;
  /** The scaled window. */
  static final Duration WINDOW = Duration.ofSeconds(10);
  static final String RALEX_MODEL = "anthropic/claude-haiku-4-5";
  static final String WIRE_MODEL = "claude-haiku-4-5";
  static final int WARM_UP_CALLS = 20;

  private static final String[] WORDS = ("the of and to in is that for it as was with be by on not he this are or "
      + "his from at which but have an they you were her she there been one all we their has would when if so no "
      + "will more what out up said about other into than its time only could new them man some these then two "
      + "first may any like now my such make over our even most me state after also made many did must before "
      + "back see through way where get much go well your know should down work year because come people just "
      + "call request limit server client model answer token window bucket retry latency throughput measure "
      + "review function error result value change system design problem question reason example").split(" ");

  private GoodputHarness() {}

  /**
   * Runs both clients and prints the comparison; see the class Javadoc for the arguments.
   *
   * @param args the command-line arguments
   * @throws Exception if a run cannot be set up
   */
  public static void main(String[] args) throws Exception {
    int calls = 2_000;
    int threads = 32;
    long seed = 42;
    int latencyMillis = 20;
    List<String> clients = List.of("ralex", "naive");
    boolean timeline = false;
    int minMaxTokens = 64;
    int maxMaxTokens = 256;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--calls" -> calls = Integer.parseInt(args[++i]);
        case "--threads" -> threads = Integer.parseInt(args[++i]);
        case "--seed" -> seed = Long.parseLong(args[++i]);
        case "--latency-ms" -> latencyMillis = Integer.parseInt(args[++i]);
        case "--clients" -> clients = List.of(args[++i].split(","));
        case "--timeline" -> timeline = true;
        case "--max-tokens" -> {
          String[] range = args[++i].split("-");
          minMaxTokens = Integer.parseInt(range[0]);
          maxMaxTokens = Integer.parseInt(range[1]);
        }
        default -> throw new IllegalArgumentException("unknown argument " + args[i] + "; see the class Javadoc");
      }
    }
    System.exit(run(calls, threads, seed, minMaxTokens, maxMaxTokens, Duration.ofMillis(latencyMillis), clients,
        timeline) ? 0 : 1);
  }

  /** One call of the workload and the answer the server must give it. */
  record Work(String prompt, int maxTokens, long expectedOutput) {}

  /** What one client's run measured. */
  record Result(String client, double wallSeconds, int completed, int failed, long admitted, long refused,
      long chargedTokens, long admittedTokens, double minSeconds, String firstFailure, long clientRetries,
      double permitWaitSeconds, LimitEnforcingServer server) {
    double goodput() {
      return minSeconds / wallSeconds;
    }

    long sent() {
      return admitted + refused;
    }

    double refusedPercent() {
      return sent() == 0 ? 0 : 100.0 * refused / sent();
    }
  }

  /** A client under test: one call of the workload, blocking, on the caller's thread. */
  interface Client extends AutoCloseable {
    /** Makes the call; returns the output tokens the answer reports. */
    long call(Work work) throws Exception;

    /** Retries the client made (a 429 answered and the call sent again). */
    long retries();

    /** Total time calls waited for a local rate-limit permit, in seconds. */
    default double permitWaitSeconds() {
      return 0;
    }

    @Override
    void close();
  }

  static boolean run(int calls, int threads, long seed, int minMaxTokens, int maxMaxTokens, Duration latency,
      List<String> clients, boolean timeline) throws Exception {
    List<Work> workload = workload(calls, seed, minMaxTokens, maxMaxTokens);
    long maxTokensSum = 0;
    long chars = 0;
    for (Work w : workload) {
      maxTokensSum += w.maxTokens();
      chars += w.prompt().length();
    }
    System.out.printf("GoodputHarness: %,d calls from %d threads; server limit %d requests and %,d tokens per %d s "
        + "(600/min and 200,000/min scaled), %d ms latency; prompts %,d chars and max_tokens %,d in all (%d-%d "
        + "each)%n", calls, threads, REQUESTS_PER_WINDOW, TOKENS_PER_WINDOW, WINDOW.toSeconds(), latency.toMillis(),
        chars, maxTokensSum, minMaxTokens, maxMaxTokens);
    System.out.printf("JVM %s (%s), %d cores, %s, load average %.2f at start%n", System.getProperty("java.version"),
        System.getProperty("java.vm.name"), Runtime.getRuntime().availableProcessors(), ZonedDateTime.now(),
        ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());

    List<Result> results = new ArrayList<>();
    for (String name : clients) {
      // Warm-up on a throwaway server: class loading and JIT, well under its limits.
      try (LimitEnforcingServer warmServer = newServer(latency);
          Client warm = client(name, warmServer.baseUrl())) {
        runCalls(warm, workload.subList(0, Math.min(WARM_UP_CALLS, calls)), Math.min(threads, WARM_UP_CALLS));
      }
      LimitEnforcingServer server = newServer(latency);
      try (Client client = client(name, server.baseUrl())) {
        System.out.printf("%nrunning %s ...%n", name);
        long wall0 = System.currentTimeMillis();
        long mono0 = System.nanoTime();
        Outcome outcome = runCalls(client, workload, threads);
        double driftMillis = (System.currentTimeMillis() - wall0) - (System.nanoTime() - mono0) / 1e6;
        double minSeconds = Math.max((server.admitted() - REQUESTS_PER_WINDOW)
            / (REQUESTS_PER_WINDOW / (double) WINDOW.toSeconds()),
            (server.chargedTokens() - TOKENS_PER_WINDOW) / (TOKENS_PER_WINDOW / (double) WINDOW.toSeconds()));
        Result r = new Result(name, outcome.wallNanos / 1e9, outcome.completed, outcome.failed, server.admitted(),
            server.refused(), server.chargedTokens(), server.admittedTokens(), minSeconds, outcome.firstFailure,
            client.retries(), client.permitWaitSeconds(), server);
        results.add(r);
        System.out.printf("%s: %d of %d completed in %.1f s; %d 429s; goodput %.3f; wall clock (Ralex's) minus "
            + "monotonic clock (the server's) over the run: %+.1f ms%n", name, r.completed(), calls, r.wallSeconds(),
            r.refused(), r.goodput(), driftMillis);
      } finally {
        server.close();
      }
    }

    System.out.println();
    System.out.printf("%-7s %9s %11s %7s %11s %8s %9s %12s %10s %8s %8s%n", "client", "wall (s)", "completed",
        "429s", "429 % sent", "retries", "req/s", "charged tok", "least (s)", "goodput", "target");
    boolean ralexMet = true;
    for (Result r : results) {
      boolean met = r.completed() == calls && r.failed() == 0 && r.goodput() >= 0.95 && r.refusedPercent() < 1.0;
      if (r.client().equals("ralex")) {
        ralexMet = met;
      }
      System.out.printf("%-7s %9.1f %6d/%-4d %7d %10.2f%% %8d %9.2f %,12d %10.1f %8.3f %8s%n", r.client(),
          r.wallSeconds(), r.completed(), calls, r.refused(), r.refusedPercent(), r.clientRetries(),
          r.admitted() / r.wallSeconds(), r.chargedTokens(), r.minSeconds(), r.goodput(), met ? "met" : "MISSED");
    }
    System.out.println("target (ralex): all calls completed, goodput >= 0.95, 429s < 1% of requests sent; "
        + "least time = max((N - 100) / 10 per s, (charged - 33,333) / 3,333.3 per s)");
    for (Result r : results) {
      if (r.firstFailure() != null) {
        System.out.printf("%s: %d calls failed; first: %s%n", r.client(), r.failed(), r.firstFailure());
      }
      if (r.client().equals("ralex")) {
        System.out.printf("ralex: calls waited %.1f s in all for local permits (%.1f ms per call)%n",
            r.permitWaitSeconds(), 1000 * r.permitWaitSeconds() / calls);
      }
    }
    for (Result r : results) {
      printSlack(r);
    }
    for (Result r : results) {
      boolean missed = r.client().equals("ralex") && !ralexMet;
      if (timeline || missed) {
        printDiagnostics(r);
      } else if (r.refused() > 0 && r.refused() <= 40) {
        printRefusals(r);
      }
    }
    System.out.printf("load average %.2f at end%n", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    return ralexMet;
  }

  private static LimitEnforcingServer newServer(Duration latency) {
    return LimitEnforcingServer.start(REQUESTS_PER_WINDOW, TOKENS_PER_WINDOW, WINDOW, latency, 64);
  }

  /**
   * How close a client came to a 429: what each admission left in the server's buckets, lowest first, in units and
   * in milliseconds of refill. Admissions in the first window, while the buckets still hold their initial
   * allowance, are left out.
   */
  private static void printSlack(Result r) {
    double[] requests = r.server().requestSlack();
    double[] tokens = r.server().tokenSlack();
    int skip = Math.min(requests.length, REQUESTS_PER_WINDOW);
    double[] req = java.util.Arrays.copyOfRange(requests, skip, requests.length);
    double[] tok = java.util.Arrays.copyOfRange(tokens, skip, tokens.length);
    if (req.length == 0) {
      return;
    }
    java.util.Arrays.sort(req);
    java.util.Arrays.sort(tok);
    double msPerRequest = WINDOW.toMillis() / (double) REQUESTS_PER_WINDOW;
    double msPerToken = WINDOW.toMillis() / (double) TOKENS_PER_WINDOW;
    System.out.printf("%s, left in the server's buckets by each admission after the first %d (min / 1st pct / "
        + "5th pct / median): requests %.3f / %.3f / %.3f / %.3f (= %.1f / %.1f / %.1f / %.1f ms of refill); "
        + "tokens %,.0f / %,.0f / %,.0f / %,.0f (= %.1f / %.1f / %.1f / %.1f ms)%n", r.client(), skip,
        req[0], pct(req, 1), pct(req, 5), pct(req, 50),
        req[0] * msPerRequest, pct(req, 1) * msPerRequest, pct(req, 5) * msPerRequest, pct(req, 50) * msPerRequest,
        tok[0], pct(tok, 1), pct(tok, 5), pct(tok, 50),
        tok[0] * msPerToken, pct(tok, 1) * msPerToken, pct(tok, 5) * msPerToken, pct(tok, 50) * msPerToken);
  }

  private static double pct(double[] sorted, int percent) {
    return sorted[Math.min(sorted.length - 1, sorted.length * percent / 100)];
  }

  /** The server's per-second admissions and every 429 of one run. */
  private static void printDiagnostics(Result r) {
    LimitEnforcingServer s = r.server();
    long[] admitted = s.admittedPerSecond();
    long[] tokens = s.tokensPerSecond();
    long[] refused = s.refusedPerSecond();
    System.out.printf("%n%s, per second since the server started: requests admitted / tokens taken at admission / "
        + "429s (limit: 10 requests and 3,333 tokens per second sustained)%n", r.client());
    StringBuilder line = new StringBuilder();
    for (int i = 0; i < admitted.length; i++) {
      line.append(String.format("%4d: %3d %,6d %3d   ", i, admitted[i], tokens[i], refused[i]));
      if (i % 5 == 4 || i == admitted.length - 1) {
        System.out.println(line.toString().stripTrailing());
        line.setLength(0);
      }
    }
    printRefusals(r);
  }

  /** Every 429 of one run (the first 40), with the bucket that refused and both balances then. */
  private static void printRefusals(Result r) {
    List<LimitEnforcingServer.Refusal> refusals = r.server().refusals();
    System.out.printf("%s: %d 429s (%d by the request bucket, %d by the token bucket)%n", r.client(),
        refusals.size(), refusals.stream().filter(LimitEnforcingServer.Refusal::byRequests).count(),
        refusals.stream().filter(x -> !x.byRequests()).count());
    int shown = 0;
    for (LimitEnforcingServer.Refusal x : refusals) {
      if (shown++ == 40) {
        System.out.printf("  ... %d more%n", refusals.size() - 40);
        break;
      }
      System.out.printf("  at %7.3f s: %s bucket; balances then %.3f requests, %,.1f tokens; request cost %d%n",
          x.atMillis() / 1000.0, x.byRequests() ? "request" : "token", x.requestBalance(), x.tokenBalance(),
          x.cost());
    }
  }

  /** What running the workload through one client gave. */
  record Outcome(long wallNanos, int completed, int failed, String firstFailure) {}

  private static Outcome runCalls(Client client, List<Work> workload, int threads) throws InterruptedException {
    AtomicInteger next = new AtomicInteger();
    AtomicInteger completed = new AtomicInteger();
    AtomicInteger failed = new AtomicInteger();
    ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    CountDownLatch start = new CountDownLatch(1);
    CountDownLatch done = new CountDownLatch(threads);
    for (int t = 0; t < threads; t++) {
      Thread thread = new Thread(() -> {
        try {
          start.await();
          for (int i = next.getAndIncrement(); i < workload.size(); i = next.getAndIncrement()) {
            Work w = workload.get(i);
            try {
              long output = client.call(w);
              if (output == w.expectedOutput()) {
                completed.incrementAndGet();
              } else {
                failed.incrementAndGet();
                failures.add("call " + i + ": " + output + " output tokens, expected " + w.expectedOutput());
              }
            } catch (Exception e) {
              failed.incrementAndGet();
              failures.add("call " + i + ": " + e);
            }
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        } finally {
          done.countDown();
        }
      }, "goodput-caller-" + t);
      thread.setDaemon(true);
      thread.start();
    }
    long t0 = System.nanoTime();
    start.countDown();
    if (!done.await(30, TimeUnit.MINUTES)) {
      failures.add("timed out after 30 minutes");
    }
    return new Outcome(System.nanoTime() - t0, completed.get(), failed.get(), failures.peek());
  }

  private static Client client(String name, String baseUrl) {
    return switch (name) {
      case "ralex" -> new RalexClient(baseUrl);
      case "naive" -> new NaiveClient(baseUrl);
      default -> throw new IllegalArgumentException("unknown client " + name + "; use ralex or naive");
    };
  }

  /** The workload: prompts of 100 to 1,200 characters of English-like text, max_tokens in the range given. */
  static List<Work> workload(int calls, long seed, int minMaxTokens, int maxMaxTokens) {
    Random random = new Random(seed);
    List<Work> list = new ArrayList<>(calls);
    for (int i = 0; i < calls; i++) {
      int length = 100 + random.nextInt(1_101);
      StringBuilder text = new StringBuilder(length + 16);
      boolean sentenceStart = true;
      while (text.length() < length) {
        String word = WORDS[random.nextInt(WORDS.length)];
        if (sentenceStart) {
          word = Character.toUpperCase(word.charAt(0)) + word.substring(1);
          sentenceStart = false;
        }
        text.append(word);
        if (random.nextInt(12) == 0) {
          text.append(". ");
          sentenceStart = true;
        } else if (random.nextInt(15) == 0) {
          text.append(", ");
        } else {
          text.append(' ');
        }
      }
      String prompt = text.substring(0, length).stripTrailing();
      if (prompt.length() < 100) {
        prompt = prompt + ".".repeat(100 - prompt.length());
      }
      int maxTokens = minMaxTokens + random.nextInt(maxMaxTokens - minMaxTokens + 1);
      list.add(new Work(prompt, maxTokens, LimitEnforcingServer.outputTokens(prompt, maxTokens)));
    }
    return list;
  }

  /** Ralex with the server's limit configured, adaptive learning on, default retries. */
  static final class RalexClient implements Client {
    private final Ralex ralex;
    private final AtomicLong retries = new AtomicLong();
    private final AtomicLong waitedNanos = new AtomicLong();

    RalexClient(String baseUrl) {
      ralex = Ralex.builder()
          .provider(AnthropicProvider.builder().apiKey(ApiKey.of("bench-key")).baseUrl(baseUrl).build())
          .defaultModel(RALEX_MODEL)
          .rateLimit(RateLimit.of("anthropic", REQUESTS_PER_WINDOW, TOKENS_PER_WINDOW)
              .per(WINDOW)
              .onLimit(RateLimit.OnLimit.QUEUE, Duration.ZERO))
          .listener(new RalexListener() {
            @Override
            public void onRetrying(RalexEvent.Retrying event) {
              retries.incrementAndGet();
            }

            @Override
            public void onRateLimitWaited(RalexEvent.RateLimitWaited event) {
              waitedNanos.addAndGet(event.waited().toNanos());
            }
          })
          // No ANTHROPIC_* or RALEX_* variables from the machine running the benchmark.
          .environment(variable -> null)
          .build();
    }

    @Override
    public long call(Work work) {
      ChatResponse response = ralex.chat(ChatRequest.builder()
          .addUserMessage(work.prompt())
          .maxOutputTokens(work.maxTokens())
          .build());
      return response.usage().outputTokens();
    }

    @Override
    public long retries() {
      return retries.get();
    }

    @Override
    public double permitWaitSeconds() {
      return waitedNanos.get() / 1e9;
    }

    @Override
    public void close() {
      ralex.close();
    }
  }

  /** OkHttp + Jackson by hand: send at once; on a 429, sleep the retry-after and send again. */
  static final class NaiveClient implements Client {
    private static final MediaType JSON = MediaType.get("application/json");
    private final OkHttpClient http = new OkHttpClient.Builder()
        .connectionPool(new ConnectionPool(64, 5, TimeUnit.MINUTES))
        .callTimeout(Duration.ofSeconds(60))
        .build();
    private final ObjectMapper mapper = new ObjectMapper();
    private final String url;
    private final AtomicLong retries = new AtomicLong();

    NaiveClient(String baseUrl) {
      this.url = baseUrl + "/v1/messages";
    }

    @Override
    public long call(Work work) throws IOException, InterruptedException {
      ObjectNode body = mapper.createObjectNode();
      body.put("model", WIRE_MODEL);
      body.put("max_tokens", work.maxTokens());
      ObjectNode message = body.putArray("messages").addObject();
      message.put("role", "user");
      message.put("content", work.prompt());
      Request request = new Request.Builder()
          .url(url)
          .header("x-api-key", "bench-key")
          .header("anthropic-version", "2023-06-01")
          .post(RequestBody.create(mapper.writeValueAsBytes(body), JSON))
          .build();
      while (true) {
        try (Response response = http.newCall(request).execute()) {
          if (response.code() == 429) {
            String retryAfter = response.header("retry-after", "1");
            retries.incrementAndGet();
            response.body().bytes();
            Thread.sleep(TimeUnit.SECONDS.toMillis(Long.parseLong(retryAfter.trim())));
            continue;
          }
          if (!response.isSuccessful()) {
            throw new IOException("HTTP " + response.code() + ": " + response.body().string());
          }
          JsonNode root = mapper.readTree(response.body().byteStream());
          return root.path("usage").path("output_tokens").asLong();
        }
      }
    }

    @Override
    public long retries() {
      return retries.get();
    }

    @Override
    public void close() {
      http.dispatcher().executorService().shutdown();
      http.connectionPool().evictAll();
    }
  }
}
