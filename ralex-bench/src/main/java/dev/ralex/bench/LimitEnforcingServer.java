package dev.ralex.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A loopback server speaking Anthropic's Messages API ({@code POST /v1/messages}, non-streaming) that enforces a
 * request limit and a token limit per window the way Anthropic documents its own: continuously refilling token
 * buckets that hold one window's allowance, start full and refill at the allowance per window. Past either limit it
 * answers 429 with {@code retry-after} and a {@code rate_limit_error} body, at once; otherwise it answers 200 after a
 * simulated latency, from a scheduler rather than a sleeping thread.
 *
 * <p><b>Token accounting.</b> At admission a request costs its input tokens, counted the server's own way ({@code
 * ceil(chars of all text / 3.5) + 7 per message + 10}; deliberately not Ralex's estimator), plus its {@code
 * max_tokens}. When it answers, the server gives back {@code max_tokens - output_tokens}, as Anthropic's output-token
 * limit does, so a request is finally charged its input plus its output. Output tokens are a deterministic 40-100% of
 * {@code max_tokens}, derived from a hash of the request's text ({@link #outputTokens}).
 *
 * <p>Every response, 200 or 429, carries {@code request-id} and the {@code anthropic-ratelimit-requests-*} and
 * {@code anthropic-ratelimit-tokens-*} headers ({@code -limit}, {@code -remaining}, {@code -reset}: the RFC 3339
 * instant, rounded up to the second, when the bucket would be full again). The server counts what it admits,
 * charges and refuses, in total and per second since it started, and logs every refusal. Thread-safe.
 */
public final class LimitEnforcingServer implements AutoCloseable {
  /** Anthropic's request bucket prefix. */
  private static final String PREFIX = "anthropic-ratelimit-";
  private static final int TIMELINE_SECONDS = 3_600;

  private final long requestCapacity;
  private final long tokenCapacity;
  private final long windowNanos;
  private final long latencyNanos;
  private final ObjectMapper mapper = new ObjectMapper();
  private final HttpServer http;
  private final ExecutorService handlers;
  private final ScheduledExecutorService answers;
  private final long startNanos = System.nanoTime();

  // Both buckets, guarded by this server's lock: admission takes from both or from neither.
  private double requestBalance;
  private double tokenBalance;
  private long lastRefillNanos = startNanos;

  private final AtomicLong requestIds = new AtomicLong();
  private final AtomicLong admitted = new AtomicLong();
  private final AtomicLong admittedTokens = new AtomicLong();
  private final AtomicLong givenBackTokens = new AtomicLong();
  private final AtomicLong refused = new AtomicLong();
  private final AtomicLong answered = new AtomicLong();
  private final AtomicLongArray admittedPerSecond = new AtomicLongArray(TIMELINE_SECONDS);
  private final AtomicLongArray tokensPerSecond = new AtomicLongArray(TIMELINE_SECONDS);
  private final AtomicLongArray refusedPerSecond = new AtomicLongArray(TIMELINE_SECONDS);
  private final ConcurrentLinkedQueue<Refusal> refusals = new ConcurrentLinkedQueue<>();
  // What each admission left in the buckets, in admission order; guarded by this server's lock.
  private double[] requestSlack = new double[4_096];
  private double[] tokenSlack = new double[4_096];
  private int slackCount;

  /**
   * One 429: when, which bucket refused, and both balances at that moment.
   *
   * @param atMillis milliseconds since the server started
   * @param byRequests whether the request bucket refused (else the token bucket did)
   * @param requestBalance the request bucket's balance then
   * @param tokenBalance the token bucket's balance then
   * @param cost the tokens the request would have cost at admission
   */
  public record Refusal(long atMillis, boolean byRequests, double requestBalance, double tokenBalance, long cost) {}

  private LimitEnforcingServer(long requestsPerWindow, long tokensPerWindow, Duration window, Duration latency,
      int threads) throws IOException {
    if (requestsPerWindow <= 0 || tokensPerWindow <= 0 || window.isNegative() || window.isZero()
        || latency.isNegative()) {
      throw new IllegalArgumentException("limits and window must be positive, latency not negative");
    }
    this.requestCapacity = requestsPerWindow;
    this.tokenCapacity = tokensPerWindow;
    this.windowNanos = window.toNanos();
    this.latencyNanos = latency.toNanos();
    this.requestBalance = requestsPerWindow;
    this.tokenBalance = tokensPerWindow;
    this.handlers = Executors.newFixedThreadPool(threads, daemon("limit-server-"));
    this.answers = Executors.newSingleThreadScheduledExecutor(daemon("limit-server-answers-"));
    this.http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 512);
    http.setExecutor(handlers);
    http.createContext("/", this::handle);
  }

  /**
   * Starts a server on an ephemeral loopback port.
   *
   * @param requestsPerWindow the request bucket's capacity, refilled over {@code window}
   * @param tokensPerWindow the token bucket's capacity, refilled over {@code window}
   * @param window the period each allowance refills over
   * @param latency how long after admission a 200 is sent
   * @param threads the HTTP server's handler threads
   * @return the running server
   */
  public static LimitEnforcingServer start(long requestsPerWindow, long tokensPerWindow, Duration window,
      Duration latency, int threads) {
    Objects.requireNonNull(window, "window");
    Objects.requireNonNull(latency, "latency");
    try {
      LimitEnforcingServer server = new LimitEnforcingServer(requestsPerWindow, tokensPerWindow, window, latency,
          threads);
      server.http.start();
      return server;
    } catch (IOException e) {
      throw new UncheckedIOException("could not start the loopback server", e);
    }
  }

  /** {@code http://127.0.0.1:PORT}, without a trailing slash. */
  public String baseUrl() {
    return "http://" + InetAddress.getLoopbackAddress().getHostAddress() + ":" + http.getAddress().getPort();
  }

  /**
   * The input tokens of a request's text as this server counts them: {@code ceil(chars / 3.5) + 7 per message +
   * 10}.
   *
   * @param chars the characters of all text in the request (system and messages)
   * @param messages the number of messages
   * @return the input tokens
   */
  public static long inputTokens(long chars, int messages) {
    return (chars * 2 + 6) / 7 + 7L * messages + 10;
  }

  /**
   * The output tokens the server answers a request with: a deterministic 40-100% of {@code maxTokens}, at least 1,
   * derived from a hash of all the request's text (for a single user message without a system prompt, the
   * message's text).
   *
   * @param allText the request's text, system prompt first, then each message's in order, concatenated
   * @param maxTokens the request's {@code max_tokens}
   * @return the output tokens
   */
  public static long outputTokens(String allText, long maxTokens) {
    int h = allText.hashCode() * 0x9E3779B9;
    int percent = 40 + Math.floorMod(h ^ (h >>> 16), 61);
    return Math.max(1, maxTokens * percent / 100);
  }

  /** Requests admitted (answered 200 or about to be). */
  public long admitted() {
    return admitted.get();
  }

  /** Requests answered 429. */
  public long refused() {
    return refused.get();
  }

  /** Requests answered 200 so far. */
  public long answered() {
    return answered.get();
  }

  /** Tokens taken at admission (input plus {@code max_tokens}), before give-backs. */
  public long admittedTokens() {
    return admittedTokens.get();
  }

  /** Tokens charged after give-backs: what the admitted requests finally cost (input plus output). */
  public long chargedTokens() {
    return admittedTokens.get() - givenBackTokens.get();
  }

  /** Every refusal so far, in the order they happened. */
  public List<Refusal> refusals() {
    return new ArrayList<>(refusals);
  }

  /**
   * What each admission left in the request bucket (its balance after taking 1), in admission order: how close
   * the client came to a 429 on requests. A balance of {@code b} is {@code b * window / limit} of refill.
   */
  public synchronized double[] requestSlack() {
    return java.util.Arrays.copyOf(requestSlack, slackCount);
  }

  /** What each admission left in the token bucket (its balance after taking the cost), in admission order. */
  public synchronized double[] tokenSlack() {
    return java.util.Arrays.copyOf(tokenSlack, slackCount);
  }

  /** Requests admitted in each whole second since the server started, up to the last non-empty one. */
  public long[] admittedPerSecond() {
    return trimmed(admittedPerSecond);
  }

  /** Tokens taken at admission in each second since the server started (same length as admittedPerSecond). */
  public long[] tokensPerSecond() {
    return trimmed(tokensPerSecond);
  }

  /** 429s in each second since the server started. */
  public long[] refusedPerSecond() {
    return trimmed(refusedPerSecond);
  }

  private long[] trimmed(AtomicLongArray a) {
    int last = 0;
    for (int i = 0; i < TIMELINE_SECONDS; i++) {
      if (admittedPerSecond.get(i) != 0 || refusedPerSecond.get(i) != 0) {
        last = i + 1;
      }
    }
    long[] out = new long[last];
    for (int i = 0; i < last; i++) {
      out[i] = a.get(i);
    }
    return out;
  }

  /** Stops the server; answers not yet sent are dropped. Idempotent. */
  @Override
  public void close() {
    http.stop(0);
    answers.shutdownNow();
    handlers.shutdownNow();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (InputStream in = exchange.getRequestBody()) {
      byte[] body = in.readAllBytes();
      if (!"POST".equals(exchange.getRequestMethod()) || !"/v1/messages".equals(exchange.getRequestURI().getPath())) {
        sendError(exchange, 404, "not_found_error", "Only POST /v1/messages is served here", null);
        return;
      }
      JsonNode root;
      try {
        root = mapper.readTree(body);
      } catch (IOException e) {
        sendError(exchange, 400, "invalid_request_error", "malformed JSON", null);
        return;
      }
      long maxTokens = root.path("max_tokens").asLong(0);
      JsonNode messages = root.path("messages");
      if (maxTokens <= 0 || !messages.isArray() || messages.isEmpty()) {
        sendError(exchange, 400, "invalid_request_error", "max_tokens and messages are required", null);
        return;
      }
      StringBuilder text = new StringBuilder();
      appendText(root.path("system"), text);
      for (JsonNode message : messages) {
        appendText(message.path("content"), text);
      }
      String allText = text.toString();
      long input = inputTokens(allText.length(), messages.size());
      long cost = input + maxTokens;
      long output = outputTokens(allText, maxTokens);
      String model = root.path("model").asText("claude-haiku-4-5");
      admit(exchange, cost, input, maxTokens, output, model);
    } catch (RuntimeException e) {
      sendError(exchange, 500, "api_error", "server failure: " + e, null);
    }
  }

  private static void appendText(JsonNode content, StringBuilder text) {
    if (content.isTextual()) {
      text.append(content.asText());
    } else if (content.isArray()) {
      for (JsonNode block : content) {
        if (block.path("text").isTextual()) {
          text.append(block.path("text").asText());
        }
      }
    }
  }

  private void admit(HttpExchange exchange, long cost, long input, long maxTokens, long output, String model)
      throws IOException {
    long now = System.nanoTime();
    int second = second(now);
    double requestsLeft;
    double tokensLeft;
    boolean ok;
    boolean byRequests = false;
    double waitNanos = 0;
    synchronized (this) {
      refill(now);
      ok = requestBalance >= 1 && tokenBalance >= cost;
      if (ok) {
        requestBalance -= 1;
        tokenBalance -= cost;
        if (slackCount == requestSlack.length) {
          requestSlack = java.util.Arrays.copyOf(requestSlack, slackCount * 2);
          tokenSlack = java.util.Arrays.copyOf(tokenSlack, slackCount * 2);
        }
        requestSlack[slackCount] = requestBalance;
        tokenSlack[slackCount] = tokenBalance;
        slackCount++;
      } else {
        byRequests = requestBalance < 1;
        double requestWait = requestBalance >= 1 ? 0 : (1 - requestBalance) * windowNanos / requestCapacity;
        double tokenWait = tokenBalance >= cost ? 0 : (cost - tokenBalance) * windowNanos / tokenCapacity;
        waitNanos = Math.max(requestWait, tokenWait);
      }
      requestsLeft = requestBalance;
      tokensLeft = tokenBalance;
    }
    if (!ok) {
      refused.incrementAndGet();
      refusedPerSecond.incrementAndGet(second);
      refusals.add(new Refusal((now - startNanos) / 1_000_000, byRequests, requestsLeft, tokensLeft, cost));
      long retryAfterSeconds = Math.max(1, (long) Math.ceil(waitNanos / 1e9));
      exchange.getResponseHeaders().set("retry-after", Long.toString(retryAfterSeconds));
      String message = byRequests
          ? "This request would exceed the rate limit for your organization of " + requestCapacity
              + " requests per window."
          : "This request would exceed the rate limit for your organization of " + tokenCapacity
              + " tokens per window.";
      sendError(exchange, 429, "rate_limit_error", message, new double[] {requestsLeft, tokensLeft});
      return;
    }
    admitted.incrementAndGet();
    admittedTokens.addAndGet(cost);
    admittedPerSecond.incrementAndGet(second);
    tokensPerSecond.addAndGet(second, cost);
    answers.schedule(() -> answer(exchange, input, maxTokens, output, model), latencyNanos, TimeUnit.NANOSECONDS);
  }

  private void answer(HttpExchange exchange, long input, long maxTokens, long output, String model) {
    double requestsLeft;
    double tokensLeft;
    long giveBack = maxTokens - output;
    synchronized (this) {
      refill(System.nanoTime());
      tokenBalance = Math.min(tokenCapacity, tokenBalance + giveBack);
      requestsLeft = requestBalance;
      tokensLeft = tokenBalance;
    }
    givenBackTokens.addAndGet(giveBack);
    String id = requestId();
    ObjectNode body = mapper.createObjectNode();
    body.put("id", "msg_bench_" + id.substring(4));
    body.put("type", "message");
    body.put("role", "assistant");
    body.put("model", model);
    ObjectNode block = body.putArray("content").addObject();
    block.put("type", "text");
    block.put("text", "An answer of " + output + " tokens.");
    body.put("stop_reason", "end_turn");
    body.putNull("stop_sequence");
    ObjectNode usage = body.putObject("usage");
    usage.put("input_tokens", input);
    usage.put("cache_creation_input_tokens", 0);
    usage.put("cache_read_input_tokens", 0);
    usage.put("output_tokens", output);
    usage.put("service_tier", "standard");
    try {
      send(exchange, 200, mapper.writeValueAsBytes(body), id, requestsLeft, tokensLeft);
      answered.incrementAndGet();
    } catch (IOException e) {
      // the client hung up
    }
  }

  private void sendError(HttpExchange exchange, int status, String type, String message, double[] balances)
      throws IOException {
    String id = requestId();
    ObjectNode body = mapper.createObjectNode();
    body.put("type", "error");
    ObjectNode error = body.putObject("error");
    error.put("type", type);
    error.put("message", message);
    body.put("request_id", id);
    double requestsLeft;
    double tokensLeft;
    if (balances != null) {
      requestsLeft = balances[0];
      tokensLeft = balances[1];
    } else {
      synchronized (this) {
        refill(System.nanoTime());
        requestsLeft = requestBalance;
        tokensLeft = tokenBalance;
      }
    }
    send(exchange, status, mapper.writeValueAsBytes(body), id, requestsLeft, tokensLeft);
  }

  private void send(HttpExchange exchange, int status, byte[] body, String id, double requestsLeft,
      double tokensLeft) throws IOException {
    Instant now = Instant.now();
    var headers = exchange.getResponseHeaders();
    headers.set("content-type", "application/json");
    headers.set("request-id", id);
    headers.set(PREFIX + "requests-limit", Long.toString(requestCapacity));
    headers.set(PREFIX + "requests-remaining", Long.toString((long) Math.max(0, Math.floor(requestsLeft))));
    headers.set(PREFIX + "requests-reset", resetAt(now, requestsLeft, requestCapacity));
    headers.set(PREFIX + "tokens-limit", Long.toString(tokenCapacity));
    headers.set(PREFIX + "tokens-remaining", Long.toString((long) Math.max(0, Math.floor(tokensLeft))));
    headers.set(PREFIX + "tokens-reset", resetAt(now, tokensLeft, tokenCapacity));
    try {
      exchange.sendResponseHeaders(status, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    } finally {
      exchange.close();
    }
  }

  /** When a bucket at {@code balance} would be full again, rounded up to the second, in RFC 3339. */
  private String resetAt(Instant now, double balance, long capacity) {
    long nanos = (long) Math.ceil(Math.max(0, capacity - balance) * windowNanos / capacity);
    Instant full = now.plusNanos(nanos);
    Instant rounded = full.truncatedTo(ChronoUnit.SECONDS);
    return (rounded.equals(full) ? rounded : rounded.plusSeconds(1)).toString();
  }

  private void refill(long now) {
    long elapsed = now - lastRefillNanos;
    if (elapsed > 0) {
      requestBalance = Math.min(requestCapacity, requestBalance + (double) elapsed * requestCapacity / windowNanos);
      tokenBalance = Math.min(tokenCapacity, tokenBalance + (double) elapsed * tokenCapacity / windowNanos);
      lastRefillNanos = now;
    }
  }

  private int second(long now) {
    return (int) Math.min(TIMELINE_SECONDS - 1, (now - startNanos) / 1_000_000_000L);
  }

  private String requestId() {
    return String.format("req_011CBenchLimit%012d", requestIds.incrementAndGet());
  }

  private static java.util.concurrent.ThreadFactory daemon(String prefix) {
    AtomicLong n = new AtomicLong();
    return r -> {
      Thread t = new Thread(r, prefix + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
