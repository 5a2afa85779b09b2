package dev.ralex.examples.gateway;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.ralex.api.ChatResponse;
import dev.ralex.api.LlmException;
import dev.ralex.api.ModelInfo;
import dev.ralex.api.ModelSelector;
import dev.ralex.api.Selection;
import dev.ralex.api.StreamHandle;
import dev.ralex.api.StreamHandler;
import dev.ralex.api.ToolUseBlock;
import dev.ralex.core.Budget;
import dev.ralex.core.BudgetScope;
import dev.ralex.core.ModelCatalog;
import dev.ralex.core.Ralex;
import dev.ralex.core.RetryPolicy;
import dev.ralex.core.UsageQuery;
import dev.ralex.examples.KeywordSelector;
import dev.ralex.examples.SimulatedLlmServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An OpenAI-compatible HTTP gateway in front of a {@link Ralex}: any client that speaks the OpenAI chat
 * completions protocol (Open WebUI, editor plugins, the official SDKs, curl) gets Ralex's model selection,
 * budgets, rate limits, retries and fallbacks without knowing Ralex exists.
 *
 * <pre>{@code
 * try (GatewayServer gateway = GatewayServer.builder()
 *     .ralex(Ralex.builder().discoverProviders().defaultMaxOutputTokens(2048))
 *     .addKey(System.getenv("TEAM_KEY"), "team")
 *     .dailyBudgetPerCaller(new BigDecimal("2.00"))
 *     .port(8088)
 *     .build()) {
 *   gateway.start(); // clients use base URL gateway.baseUrl() and the key
 * }
 * }</pre>
 *
 * <h2>Endpoints</h2>
 * <ul>
 *   <li>{@code POST /v1/chat/completions}: the OpenAI request mapped to a {@link dev.ralex.api.ChatRequest} (see
 *       {@code OpenAiMapping}); a JSON {@code chat.completion}, or with {@code "stream": true} server-sent {@code
 *       data:} chunks ({@code chat.completion.chunk}) ending with {@code data: [DONE]}, and a usage chunk before
 *       it when {@code stream_options.include_usage} is true. {@code "model": "auto"} (or no model) lets Ralex's
 *       selector choose; a model of {@link #models()} is sent as the request's model; any other is a 404. The
 *       answer's {@code model} is the Ralex model id that answered (in a stream, on the last chunks: the earlier
 *       ones carry the model asked for, or {@code auto}). Blocking answers carry {@code x-ralex-call-id} (for
 *       {@link Ralex#rate}) and {@code x-ralex-cost} (US dollars) headers.</li>
 *   <li>{@code GET /v1/models} and {@code GET /v1/models/{id}}: {@code auto} and the models the Ralex can call, in
 *       OpenAI's list format, {@code owned_by} the provider.</li>
 *   <li>{@code GET /v1/usage}: the calling key's spend today and this month, its daily cap when the gateway
 *       configured one, and the gateway's total, as exact decimal strings in US dollars.</li>
 * </ul>
 *
 * <h2>Callers, budgets and errors</h2>
 * Every request needs {@code Authorization: Bearer <gateway key>}; keys map to caller names, are kept only as
 * digests and are compared in constant time (see {@code GatewayKeys}); they are never logged nor sent back. Each
 * call is tagged {@value #CALLER_TAG}{@code =<caller>}, so that {@link Budget#perTag} gives every caller a daily
 * cap of its own ({@link Builder#dailyBudgetPerCaller}). Every failure is OpenAI's error body {@code {"error":
 * {"message", "type", "param", "code"}}}: a wrong or missing key 401, a budget refusal 429 {@code
 * insufficient_quota}, a rate limit 429 with {@code Retry-After}, an invalid request or malformed JSON 400, a
 * body over {@value #DEFAULT_MAX_BODY_BYTES} bytes 413, an unavailable provider 503, a timeout 504 (see {@code
 * OpenAiError}). A stream that fails after its first chunk ends with a {@code data: {"error": ...}} event and no
 * {@code [DONE]}.
 *
 * <p>Bound to 127.0.0.1 unless told otherwise; there is no TLS, so put a TLS proxy in front before binding to a
 * public address. Thread-safe.
 *
 * <p>Run it with {@code mvn -B -q install -DskipTests && mvn -B -q -pl ralex-examples exec:java
 * -Dexec.mainClass=dev.ralex.examples.gateway.GatewayServer}; see {@link #main}.
 */
public final class GatewayServer implements AutoCloseable {
  /** The tag every call carries, with the caller's name as its value. */
  public static final String CALLER_TAG = "gateway.caller";
  /** The largest request body accepted unless set: 8 MiB. */
  public static final int DEFAULT_MAX_BODY_BYTES = 8 * 1024 * 1024;
  /** The port {@link #main} listens on unless told otherwise. */
  public static final int DEFAULT_PORT = 8088;

  private static final Logger LOG = LoggerFactory.getLogger(GatewayServer.class);
  private static final JsonMapper JSON = JsonMapper.builder()
      .enable(StreamWriteFeature.WRITE_BIGDECIMAL_AS_PLAIN)
      .build();
  private static final String CHAT_PATH = "/v1/chat/completions";
  private static final String MODELS_PATH = "/v1/models";
  private static final String USAGE_PATH = "/v1/usage";
  /** Models offered by the offline {@link #main}: the demo's, served by the simulated server. */
  private static final List<String> OFFLINE_MODELS = List.of(
      "anthropic/claude-haiku-4-5",
      "anthropic/claude-sonnet-4-6",
      "anthropic/claude-opus-4-7",
      "openrouter/meta-llama/llama-3.1-8b-instruct");

  private final Ralex ralex;
  private final boolean ownsRalex;
  private final GatewayKeys keys;
  private final BigDecimal dailyBudgetPerCaller;
  private final Map<String, BigDecimal> callerBudgets;
  private final InetAddress bindAddress;
  private final int requestedPort;
  private final int threads;
  private final int maxBodyBytes;
  private final Clock clock;
  private final Set<String> modelIds;
  private final long started;
  private final AtomicLong sequence = new AtomicLong();
  private final Object lock = new Object();
  private HttpServer server;
  private ExecutorService executor;
  private boolean closed;

  private GatewayServer(Builder b, Ralex ralex) {
    this.ralex = ralex;
    this.ownsRalex = b.ralexBuilder != null;
    this.keys = GatewayKeys.of(b.keys);
    this.dailyBudgetPerCaller = b.dailyBudgetPerCaller;
    this.callerBudgets = Map.copyOf(b.callerBudgets);
    this.bindAddress = b.bindAddress;
    this.requestedPort = b.port;
    this.threads = b.threads;
    this.maxBodyBytes = b.maxBodyBytes;
    this.clock = b.clock;
    Set<String> ids = new LinkedHashSet<>();
    for (ModelInfo m : ralex.models()) {
      ids.add(m.id());
    }
    this.modelIds = java.util.Collections.unmodifiableSet(ids);
    this.started = clock.instant().getEpochSecond();
  }

  /** A new builder. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The budget that gives every gateway caller a daily cap of its own, for a {@link Ralex} built outside the
   * gateway: {@code Budget.perTag(CALLER_TAG, Budget.Period.DAILY, limit)}.
   */
  public static Budget dailyBudgetPerCaller(BigDecimal limit) {
    return Budget.perTag(CALLER_TAG, Budget.Period.DAILY, limit);
  }

  /** A daily cap for one caller, replacing the per-caller default for it. */
  public static Budget dailyBudget(String caller, BigDecimal limit) {
    return new Budget(Budget.Period.DAILY, limit, BudgetScope.tag(CALLER_TAG, caller));
  }

  /**
   * Starts serving.
   *
   * @return the port it listens on
   * @throws IllegalStateException if it was started or closed before
   * @throws UncheckedIOException if it cannot bind
   */
  public int start() {
    synchronized (lock) {
      if (closed || server != null) {
        throw new IllegalStateException(closed ? "the gateway is closed" : "the gateway is already started");
      }
      // As SimulatedLlmServer: without TCP_NODELAY each streamed chunk waits for the client's delayed ACK.
      if (System.getProperty("sun.net.httpserver.nodelay") == null) {
        System.setProperty("sun.net.httpserver.nodelay", "true");
      }
      HttpServer http;
      try {
        http = HttpServer.create(new InetSocketAddress(bindAddress, requestedPort), 0);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot bind the gateway to " + bindAddress.getHostAddress() + ":"
            + requestedPort + ": " + e.getMessage(), e);
      }
      ExecutorService pool = Executors.newFixedThreadPool(threads, daemonThreads());
      http.setExecutor(pool);
      http.createContext("/", this::handle);
      http.start();
      server = http;
      executor = pool;
      return http.getAddress().getPort();
    }
  }

  /** The port the gateway listens on. */
  public int port() {
    synchronized (lock) {
      if (server == null) {
        throw new IllegalStateException("the gateway is not started");
      }
      return server.getAddress().getPort();
    }
  }

  /** The base URL an OpenAI client takes: {@code http://HOST:PORT/v1}. */
  public String baseUrl() {
    String host = bindAddress.isAnyLocalAddress() ? "127.0.0.1" : bindAddress.getHostAddress();
    if (host.contains(":")) {
      host = "[" + host + "]";
    }
    return "http://" + host + ":" + port() + "/v1";
  }

  /** The ids of the models clients may name, besides {@code auto}. */
  public Set<String> models() {
    return modelIds;
  }

  /** The Ralex behind the gateway. */
  public Ralex ralex() {
    return ralex;
  }

  /**
   * Stops the server at once, ending streams in flight, and closes the Ralex if the gateway built it. Idempotent.
   */
  @Override
  public void close() {
    synchronized (lock) {
      if (closed) {
        return;
      }
      closed = true;
      if (server != null) {
        server.stop(0);
        executor.shutdownNow();
      }
    }
    if (ownsRalex) {
      ralex.close();
    }
  }

  @Override
  public String toString() {
    synchronized (lock) {
      return "GatewayServer[" + (server == null ? (closed ? "closed" : "not started")
          : bindAddress.getHostAddress() + ":" + server.getAddress().getPort()) + ", callers=" + keys.callers()
          + "]";
    }
  }

  private static ThreadFactory daemonThreads() {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, "ralex-gateway-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  // ---------------------------------------------------------------------------------------------- dispatch

  private void handle(HttpExchange exchange) {
    String method = exchange.getRequestMethod();
    String path = exchange.getRequestURI().getPath();
    String caller = null;
    try {
      if (!path.startsWith("/v1/")) {
        throw new OpenAiError(404, "invalid_request_error", "unknown_url", null,
            "Unknown request URL: " + method + " " + path + ". This gateway serves /v1/chat/completions, "
                + "/v1/models and /v1/usage.", null);
      }
      caller = authenticate(exchange);
      if (path.equals(CHAT_PATH)) {
        requireMethod(exchange, "POST");
        chat(exchange, caller);
      } else if (path.equals(MODELS_PATH)) {
        requireMethod(exchange, "GET");
        sendJson(exchange, 200, modelList());
      } else if (path.startsWith(MODELS_PATH + "/")) {
        requireMethod(exchange, "GET");
        String id = URLDecoder.decode(path.substring(MODELS_PATH.length() + 1), StandardCharsets.UTF_8);
        sendJson(exchange, 200, model(id));
      } else if (path.equals(USAGE_PATH)) {
        requireMethod(exchange, "GET");
        sendJson(exchange, 200, usage(caller));
      } else {
        throw new OpenAiError(404, "invalid_request_error", "unknown_url", null,
            "Unknown request URL: " + method + " " + path + ".", null);
      }
    } catch (OpenAiError e) {
      if (e.status() >= 500) {
        LOG.warn("{} {} for caller {}: {} {}", method, path, caller, e.status(), e.getMessage());
      }
      sendErrorQuietly(exchange, e);
    } catch (IOException e) {
      // The client went away; there is nobody to tell.
      LOG.debug("{} {} for caller {}: connection lost: {}", method, path, caller, e.toString());
    } catch (RuntimeException e) {
      LOG.error("{} {} for caller {} failed", method, path, caller, e);
      sendErrorQuietly(exchange, new OpenAiError(500, "server_error", null, null,
          "The gateway failed to handle the request.", null));
    } finally {
      exchange.close();
    }
  }

  /** The caller the request's bearer key belongs to, or a 401. The key itself goes nowhere. */
  private String authenticate(HttpExchange exchange) {
    String auth = exchange.getRequestHeaders().getFirst("Authorization");
    if (auth == null || auth.isBlank()) {
      throw OpenAiError.unauthorized(true);
    }
    String presented = auth.regionMatches(true, 0, "Bearer ", 0, 7) ? auth.substring(7).strip() : null;
    return keys.caller(presented).orElseThrow(() -> OpenAiError.unauthorized(presented == null
        || presented.isEmpty()));
  }

  private static void requireMethod(HttpExchange exchange, String method) {
    if (!method.equals(exchange.getRequestMethod())) {
      exchange.getResponseHeaders().set("Allow", method);
      throw new OpenAiError(405, "invalid_request_error", "method_not_allowed", null,
          "Method " + exchange.getRequestMethod() + " is not allowed here; use " + method + ".", null);
    }
  }

  // ---------------------------------------------------------------------------------------- chat completions

  private void chat(HttpExchange exchange, String caller) throws IOException {
    ObjectNode body = readJson(exchange);
    OpenAiMapping.Parsed parsed = OpenAiMapping.request(body, modelIds, Map.of(CALLER_TAG, caller));
    String id = "chatcmpl-ralex-" + started + "-" + sequence.incrementAndGet();
    long created = clock.instant().getEpochSecond();
    if (!parsed.stream()) {
      ChatResponse response;
      try {
        response = ralex.chat(parsed.request());
      } catch (LlmException e) {
        throw OpenAiError.of(e);
      } catch (IllegalStateException e) {
        throw new OpenAiError(503, "service_unavailable", null, null, "The gateway is shutting down.", null);
      }
      exchange.getResponseHeaders().set("x-ralex-call-id", response.callId());
      exchange.getResponseHeaders().set("x-ralex-cost", response.cost().toPlainString());
      sendJson(exchange, 200, OpenAiMapping.completion(JSON, id, created, response));
      return;
    }
    stream(exchange, parsed, id, created);
  }

  /**
   * Streams the answer. Ralex's handler calls arrive on its threads and are queued; this thread writes them, so
   * that a failure before the first chunk can still be sent as an HTTP error and a client that goes away cancels
   * the stream.
   */
  private void stream(HttpExchange exchange, OpenAiMapping.Parsed parsed, String id, long created)
      throws IOException {
    BlockingQueue<Object> events = new LinkedBlockingQueue<>();
    StreamHandle handle;
    try {
      handle = ralex.stream(parsed.request(), new StreamHandler() {
        @Override
        public void onTextDelta(String text) {
          events.add(new TextDelta(text));
        }

        @Override
        public void onToolUse(ToolUseBlock toolUse) {
          events.add(toolUse);
        }

        @Override
        public void onComplete(ChatResponse response) {
          events.add(response);
        }

        @Override
        public void onError(LlmException error) {
          events.add(error);
        }
      });
    } catch (IllegalStateException e) {
      throw new OpenAiError(503, "service_unavailable", null, null, "The gateway is shutting down.", null);
    }
    String requested = parsed.request().model().orElse(OpenAiMapping.AUTO);
    OutputStream out = null;
    int toolIndex = 0;
    try {
      while (true) {
        Object event;
        try {
          event = events.take();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          handle.cancel();
          return;
        }
        if (event instanceof LlmException error) {
          OpenAiError mapped = OpenAiError.of(error);
          if (out == null) {
            throw mapped;
          }
          writeData(out, JSON.writeValueAsString(errorBody(mapped)));
          return;
        }
        if (out == null) {
          exchange.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
          exchange.getResponseHeaders().set("Cache-Control", "no-cache");
          exchange.sendResponseHeaders(200, 0);
          out = exchange.getResponseBody();
          ObjectNode delta = JSON.createObjectNode().put("role", "assistant").put("content", "");
          writeData(out, chunk(id, created, requested, delta, null));
        }
        if (event instanceof TextDelta text) {
          writeData(out, chunk(id, created, requested, JSON.createObjectNode().put("content", text.text()), null));
        } else if (event instanceof ToolUseBlock use) {
          ObjectNode delta = JSON.createObjectNode();
          ObjectNode call = delta.putArray("tool_calls").addObject().put("index", toolIndex++);
          OpenAiMapping.toolCall(call, use);
          writeData(out, chunk(id, created, requested, delta, null));
        } else if (event instanceof ChatResponse response) {
          writeData(out, chunk(id, created, response.model(), JSON.createObjectNode(),
              OpenAiMapping.finishReason(response.stopReason())));
          if (parsed.includeUsage()) {
            ObjectNode usage = OpenAiMapping.envelope(JSON, id, created, response.model(), "chat.completion.chunk");
            usage.putArray("choices");
            OpenAiMapping.usage(usage.putObject("usage"), response.usage());
            writeData(out, JSON.writeValueAsString(usage));
          }
          writeData(out, "[DONE]");
          out.close();
          return;
        }
      }
    } catch (IOException e) {
      handle.cancel(); // The client went away: stop paying for tokens nobody reads.
      throw e;
    }
  }

  private static String chunk(String id, long created, String model, ObjectNode delta, String finishReason)
      throws IOException {
    ObjectNode chunk = OpenAiMapping.envelope(JSON, id, created, model, "chat.completion.chunk");
    ObjectNode choice = chunk.putArray("choices").addObject().put("index", 0);
    choice.set("delta", delta);
    choice.putNull("logprobs");
    choice.put("finish_reason", finishReason);
    return JSON.writeValueAsString(chunk);
  }

  private static void writeData(OutputStream out, String data) throws IOException {
    out.write(("data: " + data + "\n\n").getBytes(StandardCharsets.UTF_8));
    out.flush();
  }

  /** A piece of the answer's text, as queued for the writing thread. */
  private record TextDelta(String text) {}

  /** The body as a JSON object, or a 413 or 400 naming the problem. */
  private ObjectNode readJson(HttpExchange exchange) throws IOException {
    String length = exchange.getRequestHeaders().getFirst("Content-Length");
    if (length != null) {
      try {
        if (Long.parseLong(length.strip()) > maxBodyBytes) {
          throw tooLarge();
        }
      } catch (NumberFormatException e) {
        throw OpenAiError.invalid(null, "The Content-Length header is not a number.");
      }
    }
    byte[] body;
    try (InputStream in = exchange.getRequestBody()) {
      body = in.readNBytes(maxBodyBytes + 1);
    }
    if (body.length > maxBodyBytes) {
      throw tooLarge();
    }
    JsonNode node;
    try {
      node = JSON.readTree(body);
    } catch (JacksonException e) {
      JsonLocation at = e.getLocation();
      throw OpenAiError.invalid(null, "We could not parse the JSON body of your request: "
          + e.getOriginalMessage() + (at == null ? "" : " (line " + at.getLineNr() + ", column "
          + at.getColumnNr() + ")"));
    }
    if (node == null || node.isMissingNode()) {
      throw OpenAiError.invalid(null, "The request body is empty; send a JSON object.");
    }
    if (!node.isObject()) {
      throw OpenAiError.invalid(null, "The request body must be a JSON object, not " + node.getNodeType()
          .name().toLowerCase(Locale.ROOT) + ".");
    }
    return (ObjectNode) node;
  }

  private OpenAiError tooLarge() {
    return new OpenAiError(413, "invalid_request_error", "request_too_large", null,
        "The request body exceeds the gateway's limit of " + maxBodyBytes + " bytes.", null);
  }

  // --------------------------------------------------------------------------------------- models and usage

  private ObjectNode modelList() {
    ObjectNode list = JSON.createObjectNode().put("object", "list");
    ArrayNode data = list.putArray("data");
    data.add(autoModel());
    for (ModelInfo m : ralex.models()) {
      data.add(modelObject(m));
    }
    return list;
  }

  private ObjectNode model(String id) {
    if (id.equalsIgnoreCase(OpenAiMapping.AUTO)) {
      return autoModel();
    }
    if (!modelIds.contains(id)) {
      throw OpenAiError.unknownModel(id);
    }
    return modelObject(ralex.model(id));
  }

  private ObjectNode autoModel() {
    return JSON.createObjectNode().put("id", OpenAiMapping.AUTO).put("object", "model").put("created", started)
        .put("owned_by", "ralex");
  }

  private ObjectNode modelObject(ModelInfo m) {
    return JSON.createObjectNode().put("id", m.id()).put("object", "model").put("created", started)
        .put("owned_by", m.provider());
  }

  /** The caller's spend today and this month, and the gateway's, in the usage tracker's zone. */
  private ObjectNode usage(String caller) {
    ZoneId zone = ralex.usage().zone();
    ZonedDateTime now = clock.instant().atZone(zone);
    LocalDate today = now.toLocalDate();
    Instant dayStart = today.atStartOfDay(zone).toInstant();
    Instant dayEnd = today.plusDays(1).atStartOfDay(zone).toInstant();
    Instant monthStart = today.withDayOfMonth(1).atStartOfDay(zone).toInstant();
    Instant monthEnd = today.withDayOfMonth(1).plusMonths(1).atStartOfDay(zone).toInstant();
    ObjectNode body = JSON.createObjectNode().put("object", "usage").put("currency", "USD")
        .put("zone", zone.getId()).put("date", today.toString());
    ObjectNode callerNode = body.putObject("caller").put("name", caller);
    BigDecimal callerToday = spent(UsageQuery.between(dayStart, dayEnd).tagged(CALLER_TAG, caller));
    callerNode.put("today", callerToday.toPlainString())
        .put("this_month", spent(UsageQuery.between(monthStart, monthEnd).tagged(CALLER_TAG, caller))
            .toPlainString());
    dailyLimit(caller).ifPresent(limit -> callerNode.put("daily_limit", limit.toPlainString())
        .put("daily_remaining", limit.subtract(callerToday).max(BigDecimal.ZERO).toPlainString()));
    body.putObject("gateway")
        .put("today", spent(UsageQuery.between(dayStart, dayEnd)).toPlainString())
        .put("this_month", spent(UsageQuery.between(monthStart, monthEnd)).toPlainString());
    return body;
  }

  private BigDecimal spent(UsageQuery query) {
    return ralex.usage().report(query).total().cost();
  }

  /** The caller's daily cap, if the gateway configured it (a Ralex built elsewhere keeps its budgets). */
  private Optional<BigDecimal> dailyLimit(String caller) {
    BigDecimal own = callerBudgets.get(caller);
    return Optional.ofNullable(own != null ? own : dailyBudgetPerCaller);
  }

  // --------------------------------------------------------------------------------------------- responses

  private static ObjectNode errorBody(OpenAiError e) {
    ObjectNode body = JSON.createObjectNode();
    ObjectNode error = body.putObject("error").put("message", e.getMessage()).put("type", e.type());
    error.put("param", e.param().orElse(null));
    error.put("code", e.code().orElse(null));
    return body;
  }

  private static void sendErrorQuietly(HttpExchange exchange, OpenAiError e) {
    if (exchange.getResponseCode() != -1) {
      return; // Headers are out (a stream); nothing more can be said.
    }
    try {
      if (e.status() == 401) {
        exchange.getResponseHeaders().set("WWW-Authenticate", "Bearer");
      }
      e.retryAfter().ifPresent(wait -> exchange.getResponseHeaders().set("Retry-After",
          Long.toString(Math.max(1, (wait.toMillis() + 999) / 1000))));
      sendJson(exchange, e.status(), errorBody(e));
    } catch (IOException | RuntimeException ignored) {
      // The connection is gone.
    }
  }

  private static void sendJson(HttpExchange exchange, int status, JsonNode body) throws IOException {
    byte[] bytes = JSON.writeValueAsBytes(body);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  // ---------------------------------------------------------------------------------------------------- main

  /**
   * Starts a gateway and prints its URL, a freshly generated caller key and a curl example, then serves until
   * the process is stopped (Ctrl-C).
   *
   * <p>Offline (the default) the Ralex behind it calls the real Anthropic and OpenRouter providers against a
   * loopback {@link SimulatedLlmServer} with SIMULATED models, as {@code Demo} does; with {@code
   * ANTHROPIC_API_KEY} or {@code OPENROUTER_API_KEY} set it calls the real services (guarded by {@code
   * RALEX_GATEWAY_DAILY_BUDGET}, $5.00 a day unless set). Also read: {@code RALEX_GATEWAY_PORT} (8088), {@code
   * RALEX_GATEWAY_BIND} (127.0.0.1), {@code RALEX_GATEWAY_KEYS} ({@code caller=key} entries separated by commas),
   * {@code RALEX_GATEWAY_KEYS_FILE} (a file of such lines) and {@code RALEX_GATEWAY_CALLER_DAILY_BUDGET} ($1.00).
   * The generated key belongs to the caller {@code local}; configured keys are never printed.
   *
   * @param args an optional port
   */
  public static void main(String[] args) throws IOException, InterruptedException {
    Map<String, String> env = System.getenv();
    int port = args.length > 0 ? Integer.parseInt(args[0])
        : Integer.parseInt(env.getOrDefault("RALEX_GATEWAY_PORT", Integer.toString(DEFAULT_PORT)));
    String generated = GatewayKeys.generate();
    Builder builder = builder()
        .port(port)
        .bindAddress(InetAddress.getByName(env.getOrDefault("RALEX_GATEWAY_BIND", "127.0.0.1")))
        .addKey(generated, "local")
        .dailyBudgetPerCaller(new BigDecimal(env.getOrDefault("RALEX_GATEWAY_CALLER_DAILY_BUDGET", "1.00")));
    if (!isBlank(env.get("RALEX_GATEWAY_KEYS"))) {
      builder.keys(GatewayKeys.parse(env.get("RALEX_GATEWAY_KEYS")));
    }
    if (!isBlank(env.get("RALEX_GATEWAY_KEYS_FILE"))) {
      builder.keys(GatewayKeys.parse(Files.readString(Path.of(env.get("RALEX_GATEWAY_KEYS_FILE")))));
    }
    Ralex.Builder ralex = Ralex.builder()
        .retryPolicy(RetryPolicy.builder().maxRetries(2).baseDelay(Duration.ofMillis(200)).build())
        .defaultMaxOutputTokens(2048);
    String keyVariable = List.of("ANTHROPIC_API_KEY", "OPENROUTER_API_KEY").stream()
        .filter(k -> !isBlank(env.get(k))).findFirst().orElse(null);
    SimulatedLlmServer simulated = null;
    String mode;
    if (keyVariable != null) {
      ralex.environment(env::get).discoverProviders()
          .dailyBudget(new BigDecimal(env.getOrDefault("RALEX_GATEWAY_DAILY_BUDGET", "5.00")));
      mode = "online: " + keyVariable + " is set; real providers, real money";
    } else {
      simulated = new SimulatedLlmServer();
      simulated.start();
      List<ModelInfo> models = new ArrayList<>();
      for (String id : OFFLINE_MODELS) {
        models.add(ModelCatalog.bundled().require(id));
      }
      // The environment is ignored offline, so that a base URL or token set for real use cannot leak in.
      ralex.environment(name -> null)
          .provider("anthropic", Map.of("apiKey", "offline-gateway-key", "baseUrl", simulated.anthropicBaseUrl()))
          .provider("openrouter", Map.of("apiKey", "offline-gateway-key", "baseUrl", simulated.openRouterBaseUrl()))
          .catalog(ModelCatalog.of(models))
          .selector(namedOr(new KeywordSelector()));
      mode = "offline: real HTTP providers against a loopback server with SIMULATED models (no network, no key)";
    }
    GatewayServer gateway = builder.ralex(ralex).build();
    gateway.start();
    SimulatedLlmServer sim = simulated;
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      gateway.close();
      if (sim != null) {
        sim.close();
      }
    }, "ralex-gateway-shutdown"));
    System.out.println("Ralex OpenAI-compatible gateway -- " + mode + ". Ctrl-C stops it.");
    System.out.println("  Base URL : " + gateway.baseUrl());
    System.out.println("  Key      : " + generated + "  (caller 'local', $" + builder.dailyBudgetPerCaller
        .toPlainString() + " a day; generated for this run)");
    System.out.println("  Models   : auto, " + String.join(", ", gateway.models()));
    System.out.println();
    System.out.println("  curl -s " + gateway.baseUrl() + "/chat/completions -H 'Authorization: Bearer " + generated
        + "' \\");
    System.out.println("    -H 'Content-Type: application/json' -d '{\"model\":\"auto\",\"messages\":[{\"role\":"
        + "\"user\",\"content\":\"What does a circuit breaker do?\"}]}'");
    System.out.println("  curl -s " + gateway.baseUrl() + "/usage -H 'Authorization: Bearer " + generated + "'");
    new CountDownLatch(1).await();
  }

  /**
   * The model the request names, if it is a candidate; else what {@code selector} picks. (The demo's keyword
   * selector routes on keywords alone, and a client naming a model expects that model.)
   */
  private static ModelSelector namedOr(ModelSelector selector) {
    return context -> context.request().model()
        .flatMap(id -> context.candidates().stream().filter(m -> m.id().equals(id)).findFirst())
        .map(m -> Selection.of(m, "the request names " + m.id()))
        .orElseGet(() -> selector.select(context));
  }

  private static boolean isBlank(String s) {
    return s == null || s.isBlank();
  }

  /** Builds a {@link GatewayServer}; validated at {@link #build()}. */
  public static final class Builder {
    private Ralex ralex;
    private Ralex.Builder ralexBuilder;
    private final Map<String, String> keys = new LinkedHashMap<>();
    private BigDecimal dailyBudgetPerCaller;
    private final Map<String, BigDecimal> callerBudgets = new LinkedHashMap<>();
    private InetAddress bindAddress = InetAddress.getLoopbackAddress();
    private int port;
    private int threads = 16;
    private int maxBodyBytes = DEFAULT_MAX_BODY_BYTES;
    private Clock clock = Clock.systemUTC();

    private Builder() {}

    /**
     * A Ralex built elsewhere; the gateway does not close it. Per-caller budgets are then the Ralex's business:
     * add {@link GatewayServer#dailyBudgetPerCaller(BigDecimal)} to its builder.
     */
    public Builder ralex(Ralex ralex) {
      this.ralex = Objects.requireNonNull(ralex, "ralex");
      this.ralexBuilder = null;
      return this;
    }

    /**
     * A Ralex the gateway builds, with the per-caller budgets of this builder added, and closes with itself.
     */
    public Builder ralex(Ralex.Builder ralexBuilder) {
      this.ralexBuilder = Objects.requireNonNull(ralexBuilder, "ralexBuilder");
      this.ralex = null;
      return this;
    }

    /** Adds a caller's key: at least 16 characters, no whitespace. A caller may have several keys. */
    public Builder addKey(String key, String caller) {
      keys.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(caller, "caller"));
      return this;
    }

    /** Adds keys, each mapped to its caller's name. */
    public Builder keys(Map<String, String> keyToCaller) {
      Objects.requireNonNull(keyToCaller, "keyToCaller").forEach(this::addKey);
      return this;
    }

    /** Adds keys from {@code caller=key} entries separated by commas or line breaks ({@code #} comments). */
    public Builder keys(String entries) {
      return keys(GatewayKeys.parse(entries));
    }

    /**
     * Gives every caller a daily cap of its own, in US dollars ({@code Budget.perTag(CALLER_TAG, DAILY, limit)}).
     * Needs {@link #ralex(Ralex.Builder)}.
     */
    public Builder dailyBudgetPerCaller(BigDecimal limit) {
      this.dailyBudgetPerCaller = Objects.requireNonNull(limit, "limit");
      return this;
    }

    /** Gives one caller a daily cap of its own instead of the per-caller default. Needs {@link #ralex(Ralex.Builder)}. */
    public Builder dailyBudget(String caller, BigDecimal limit) {
      callerBudgets.put(Objects.requireNonNull(caller, "caller"), Objects.requireNonNull(limit, "limit"));
      return this;
    }

    /** The port, or 0 (the default) for an ephemeral one. */
    public Builder port(int port) {
      this.port = port;
      return this;
    }

    /** The address to listen on; loopback unless set. */
    public Builder bindAddress(InetAddress bindAddress) {
      this.bindAddress = Objects.requireNonNull(bindAddress, "bindAddress");
      return this;
    }

    /** How many requests are served at once (a stream holds one for its length); 16 unless set. */
    public Builder threads(int threads) {
      this.threads = threads;
      return this;
    }

    /** The largest request body accepted, in bytes; {@value GatewayServer#DEFAULT_MAX_BODY_BYTES} unless set. */
    public Builder maxBodyBytes(int maxBodyBytes) {
      this.maxBodyBytes = maxBodyBytes;
      return this;
    }

    /** The clock of {@code created} times and of the usage endpoint's days; the system clock unless set. */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Builds the gateway (and its Ralex, when given a builder). Call {@link GatewayServer#start()} to serve.
     *
     * @throws IllegalStateException without a Ralex or a key, or with per-caller budgets but a Ralex built elsewhere
     * @throws IllegalArgumentException for a bad port, thread count, body limit, key or caller name
     */
    public GatewayServer build() {
      if (ralex == null && ralexBuilder == null) {
        throw new IllegalStateException("the gateway needs a Ralex: call ralex(...)");
      }
      if (keys.isEmpty()) {
        throw new IllegalStateException("the gateway needs at least one caller key: call addKey(key, caller)");
      }
      if (ralex != null && (dailyBudgetPerCaller != null || !callerBudgets.isEmpty())) {
        throw new IllegalStateException("per-caller budgets need ralex(Ralex.Builder); for a Ralex built "
            + "elsewhere add GatewayServer.dailyBudgetPerCaller(limit) to its builder");
      }
      if (port < 0 || port > 65_535) {
        throw new IllegalArgumentException("port must be in [0, 65535] but was " + port);
      }
      if (threads < 1) {
        throw new IllegalArgumentException("threads must be at least 1 but was " + threads);
      }
      if (maxBodyBytes < 1) {
        throw new IllegalArgumentException("maxBodyBytes must be at least 1 but was " + maxBodyBytes);
      }
      GatewayKeys validated = GatewayKeys.of(keys); // Fails before a Ralex is built for nothing.
      for (String caller : callerBudgets.keySet()) {
        if (!validated.callers().contains(caller)) {
          throw new IllegalArgumentException("a budget names caller '" + caller + "', who has no key; callers are "
              + validated.callers());
        }
      }
      Ralex built = ralex;
      if (built == null) {
        if (dailyBudgetPerCaller != null) {
          ralexBuilder.budget(GatewayServer.dailyBudgetPerCaller(dailyBudgetPerCaller));
        }
        callerBudgets.forEach((caller, limit) -> ralexBuilder.budget(GatewayServer.dailyBudget(caller, limit)));
        built = ralexBuilder.build();
      }
      return new GatewayServer(this, built);
    }
  }
}
