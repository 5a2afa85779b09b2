package dev.ralex.providers.openrouter;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ralex.api.ApiKey;
import dev.ralex.api.ChatRequest;
import dev.ralex.api.ChatResponse;
import dev.ralex.api.LlmProvider;
import dev.ralex.api.ModelInfo;
import dev.ralex.api.StreamHandle;
import dev.ralex.api.StreamHandler;
import dev.ralex.api.TokenCounter;
import java.time.Clock;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;

/**
 * The provider for OpenRouter ({@code https://openrouter.ai/api/v1}), a gateway to many models over the
 * OpenAI-compatible chat-completions API. Its model ids are {@code openrouter/<OpenRouter model id>}, such as
 * {@code openrouter/meta-llama/llama-3.1-8b-instruct}. Thread-safe.
 *
 * <p>Built on {@link OpenAiCompatibleProvider}, which does the HTTP work, with these additions:
 *
 * <ul>
 *   <li>{@link OpenRouterOptions} on a request become OpenRouter's {@code models} fallback list and {@code
 *       provider} routing preferences.
 *   <li>The optional attribution headers {@code HTTP-Referer} and {@code X-OpenRouter-Title} (with the older
 *       {@code X-Title}, which OpenRouter still reads) are sent when configured.
 *   <li>OpenRouter always returns usage with {@code cost} in dollars, also at the end of a stream, so no
 *       {@code stream_options} are sent; the cost is the response's cost, for the model that really answered.
 *   <li>{@code top_k} is accepted.
 * </ul>
 *
 * <p>Usually created by {@link OpenRouterProviderFactory} from configuration; in code:
 *
 * <pre>{@code
 * OpenRouterProvider openRouter = OpenRouterProvider.builder()
 *     .apiKey(ApiKey.of(System.getenv("OPENROUTER_API_KEY")))
 *     .title("My App")
 *     .build();
 * }</pre>
 */
public final class OpenRouterProvider implements LlmProvider {
  /** The provider id, the prefix of OpenRouter model ids in Ralex. */
  public static final String ID = "openrouter";
  /** OpenRouter's API base URL. */
  public static final String DEFAULT_BASE_URL = "https://openrouter.ai/api/v1";

  // Composition rather than inheritance: the OpenAI-compatible provider does the HTTP work; this class adds
  // OpenRouter's fields through the package-private customizer hook.
  private final OpenAiCompatibleProvider delegate;

  private OpenRouterProvider(OpenAiCompatibleProvider.Builder base) {
    base.customizer = OpenRouterProvider::customize;
    base.name = "OpenRouterProvider";
    this.delegate = base.build();
  }

  /** A builder; {@link Builder#apiKey} is required. */
  public static Builder builder() {
    return new Builder();
  }

  @Override
  public String id() {
    return ID;
  }

  /** {@inheritDoc} Blocks the calling thread until the whole answer has arrived. */
  @Override
  public ChatResponse chat(ModelInfo model, ChatRequest request) {
    return delegate.chat(model, request);
  }

  /** {@inheritDoc} No thread waits for the server; cancelling the future cancels the HTTP call. */
  @Override
  public CompletableFuture<ChatResponse> chatAsync(ModelInfo model, ChatRequest request, Executor executor) {
    return delegate.chatAsync(model, request, executor);
  }

  /** {@inheritDoc} Returns at once; events are delivered in order on the streaming transport's shared threads. */
  @Override
  public StreamHandle stream(ModelInfo model, ChatRequest request, StreamHandler handler) {
    return delegate.stream(model, request, handler);
  }

  /** As the OpenAI-compatible base counts: exactly for OpenAI-family models, else the estimate. */
  @Override
  public int estimateInputTokens(ModelInfo model, ChatRequest request) {
    return delegate.estimateInputTokens(model, request);
  }

  /** As the OpenAI-compatible base: jtokkit for OpenAI-family models, else the estimate. */
  @Override
  public TokenCounter tokenCounter(ModelInfo model) {
    return delegate.tokenCounter(model);
  }

  /** The URL requests are sent to: the base URL followed by {@code chat/completions}. */
  public HttpUrl endpoint() {
    return delegate.endpoint();
  }

  /** Does nothing: the HTTP client is shared; see {@link OpenAiCompatibleProvider#close()}. */
  @Override
  public void close() {
    delegate.close();
  }

  /** Names the provider and endpoint; never the key. */
  @Override
  public String toString() {
    return delegate.toString();
  }

  private static void customize(ObjectNode body, ModelInfo model, ChatRequest request) {
    OpenRouterOptions options = request.option(OpenRouterOptions.class).orElse(null);
    if (options == null) {
      return;
    }
    if (!options.models().isEmpty()) {
      strings(body.putArray("models"), options.models());
    }
    if (!options.hasProviderPreferences()) {
      return;
    }
    ObjectNode provider = body.putObject("provider");
    if (!options.order().isEmpty()) {
      strings(provider.putArray("order"), options.order());
    }
    if (options.allowFallbacks() != null) {
      provider.put("allow_fallbacks", options.allowFallbacks());
    }
    if (!options.only().isEmpty()) {
      strings(provider.putArray("only"), options.only());
    }
    if (!options.ignore().isEmpty()) {
      strings(provider.putArray("ignore"), options.ignore());
    }
    if (options.sort() != null) {
      provider.put("sort", options.sort().wireValue());
    }
    if (options.maxPrice() != null) {
      ObjectNode price = provider.putObject("max_price");
      if (options.maxPrice().prompt() != null) {
        price.put("prompt", options.maxPrice().prompt());
      }
      if (options.maxPrice().completion() != null) {
        price.put("completion", options.maxPrice().completion());
      }
    }
    if (options.dataCollection() != null) {
      provider.put("data_collection", options.dataCollection().wireValue());
    }
  }

  private static void strings(ArrayNode array, List<String> values) {
    values.forEach(array::add);
  }

  /** Builds an {@link OpenRouterProvider}; not thread-safe. */
  public static final class Builder {
    private final OpenAiCompatibleProvider.Builder base = OpenAiCompatibleProvider.builder()
        .id(ID)
        .baseUrl(DEFAULT_BASE_URL)
        .includeStreamUsage(false) // Deprecated on OpenRouter: usage always comes in the last chunk.
        .topK(true);
    private boolean hasKey;

    private Builder() {}

    /** The OpenRouter API key ({@code sk-or-...}), sent as {@code Authorization: Bearer}. Required. */
    public Builder apiKey(ApiKey apiKey) {
      base.apiKey(apiKey);
      hasKey = true;
      return this;
    }

    /**
     * The base URL; defaults to {@value OpenRouterProvider#DEFAULT_BASE_URL}. Set it for a proxy or a test
     * server.
     *
     * @throws IllegalArgumentException if it is not an http or https URL
     */
    public Builder baseUrl(String baseUrl) {
      base.baseUrl(baseUrl);
      return this;
    }

    /** Your app's URL, sent as {@code HTTP-Referer} for OpenRouter's app attribution and rankings. */
    public Builder referer(String referer) {
      base.header("HTTP-Referer", Objects.requireNonNull(referer, "referer"));
      return this;
    }

    /** Your app's name, sent as {@code X-OpenRouter-Title} and as the older {@code X-Title}. */
    public Builder title(String title) {
      Objects.requireNonNull(title, "title");
      base.header("X-OpenRouter-Title", title);
      base.header("X-Title", title);
      return this;
    }

    /** The HTTP client; defaults to the one all Ralex providers share. */
    public Builder client(OkHttpClient client) {
      base.client(client);
      return this;
    }

    /** The clock rate-limit resets are read against; defaults to the system clock. */
    public Builder clock(Clock clock) {
      base.clock(clock);
      return this;
    }

    /**
     * Builds the provider.
     *
     * @throws IllegalStateException if no API key was set
     */
    public OpenRouterProvider build() {
      if (!hasKey) {
        throw new IllegalStateException("OpenRouter needs an API key: call apiKey(...)");
      }
      return new OpenRouterProvider(base);
    }
  }
}
