package dev.ralex.providers.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ralex.api.ApiKey;
import dev.ralex.api.BatchSupport;
import dev.ralex.api.Capability;
import dev.ralex.api.ChatRequest;
import dev.ralex.api.ChatResponse;
import dev.ralex.api.ConfigurationException;
import dev.ralex.api.ErrorDetails;
import dev.ralex.api.LlmException;
import dev.ralex.api.LlmProvider;
import dev.ralex.api.ModelInfo;
import dev.ralex.api.StreamHandle;
import dev.ralex.api.StreamHandler;
import dev.ralex.providers.internal.Bodies;
import dev.ralex.providers.internal.Failures;
import dev.ralex.providers.internal.ProviderHttp;
import dev.ralex.providers.internal.RateLimitHeaders;
import dev.ralex.providers.internal.StreamingHttp;
import java.io.IOException;
import java.time.Clock;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Anthropic's Claude models over the Messages API ({@code POST /v1/messages}): blocking, asynchronous and
 * streamed calls, with tools, images, extended thinking and prompt caching. Create one with {@link #builder()},
 * or let {@code Ralex.builder().provider("anthropic", settings)} create it through {@link
 * AnthropicProviderFactory}.
 *
 * <p><b>API version.</b> Every request carries {@code anthropic-version}, by default {@value #DEFAULT_VERSION}, the
 * newest version, which Anthropic's documentation recommends and the official SDKs (anthropic-java 3.x and the
 * other majors released with it) send. That version differs from the previous one, {@value #VERSION_2023_06_01},
 * only in what requests it refuses: {@code temperature}, {@code top_p} and {@code top_k} are removed (a 400 at any
 * value, on every model), and {@code document} blocks in assistant messages and citations on user text blocks
 * are 400s. Responses and streams are the same in both. This provider implements both versions in full: under
 * {@value #DEFAULT_VERSION} a request with sampling parameters, or with a {@code document} block in an assistant
 * message, fails before sending with an {@link dev.ralex.api.InvalidRequestException} that says what to change.
 * A caller who needs sampling parameters configures {@link Builder#version(String) version} {@value
 * #VERSION_2023_06_01}; they are then sent to models whose catalog entry has {@code sampling_parameters}, and
 * refused before sending for the others. (Citations cannot be expressed with Ralex's blocks; a raw {@link
 * dev.ralex.api.OtherBlock} that carries them gets the server's 400.)
 *
 * <p><b>Credentials.</b> An API key goes out as {@code x-api-key}; a bearer token ({@code ANTHROPIC_AUTH_TOKEN},
 * for gateways that issue their own) as {@code Authorization: Bearer}. Neither appears in {@link #toString()},
 * in log lines or in exception messages: a server message that echoes the key has it replaced by {@code ***}.
 *
 * <p><b>Errors</b> come as the {@link LlmException} subtype for the status and the body's error type: a 529 or an
 * {@code overloaded_error} event is an overload, a 429 with {@code retry-after} is retryable after that wait and
 * one without it (a spend cap) is not, a 400 whose message says the prompt is too long is a {@link
 * dev.ralex.api.ContextTooLongException}, and a body that is not Anthropic's (a proxy's HTML page) still gives an
 * exception with the status. The {@code anthropic-ratelimit-*} and {@code retry-after} headers are exposed on
 * responses ({@link ChatResponse#rateLimits()}) and on exceptions ({@link LlmException#rateLimits()}).
 *
 * <p><b>Threads.</b> Thread-safe and meant to be shared. {@link #chat} blocks the calling thread on OkHttp's
 * shared client. {@link #chatAsync} and {@link #stream} use the JDK's non-blocking {@code HttpClient} (see {@link
 * StreamingHttp}): bytes are pushed to the call as they arrive, so a call waiting on the server holds no thread,
 * and a thousand at once need no more threads than one. Every handler callback of one stream runs in order and
 * never overlapping, on one of a few shared threads, so handlers should not block. The non-blocking calls use
 * the connect and read timeouts of the OkHttp client (silence for the read timeout fails with an {@link
 * dev.ralex.api.LlmTimeoutException}); OkHttp interceptors, proxies and the like do not apply to them. {@link
 * #close()} does nothing: the HTTP clients are shared by every provider (see {@link ProviderHttp}), and their
 * pools evict idle connections themselves.
 */
public final class AnthropicProvider implements LlmProvider {
  /** The provider id, the prefix of its model ids. */
  public static final String ID = "anthropic";
  /** The API's address unless configured otherwise. */
  public static final String DEFAULT_BASE_URL = "https://api.anthropic.com";
  /** The {@code anthropic-version} sent unless configured otherwise. */
  public static final String DEFAULT_VERSION = AnthropicVersion.V2026_10_21;
  /** The previous API version, the last that accepts {@code temperature}, {@code top_p} and {@code top_k}. */
  public static final String VERSION_2023_06_01 = AnthropicVersion.V2023_06_01;

  private static final MediaType JSON = MediaType.get("application/json");
  private static final Logger LOG = LoggerFactory.getLogger(AnthropicProvider.class);

  private final OkHttpClient client;
  private final HttpUrl messagesUrl;
  private final HttpUrl countTokensUrl;
  private final boolean exactTokenCounting;
  private final java.net.URI messagesUri;
  private final StreamingHttp streaming;
  private final String baseUrl;
  private final AnthropicVersion version;
  private final String authHeader;
  private final String authValue;
  private final String secret;
  private final Clock clock;
  private final AnthropicBatches batches;

  private AnthropicProvider(Builder b) {
    if ((b.apiKey == null) == (b.authToken == null)) {
      throw new ConfigurationException("the Anthropic provider needs exactly one of an API key (setting 'apiKey' or "
          + AnthropicProviderFactory.API_KEY_ENV + ") and a bearer token (setting 'authToken' or "
          + AnthropicProviderFactory.AUTH_TOKEN_ENV + ")");
    }
    HttpUrl base = HttpUrl.parse(b.baseUrl);
    if (base == null) {
      // The value is not shown: it may carry credentials (https://user:password@host).
      throw new ConfigurationException("the Anthropic base URL (setting 'baseUrl' or "
          + AnthropicProviderFactory.BASE_URL_ENV + ") is not an http or https URL");
    }
    try {
      this.version = AnthropicVersion.of(b.version);
    } catch (IllegalArgumentException e) {
      throw new ConfigurationException("setting 'version' of the Anthropic provider: " + e.getMessage());
    }
    // A base URL with a path (a proxy's prefix) keeps it; addPathSegments replaces a trailing empty segment.
    this.messagesUrl = base.newBuilder().addPathSegments("v1/messages").build();
    this.countTokensUrl = base.newBuilder().addPathSegments("v1/messages/count_tokens").build();
    this.exactTokenCounting = b.exactTokenCounting;
    this.baseUrl = base.newBuilder().username("").password("").build().toString();
    if (b.apiKey != null) {
      this.authHeader = "x-api-key";
      this.authValue = b.apiKey.reveal();
      this.secret = b.apiKey.reveal();
    } else {
      this.authHeader = "Authorization";
      this.authValue = "Bearer " + b.authToken.reveal();
      this.secret = b.authToken.reveal();
    }
    this.messagesUri = messagesUrl.uri();
    this.client = b.httpClient != null ? b.httpClient : ProviderHttp.shared();
    // Streams go over the JDK's selector-based client (no thread per open stream), with the OkHttp client's
    // connect and read timeouts, so one set of settings governs both.
    this.streaming = StreamingHttp.of(java.time.Duration.ofMillis(client.connectTimeoutMillis()),
        java.time.Duration.ofMillis(client.readTimeoutMillis()));
    this.clock = b.clock;
    this.batches = new AnthropicBatches(this, client, base, authHeader, authValue, version);
  }

  /** A new builder. */
  public static Builder builder() {
    return new Builder();
  }

  @Override
  public String id() {
    return ID;
  }

  /**
   * The catalog's model as this provider serves it: under an API version that refuses sampling parameters the
   * model loses {@link Capability#SAMPLING_PARAMETERS}, so Ralex routes requests that set them elsewhere.
   */
  @Override
  public ModelInfo describe(ModelInfo catalogEntry) {
    if (version.acceptsSamplingParameters() || !catalogEntry.has(Capability.SAMPLING_PARAMETERS)) {
      return catalogEntry;
    }
    Set<Capability> capabilities = EnumSet.copyOf(catalogEntry.capabilities());
    capabilities.remove(Capability.SAMPLING_PARAMETERS);
    return catalogEntry.toBuilder().capabilities(capabilities).build();
  }

  /**
   * Anthropic's Message Batches API: many requests at half the price, answered within 24 hours. Use it through
   * {@code Ralex.submitBatch}, which checks, budgets and records batch calls like any other.
   */
  @Override
  public Optional<BatchSupport> batches() {
    return Optional.of(batches);
  }

  Clock clock() {
    return clock;
  }

  String secret() {
    return secret;
  }

  /** The {@code anthropic-version} this provider sends. */
  public String version() {
    return version.value();
  }

  /**
   * Sends the request and waits for the answer.
   *
   * @throws dev.ralex.api.InvalidRequestException before sending, if the model or the API version would reject
   *     the request (sampling parameters, see the class description)
   * @throws LlmException the subtype for what went wrong
   */
  @Override
  public ChatResponse chat(ModelInfo model, ChatRequest request) {
    Request http = httpRequest(model, request, false);
    Call call = client.newCall(http);
    try (Response response = call.execute()) {
      return toResponse(model, response);
    } catch (IOException e) {
      throw Failures.forIo(e, call.isCanceled(), ErrorDetails.of(ID));
    }
  }

  /**
   * Sends the request without holding a thread while the server answers: like streams, it goes over the
   * non-blocking transport, and the future completes on its shared threads. Cancelling the future cancels the
   * HTTP exchange. {@code executor} is not used.
   */
  @Override
  public CompletableFuture<ChatResponse> chatAsync(ModelInfo model, ChatRequest request, Executor executor) {
    Objects.requireNonNull(executor, "executor");
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(request, "request");
    byte[] body;
    try {
      AnthropicRequests.check(model, request, version);
      body = AnthropicRequests.write(model, request, false);
    } catch (LlmException e) {
      return CompletableFuture.failedFuture(e);
    }
    return streaming.postForWhole(nonBlockingRequest("application/json"), body,
        (status, headers, text) -> toResponse(model, status, headers, text),
        (e, cancelled) -> Failures.forIo(e, cancelled, ErrorDetails.of(ID)));
  }

  /**
   * Streams the answer over server-sent events and returns at once, holding no thread while the stream is open.
   * The handler's callbacks run in order, never overlapping, on the streaming transport's shared threads; {@link
   * StreamHandle#cancel()} cancels the HTTP exchange and closes its connection,
   * and the handler then gets one {@link dev.ralex.api.StreamCancelledException}. A stream that ends before
   * {@code message_stop} fails with a {@link dev.ralex.api.NetworkException}; the deltas delivered stand.
   *
   * @throws dev.ralex.api.InvalidRequestException before sending, as {@link #chat} does
   */
  @Override
  public StreamHandle stream(ModelInfo model, ChatRequest request, StreamHandler handler) {
    Objects.requireNonNull(handler, "handler");
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(request, "request");
    AnthropicRequests.check(model, request, version);
    byte[] body = AnthropicRequests.write(model, request, true);
    AnthropicStream stream = new AnthropicStream(model, handler, clock, secret);
    stream.start(streaming, nonBlockingRequest("text/event-stream"), body);
    return StreamHandle.of(stream.completion(), stream::cancel);
  }

  /**
   * The input tokens {@code request} would be billed for on {@code model}, as Anthropic counts them: one {@code
   * POST /v1/messages/count_tokens} with the request's model, system prompt, messages, tools and tool choice
   * (output limit, stop sequences, sampling parameters and metadata are not sent: they are not input). Counting
   * is free but has its own rate limits; it blocks the calling thread on OkHttp's shared client.
   *
   * @return the {@code input_tokens} of the answer
   * @throws LlmException the subtype for what went wrong, mapped as {@link #chat} maps it
   */
  public int countTokens(ModelInfo model, ChatRequest request) {
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(request, "request");
    Request http = new Request.Builder()
        .url(countTokensUrl)
        .header(authHeader, authValue)
        .header("anthropic-version", version.value())
        .header("accept", "application/json")
        .post(RequestBody.create(AnthropicRequests.writeCountTokens(model, request), JSON))
        .build();
    Call call = client.newCall(http);
    try (Response response = call.execute()) {
      String body = response.isSuccessful() ? Bodies.readUtf8(response.body())
          : Bodies.readUtf8Prefix(response.body(), Bodies.MAX_ERROR_BODY_BYTES);
      return toTokenCount(response.code(), response.headers(), body);
    } catch (IOException e) {
      throw Failures.forIo(e, call.isCanceled(), ErrorDetails.of(ID));
    }
  }

  /**
   * {@inheritDoc}
   *
   * <p>With {@link Builder#exactTokenCounting(boolean) exactTokenCounting} on, Anthropic's exact count ({@link
   * #countTokens}, one HTTP call); if that call fails, or when the option is off (the default), the
   * tokenizer-free estimate. A failed count is logged at DEBUG and never thrown.
   */
  @Override
  public int estimateInputTokens(ModelInfo model, ChatRequest request) {
    if (exactTokenCounting) {
      try {
        return countTokens(model, request);
      } catch (LlmException e) {
        LOG.debug("count_tokens failed for {}, using the estimate instead: {}", model.id(), e.toString());
      }
    }
    return LlmProvider.super.estimateInputTokens(model, request);
  }

  /** Reads a count_tokens answer, mapping an error as {@link #toResponse} does. */
  private int toTokenCount(int status, Headers headers, String body) {
    ErrorDetails details = details(status, headers);
    JsonNode root = AnthropicResponses.json(status, headers, body, details, clock, secret);
    JsonNode tokens = root == null ? null : root.get("input_tokens");
    if (tokens == null || !tokens.canConvertToInt() || !tokens.isIntegralNumber() || tokens.intValue() < 0) {
      throw AnthropicResponses.malformed("the count has no non-negative integer input_tokens", details, null);
    }
    return tokens.intValue();
  }

  /** The details every exception of an exchange carries: provider, status, request id, rate limits. */
  ErrorDetails details(int status, Headers headers) {
    return new ErrorDetails(ID, status, headers.get("request-id"),
        RateLimitHeaders.parse(headers, AnthropicResponses.RATE_LIMIT_PREFIX, clock));
  }

  /** A request for the non-blocking transport, with the same headers as {@link #httpRequest}. */
  private java.net.http.HttpRequest.Builder nonBlockingRequest(String accept) {
    return StreamingHttp.request(messagesUri)
        .header(authHeader, authValue)
        .header("anthropic-version", version.value())
        .header("accept", accept)
        .header("content-type", "application/json");
  }

  private Request httpRequest(ModelInfo model, ChatRequest request, boolean stream) {
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(request, "request");
    AnthropicRequests.check(model, request, version);
    byte[] body = AnthropicRequests.write(model, request, stream);
    return new Request.Builder()
        .url(messagesUrl)
        .header(authHeader, authValue)
        .header("anthropic-version", version.value())
        .header("accept", stream ? "text/event-stream" : "application/json")
        .post(RequestBody.create(body, JSON))
        .build();
  }

  /** Maps a whole (non-streamed) response; the caller closes it. */
  private ChatResponse toResponse(ModelInfo model, Response response) throws IOException {
    String text = response.isSuccessful() ? Bodies.readUtf8(response.body())
        : Bodies.readUtf8Prefix(response.body(), Bodies.MAX_ERROR_BODY_BYTES);
    return toResponse(model, response.code(), response.headers(), text);
  }

  /** Maps a whole (non-streamed) response from its parts; an error body is already cut at its limit. */
  private ChatResponse toResponse(ModelInfo model, int status, Headers headers, String body) {
    ErrorDetails details = details(status, headers);
    JsonNode root = AnthropicResponses.json(status, headers, body, details, clock, secret);
    return AnthropicResponses.message(root, model, details.requestId(), details.rateLimits(), body, details);
  }

  /** The base URL and the API version; never the credentials. */
  @Override
  public String toString() {
    return "AnthropicProvider[baseUrl=" + baseUrl + ", version=" + version + "]";
  }

  /** Builds an {@link AnthropicProvider}; not thread-safe. Validation happens in {@link #build()}. */
  public static final class Builder {
    private ApiKey apiKey;
    private ApiKey authToken;
    private String baseUrl = DEFAULT_BASE_URL;
    private String version = DEFAULT_VERSION;
    private OkHttpClient httpClient;
    private Clock clock = Clock.systemUTC();
    private boolean exactTokenCounting;

    private Builder() {}

    /** Authenticates with an API key, sent as {@code x-api-key}. Exactly one of this and a token is required. */
    public Builder apiKey(ApiKey apiKey) {
      this.apiKey = Objects.requireNonNull(apiKey, "apiKey");
      return this;
    }

    /** Authenticates with a bearer token, sent as {@code Authorization: Bearer}, for gateways that issue one. */
    public Builder authToken(ApiKey authToken) {
      this.authToken = Objects.requireNonNull(authToken, "authToken");
      return this;
    }

    /**
     * The API's address, {@value AnthropicProvider#DEFAULT_BASE_URL} by default; a proxy's address may carry a
     * path prefix, to which {@code v1/messages} is appended.
     */
    public Builder baseUrl(String baseUrl) {
      this.baseUrl = Objects.requireNonNull(baseUrl, "baseUrl");
      return this;
    }

    /**
     * The {@code anthropic-version} to send, a date such as {@value AnthropicProvider#DEFAULT_VERSION} (the
     * default) or {@value AnthropicProvider#VERSION_2023_06_01}; see the class description for what each accepts.
     */
    public Builder version(String version) {
      this.version = Objects.requireNonNull(version, "version");
      return this;
    }

    /**
     * The HTTP client; by default the one all Ralex providers share ({@link ProviderHttp#shared()}). A client
     * given here is not closed by the provider.
     */
    public Builder httpClient(OkHttpClient httpClient) {
      this.httpClient = Objects.requireNonNull(httpClient, "httpClient");
      return this;
    }

    /** The clock that rate-limit resets and {@code retry-after} dates are read against. */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Whether {@link AnthropicProvider#estimateInputTokens} asks Anthropic for the exact count ({@link
     * AnthropicProvider#countTokens}: one extra HTTP call per estimate, free but rate-limited) instead of
     * estimating; default false. A failed count falls back to the estimate.
     */
    public Builder exactTokenCounting(boolean exact) {
      this.exactTokenCounting = exact;
      return this;
    }

    /**
     * Validates and builds the provider.
     *
     * @throws ConfigurationException if no credential or two were given, or the base URL or version is
     *     malformed; the message names the setting, never a secret
     */
    public AnthropicProvider build() {
      return new AnthropicProvider(this);
    }
  }
}
