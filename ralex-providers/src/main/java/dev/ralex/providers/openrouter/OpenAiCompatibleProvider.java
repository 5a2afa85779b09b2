package dev.ralex.providers.openrouter;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ralex.api.ApiKey;
import dev.ralex.api.ChatRequest;
import dev.ralex.api.ChatResponse;
import dev.ralex.api.ErrorDetails;
import dev.ralex.api.LlmException;
import dev.ralex.api.LlmProvider;
import dev.ralex.api.ModelInfo;
import dev.ralex.api.RateLimitInfo;
import dev.ralex.api.StreamHandle;
import dev.ralex.api.StreamHandler;
import dev.ralex.api.TokenCounter;
import dev.ralex.providers.internal.Bodies;
import dev.ralex.providers.internal.Failures;
import dev.ralex.providers.internal.Json;
import dev.ralex.providers.internal.RateLimitHeaders;
import dev.ralex.providers.internal.ProviderHttp;
import dev.ralex.providers.internal.StreamingHttp;
import java.io.IOException;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import okhttp3.Call;
import okhttp3.Headers;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/**
 * A provider for any server that speaks OpenAI's chat-completions API ({@code POST {baseUrl}/chat/completions}):
 * OpenAI itself ({@code https://api.openai.com/v1}), a local vLLM server ({@code http://localhost:8000/v1}), Ollama
 * ({@code http://localhost:11434/v1}), LM Studio, or a gateway such as OpenRouter, which {@link OpenRouterProvider}
 * builds on this class. Thread-safe: one instance serves any number of concurrent calls.
 *
 * <pre>{@code
 * LlmProvider vllm = OpenAiCompatibleProvider.builder()
 *     .id("vllm")                                   // model ids are then "vllm/<served model name>"
 *     .baseUrl("http://localhost:8000/v1")
 *     .build();                                     // no key: local servers need none
 * Ralex ralex = Ralex.builder().provider(vllm).addModels(...).build();
 * }</pre>
 *
 * <p>What is sent and how answers are read is described on the package; in short: text, images, tools and tool
 * results map to the format's messages, {@code tool_calls} and {@code role: tool} messages; reasoning the server
 * returns ({@code reasoning} or {@code reasoning_content}) becomes a {@code ThinkingBlock}; usage is normalised so
 * that cached input is counted beside, not inside, {@code inputTokens}; a {@code usage.cost} the server reports
 * becomes the response's cost.
 *
 * <p>{@link #chat} runs on the caller's thread, on OkHttp's shared client. {@link #chatAsync} and {@link #stream}
 * use the JDK's non-blocking {@code HttpClient} (see {@code StreamingHttp}), so a call waiting on the server
 * holds no thread at all; they use the connect and read timeouts of the OkHttp client, while its interceptors
 * and proxy settings do not apply to them. The
 * API key is sent only as the {@code Authorization} header, and appears in no log line, exception or {@link
 * #toString()}.
 */
public final class OpenAiCompatibleProvider implements LlmProvider {
  private static final MediaType JSON = MediaType.get("application/json");

  final Settings settings;
  private final HttpUrl endpoint;
  private final java.net.URI endpointUri;
  private final StreamingHttp streaming;
  private final Headers headers;
  private final Customizer customizer;
  private final String name;

  /** Adds endpoint-specific fields to a request body, as OpenRouter adds its routing options. */
  interface Customizer {
    void customize(ObjectNode body, ModelInfo model, ChatRequest request);
  }

  /** The provider's fixed configuration; shared with the package's mapping classes. */
  record Settings(String id, HttpUrl baseUrl, OkHttpClient client, Clock clock, boolean streamUsage, boolean topK,
      String maxTokensField) {}

  OpenAiCompatibleProvider(Builder b) {
    String id = Objects.requireNonNull(b.id, "id");
    if (id.isBlank() || id.indexOf('/') >= 0) {
      throw new IllegalArgumentException("id must be non-blank and without '/' but was '" + id + "'");
    }
    HttpUrl base = Objects.requireNonNull(b.baseUrl, "baseUrl");
    this.settings = new Settings(id, base, b.client, b.clock, b.streamUsage, b.topK, b.maxTokensField);
    // addPathSegments replaces a trailing empty segment, so ".../v1" and ".../v1/" both give ".../v1/chat/completions".
    this.endpoint = base.newBuilder().addPathSegments("chat/completions").build();
    this.endpointUri = endpoint.uri();
    // Streams go over the JDK's selector-based client (no thread per open stream), with the OkHttp client's
    // connect and read timeouts, so one set of settings governs both.
    this.streaming = StreamingHttp.of(java.time.Duration.ofMillis(b.client.connectTimeoutMillis()),
        java.time.Duration.ofMillis(b.client.readTimeoutMillis()));
    Headers.Builder h = new Headers.Builder();
    b.headers.forEach(h::set);
    if (b.apiKey != null) {
      h.set("Authorization", "Bearer " + b.apiKey.reveal());
    }
    this.headers = h.build();
    this.customizer = b.customizer;
    this.name = b.name;
  }

  /** A builder for a provider of an OpenAI-compatible endpoint. */
  public static Builder builder() {
    return new Builder();
  }

  @Override
  public String id() {
    return settings.id();
  }

  /** The URL requests are sent to: the base URL followed by {@code chat/completions}. */
  public HttpUrl endpoint() {
    return endpoint;
  }

  /**
   * {@inheritDoc}
   *
   * <p>Runs on the calling thread and blocks until the whole answer has arrived.
   */
  @Override
  public ChatResponse chat(ModelInfo model, ChatRequest request) {
    Call call = newCall(model, request, false);
    try (Response response = call.execute()) {
      return read(model, response);
    } catch (IOException e) {
      throw Failures.forIo(e, call.isCanceled(), ErrorDetails.of(id()));
    }
  }

  /**
   * {@inheritDoc}
   *
   * <p>Goes over the non-blocking transport, as streams do: no thread waits for the server, and {@code
   * executor} is not used. Cancelling the returned future cancels the HTTP exchange.
   */
  @Override
  public CompletableFuture<ChatResponse> chatAsync(ModelInfo model, ChatRequest request, Executor executor) {
    Objects.requireNonNull(executor, "executor");
    byte[] bytes;
    try {
      bytes = requestBody(model, request, false);
    } catch (LlmException e) {
      return CompletableFuture.failedFuture(e);
    }
    return streaming.postForWhole(nonBlockingRequest("application/json"), bytes,
        (status, responseHeaders, text) -> read(model, status, responseHeaders, text),
        (e, cancelled) -> Failures.forIo(e, cancelled, ErrorDetails.of(id())));
  }


  /**
   * {@inheritDoc}
   *
   * <p>Returns at once, holding no thread while the stream is open; the events arrive in order on the streaming
   * transport's shared threads. A request that fails validation (such as sampling parameters for a model without
   * them) is reported through {@link StreamHandler#onError} before this returns. {@link StreamHandle#cancel()}
   * cancels the HTTP exchange, closing the connection, and delivers one {@code StreamCancelledException}.
   */
  @Override
  public StreamHandle stream(ModelInfo model, ChatRequest request, StreamHandler handler) {
    Objects.requireNonNull(handler, "handler");
    byte[] bytes;
    try {
      bytes = requestBody(model, request, true);
    } catch (LlmException e) {
      CompletableFuture<ChatResponse> failed = new CompletableFuture<>();
      failed.completeExceptionally(e);
      handler.onError(e);
      return StreamHandle.of(failed, () -> {});
    }
    ChatCompletionsStream stream = new ChatCompletionsStream(settings, model, handler);
    stream.start(streaming, nonBlockingRequest("text/event-stream"), bytes);
    return stream.handle();
  }

  /**
   * {@inheritDoc}
   *
   * <p>Exact for OpenAI's models ({@link OpenAiTokenCounter#forModel}: OpenAI's tokenizer, the chat format's
   * per-message overhead, tool definitions as sent); other models get the default tokenizer-free estimate.
   */
  @Override
  public int estimateInputTokens(ModelInfo model, ChatRequest request) {
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(request, "request");
    return OpenAiTokenCounter.forModel(model)
        .map(counter -> counter.countInputTokens(model, request))
        .orElseGet(() -> LlmProvider.super.estimateInputTokens(model, request));
  }

  /** The exact tokenizer for OpenAI-family models ({@link OpenAiTokenCounter}), else the estimate. */
  @Override
  public TokenCounter tokenCounter(ModelInfo model) {
    Objects.requireNonNull(model, "model");
    return OpenAiTokenCounter.forModel(model).<TokenCounter>map(c -> c).orElseGet(TokenCounter::estimating);
  }

  /** Builds the HTTP call; validation failures are thrown before anything is sent. */
  private Call newCall(ModelInfo model, ChatRequest request, boolean stream) {
    byte[] bytes = requestBody(model, request, stream);
    Request http = new Request.Builder()
        .url(endpoint)
        .headers(headers)
        .header("Accept", stream ? "text/event-stream" : "application/json")
        .post(RequestBody.create(bytes, JSON))
        .build();
    return settings.client().newCall(http);
  }

  /** The request body; validation failures are thrown before anything is sent. */
  private byte[] requestBody(ModelInfo model, ChatRequest request, boolean stream) {
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(request, "request");
    ObjectNode body = ChatCompletionsRequests.body(settings, model, request, stream);
    customizer.customize(body, model, request);
    try {
      return Json.MAPPER.writeValueAsBytes(body);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialise a request body", e); // A JSON tree always serialises.
    }
  }

  private ChatResponse read(ModelInfo model, Response response) throws IOException {
    return read(model, response.code(), response.headers(), Bodies.readUtf8(response.body()));
  }

  private ChatResponse read(ModelInfo model, int status, Headers responseHeaders, String text) {
    RateLimitInfo rateLimits = RateLimitHeaders.parseOpenAiStyle(responseHeaders, settings.clock());
    if (status < 200 || status >= 300) {
      throw ChatCompletionsResponses.httpError(settings, status, responseHeaders, text, rateLimits);
    }
    return ChatCompletionsResponses.parse(settings, model, status, responseHeaders, text, rateLimits);
  }

  /** A request for the non-blocking transport, with the same headers as the blocking one. */
  private java.net.http.HttpRequest.Builder nonBlockingRequest(String accept) {
    java.net.http.HttpRequest.Builder http = StreamingHttp.request(endpointUri);
    StreamingHttp.copyHeaders(headers, http);
    return http.setHeader("Accept", accept).setHeader("Content-Type", JSON.toString());
  }


  /**
   * Does nothing: the HTTP client's connection pool and dispatcher are shared with other providers (or owned by
   * whoever passed the client in), so closing one provider must not shut them down. Idle connections time out
   * on their own.
   */
  @Override
  public void close() {}

  /** Names the provider and endpoint; never the key. */
  @Override
  public String toString() {
    return name + "[id=" + id() + ", endpoint=" + endpoint.newBuilder().query(null).build()
        + "]";
  }

  /** Builds an {@link OpenAiCompatibleProvider}; not thread-safe. {@link #id} and {@link #baseUrl} are required. */
  public static final class Builder {
    String id;
    HttpUrl baseUrl;
    ApiKey apiKey;
    OkHttpClient client = ProviderHttp.shared();
    Clock clock = Clock.systemUTC();
    boolean streamUsage = true;
    boolean topK;
    String maxTokensField = "max_tokens";
    final Map<String, String> headers = new LinkedHashMap<>();
    Customizer customizer = (body, model, request) -> {};
    String name = "OpenAiCompatibleProvider";

    Builder() {}

    /**
     * The provider's id, such as {@code openai} or {@code vllm}: the prefix of the ids of the models it serves.
     */
    public Builder id(String id) {
      this.id = Objects.requireNonNull(id, "id");
      return this;
    }

    /**
     * The base URL, such as {@code https://api.openai.com/v1}; requests go to {@code {baseUrl}/chat/completions}.
     *
     * @throws IllegalArgumentException if it is not an http or https URL (the message does not repeat it, since
     *     a URL may carry credentials)
     */
    public Builder baseUrl(String baseUrl) {
      Objects.requireNonNull(baseUrl, "baseUrl");
      HttpUrl url = HttpUrl.parse(baseUrl.trim());
      if (url == null) {
        throw new IllegalArgumentException("baseUrl must be an http or https URL");
      }
      this.baseUrl = url;
      return this;
    }

    /** The key, sent as {@code Authorization: Bearer <key>}; leave unset for servers that need none. */
    public Builder apiKey(ApiKey apiKey) {
      this.apiKey = Objects.requireNonNull(apiKey, "apiKey");
      return this;
    }

    /**
     * The HTTP client; defaults to the one all Ralex providers share ({@code ProviderHttp}). Derive yours from
     * that one ({@code ProviderHttp.shared().newBuilder()}) to keep its connection pool and its wire logging on
     * the {@code dev.ralex.http} logger; a client built from scratch is used as it is, without that logging.
     */
    public Builder client(OkHttpClient client) {
      this.client = Objects.requireNonNull(client, "client");
      return this;
    }

    /** The clock rate-limit resets and retry hints are read against; defaults to the system clock. */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Adds a header to every request, such as {@code OpenAI-Organization}. {@code Authorization} is set by
     * {@link #apiKey} and cannot be set here.
     */
    public Builder header(String name, String value) {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(value, "value");
      if (name.toLowerCase(Locale.ROOT).equals("authorization")) {
        throw new IllegalArgumentException("set the key with apiKey(...), not as a header");
      }
      try {
        Headers.of(name, value); // Validates the name and value now, rather than at the first call.
      } catch (IllegalArgumentException e) {
        // OkHttp's message quotes the value, which may be a secret (Azure OpenAI's api-key header, say).
        throw new IllegalArgumentException("header '" + name + "' has a name or value with characters not allowed "
            + "in HTTP headers (line breaks, non-ASCII)");
      }
      headers.put(name, value);
      return this;
    }

    /**
     * Whether a streaming request asks for usage with {@code stream_options: {include_usage: true}}; default
     * true, as plain OpenAI-compatible servers send no usage in a stream otherwise. Turn it off for a server that
     * rejects the field.
     */
    public Builder includeStreamUsage(boolean include) {
      this.streamUsage = include;
      return this;
    }

    /**
     * Whether the endpoint accepts {@code top_k}; default false, as OpenAI rejects it (vLLM, Ollama and
     * OpenRouter accept it). A request with top-k to an endpoint without it fails before sending.
     */
    public Builder topK(boolean accepted) {
      this.topK = accepted;
      return this;
    }

    /**
     * The field the output limit is sent in: {@code max_tokens} (the default, accepted by compatible servers) or
     * {@code max_completion_tokens} (which OpenAI's reasoning models require).
     */
    public Builder maxTokensField(String field) {
      Objects.requireNonNull(field, "field");
      if (!field.equals("max_tokens") && !field.equals("max_completion_tokens")) {
        throw new IllegalArgumentException("maxTokensField must be max_tokens or max_completion_tokens");
      }
      this.maxTokensField = field;
      return this;
    }

    /**
     * Builds the provider.
     *
     * @throws NullPointerException if the id or base URL is unset
     */
    public OpenAiCompatibleProvider build() {
      return new OpenAiCompatibleProvider(this);
    }
  }
}
