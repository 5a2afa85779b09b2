package dev.ralex.bench;

import dev.ralex.api.ChatRequest;
import dev.ralex.api.ChatResponse;
import dev.ralex.api.LlmException;
import dev.ralex.api.StopReason;
import dev.ralex.api.StreamHandle;
import dev.ralex.api.StreamHandler;
import dev.ralex.core.Ralex;
import dev.ralex.core.RetryPolicy;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

/**
 * 1,000 streaming calls in flight at once through one {@link Ralex} instance and the Anthropic provider, against
 * a loopback {@link HeldStreamServer}: do they all complete correctly, how many threads does the process use, and
 * how much heap does each in-flight stream hold?
 *
 * <p><b>How the streams are kept truly in flight at once.</b> The server streams each answer with a pause between
 * deltas, from one selector thread (no thread or timer per connection), and while holding is on it stops every
 * stream after {@code holdAfter} of its {@code deltas} text deltas, connection open and answer unfinished (no
 * {@code content_block_stop}, {@code message_delta} or {@code message_stop} yet). The harness starts all the
 * streams, then waits until the server holds every one of them <i>and</i> every handler has received those first
 * deltas: at that moment all 1,000 streams have started on both sides and none can finish. It then measures,
 * releases the server, and waits for every stream to complete.
 *
 * <p><b>What it reports.</b> Streams completed correctly (text assembled from the deltas equals the server's,
 * the final response's text, stop reason, usage and delta count match); live threads before, peak live threads
 * during the run and live threads while all streams were open ({@link ThreadMXBean}; the server adds one thread,
 * the JVM's own threads are in the baseline); heap used after a full GC with all streams open, minus the same
 * before any was started, divided by the number of streams. Heap counts Java objects only: thread stacks, socket
 * buffers in the kernel and direct buffers are not in it.
 *
 * <p>Usage: {@code java -cp ralex-bench/target/benchmarks.jar dev.ralex.bench.StreamingConcurrencyHarness
 * [--streams 1000] [--deltas 20] [--hold-after 10] [--tick-ms 5] [--timeout-s 120] [--setting key=value]...}.
 * Settings go to the {@code anthropic} provider; by default {@code maxRequests} and {@code maxRequestsPerHost}
 * are set to the stream count so that OkHttp's dispatcher admits them all (its default queues the rest), and a
 * {@code --setting} overrides that. Exits 0 only if every stream was in flight at once and completed correctly,
 * and the issue's targets hold: no thread per stream (at most 0.1 threads added per in-flight stream) and under
 * 64 KB of heap per in-flight stream.
 */
public final class StreamingConcurrencyHarness {
  private StreamingConcurrencyHarness() {}

  public static void main(String[] args) throws Exception {
    int streams = 1000;
    int deltas = 20;
    int holdAfter = 10;
    int tickMillis = 5;
    int timeoutSeconds = 120;
    Map<String, String> extra = new LinkedHashMap<>();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      switch (a) {
        case "--streams" -> streams = Integer.parseInt(args[++i]);
        case "--deltas" -> deltas = Integer.parseInt(args[++i]);
        case "--hold-after" -> holdAfter = Integer.parseInt(args[++i]);
        case "--tick-ms" -> tickMillis = Integer.parseInt(args[++i]);
        case "--timeout-s" -> timeoutSeconds = Integer.parseInt(args[++i]);
        case "--setting" -> {
          String kv = args[++i];
          int eq = kv.indexOf('=');
          if (eq <= 0) {
            throw new IllegalArgumentException("--setting takes key=value, got " + kv);
          }
          extra.put(kv.substring(0, eq), kv.substring(eq + 1));
        }
        default -> throw new IllegalArgumentException("unknown argument " + a + "; see the class Javadoc");
      }
    }
    System.exit(run(streams, deltas, holdAfter, tickMillis, timeoutSeconds, extra) ? 0 : 1);
  }

  /** Counts what one stream's handler saw; the final check compares it with the server's answer. */
  static final class CountingHandler implements StreamHandler {
    // Callbacks of one stream are never concurrent, but they run on provider threads: volatile for the reader.
    private final StringBuilder text = new StringBuilder(256);
    volatile int deltas;
    volatile int usageUpdates;
    volatile ChatResponse response;
    volatile LlmException error;

    @Override
    public synchronized void onTextDelta(String piece) {
      text.append(piece);
      deltas++;
    }

    @Override
    public void onUsage(dev.ralex.api.Usage usage) {
      usageUpdates++;
    }

    @Override
    public void onComplete(ChatResponse r) {
      response = r;
    }

    @Override
    public void onError(LlmException e) {
      error = e;
    }

    synchronized String text() {
      return text.toString();
    }
  }

  static boolean run(int streams, int deltas, int holdAfter, int tickMillis, int timeoutSeconds,
      Map<String, String> extraSettings) throws InterruptedException {
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    System.out.printf("StreamingConcurrencyHarness: %d streams, %d deltas each (held after %d), %d ms between "
        + "deltas; JVM %s, %d CPUs, max heap %d MB%n", streams, deltas, holdAfter, tickMillis,
        System.getProperty("java.vm.version"), Runtime.getRuntime().availableProcessors(),
        Runtime.getRuntime().maxMemory() >> 20);

    try (HeldStreamServer server = new HeldStreamServer(deltas, holdAfter, tickMillis)) {
      Map<String, String> settings = new LinkedHashMap<>();
      settings.put("apiKey", "bench-key");
      settings.put("baseUrl", server.baseUrl());
      settings.put("maxRequests", Integer.toString(streams));
      settings.put("maxRequestsPerHost", Integer.toString(streams));
      settings.putAll(extraSettings);
      System.out.println("provider settings (key redacted): " + redact(settings));
      try (Ralex ralex = Ralex.builder()
          .provider("anthropic", settings)
          .retryPolicy(RetryPolicy.none())
          .maxUsageRecords(0)
          .environment(name -> null)
          .build()) {
        ChatRequest request = ChatRequest.builder()
            .model("anthropic/claude-haiku-4-5")
            .addUserMessage("Count slowly.")
            .maxOutputTokens(256)
            .build();

        // Warm up the whole path (class loading, JIT of the hot parts, the connection pool) and check it once.
        server.hold(false);
        List<Started> warm = startAll(ralex, request, Math.min(50, streams));
        if (!awaitAll(warm, timeoutSeconds)) {
          System.out.println("FAIL: warm-up streams did not complete in " + timeoutSeconds + " s");
          return false;
        }
        int warmOk = countCorrect(warm, server, true);
        if (warmOk != warm.size()) {
          System.out.printf("FAIL: %d of %d warm-up streams were wrong%n", warm.size() - warmOk, warm.size());
          return false;
        }
        warm = null;

        long heapBefore = usedHeapAfterGc(memory);
        int threadsBefore = threads.getThreadCount();
        threads.resetPeakThreadCount();

        server.hold(true);
        long t0 = System.nanoTime();
        List<Started> all = startAll(ralex, request, streams);
        long startedNanos = System.nanoTime() - t0;
        int n = streams;
        boolean allInFlight = waitFor(timeoutSeconds, () -> server.heldStreams() >= n && allSawDeltas(all, holdAfter));
        long inFlightNanos = System.nanoTime() - t0;
        int heldAtOnce = server.heldStreams();
        int clientsAtHold = countSawDeltas(all, holdAfter);
        int threadsInFlight = threads.getThreadCount();
        Map<String, Integer> threadKinds = threadKinds();
        long heapInFlight = usedHeapAfterGc(memory);
        int threadsInFlightAfterGc = threads.getThreadCount();
        int openConnections = server.openConnections();

        server.hold(false);
        boolean finished = awaitAll(all, timeoutSeconds);
        long totalNanos = System.nanoTime() - t0;
        int peakThreads = threads.getPeakThreadCount();
        int correct = countCorrect(all, server, false);

        double perStreamKb = (heapInFlight - heapBefore) / 1024.0 / streams;
        System.out.println();
        System.out.printf("streams in flight at once:       %d held by the server, %d clients had their first %d "
            + "deltas (%s after the first start; starting all took %.0f ms)%n", heldAtOnce, clientsAtHold,
            holdAfter, allInFlight ? String.format("all, %.0f ms", inFlightNanos / 1e6) : "NOT all, timed out",
            startedNanos / 1e6);
        System.out.printf("server connections open then:    %d%n", openConnections);
        System.out.printf("completed correctly:             %d of %d (%s; %.0f ms in all)%n", correct, streams,
            finished ? "all ended" : "some never ended", totalNanos / 1e6);
        System.out.printf("live threads:                    %d before, %d with all streams open (%d after the "
            + "GC), peak %d; the server uses 1%n", threadsBefore, threadsInFlight, threadsInFlightAfterGc,
            peakThreads);
        System.out.println("threads by name, all streams open: " + threadKinds);
        System.out.printf("threads added per stream:        %.3f%n",
            (threadsInFlight - threadsBefore) / (double) streams);
        System.out.printf("heap used after GC:              %.1f MB before, %.1f MB with all streams open%n",
            heapBefore / 1048576.0, heapInFlight / 1048576.0);
        System.out.printf("heap per in-flight stream:       %.1f KB (target: under 64 KB)%n", perStreamKb);
        System.out.printf("server: %d started, %d completed, %d aborted, %d rejected%n", server.streamsStarted(),
            server.streamsCompleted(), server.streamsAborted(), server.requestsRejected());
        double threadsPerStream = (threadsInFlight - threadsBefore) / (double) streams;
        List<String> missed = new ArrayList<>();
        if (!allInFlight) {
          missed.add("not all " + streams + " streams were in flight at once");
        }
        if (!finished || correct != streams) {
          missed.add((streams - correct) + " streams did not complete correctly");
        }
        // "Without a thread per stream": allow a pool, not a thread for every other stream.
        if (threadsPerStream > 0.1) {
          missed.add(String.format("%.2f threads per in-flight stream (a thread per stream, or close to it)",
              threadsPerStream));
        }
        if (perStreamKb >= 64) {
          missed.add(String.format("%.1f KB of heap per in-flight stream (target under 64 KB)", perStreamKb));
        }
        System.out.println(missed.isEmpty() ? "PASS: all targets met" : "FAIL: " + String.join("; ", missed));
        return missed.isEmpty();
      }
    }
  }

  record Started(StreamHandle handle, CountingHandler handler) {}

  private static List<Started> startAll(Ralex ralex, ChatRequest request, int n) {
    List<Started> list = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      CountingHandler h = new CountingHandler();
      list.add(new Started(ralex.stream(request, h), h));
    }
    return list;
  }

  private static boolean awaitAll(List<Started> list, int timeoutSeconds) {
    CompletableFuture<?>[] futures = new CompletableFuture<?>[list.size()];
    for (int i = 0; i < futures.length; i++) {
      futures[i] = list.get(i).handle().completion();
    }
    try {
      CompletableFuture.allOf(futures).get(timeoutSeconds, TimeUnit.SECONDS);
      return true;
    } catch (java.util.concurrent.TimeoutException e) {
      return false;
    } catch (java.util.concurrent.ExecutionException e) {
      return true; // a stream failed: it ended; countCorrect reports it
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private static boolean allSawDeltas(List<Started> list, int deltas) {
    return countSawDeltas(list, deltas) == list.size();
  }

  private static int countSawDeltas(List<Started> list, int deltas) {
    int n = 0;
    for (Started s : list) {
      if (s.handler().deltas >= deltas) {
        n++;
      }
    }
    return n;
  }

  private static int countCorrect(List<Started> list, HeldStreamServer server, boolean verbose) {
    int ok = 0;
    AtomicInteger reported = new AtomicInteger();
    for (Started s : list) {
      String problem = problem(s, server);
      if (problem == null) {
        ok++;
      } else if (reported.getAndIncrement() < 5) {
        System.out.println("wrong stream: " + problem);
      }
    }
    if (verbose && ok == list.size()) {
      System.out.printf("warm-up: %d streams correct%n", ok);
    }
    return ok;
  }

  private static String problem(Started s, HeldStreamServer server) {
    CountingHandler h = s.handler();
    if (h.error != null) {
      return "onError " + h.error;
    }
    ChatResponse r = h.response;
    if (r == null) {
      return "no onComplete" + (s.handle().isDone() ? "" : " (still running)");
    }
    if (!server.expectedText().equals(h.text())) {
      return "deltas assembled to '" + h.text() + "'";
    }
    if (!server.expectedText().equals(r.text())) {
      return "final text '" + r.text() + "'";
    }
    if (h.deltas != server.deltas()) {
      return h.deltas + " deltas, expected " + server.deltas();
    }
    if (r.stopReason() != StopReason.END_TURN) {
      return "stop reason " + r.stopReason();
    }
    if (r.usage().inputTokens() != HeldStreamServer.INPUT_TOKENS || r.usage().outputTokens() != server.outputTokens()) {
      return "usage " + r.usage();
    }
    if (!s.handle().completion().isDone() || s.handle().completion().isCompletedExceptionally()) {
      return "completion future not completed normally";
    }
    return null;
  }

  private static boolean waitFor(int timeoutSeconds, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        return false;
      }
      Thread.sleep(20);
    }
    return true;
  }

  /** Heap used after full collections, repeated until it stops shrinking. */
  private static long usedHeapAfterGc(MemoryMXBean memory) throws InterruptedException {
    long used = Long.MAX_VALUE;
    for (int i = 0; i < 5; i++) {
      memory.gc();
      Thread.sleep(100);
      long now = memory.getHeapMemoryUsage().getUsed();
      if (now >= used - 64 * 1024) {
        return Math.min(now, used);
      }
      used = now;
    }
    return used;
  }

  /** Live threads counted by name with numbers blanked, largest first: who owns the threads. */
  private static Map<String, Integer> threadKinds() {
    Map<String, Integer> counts = new java.util.HashMap<>();
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      counts.merge(t.getName().replaceAll("[0-9]+", "#"), 1, Integer::sum);
    }
    Map<String, Integer> sorted = new LinkedHashMap<>();
    counts.entrySet().stream()
        .sorted(Map.Entry.<String, Integer>comparingByValue().reversed())
        .limit(8)
        .forEach(e -> sorted.put(e.getKey(), e.getValue()));
    return sorted;
  }

  private static Map<String, String> redact(Map<String, String> settings) {
    Map<String, String> copy = new LinkedHashMap<>(settings);
    copy.computeIfPresent("apiKey", (k, v) -> "<redacted>");
    return copy;
  }
}
