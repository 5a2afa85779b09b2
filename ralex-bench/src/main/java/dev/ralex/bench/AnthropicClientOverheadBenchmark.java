package dev.ralex.bench;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.models.messages.ContentBlock;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.anthropic.AnthropicChatModel;
import dev.langchain4j.model.output.TokenUsage;
import dev.ralex.api.ChatRequest;
import dev.ralex.api.ChatResponse;
import dev.ralex.core.Ralex;
import dev.ralex.core.RetryPolicy;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.ResponseBody;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Client overhead of one non-streaming Anthropic Messages call (a short prompt, {@code max_tokens} 256, one user
 * message) against a loopback {@link FixedResponseServer} started once per trial, through four clients:
 *
 * <ul>
 *   <li>{@code loopbackFloor}: not a client but the floor under all of them, prebuilt request bytes on a raw
 *       socket and the response read to its end: the loopback round trip and the server's own cost;
 *   <li>{@code rawOkHttpJackson}: the baseline, a hand-written OkHttp 5 + Jackson call (request built as a
 *       Jackson tree, response parsed into a tree; text and usage read);
 *   <li>{@code ralexAnthropic}: {@code Ralex.chat} through the {@code anthropic} provider found by ServiceLoader,
 *       retries off, no budget, usage records kept in totals only;
 *   <li>{@code anthropicSdk}: the official {@code com.anthropic:anthropic-java} client, retries off;
 *   <li>{@code langchain4j}: LangChain4j's {@code AnthropicChatModel} (JDK HTTP client), retries off.
 * </ul>
 *
 * <p>Each client's overhead is its time minus {@code loopbackFloor}; the targets compare whole times.
 *
 * <p>Each client is its own {@link State}, so one that cannot be built fails only its own benchmark. Each setup
 * makes one call and checks the answer's text and usage, failing the trial if the client misbehaves. Run with
 * {@code -prof gc} for allocation per call.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 10, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 2, jvmArgsAppend = {"-Xmx1g"})
public class AnthropicClientOverheadBenchmark {
  static final String API_KEY = "bench-key";
  static final String RALEX_MODEL = "anthropic/claude-haiku-4-5";
  static final String WIRE_MODEL = "claude-haiku-4-5";
  static final String PROMPT = "Say hello in one short sentence.";
  static final int MAX_TOKENS = 256;
  static final String ANTHROPIC_VERSION = "2023-06-01";
  /** What the wire sample answers; every client must read exactly this. */
  static final String EXPECTED_TEXT = "Hello! How can I help you today?";
  static final long EXPECTED_INPUT_TOKENS = 12;
  static final long EXPECTED_OUTPUT_TOKENS = 11;

  /** The one loopback server of a trial. */
  @State(Scope.Benchmark)
  public static class Server {
    FixedResponseServer server;

    @Setup(Level.Trial)
    public void start() {
      server = FixedResponseServer.start();
    }

    @TearDown(Level.Trial)
    public void stop() {
      server.close();
    }
  }

  /** What the baseline reads from an answer. */
  public record RawAnswer(String id, String text, String stopReason, long inputTokens, long outputTokens) {}

  /** The baseline: OkHttp 5 and Jackson by hand. */
  @State(Scope.Benchmark)
  public static class Raw {
    static final MediaType JSON = MediaType.get("application/json");
    OkHttpClient http;
    ObjectMapper mapper;
    String url;

    @Setup(Level.Trial)
    public void setUp(Server server) {
      http = new OkHttpClient.Builder()
          .retryOnConnectionFailure(false)
          .callTimeout(Duration.ofSeconds(30))
          .build();
      mapper = new ObjectMapper();
      url = server.server.baseUrl() + "/v1/messages";
      check("rawOkHttpJackson", call(), a -> a.text(), a -> a.inputTokens(), a -> a.outputTokens());
    }

    RawAnswer call() {
      ObjectNode body = mapper.createObjectNode();
      body.put("model", WIRE_MODEL);
      body.put("max_tokens", MAX_TOKENS);
      ObjectNode message = body.putArray("messages").addObject();
      message.put("role", "user");
      message.put("content", PROMPT);
      byte[] bytes;
      try {
        bytes = mapper.writeValueAsBytes(body);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      Request request = new Request.Builder()
          .url(url)
          .header("x-api-key", API_KEY)
          .header("anthropic-version", ANTHROPIC_VERSION)
          .post(RequestBody.create(bytes, JSON))
          .build();
      try (Response response = http.newCall(request).execute()) {
        ResponseBody responseBody = response.body();
        if (!response.isSuccessful()) {
          throw new IllegalStateException("HTTP " + response.code() + ": " + responseBody.string());
        }
        JsonNode root = mapper.readTree(responseBody.byteStream());
        StringBuilder text = new StringBuilder();
        for (JsonNode block : root.path("content")) {
          if ("text".equals(block.path("type").asText())) {
            text.append(block.path("text").asText());
          }
        }
        JsonNode usage = root.path("usage");
        return new RawAnswer(root.path("id").asText(), text.toString(), root.path("stop_reason").asText(),
            usage.path("input_tokens").asLong(), usage.path("output_tokens").asLong());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      http.dispatcher().executorService().shutdown();
      http.connectionPool().evictAll();
    }
  }

  /**
   * The floor: prebuilt request bytes written on one kept-alive socket and the response read to its last byte,
   * with no HTTP client and no JSON. What the loopback round trip and the server cost; every client pays it.
   */
  @State(Scope.Benchmark)
  public static class Floor {
    Socket socket;
    OutputStream out;
    InputStream in;
    byte[] request;
    static final byte[] CONTENT_LENGTH = "content-length: ".getBytes(StandardCharsets.US_ASCII);
    final byte[] buf = new byte[8192];

    @Setup(Level.Trial)
    public void setUp(Server server) throws IOException {
      socket = new Socket(InetAddress.getLoopbackAddress(), server.server.port());
      socket.setTcpNoDelay(true);
      out = socket.getOutputStream();
      in = socket.getInputStream();
      byte[] body = ("{\"model\":\"" + WIRE_MODEL + "\",\"max_tokens\":" + MAX_TOKENS
          + ",\"messages\":[{\"role\":\"user\",\"content\":\"" + PROMPT + "\"}]}").getBytes(StandardCharsets.UTF_8);
      byte[] head = ("POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1:" + server.server.port()
          + "\r\nx-api-key: " + API_KEY + "\r\nanthropic-version: " + ANTHROPIC_VERSION
          + "\r\ncontent-type: application/json\r\ncontent-length: " + body.length + "\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII);
      request = new byte[head.length + body.length];
      System.arraycopy(head, 0, request, 0, head.length);
      System.arraycopy(body, 0, request, head.length, body.length);
      JsonNode answer = new ObjectMapper().readTree(new String(buf, 0, call(), StandardCharsets.UTF_8)
          .split("\r\n\r\n", 2)[1]);
      check("loopbackFloor", answer, a -> a.path("content").path(0).path("text").asText(),
          a -> a.path("usage").path("input_tokens").asLong(), a -> a.path("usage").path("output_tokens").asLong());
    }

    /** Sends the request and reads the whole response into {@code buf}; returns its length. */
    int call() throws IOException {
      out.write(request);
      out.flush();
      int n = 0;
      int headEnd = -1;
      int contentLength = -1;
      while (headEnd < 0 || n < headEnd + contentLength) {
        int r = in.read(buf, n, buf.length - n);
        if (r < 0) {
          throw new EOFException("server closed the connection");
        }
        n += r;
        if (headEnd < 0) {
          for (int i = 3; i < n; i++) {
            if (buf[i] == '\n' && buf[i - 1] == '\r' && buf[i - 2] == '\n' && buf[i - 3] == '\r') {
              headEnd = i + 1;
              contentLength = contentLength(headEnd);
              break;
            }
          }
        }
      }
      return n;
    }

    /** The server's {@code content-length} (it writes the name in lower case), parsed without allocating. */
    private int contentLength(int headEnd) throws IOException {
      outer:
      for (int i = 0; i + CONTENT_LENGTH.length < headEnd; i++) {
        for (int j = 0; j < CONTENT_LENGTH.length; j++) {
          if (buf[i + j] != CONTENT_LENGTH[j]) {
            continue outer;
          }
        }
        int v = 0;
        for (int k = i + CONTENT_LENGTH.length; buf[k] != '\r'; k++) {
          v = v * 10 + (buf[k] - '0');
        }
        return v;
      }
      throw new IOException("no content-length in the response");
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
      socket.close();
    }
  }

  /** Ralex with the Anthropic provider, found by ServiceLoader from settings alone. */
  @State(Scope.Benchmark)
  public static class RalexClient {
    Ralex ralex;
    ChatRequest request;

    @Setup(Level.Trial)
    public void setUp(Server server) {
      ralex = Ralex.builder()
          .provider("anthropic", Map.of("apiKey", API_KEY, "baseUrl", server.server.baseUrl()))
          .retryPolicy(RetryPolicy.none())
          // Totals only, as a high-volume service would configure the in-memory tracker (as in
          // PipelineOverheadBenchmark); no budget, no rate limit.
          .maxUsageRecords(0)
          // No ANTHROPIC_* variables from the machine running the benchmark.
          .environment(name -> null)
          .build();
      request = ChatRequest.builder()
          .model(RALEX_MODEL)
          .addUserMessage(PROMPT)
          .maxOutputTokens(MAX_TOKENS)
          .build();
      check("ralexAnthropic", ralex.chat(request), ChatResponse::text, r -> r.usage().inputTokens(),
          r -> r.usage().outputTokens());
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      if (ralex != null) {
        ralex.close();
      }
    }
  }

  /** The official SDK on its OkHttp client (okhttp-jvm 5.5.1 here, in place of the 4.12.0 it declares). */
  @State(Scope.Benchmark)
  public static class SdkClient {
    AnthropicClient client;
    MessageCreateParams params;

    @Setup(Level.Trial)
    public void setUp(Server server) {
      client = AnthropicOkHttpClient.builder()
          .apiKey(API_KEY)
          .baseUrl(server.server.baseUrl())
          .maxRetries(0)
          .build();
      params = MessageCreateParams.builder()
          .model(WIRE_MODEL)
          .maxTokens(MAX_TOKENS)
          .addUserMessage(PROMPT)
          .build();
      Message message = client.messages().create(params);
      check("anthropicSdk", message, SdkClient::text, m -> m.usage().inputTokens(),
          m -> m.usage().outputTokens());
    }

    static String text(Message message) {
      StringBuilder text = new StringBuilder();
      for (ContentBlock block : message.content()) {
        block.text().ifPresent(t -> text.append(t.text()));
      }
      return text.toString();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      if (client != null) {
        client.close();
      }
    }
  }

  /** LangChain4j's Anthropic chat model on its default (JDK) HTTP client. */
  @State(Scope.Benchmark)
  public static class LangChain4jClient {
    AnthropicChatModel model;
    dev.langchain4j.model.chat.request.ChatRequest request;

    @Setup(Level.Trial)
    public void setUp(Server server) {
      model = AnthropicChatModel.builder()
          // LangChain4j appends "messages" to the base URL, whose default is https://api.anthropic.com/v1/.
          .baseUrl(server.server.baseUrl() + "/v1/")
          .apiKey(API_KEY)
          .modelName(WIRE_MODEL)
          .maxTokens(MAX_TOKENS)
          .maxRetries(0)
          .build();
      request = dev.langchain4j.model.chat.request.ChatRequest.builder()
          .messages(UserMessage.from(PROMPT))
          .build();
      dev.langchain4j.model.chat.response.ChatResponse response = model.chat(request);
      check("langchain4j", response, r -> r.aiMessage().text(), r -> tokens(r.tokenUsage(), true),
          r -> tokens(r.tokenUsage(), false));
    }

    static long tokens(TokenUsage usage, boolean input) {
      if (usage == null) {
        return -1;
      }
      Integer n = input ? usage.inputTokenCount() : usage.outputTokenCount();
      return n == null ? -1 : n;
    }
  }

  @Benchmark
  public int loopbackFloor(Floor client) throws IOException {
    return client.call();
  }

  @Benchmark
  public RawAnswer rawOkHttpJackson(Raw client) {
    return client.call();
  }

  @Benchmark
  public ChatResponse ralexAnthropic(RalexClient client) {
    return client.ralex.chat(client.request);
  }

  @Benchmark
  public Message anthropicSdk(SdkClient client) {
    Message message = client.client.messages().create(client.params);
    // Read what the other clients read: the text and the usage.
    message.content().get(0).text();
    message.usage().outputTokens();
    return message;
  }

  @Benchmark
  public dev.langchain4j.model.chat.response.ChatResponse langchain4j(LangChain4jClient client) {
    return client.model.chat(client.request);
  }

  /** Fails the trial unless a client read the wire sample's text and usage. */
  static <T> void check(String client, T answer, java.util.function.Function<T, String> text,
      java.util.function.ToLongFunction<T> inputTokens, java.util.function.ToLongFunction<T> outputTokens) {
    if (answer == null) {
      throw new IllegalStateException(client + " returned no answer");
    }
    String got = text.apply(answer);
    long in = inputTokens.applyAsLong(answer);
    long out = outputTokens.applyAsLong(answer);
    if (!EXPECTED_TEXT.equals(got) || in != EXPECTED_INPUT_TOKENS || out != EXPECTED_OUTPUT_TOKENS) {
      throw new IllegalStateException(client + " misread the answer: text=" + got + ", input_tokens=" + in
          + ", output_tokens=" + out + "; expected text=" + EXPECTED_TEXT + ", input_tokens="
          + EXPECTED_INPUT_TOKENS + ", output_tokens=" + EXPECTED_OUTPUT_TOKENS);
    }
  }
}
