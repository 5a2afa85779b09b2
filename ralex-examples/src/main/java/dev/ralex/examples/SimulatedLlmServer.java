package dev.ralex.examples;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.ralex.api.ModelInfo;
import dev.ralex.api.TokenEstimates;
import dev.ralex.api.Usage;
import dev.ralex.core.ModelCatalog;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A loopback HTTP server that speaks the Anthropic Messages API and OpenRouter's (OpenAI-compatible) chat
 * completions API with SIMULATED models, so that the real HTTP providers can run end to end without a key or a
 * network. The answers are the canned ones {@link SimulatedProvider} gives (see {@code CannedAnswers}).
 *
 * <pre>{@code
 * try (SimulatedLlmServer server = new SimulatedLlmServer().overloadOnce("refactor")) {
 *   server.start();
 *   // point AnthropicProvider at server.anthropicBaseUrl(), OpenRouterProvider at server.openRouterBaseUrl()
 * }
 * }</pre>
 *
 * <h2>Endpoints</h2>
 * <ul>
 *   <li>{@code POST /v1/messages}: needs a key ({@code x-api-key}, or {@code Authorization: Bearer}; any
 *       non-blank value) and an {@code anthropic-version} header (any value). Answers JSON, or server-sent events
 *       when the body has {@code "stream": true}: {@code message_start}, {@code content_block_start}, {@code ping},
 *       {@code content_block_delta} ({@code text_delta} word by word, or {@code input_json_delta} in two or three
 *       fragments that are not JSON on their own), {@code content_block_stop}, {@code message_delta}, {@code
 *       message_stop}. Every response has a {@code request-id} header and the {@code
 *       anthropic-ratelimit-*} headers (generous, simulated limits).</li>
 *   <li>{@code POST /v1/messages/count_tokens}: {@code {"input_tokens": n}}.</li>
 *   <li>{@code POST /v1/messages/batches}, {@code GET /v1/messages/batches/{id}}, {@code GET
 *       .../{id}/results}, {@code POST .../{id}/cancel}: the Message Batches API; a batch is answered at once,
 *       reported {@code in_progress} when created and {@code ended} when asked about.</li>
 *   <li>{@code POST /api/v1/chat/completions}: needs {@code Authorization: Bearer} (any non-blank token). Answers
 *       JSON, or server-sent events when {@code "stream": true}: a {@code : OPENROUTER PROCESSING} comment,
 *       {@code data:} chunks with the content word by word or tool-call argument fragments by index, a chunk with
 *       the {@code finish_reason}, a chunk with the usage and empty {@code choices}, then {@code data: [DONE]}.
 *       The usage carries {@code cost}, from the bundled catalog's prices for {@code openrouter/<model>}, or 0
 *       for a model the catalog does not know.</li>
 * </ul>
 * Any model name is accepted and echoed back. Usage is computed, not measured: input tokens are {@link
 * TokenEstimates} of the request's texts (system, messages, tools), output tokens of the answer. A
 * {@code max_tokens} smaller than the answer cuts it at a word and reports {@code max_tokens} / {@code length}.
 * Stop sequences, sampling parameters and other request fields are accepted and ignored.
 *
 * <h2>Prompt caching (Anthropic)</h2>
 * The Anthropic side caches prompts as Anthropic documents it (see {@code SimulatedPromptCache}): blocks marked
 * with {@code cache_control} are breakpoints; a prefix up to a breakpoint that is byte-identical (ignoring the
 * marks) to one cached by the same key and model within the last 5 minutes (or an hour, for {@code "ttl":"1h"}),
 * found at the breakpoint or up to 20 blocks before it, is read ({@code cache_read_input_tokens}), the rest up to
 * the last breakpoint is written ({@code cache_creation_input_tokens}) and what follows is {@code input_tokens}.
 * Prefixes under the model's minimum (1,024 tokens; 4,096 for Claude Haiku 4.5) are not cached. {@link
 * #clock(Clock)} sets the clock entries expire on. A request whose system prompt asks to "summarize the
 * conversation" gets a SIMULATED summary of about 600 tokens built from the transcript's user lines.
 *
 * <h2>Errors, as the real services send them</h2>
 * Missing key: 401 ({@code authentication_error}; OpenRouter {@code {"error":{"code":401,...}}}). Missing {@code
 * anthropic-version}: 400 {@code invalid_request_error}, as Anthropic answers. A body that is not a JSON object,
 * or lacks a required field: 400. An unknown path: 404 (Anthropic's body, or OpenRouter's under {@code /api/}).
 * A method other than POST: 405. An Anthropic request with a {@code tool_use} not answered by a {@code
 * tool_result} in the next message, a {@code tool_result} that answers no {@code tool_use} of the message before,
 * or more than four {@code cache_control} blocks: 400 {@code invalid_request_error} with Anthropic's message. {@link #overloadOnce(String)} makes one request fail with Anthropic's 529
 * {@code overloaded_error} or OpenRouter's 503.
 *
 * <p>Bound to 127.0.0.1 on an ephemeral port; served by a small pool of daemon threads. Thread-safe. {@link
 * #start()} sets the system property {@code sun.net.httpserver.nodelay} to true unless it is set (the JDK server
 * reads it once per JVM), so that responses are not held back by Nagle's algorithm.
 *
 * <p>To try it with curl, run {@link #main}, which prints the base URLs and two example commands:
 * {@code mvn -B -q install -DskipTests && mvn -B -q -pl ralex-examples exec:java
 * -Dexec.mainClass=dev.ralex.examples.SimulatedLlmServer} (add {@code -Dexec.args=8089} for a fixed port).
 */
public final class SimulatedLlmServer implements AutoCloseable {
  /** The Anthropic Messages path. */
  public static final String ANTHROPIC_MESSAGES_PATH = "/v1/messages";
  /** The OpenRouter chat completions path, under {@link #openRouterBaseUrl()}'s {@code /api/v1}. */
  public static final String OPENROUTER_COMPLETIONS_PATH = "/api/v1/chat/completions";

  private static final String COUNT_TOKENS_PATH = "/v1/messages/count_tokens";
  private static final String BATCHES_PATH = "/v1/messages/batches";
  /** Submitted batches by id: their result lines, and whether a poll has seen them ended. */
  private final Map<String, SimulatedBatch> batches = new java.util.concurrent.ConcurrentHashMap<>();

  /** A batch answered at submission; it reports {@code in_progress} when created and {@code ended} afterwards. */
  private record SimulatedBatch(String id, List<String> resultLines, java.time.Instant createdAt, int succeeded,
      int errored) {}

  private static final String OPENROUTER_PREFIX = "/api/";
  private static final String PROVIDER_NAME = "Simulated";
  private static final int THREADS = 4;
  /** Anthropic's documented request size limit for the Messages API. */
  private static final int MAX_BODY_BYTES = 32 * 1024 * 1024;

  // Simulated rate limits, high enough never to slow a client down.
  private static final long REQUESTS_LIMIT = 4_000;
  private static final long INPUT_TOKENS_LIMIT = 2_000_000;
  private static final long OUTPUT_TOKENS_LIMIT = 400_000;

  private static final JsonMapper JSON = JsonMapper.builder()
      .enable(StreamWriteFeature.WRITE_BIGDECIMAL_AS_PLAIN)
      .build();

  private final int requestedPort;
  private final CannedAnswers.OneShotMarker overload = new CannedAnswers.OneShotMarker();
  private final AtomicLong sequence = new AtomicLong();
  private final AtomicInteger requests = new AtomicInteger();
  private final Object lock = new Object();
  private final SimulatedPromptCache promptCache = new SimulatedPromptCache(Clock.systemUTC());
  private HttpServer server;
  private ExecutorService executor;
  private boolean closed;

  /** A server on an ephemeral port; call {@link #start()}. */
  public SimulatedLlmServer() {
    this(0);
  }

  /** A server on {@code port} of 127.0.0.1, or an ephemeral port for 0. */
  SimulatedLlmServer(int port) {
    if (port < 0 || port > 65_535) {
      throw new IllegalArgumentException("port must be in [0, 65535] but was " + port);
    }
    this.requestedPort = port;
  }

  /**
   * Starts the server.
   *
   * @return the port it listens on, on 127.0.0.1
   * @throws IllegalStateException if it was started or closed before
   * @throws UncheckedIOException if it cannot bind
   */
  public int start() {
    synchronized (lock) {
      if (closed || server != null) {
        throw new IllegalStateException(closed ? "the server is closed" : "the server is already started");
      }
      // Without TCP_NODELAY the JDK server's separate header and body writes meet the client's delayed ACK: 40 ms
      // a response on loopback. Read once, when the JVM's first HttpServer is made; a value already set wins.
      if (System.getProperty("sun.net.httpserver.nodelay") == null) {
        System.setProperty("sun.net.httpserver.nodelay", "true");
      }
      HttpServer http;
      try {
        http = HttpServer.create(
            new InetSocketAddress(InetAddress.getByAddress(new byte[] {127, 0, 0, 1}), requestedPort), 0);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot bind the simulated LLM server: " + e.getMessage(), e);
      }
      ExecutorService pool = Executors.newFixedThreadPool(THREADS, daemonThreads());
      http.setExecutor(pool);
      http.createContext("/", this::handle);
      http.start();
      server = http;
      executor = pool;
      return http.getAddress().getPort();
    }
  }

  /**
   * Makes the first request whose last user message contains {@code marker} (case-insensitive) fail once, as
   * a busy service does: Anthropic's 529 {@code overloaded_error}, or OpenRouter's 503. The retry succeeds. Can
   * be called before or after {@link #start()}; a new marker replaces one that has not fired yet.
   *
   * @return this server
   */
  public SimulatedLlmServer overloadOnce(String marker) {
    overload.arm(marker);
    return this;
  }

  /**
   * Sets the clock the simulated prompt cache expires entries on (the system clock by default), so that tests can
   * step past its five-minute time to live without waiting.
   *
   * @return this server
   */
  public SimulatedLlmServer clock(Clock clock) {
    promptCache.clock(java.util.Objects.requireNonNull(clock, "clock"));
    return this;
  }

  /** The port the server listens on. */
  public int port() {
    synchronized (lock) {
      if (server == null) {
        throw new IllegalStateException("the server is not started");
      }
      return server.getAddress().getPort();
    }
  }

  /** The base URL for an Anthropic client: {@code http://127.0.0.1:PORT}. */
  public String anthropicBaseUrl() {
    return "http://127.0.0.1:" + port();
  }

  /** The base URL for an OpenRouter client: {@code http://127.0.0.1:PORT/api/v1}. */
  public String openRouterBaseUrl() {
    return anthropicBaseUrl() + "/api/v1";
  }

  /** How many HTTP requests the server received, failed ones included. */
  public int requests() {
    return requests.get();
  }

  /** Stops the server at once and releases its port and threads. Idempotent. */
  @Override
  public void close() {
    synchronized (lock) {
      closed = true;
      if (server != null) {
        server.stop(0);
        executor.shutdownNow();
      }
    }
  }

  @Override
  public String toString() {
    synchronized (lock) {
      return "SimulatedLlmServer[" + (server == null ? (closed ? "closed" : "not started")
          : "http://127.0.0.1:" + server.getAddress().getPort() + (closed ? ", closed" : "")) + "]";
    }
  }

  /**
   * Starts a server and prints its base URLs and curl examples, then serves until the process is stopped
   * (Ctrl-C).
   *
   * @param args an optional port on 127.0.0.1 (default: an ephemeral one)
   */
  public static void main(String[] args) throws InterruptedException {
    int port = args.length > 0 ? Integer.parseInt(args[0]) : 0;
    SimulatedLlmServer server = new SimulatedLlmServer(port);
    server.start();
    Runtime.getRuntime().addShutdownHook(new Thread(server::close, "simulated-llm-shutdown"));
    System.out.println("SIMULATED LLM server (canned answers, any key accepted). Ctrl-C stops it.");
    System.out.println("  Anthropic base URL : " + server.anthropicBaseUrl());
    System.out.println("  OpenRouter base URL: " + server.openRouterBaseUrl());
    System.out.println();
    System.out.println("  curl -sN " + server.anthropicBaseUrl() + ANTHROPIC_MESSAGES_PATH
        + " -H 'x-api-key: any' -H 'anthropic-version: 2023-06-01' -H 'content-type: application/json' \\");
    System.out.println("    -d '{\"model\":\"claude-haiku-4-5\",\"max_tokens\":256,\"stream\":true,"
        + "\"messages\":[{\"role\":\"user\",\"content\":\"What does a circuit breaker do?\"}]}'");
    System.out.println("  curl -s " + server.openRouterBaseUrl() + "/chat/completions"
        + " -H 'Authorization: Bearer any' -H 'content-type: application/json' \\");
    System.out.println("    -d '{\"model\":\"meta-llama/llama-3.1-8b-instruct\","
        + "\"messages\":[{\"role\":\"user\",\"content\":\"What does a circuit breaker do?\"}]}'");
    new CountDownLatch(1).await();
  }

  private static ThreadFactory daemonThreads() {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, "simulated-llm-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  // ---------------------------------------------------------------------------------------------- dispatch

  private void handle(HttpExchange exchange) {
    requests.incrementAndGet();
    String path = exchange.getRequestURI().getPath();
    Wire wire = path.startsWith(OPENROUTER_PREFIX) ? Wire.OPENROUTER : Wire.ANTHROPIC;
    String requestId = "req_sim_" + String.format(Locale.ROOT, "%08d", sequence.incrementAndGet());
    try {
      if (wire == Wire.ANTHROPIC) {
        exchange.getResponseHeaders().set("request-id", requestId);
      }
      if (wire == Wire.ANTHROPIC && path.startsWith(BATCHES_PATH)) {
        batches(exchange, requestId, path.substring(BATCHES_PATH.length()));
      } else if (!path.equals(ANTHROPIC_MESSAGES_PATH) && !path.equals(COUNT_TOKENS_PATH)
          && !path.equals(OPENROUTER_COMPLETIONS_PATH)) {
        sendError(exchange, wire, requestId, 404, "not_found_error", "Not Found");
      } else if (!"POST".equals(exchange.getRequestMethod())) {
        exchange.getResponseHeaders().set("Allow", "POST");
        sendError(exchange, wire, requestId, 405, "invalid_request_error", "Method Not Allowed");
      } else if (wire == Wire.ANTHROPIC) {
        anthropic(exchange, requestId, path.equals(COUNT_TOKENS_PATH));
      } else {
        openRouter(exchange, requestId);
      }
    } catch (IOException | RuntimeException e) {
      // A client that went away mid-stream lands here too; then there is nobody to tell.
      if (exchange.getResponseCode() == -1) {
        try {
          sendError(exchange, wire, requestId, 500, "api_error", "Internal server error (SIMULATED)");
        } catch (IOException | RuntimeException ignored) {
          // The connection is gone.
        }
      }
    } finally {
      exchange.close();
    }
  }

  /** Reads the body as a JSON object, or answers 400 (or 413) and returns null. */
  private static ObjectNode readJson(HttpExchange exchange, Wire wire, String requestId) throws IOException {
    byte[] body;
    try (InputStream in = exchange.getRequestBody()) {
      body = in.readNBytes(MAX_BODY_BYTES + 1);
    }
    if (body.length > MAX_BODY_BYTES) {
      sendError(exchange, wire, requestId, 413, "request_too_large",
          "Request exceeds the maximum allowed number of bytes.");
      return null;
    }
    JsonNode node;
    try {
      node = JSON.readTree(body);
    } catch (JacksonException e) {
      sendError(exchange, wire, requestId, 400, "invalid_request_error",
          "There was an error parsing the body of your request: it is not valid JSON");
      return null;
    }
    if (node == null || !node.isObject()) {
      sendError(exchange, wire, requestId, 400, "invalid_request_error",
          "The request body must be a JSON object");
      return null;
    }
    return (ObjectNode) node;
  }

  // --------------------------------------------------------------------------------------------- Anthropic

  /**
   * The Message Batches endpoints: {@code POST /v1/messages/batches} answers every request at once (as a
   * non-streamed {@code /v1/messages} would, without prompt caching) and reports the batch {@code in_progress};
   * {@code GET .../{id}} reports it {@code ended}; {@code GET .../{id}/results} gives the JSON lines; {@code POST
   * .../{id}/cancel} reports it ended too (everything was already answered).
   */
  private void batches(HttpExchange exchange, String requestId, String rest) throws IOException {
    Headers headers = exchange.getRequestHeaders();
    if (isBlank(headers.getFirst("x-api-key")) && bearerToken(headers) == null) {
      sendError(exchange, Wire.ANTHROPIC, requestId, 401, "authentication_error", "x-api-key header is required");
      return;
    }
    String method = exchange.getRequestMethod();
    if (rest.isEmpty() && "POST".equals(method)) {
      ObjectNode body = readJson(exchange, Wire.ANTHROPIC, requestId);
      if (body == null) {
        return;
      }
      if (!body.path("requests").isArray() || body.path("requests").isEmpty()) {
        sendError(exchange, Wire.ANTHROPIC, requestId, 400, "invalid_request_error", "requests: Field required");
        return;
      }
      List<String> lines = new ArrayList<>();
      int succeeded = 0;
      int errored = 0;
      for (JsonNode r : body.path("requests")) {
        ObjectNode line = JSON.createObjectNode().put("custom_id", r.path("custom_id").asText());
        ObjectNode result = line.putObject("result");
        JsonNode params = r.path("params");
        if (!params.isObject() || !nonBlankText(params.get("model")) || !params.path("messages").isArray()
            || params.path("messages").isEmpty() || !params.path("max_tokens").canConvertToInt()) {
          result.put("type", "errored").putObject("error").put("type", "error").putObject("error")
              .put("type", "invalid_request_error").put("message", "params: model, max_tokens and messages are required");
          errored++;
        } else {
          result.put("type", "succeeded").set("message", batchAnswer((ObjectNode) params));
          succeeded++;
        }
        lines.add(JSON.writeValueAsString(line));
      }
      String id = "msgbatch_sim_" + String.format(Locale.ROOT, "%08d", sequence.incrementAndGet());
      SimulatedBatch batch = new SimulatedBatch(id, lines, java.time.Instant.now(), succeeded, errored);
      batches.put(id, batch);
      sendJson(exchange, 200, batchJson(batch, false));
      return;
    }
    String[] parts = rest.substring(rest.isEmpty() ? 0 : 1).split("/");
    SimulatedBatch batch = parts.length == 0 ? null : batches.get(parts[0]);
    if (batch == null) {
      sendError(exchange, Wire.ANTHROPIC, requestId, 404, "not_found_error", "No such batch");
    } else if (parts.length == 1 && "GET".equals(method)) {
      sendJson(exchange, 200, batchJson(batch, true));
    } else if (parts.length == 2 && parts[1].equals("cancel") && "POST".equals(method)) {
      sendJson(exchange, 200, batchJson(batch, true));
    } else if (parts.length == 2 && parts[1].equals("results") && "GET".equals(method)) {
      byte[] bytes = (String.join("\n", batch.resultLines()) + "\n").getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("content-type", "application/binary");
      exchange.sendResponseHeaders(200, bytes.length);
      try (java.io.OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    } else {
      sendError(exchange, Wire.ANTHROPIC, requestId, 404, "not_found_error", "Not Found");
    }
  }

  /** A {@code message_batch} object: in progress when just created, ended when asked about afterwards. */
  private static ObjectNode batchJson(SimulatedBatch batch, boolean ended) {
    ObjectNode b = JSON.createObjectNode().put("id", batch.id()).put("type", "message_batch")
        .put("processing_status", ended ? "ended" : "in_progress");
    int total = batch.resultLines().size();
    b.putObject("request_counts").put("processing", ended ? 0 : total)
        .put("succeeded", ended ? batch.succeeded() : 0).put("errored", ended ? batch.errored() : 0)
        .put("canceled", 0).put("expired", 0);
    if (ended) {
      b.put("ended_at", batch.createdAt().toString());
    } else {
      b.putNull("ended_at");
    }
    b.put("created_at", batch.createdAt().toString());
    b.put("expires_at", batch.createdAt().plus(java.time.Duration.ofDays(1)).toString());
    b.putNull("archived_at").putNull("cancel_initiated_at");
    b.putNull("results_url");
    return b;
  }

  /** The message a batch request gets: the canned answer, billed without prompt caching. */
  private ObjectNode batchAnswer(ObjectNode params) {
    long total = 0;
    for (SimulatedPromptCache.Block block : anthropicBlocks(params)) {
      total += block.tokens();
    }
    Turn turn = anthropicTurn(params, total);
    Reply reply = reply(turn);
    long n = sequence.incrementAndGet();
    ObjectNode message = anthropicMessage("msg_sim_" + String.format(Locale.ROOT, "%08d", n), turn.model);
    ArrayNode content = message.putArray("content");
    if (reply.isToolCall()) {
      try {
        content.addObject().put("type", "tool_use").put("id", "toolu_sim_" + String.format(Locale.ROOT, "%08d", n))
            .put("name", reply.toolName).set("input", JSON.readTree(reply.toolInputJson));
      } catch (JacksonException e) {
        throw new IllegalStateException("a canned tool input is not JSON", e);
      }
    } else {
      content.addObject().put("type", "text").put("text", reply.text);
    }
    message.put("stop_reason", reply.stop.anthropic).putNull("stop_sequence");
    message.putObject("usage").put("input_tokens", turn.inputTokens).put("cache_creation_input_tokens", 0)
        .put("cache_read_input_tokens", 0).put("output_tokens", reply.outputTokens);
    return message;
  }

  private void anthropic(HttpExchange exchange, String requestId, boolean countTokens) throws IOException {
    Headers headers = exchange.getRequestHeaders();
    if (isBlank(headers.getFirst("x-api-key")) && bearerToken(headers) == null) {
      sendError(exchange, Wire.ANTHROPIC, requestId, 401, "authentication_error", "x-api-key header is required");
      return;
    }
    if (isBlank(headers.getFirst("anthropic-version"))) {
      sendError(exchange, Wire.ANTHROPIC, requestId, 400, "invalid_request_error",
          "anthropic-version: header is required");
      return;
    }
    ObjectNode body = readJson(exchange, Wire.ANTHROPIC, requestId);
    if (body == null) {
      return;
    }
    String problem = !nonBlankText(body.get("model")) ? "model: Field required"
        : !countTokens && !(body.path("max_tokens").canConvertToInt() && body.path("max_tokens").asInt() >= 1)
            ? "max_tokens: Field required"
        : !body.path("messages").isArray() ? "messages: Field required"
        : body.path("messages").isEmpty() ? "messages: at least one message is required"
        : null;
    if (problem != null) {
      sendError(exchange, Wire.ANTHROPIC, requestId, 400, "invalid_request_error", problem);
      return;
    }
    List<SimulatedPromptCache.Block> blocks = anthropicBlocks(body);
    String invalid = invalidToolPairs(body.path("messages"));
    int breakpoints = SimulatedPromptCache.breakpoints(blocks);
    if (invalid == null && breakpoints > SimulatedPromptCache.MAX_BREAKPOINTS) {
      invalid = "A maximum of " + SimulatedPromptCache.MAX_BREAKPOINTS + " blocks with cache_control may be "
          + "provided. Found " + breakpoints + ".";
    }
    if (invalid != null) {
      sendError(exchange, Wire.ANTHROPIC, requestId, 400, "invalid_request_error", invalid);
      return;
    }
    long total = 0;
    for (SimulatedPromptCache.Block b : blocks) {
      total += b.tokens();
    }
    Turn turn = anthropicTurn(body, total);
    if (countTokens) {
      ObjectNode count = JSON.createObjectNode().put("input_tokens", turn.inputTokens);
      sendJson(exchange, 200, count);
      return;
    }
    if (overload.fires(turn.lastUserText)) {
      sendError(exchange, Wire.ANTHROPIC, requestId, 529, "overloaded_error", "Overloaded");
      return;
    }
    Reply reply = reply(turn);
    String key = headers.getFirst("x-api-key") != null ? headers.getFirst("x-api-key") : bearerToken(headers);
    SimulatedPromptCache.Split split = promptCache.apply(key + "\n" + turn.model + "\n", blocks,
        SimulatedPromptCache.minimumCacheable(turn.model));
    long n = sequence.incrementAndGet();
    String messageId = "msg_sim_" + String.format(Locale.ROOT, "%08d", n);
    String toolUseId = "toolu_sim_" + String.format(Locale.ROOT, "%08d", n);
    setRateLimitHeaders(exchange.getResponseHeaders(), split.input() + split.cacheWrite(), reply);
    if (!body.path("stream").asBoolean(false)) {
      ObjectNode message = anthropicMessage(messageId, turn.model);
      ArrayNode content = message.putArray("content");
      if (reply.isToolCall()) {
        content.addObject().put("type", "tool_use").put("id", toolUseId).put("name", reply.toolName)
            .set("input", JSON.readTree(reply.toolInputJson));
      } else {
        content.addObject().put("type", "text").put("text", reply.text);
      }
      message.put("stop_reason", reply.stop.anthropic).putNull("stop_sequence");
      anthropicUsage(message.putObject("usage"), split, reply.outputTokens);
      sendJson(exchange, 200, message);
      return;
    }
    try (Sse sse = Sse.start(exchange, "text/event-stream; charset=utf-8")) {
      ObjectNode start = anthropicMessage(messageId, turn.model);
      start.putArray("content");
      start.putNull("stop_reason").putNull("stop_sequence");
      anthropicUsage(start.putObject("usage"), split, 1);
      sse.event("message_start", JSON.createObjectNode().put("type", "message_start").set("message", start));
      ObjectNode block = JSON.createObjectNode();
      if (reply.isToolCall()) {
        block.put("type", "tool_use").put("id", toolUseId).put("name", reply.toolName).putObject("input");
      } else {
        block.put("type", "text").put("text", "");
      }
      sse.event("content_block_start", JSON.createObjectNode().put("type", "content_block_start")
          .put("index", 0).set("content_block", block));
      sse.event("ping", JSON.createObjectNode().put("type", "ping"));
      List<String> pieces = reply.isToolCall() ? fragments(reply.toolInputJson)
          : List.of(CannedAnswers.words(reply.text));
      for (String piece : pieces) {
        ObjectNode delta = JSON.createObjectNode();
        if (reply.isToolCall()) {
          delta.put("type", "input_json_delta").put("partial_json", piece);
        } else {
          delta.put("type", "text_delta").put("text", piece);
        }
        sse.event("content_block_delta", JSON.createObjectNode().put("type", "content_block_delta")
            .put("index", 0).set("delta", delta));
      }
      sse.event("content_block_stop", JSON.createObjectNode().put("type", "content_block_stop").put("index", 0));
      ObjectNode messageDelta = JSON.createObjectNode().put("type", "message_delta");
      messageDelta.putObject("delta").put("stop_reason", reply.stop.anthropic).putNull("stop_sequence");
      messageDelta.putObject("usage").put("output_tokens", reply.outputTokens);
      sse.event("message_delta", messageDelta);
      sse.event("message_stop", JSON.createObjectNode().put("type", "message_stop"));
    }
  }

  private static ObjectNode anthropicMessage(String id, String model) {
    return JSON.createObjectNode().put("id", id).put("type", "message").put("role", "assistant")
        .put("model", model);
  }

  private static void anthropicUsage(ObjectNode usage, SimulatedPromptCache.Split split, long outputTokens) {
    usage.put("input_tokens", split.input())
        .put("cache_creation_input_tokens", split.cacheWrite())
        .put("cache_read_input_tokens", split.cacheRead())
        .put("output_tokens", outputTokens)
        .put("service_tier", "standard");
  }

  /**
   * The rate-limit headers of a response; as on Anthropic, cache reads do not count toward the input-token limit,
   * so {@code countedInput} is the uncached input plus the cache writes.
   */
  private static void setRateLimitHeaders(Headers headers, long countedInput, Reply reply) {
    String reset = Instant.now().truncatedTo(ChronoUnit.SECONDS).plusSeconds(60).toString();
    rateLimit(headers, "requests", REQUESTS_LIMIT, REQUESTS_LIMIT - 1, reset);
    rateLimit(headers, "input-tokens", INPUT_TOKENS_LIMIT, INPUT_TOKENS_LIMIT - countedInput, reset);
    rateLimit(headers, "output-tokens", OUTPUT_TOKENS_LIMIT, OUTPUT_TOKENS_LIMIT - reply.outputTokens, reset);
    // "tokens" is the most restrictive token limit in effect: here the output one.
    rateLimit(headers, "tokens", OUTPUT_TOKENS_LIMIT, OUTPUT_TOKENS_LIMIT - reply.outputTokens, reset);
  }

  private static void rateLimit(Headers headers, String kind, long limit, long remaining, String reset) {
    headers.set("anthropic-ratelimit-" + kind + "-limit", Long.toString(limit));
    headers.set("anthropic-ratelimit-" + kind + "-remaining", Long.toString(Math.max(0, remaining)));
    headers.set("anthropic-ratelimit-" + kind + "-reset", reset);
  }

  /** What the simulation needs from an Anthropic request, whose input is {@code tokens}. */
  private static Turn anthropicTurn(ObjectNode body, long tokens) {
    JsonNode system = body.path("system");
    String systemText = system.isTextual() ? system.asText() : anthropicText(system);
    JsonNode tools = body.path("tools");
    JsonNode messages = body.path("messages");
    String lastUserText = "";
    for (JsonNode message : messages) {
      if ("user".equals(message.path("role").asText())) {
        lastUserText = anthropicText(message.path("content"));
      }
    }
    JsonNode last = messages.get(messages.size() - 1);
    boolean endsWithToolResult = false;
    if ("user".equals(last.path("role").asText())) {
      for (JsonNode block : last.path("content")) {
        endsWithToolResult |= "tool_result".equals(block.path("type").asText());
      }
    }
    String tool = chosenTool(tools, body.path("tool_choice"), false);
    return new Turn(body.path("model").asText(), systemText, lastUserText, endsWithToolResult, tool,
        Math.max(1, tokens), maxTokens(body.path("max_tokens")));
  }

  /**
   * The prompt as the cache sees it: tools, system, then each message's blocks, each with its canonical bytes and
   * its share of the input tokens (the tools' preamble on the first tool, a message's overhead on its first
   * block). The messages' blocks carry the {@code tool_choice}, whose change invalidates them.
   */
  private static List<SimulatedPromptCache.Block> anthropicBlocks(ObjectNode body) {
    List<SimulatedPromptCache.Block> blocks = new ArrayList<>();
    JsonNode tools = body.path("tools");
    if (tools.isArray()) {
      for (int i = 0; i < tools.size(); i++) {
        JsonNode tool = tools.get(i);
        JsonNode schema = tool.path("input_schema");
        long tokens = (i == 0 ? TOOLS_PREAMBLE : 0) + TokenEstimates.estimateText(tool.path("name").asText())
            + TokenEstimates.estimateText(tool.path("description").asText())
            + (schema.isMissingNode() ? 0 : TokenEstimates.estimateText(schema.toString())) + PER_MESSAGE_OVERHEAD;
        blocks.add(block("tools", tool, tokens));
      }
    }
    JsonNode system = body.path("system");
    if (system.isTextual()) {
      blocks.add(block("system", SimulatedPromptCache.textBlock(system.asText()),
          TokenEstimates.estimateText(system.asText())));
    } else {
      for (JsonNode b : system) {
        blocks.add(block("system", b, anthropicBlockTokens(b)));
      }
    }
    String choice = body.path("tool_choice").toString();
    JsonNode messages = body.path("messages");
    for (int i = 0; i < messages.size(); i++) {
      JsonNode message = messages.get(i);
      String at = "messages " + choice + " " + i + " " + message.path("role").asText();
      JsonNode content = message.path("content");
      if (content.isTextual()) {
        blocks.add(block(at, SimulatedPromptCache.textBlock(content.asText()),
            PER_MESSAGE_OVERHEAD + TokenEstimates.estimateText(content.asText())));
      } else if (content.isEmpty()) {
        blocks.add(block(at, content, PER_MESSAGE_OVERHEAD));
      } else {
        for (int j = 0; j < content.size(); j++) {
          JsonNode b = content.get(j);
          blocks.add(block(at, b, (j == 0 ? PER_MESSAGE_OVERHEAD : 0) + anthropicBlockTokens(b)));
        }
      }
    }
    return blocks;
  }

  private static SimulatedPromptCache.Block block(String at, JsonNode block, long tokens) {
    return new SimulatedPromptCache.Block(at, block, tokens,
        block.isObject() ? SimulatedPromptCache.ttlOf(block) : null);
  }

  /**
   * Anthropic's check that every {@code tool_use} is answered by a {@code tool_result} in the next message and
   * every {@code tool_result} answers a {@code tool_use} of the message before; its error message, or null.
   */
  static String invalidToolPairs(JsonNode messages) {
    List<String> previousUses = List.of();
    for (int i = 0; i < messages.size(); i++) {
      JsonNode message = messages.get(i);
      List<String> uses = new ArrayList<>();
      List<String> results = new ArrayList<>();
      JsonNode content = message.path("content");
      for (int j = 0; j < content.size(); j++) {
        JsonNode b = content.get(j);
        String type = b.path("type").asText();
        if ("tool_use".equals(type)) {
          uses.add(b.path("id").asText());
        } else if ("tool_result".equals(type)) {
          String id = b.path("tool_use_id").asText();
          if (!previousUses.contains(id)) {
            return "messages." + i + ".content." + j + ": unexpected `tool_use_id` found in `tool_result` blocks: "
                + id + ". Each `tool_result` block must have a corresponding `tool_use` block in the previous "
                + "message.";
          }
          results.add(id);
        }
      }
      if (!previousUses.isEmpty()) {
        List<String> missing = new ArrayList<>(previousUses);
        missing.removeAll(results);
        if (!missing.isEmpty()) {
          return "messages." + i + ": `tool_use` ids were found without `tool_result` blocks immediately after: "
              + String.join(", ", missing) + ". Each `tool_use` block must have a corresponding `tool_result` "
              + "block in the next message.";
        }
      }
      previousUses = "assistant".equals(message.path("role").asText()) ? uses : List.of();
    }
    if (!previousUses.isEmpty()) {
      return "messages." + messages.size() + ": `tool_use` ids were found without `tool_result` blocks immediately "
          + "after: " + String.join(", ", previousUses) + ". Each `tool_use` block must have a corresponding "
          + "`tool_result` block in the next message.";
    }
    return null;
  }

  private static String anthropicText(JsonNode content) {
    if (content.isTextual()) {
      return content.asText();
    }
    StringBuilder sb = new StringBuilder();
    for (JsonNode block : content) {
      if ("text".equals(block.path("type").asText())) {
        sb.append(block.path("text").asText());
      }
    }
    return sb.toString();
  }

  private static long anthropicBlockTokens(JsonNode block) {
    switch (block.path("type").asText()) {
      case "text":
        return TokenEstimates.estimateText(block.path("text").asText());
      case "tool_use":
        return PER_MESSAGE_OVERHEAD + TokenEstimates.estimateText(block.path("name").asText())
            + TokenEstimates.estimateText(block.path("input").toString());
      case "tool_result": {
        JsonNode content = block.path("content");
        long sum = PER_MESSAGE_OVERHEAD;
        if (content.isTextual()) {
          sum += TokenEstimates.estimateText(content.asText());
        } else {
          for (JsonNode inner : content) {
            sum += anthropicBlockTokens(inner);
          }
        }
        return sum;
      }
      case "image":
        return PER_IMAGE;
      case "thinking":
        return TokenEstimates.estimateText(block.path("thinking").asText());
      default:
        return TokenEstimates.estimateText(block.toString());
    }
  }

  // -------------------------------------------------------------------------------------------- OpenRouter

  private void openRouter(HttpExchange exchange, String requestId) throws IOException {
    if (bearerToken(exchange.getRequestHeaders()) == null) {
      sendError(exchange, Wire.OPENROUTER, requestId, 401, "authentication_error", "No auth credentials found");
      return;
    }
    ObjectNode body = readJson(exchange, Wire.OPENROUTER, requestId);
    if (body == null) {
      return;
    }
    JsonNode messages = body.path("messages");
    String model = nonBlankText(body.get("model")) ? body.get("model").asText()
        : nonBlankText(body.path("models").get(0)) ? body.path("models").get(0).asText() : null;
    String problem = model == null ? "No models provided"
        : !messages.isArray() || messages.isEmpty() ? "Input required: specify \"messages\""
        : null;
    if (problem != null) {
      sendError(exchange, Wire.OPENROUTER, requestId, 400, "invalid_request_error", problem);
      return;
    }
    Turn turn = openAiTurn(model, body);
    if (overload.fires(turn.lastUserText)) {
      sendError(exchange, Wire.OPENROUTER, requestId, 503, "overloaded_error",
          "Provider returned error: the model is overloaded (SIMULATED), try again");
      return;
    }
    Reply reply = reply(turn);
    long created = Instant.now().getEpochSecond();
    long n = sequence.incrementAndGet();
    String id = "gen-" + created + "-sim" + String.format(Locale.ROOT, "%08d", n);
    String callId = "call_sim_" + String.format(Locale.ROOT, "%08d", n);
    if (!body.path("stream").asBoolean(false)) {
      ObjectNode completion = openAiEnvelope(id, model, created, "chat.completion");
      ObjectNode choice = completion.putArray("choices").addObject();
      choice.put("index", 0).putNull("logprobs")
          .put("finish_reason", reply.stop.openAi).put("native_finish_reason", reply.stop.openAi);
      ObjectNode message = choice.putObject("message").put("role", "assistant");
      if (reply.isToolCall()) {
        message.put("content", "");
        ObjectNode call = message.putArray("tool_calls").addObject();
        call.put("id", callId).put("index", 0).put("type", "function");
        call.putObject("function").put("name", reply.toolName).put("arguments", reply.toolInputJson);
      } else {
        message.put("content", reply.text);
      }
      message.putNull("refusal").putNull("reasoning");
      openRouterUsage(completion.putObject("usage"), model, turn.inputTokens, reply.outputTokens);
      sendJson(exchange, 200, completion);
      return;
    }
    try (Sse sse = Sse.start(exchange, "text/event-stream")) {
      sse.comment("OPENROUTER PROCESSING");
      if (reply.isToolCall()) {
        List<String> pieces = fragments(reply.toolInputJson);
        for (int i = 0; i < pieces.size(); i++) {
          ObjectNode delta = JSON.createObjectNode();
          ObjectNode call = JSON.createObjectNode().put("index", 0);
          if (i == 0) {
            delta.put("role", "assistant").putNull("content");
            call.put("id", callId).put("type", "function");
            call.putObject("function").put("name", reply.toolName).put("arguments", pieces.get(i));
          } else {
            call.putObject("function").put("arguments", pieces.get(i));
          }
          delta.putArray("tool_calls").add(call);
          sse.data(openAiChunk(id, model, created, delta, null));
        }
        sse.data(openAiChunk(id, model, created, JSON.createObjectNode(), reply.stop.openAi));
      } else {
        for (String word : CannedAnswers.words(reply.text)) {
          sse.data(openAiChunk(id, model, created,
              JSON.createObjectNode().put("role", "assistant").put("content", word), null));
        }
        sse.data(openAiChunk(id, model, created,
            JSON.createObjectNode().put("role", "assistant").put("content", ""), reply.stop.openAi));
      }
      ObjectNode usageChunk = openAiEnvelope(id, model, created, "chat.completion.chunk");
      usageChunk.putArray("choices");
      openRouterUsage(usageChunk.putObject("usage"), model, turn.inputTokens, reply.outputTokens);
      sse.data(JSON.writeValueAsString(usageChunk));
      sse.data("[DONE]");
    }
  }

  private static ObjectNode openAiEnvelope(String id, String model, long created, String object) {
    return JSON.createObjectNode().put("id", id).put("provider", PROVIDER_NAME).put("model", model)
        .put("object", object).put("created", created);
  }

  private static String openAiChunk(String id, String model, long created, ObjectNode delta, String finish)
      throws IOException {
    ObjectNode chunk = openAiEnvelope(id, model, created, "chat.completion.chunk");
    ObjectNode choice = chunk.putArray("choices").addObject().put("index", 0);
    choice.set("delta", delta);
    choice.put("finish_reason", finish).put("native_finish_reason", finish).putNull("logprobs");
    return JSON.writeValueAsString(chunk);
  }

  private static void openRouterUsage(ObjectNode usage, String model, long inputTokens, long outputTokens) {
    usage.put("prompt_tokens", inputTokens)
        .put("completion_tokens", outputTokens)
        .put("total_tokens", inputTokens + outputTokens)
        .put("cost", cost(model, inputTokens, outputTokens))
        .put("is_byok", false);
    usage.putObject("prompt_tokens_details").put("cached_tokens", 0);
    usage.putObject("completion_tokens_details").put("reasoning_tokens", 0);
  }

  /** The cost at the bundled catalog's prices for {@code openrouter/<model>}, or 0 for an unknown model. */
  static BigDecimal cost(String model, long inputTokens, long outputTokens) {
    Optional<ModelInfo> known = ModelCatalog.bundled().find("openrouter/" + model);
    return known.map(m -> m.pricing().costOf(Usage.of(inputTokens, outputTokens))).orElse(BigDecimal.ZERO);
  }

  /** What the simulation needs from an OpenAI-style request. */
  private static Turn openAiTurn(String model, ObjectNode body) {
    JsonNode messages = body.path("messages");
    JsonNode tools = body.path("tools");
    long tokens = toolTokens(tools, true);
    for (JsonNode message : messages) {
      tokens += PER_MESSAGE_OVERHEAD + TokenEstimates.estimateText(openAiText(message.path("content")));
      for (JsonNode call : message.path("tool_calls")) {
        tokens += PER_MESSAGE_OVERHEAD + TokenEstimates.estimateText(call.path("function").path("name").asText())
            + TokenEstimates.estimateText(call.path("function").path("arguments").asText());
      }
    }
    // The user's turn is the run of user and tool messages after the last assistant message (Anthropic's one
    // user message, split by role); a request ending with an assistant message (a prefill) looks further back.
    int end = messages.size();
    while (end > 0 && !isUserTurn(messages.get(end - 1))) {
      end--;
    }
    int begin = end;
    while (begin > 0 && isUserTurn(messages.get(begin - 1))) {
      begin--;
    }
    StringBuilder lastUserText = new StringBuilder();
    boolean toolResult = false;
    for (int i = begin; i < end; i++) {
      JsonNode message = messages.get(i);
      if ("tool".equals(message.path("role").asText())) {
        toolResult = true;
      } else {
        lastUserText.append(openAiText(message.path("content")));
      }
    }
    boolean endsWithToolResult = toolResult && end == messages.size();
    String tool = chosenTool(tools, body.path("tool_choice"), true);
    JsonNode maxTokens = body.has("max_completion_tokens") ? body.get("max_completion_tokens")
        : body.path("max_tokens");
    StringBuilder systemText = new StringBuilder();
    for (JsonNode message : messages) {
      if ("system".equals(message.path("role").asText())) {
        systemText.append(openAiText(message.path("content")));
      }
    }
    return new Turn(model, systemText.toString(), lastUserText.toString(), endsWithToolResult, tool,
        Math.max(1, tokens), maxTokens(maxTokens));
  }

  private static boolean isUserTurn(JsonNode message) {
    String role = message.path("role").asText();
    return role.equals("user") || role.equals("tool");
  }

  /** The text of an OpenAI message's content: a string, or the text of its text parts. */
  private static String openAiText(JsonNode content) {
    if (content.isTextual()) {
      return content.asText();
    }
    StringBuilder sb = new StringBuilder();
    for (JsonNode part : content) {
      if ("text".equals(part.path("type").asText())) {
        sb.append(part.path("text").asText());
      }
    }
    return sb.toString();
  }

  // ---------------------------------------------------------------------------------------- both formats

  /** Tokens the provider adds around every message, as {@link TokenEstimates} counts them. */
  private static final int PER_MESSAGE_OVERHEAD = 4;
  /** Tokens for describing the tool-use protocol, as {@link TokenEstimates} counts them. */
  private static final int TOOLS_PREAMBLE = 350;
  private static final int PER_IMAGE = 1_600;

  private static long toolTokens(JsonNode tools, boolean openAi) {
    if (!tools.isArray() || tools.isEmpty()) {
      return 0;
    }
    long tokens = TOOLS_PREAMBLE;
    for (JsonNode tool : tools) {
      JsonNode t = openAi ? tool.path("function") : tool;
      JsonNode schema = t.path(openAi ? "parameters" : "input_schema");
      tokens += TokenEstimates.estimateText(t.path("name").asText())
          + TokenEstimates.estimateText(t.path("description").asText())
          + (schema.isMissingNode() ? 0 : TokenEstimates.estimateText(schema.toString()))
          + PER_MESSAGE_OVERHEAD;
    }
    return tokens;
  }

  /**
   * The tool the simulated model calls, if it may call one: the tool {@code tool_choice} names, else the first;
   * none when there are no tools or {@code tool_choice} is {@code none}.
   */
  private static String chosenTool(JsonNode tools, JsonNode choice, boolean openAi) {
    if (!tools.isArray() || tools.isEmpty()) {
      return null;
    }
    String type = choice.isTextual() ? choice.asText() : choice.path("type").asText();
    if (type.equals("none")) {
      return null;
    }
    String named = openAi ? choice.path("function").path("name").asText() : choice.path("name").asText();
    if (!named.isEmpty()) {
      return named;
    }
    JsonNode first = tools.get(0);
    return (openAi ? first.path("function") : first).path("name").asText();
  }

  private static Integer maxTokens(JsonNode node) {
    return node.canConvertToInt() && node.asInt() >= 1 ? node.asInt() : null;
  }

  /** The simulated model's answer to a turn. */
  private static Reply reply(Turn turn) {
    if (turn.toolName != null && CannedAnswers.callsTool(true, turn.endsWithToolResult)) {
      String input = CannedAnswers.toolInput(turn.lastUserText);
      return new Reply(null, turn.toolName, input, Stop.TOOL, CannedAnswers.toolCallTokens(turn.toolName, input));
    }
    String text = CannedAnswers.isSummaryRequest(turn.systemText) ? CannedAnswers.summary(turn.lastUserText)
        : CannedAnswers.answer(turn.lastUserText);
    Stop stop = Stop.END;
    if (turn.maxTokens != null && TokenEstimates.estimateText(text) > turn.maxTokens) {
      // As a real model does: cut off at the limit.
      StringBuilder cut = new StringBuilder();
      for (String word : CannedAnswers.words(text)) {
        if (TokenEstimates.estimateText(cut + word) > turn.maxTokens) {
          break;
        }
        cut.append(word);
      }
      text = cut.toString();
      stop = Stop.LENGTH;
    }
    return new Reply(text, null, null, stop, TokenEstimates.estimateText(text));
  }

  /**
   * {@code json} cut into two or three fragments that are not JSON on their own (as tool arguments stream),
   * never inside a surrogate pair.
   */
  static List<String> fragments(String json) {
    int parts = json.length() >= 3 ? 3 : Math.max(1, json.length());
    List<String> out = new ArrayList<>(parts);
    int from = 0;
    for (int i = 1; i <= parts; i++) {
      int to = i == parts ? json.length() : json.length() * i / parts;
      if (to > 0 && to < json.length() && Character.isHighSurrogate(json.charAt(to - 1))) {
        to++;
      }
      if (to > from) {
        out.add(json.substring(from, to));
        from = to;
      }
    }
    return out;
  }

  private static void sendError(HttpExchange exchange, Wire wire, String requestId, int status, String type,
      String message) throws IOException {
    ObjectNode body = JSON.createObjectNode();
    if (wire == Wire.ANTHROPIC) {
      body.put("type", "error");
      body.putObject("error").put("type", type).put("message", message);
      body.put("request_id", requestId);
    } else {
      body.putObject("error").put("code", status).put("message", message);
    }
    sendJson(exchange, status, body);
  }

  private static void sendJson(HttpExchange exchange, int status, JsonNode body) throws IOException {
    byte[] bytes = JSON.writeValueAsBytes(body);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  private static String bearerToken(Headers headers) {
    String auth = headers.getFirst("Authorization");
    if (auth == null || !auth.regionMatches(true, 0, "Bearer ", 0, 7) || auth.substring(7).isBlank()) {
      return null;
    }
    return auth.substring(7).trim();
  }

  private static boolean nonBlankText(JsonNode node) {
    return node != null && node.isTextual() && !node.asText().isBlank();
  }

  private static boolean isBlank(String s) {
    return s == null || s.isBlank();
  }

  private enum Wire { ANTHROPIC, OPENROUTER }

  private enum Stop {
    END("end_turn", "stop"),
    TOOL("tool_use", "tool_calls"),
    LENGTH("max_tokens", "length");

    final String anthropic;
    final String openAi;

    Stop(String anthropic, String openAi) {
      this.anthropic = anthropic;
      this.openAi = openAi;
    }
  }

  /** A request, reduced to what the simulation reads. {@code toolName} is null when no tool may be called. */
  private record Turn(String model, String systemText, String lastUserText, boolean endsWithToolResult,
      String toolName, long inputTokens, Integer maxTokens) {}

  /** An answer: text, or a call of {@code toolName} with {@code toolInputJson}. */
  private record Reply(String text, String toolName, String toolInputJson, Stop stop, long outputTokens) {
    boolean isToolCall() {
      return toolName != null;
    }
  }

  /** A server-sent event stream on a chunked 200 response, flushed event by event. */
  private static final class Sse implements AutoCloseable {
    private final OutputStream out;

    private Sse(OutputStream out) {
      this.out = out;
    }

    static Sse start(HttpExchange exchange, String contentType) throws IOException {
      exchange.getResponseHeaders().set("Content-Type", contentType);
      exchange.getResponseHeaders().set("Cache-Control", "no-cache");
      exchange.sendResponseHeaders(200, 0);
      return new Sse(exchange.getResponseBody());
    }

    void event(String name, JsonNode data) throws IOException {
      write("event: " + name + "\ndata: " + JSON.writeValueAsString(data) + "\n\n");
    }

    void data(String data) throws IOException {
      write("data: " + data + "\n\n");
    }

    void comment(String text) throws IOException {
      write(": " + text + "\n\n");
    }

    private void write(String s) throws IOException {
      out.write(s.getBytes(StandardCharsets.UTF_8));
      out.flush();
    }

    @Override
    public void close() throws IOException {
      out.close();
    }
  }
}
