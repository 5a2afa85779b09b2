package dev.ralex.core;

import dev.ralex.api.Capability;
import dev.ralex.api.ChatRequest;
import dev.ralex.api.ChatResponse;
import dev.ralex.api.ConfigurationException;
import dev.ralex.api.ContentBlock;
import dev.ralex.api.ErrorDetails;
import dev.ralex.api.ImageBlock;
import dev.ralex.api.InvalidRequestException;
import dev.ralex.api.LlmException;
import dev.ralex.api.LlmProvider;
import dev.ralex.api.LlmProviderFactory;
import dev.ralex.api.Message;
import dev.ralex.api.ModelInfo;
import dev.ralex.api.ModelSelector;
import dev.ralex.api.RalexEvent;
import dev.ralex.api.ProviderConfig;
import dev.ralex.api.RalexListener;
import dev.ralex.api.TokenCounter;
import dev.ralex.api.StreamHandle;
import dev.ralex.api.StreamHandler;
import dev.ralex.api.ToolResultBlock;
import dev.ralex.api.UnknownModelException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The entry point: one API over every configured provider, that picks a model per request and keeps within
 * budgets and rate limits.
 *
 * <pre>{@code
 * try (Ralex ralex = Ralex.builder().discoverProviders().dailyBudget(new BigDecimal("5")).build()) {
 *   ChatResponse answer = ralex.chat(ChatRequest.of("Fix the typo in: 'recieve'"));
 *   log.info("{} answered for ${}", answer.model(), answer.cost());
 * }
 * }</pre>
 *
 * <p>Every call passes through one pipeline: select a model (the selector sees the request, the candidate
 * models, the budget and recent statistics) -> fit the context to the model's window -> reserve the worst-case
 * cost against the budgets -> take a rate-limit permit -> call the provider, retrying what can be retried and
 * falling back to the selection's next model -> record usage and cost -> tell the selector the outcome -> tell
 * the listeners. Blocking, async, streaming and conversation calls all take this path.
 *
 * <p>Thread-safe: share one instance across the application. Configuration is fixed once built. Close it to
 * release the providers' connections and Ralex's threads; providers given to the builder are closed with it.
 */
public final class Ralex implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Ralex.class);
  /** The capabilities a request can need, in the bit order of a needs mask. */
  private static final Capability[] NEEDS = {Capability.TOOLS, Capability.VISION, Capability.SAMPLING_PARAMETERS};

  final Map<String, LlmProvider> providers;
  final ModelCatalog catalog;
  final ModelInfo defaultModel;
  final ModelSelector selector;
  final ContextManager contextManager;
  final UsageTracker usage;
  /** The store given to the builder, closed by {@link #close()}; null if none. */
  private final UsageStore usageStore;
  final RateLimiter rateLimiter;
  final RetryPolicy retryPolicy;
  final CircuitBreakers circuits;
  final ResponseValidator validator;
  final boolean escalateOnFailure;
  /** The response cache, or null when there is none. */
  final dev.ralex.api.ResponseCache responseCache;
  final Duration cacheTtl;
  final boolean cacheSampled;
  private final CacheStats cacheStats = new CacheStats();
  final Listeners listeners;
  final Clock clock;
  final Sleeper sleeper;
  final Executor executor;
  final StatsTracker stats = new StatsTracker();
  /** Each model's ratio of real input tokens to counted ones, learned from responses. */
  final CalibratedTokenCounter calibration = CalibratedTokenCounter.wrapping(TokenCounter.estimating());
  final CallIds ids = new CallIds();
  private final int defaultMaxOutputTokens;
  private final ExecutorService ownedExecutor;
  private final List<ModelInfo> anyCandidates;
  // The served models having each combination of the capabilities a request can need, indexed by needsMask.
  private final List<List<ModelInfo>> candidatesByNeeds;
  private final ConversationRegistry conversations;
  private final AtomicBoolean closed = new AtomicBoolean();

  private Ralex(Builder b, Map<String, LlmProvider> providers, ModelCatalog catalog, ModelInfo defaultModel,
      UsageTracker usage, RateLimiter rateLimiter) {
    this.providers = providers;
    this.catalog = catalog;
    this.defaultModel = defaultModel;
    this.selector = b.selector != null ? b.selector : new DefaultModelSelector(b.fallbackModels);
    this.contextManager = b.contextManager;
    this.usage = usage;
    this.usageStore = b.usageStore;
    this.rateLimiter = rateLimiter;
    this.retryPolicy = b.retryPolicy;
    List<RalexListener> all = new ArrayList<>(b.listeners);
    if (b.debug) {
      all.add(new LoggingListener());
    }
    this.listeners = new Listeners(all);
    this.circuits = new CircuitBreakers(b.circuitBreakerPolicy, b.clock, listeners);
    this.validator = b.validator;
    this.escalateOnFailure = b.escalateOnFailure;
    this.responseCache = b.responseCache;
    this.cacheTtl = b.cacheTtl;
    this.cacheSampled = b.cacheSampled;
    this.clock = b.clock;
    this.sleeper = b.sleeper;
    this.defaultMaxOutputTokens = b.defaultMaxOutputTokens;
    this.conversations = new ConversationRegistry(
        b.conversationStore != null ? b.conversationStore : ConversationStore.inMemory(), b.historyRepair,
        b.effectiveZone(), listeners);
    if (b.executor != null) {
      this.executor = b.executor;
      this.ownedExecutor = null;
    } else {
      this.ownedExecutor = Executors.newCachedThreadPool(new DaemonThreads());
      this.executor = ownedExecutor;
    }
    this.anyCandidates = catalog.models();
    List<List<ModelInfo>> byNeeds = new ArrayList<>();
    for (int mask = 0; mask < 1 << NEEDS.length; mask++) {
      List<ModelInfo> list = new ArrayList<>();
      for (ModelInfo m : anyCandidates) {
        if (hasAll(m, mask)) {
          list.add(m);
        }
      }
      byNeeds.add(List.copyOf(list));
    }
    this.candidatesByNeeds = List.copyOf(byNeeds);
    if (contextManager instanceof CompressingContextManager compressing) {
      compressing.bind(this); // Summarization calls go through this instance's pipeline.
    }
  }

  private static boolean hasAll(ModelInfo model, int needsMask) {
    for (int i = 0; i < NEEDS.length; i++) {
      if ((needsMask & (1 << i)) != 0 && !model.has(NEEDS[i])) {
        return false;
      }
    }
    return true;
  }

  private static List<Capability> needed(int needsMask) {
    List<Capability> list = new ArrayList<>();
    for (int i = 0; i < NEEDS.length; i++) {
      if ((needsMask & (1 << i)) != 0) {
        list.add(NEEDS[i]);
      }
    }
    return list;
  }

  /** A new builder. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Builds an instance from a YAML or JSON configuration file, with {@code ${ENV_VAR}} substitution and the
   * environment overrides {@code RALEX_MODEL}, {@code RALEX_DAILY_BUDGET}, {@code RALEX_MONTHLY_BUDGET} and
   * {@code RALEX_DEBUG}. See the README for the format.
   *
   * @throws ConfigurationException naming the file, line and key of the first problem
   */
  public static Ralex fromConfig(Path file) {
    Builder builder = ConfigLoader.load(file, System::getenv);
    try {
      return builder.build();
    } catch (ConfigurationException e) {
      throw new ConfigurationException("configuration file " + file + ": " + e.getMessage(), ErrorDetails.NONE, e);
    }
  }

  /**
   * Sends a request through the pipeline and waits for the answer.
   *
   * @throws LlmException the specific subtype for what went wrong, after retries and fallbacks
   * @throws IllegalStateException if this instance is closed
   */
  public ChatResponse chat(ChatRequest request) {
    Call call = newCall(request, Call.Mode.SYNC, null);
    call.start();
    CompletableFuture<ChatResponse> result = call.result();
    try {
      return result.join();
    } catch (CompletionException e) {
      throw LlmProvider.unwrap(e);
    }
  }

  /**
   * Sends a request through the pipeline without blocking the caller. The future completes with the answer, or
   * exceptionally with an {@link LlmException}; cancelling it stops further retries and fallbacks.
   *
   * @throws IllegalStateException if this instance is closed
   */
  public CompletableFuture<ChatResponse> chatAsync(ChatRequest request) {
    Call call = newCall(request, Call.Mode.ASYNC, null);
    CompletableFuture<ChatResponse> result = call.result();
    result.whenComplete((response, error) -> {
      if (error instanceof CancellationException) {
        call.cancel();
      }
    });
    submit(call);
    return result;
  }

  /**
   * Streams the answer to {@code handler}. Returns at once; the handler receives the deltas and then exactly one
   * of {@link StreamHandler#onComplete} and {@link StreamHandler#onError}. A stream is retried or falls back only
   * while nothing has reached the handler.
   *
   * @return a handle to cancel the stream or await its completion
   * @throws IllegalStateException if this instance is closed
   */
  public StreamHandle stream(ChatRequest request, StreamHandler handler) {
    Objects.requireNonNull(handler, "handler");
    Call call = newCall(request, Call.Mode.STREAM, handler);
    StreamHandle handle = call.handle();
    submit(call);
    return handle;
  }

  /**
   * The conversation with this id: on first use loaded from the {@linkplain Builder#conversationStore
   * conversation store}, or created empty. The same id returns the same conversation, whose sends are
   * serialized; different conversations proceed in parallel. Thread-safe.
   *
   * @throws ConversationStoreException if the stored conversation cannot be read (a corrupt file is named)
   * @throws IllegalStateException if this instance is closed
   */
  public Conversation conversation(String id) {
    Objects.requireNonNull(id, "id");
    if (id.isBlank()) {
      throw new IllegalArgumentException("conversation id must not be blank");
    }
    ensureOpen();
    return conversations.get(this, id);
  }

  /** The models this instance can call: the catalog's models of the configured providers. */
  public List<ModelInfo> models() {
    return anyCandidates;
  }

  /** The model used when neither the request nor the selector names one. */
  public ModelInfo defaultModel() {
    return defaultModel;
  }

  /** The usage ledger and budget gate, for queries of spend. */
  public UsageTracker usage() {
    return usage;
  }

  /**
   * The {@linkplain UsageTracker#report usage report} of the tracker for {@code query}, with savings against
   * {@link UsageQuery#strongest UsageQuery.strongest(models())} when the query names no reference model:
   * {@link UsageTotals#savings()} is then what routing saved against sending every call to the strongest model
   * this instance can call. Thread-safe; works after {@link #close()} unless the tracker reads a closed store.
   *
   * <pre>{@code
   * UsageReport month = ralex.report(UsageQuery.between(monthStart, Instant.now()).byModel());
   * log.info("spent ${}, saved ${}", month.total().cost(), month.total().savings());
   * }</pre>
   *
   * @throws UsageStoreException if the tracker's store cannot be read for a range older than its memory
   */
  public UsageReport report(UsageQuery query) {
    Objects.requireNonNull(query, "query");
    UsageQuery q = query.reference().isPresent() ? query
        : query.comparedTo(UsageQuery.strongest(models()).orElseThrow()); // build() refuses no models
    return usage.report(q);
  }

  /**
   * Submits {@code items} as one batch to {@code modelId}'s provider (Anthropic's Message Batches API: half the
   * price, answered within 24 hours). Each request is fitted by the context manager like a call, and its worst
   * case at the batch price is reserved against every budget it falls under before anything is sent; see {@link
   * Batch} for how results are recorded. The selector is not asked: the batch goes to the model named.
   *
   * <pre>{@code
   * Batch batch = ralex.submitBatch("anthropic/claude-haiku-4-5", List.of(
   *     BatchItem.of("q1", ChatRequest.of("Summarize ticket 1")),
   *     BatchItem.of("q2", ChatRequest.of("Summarize ticket 2"))));
   * for (BatchResult r : batch.awaitResults(Duration.ofHours(24))) { ... }
   * }</pre>
   *
   * @throws dev.ralex.api.UnknownModelException if no configured provider serves the model
   * @throws dev.ralex.api.InvalidRequestException if the provider has no batch endpoint, there are no items, or
   *     a custom id repeats
   * @throws dev.ralex.api.BudgetExceededException if the batch's worst case would overflow a budget; nothing is
   *     sent and nothing stays reserved
   * @throws LlmException if the provider refuses the batch; nothing stays reserved
   */
  public Batch submitBatch(String modelId, List<dev.ralex.api.BatchItem> items) {
    ensureOpen();
    return Batch.submit(this, modelId, items);
  }

  /**
   * Takes up a batch submitted earlier, typically by a process that ended before collecting it, so that its spend
   * is recorded and counted against budgets like a batch submitted here. {@code items} are the requests that were
   * submitted (their custom ids, and the requests for their tags, conversations and worst cases): each request's
   * worst case at the batch price is reserved again, and the results are recorded as {@link Batch#results()}
   * reads them. Requests whose results are already among the usage records (their call ids are {@code
   * batch-<batchId>-<customId>}) are not recorded again, so a batch resumed after it was collected costs nothing
   * twice, as long as the records since the batch's creation are still kept (not compacted away). A request whose
   * worst case no longer fits a budget is not refused, since the provider answers it anyway: nothing is reserved
   * for it, its cost is recorded when it comes, and a WARN line names it and the budget.
   *
   * @throws dev.ralex.api.UnknownModelException if no configured provider serves the model
   * @throws dev.ralex.api.InvalidRequestException if the provider has no batch endpoint, the id is blank, there are
   *     no items, or a custom id repeats
   * @throws LlmException if the provider does not know the batch or cannot be reached; nothing stays reserved
   */
  public Batch resumeBatch(String modelId, String batchId, List<dev.ralex.api.BatchItem> items) {
    ensureOpen();
    return Batch.resume(this, modelId, batchId, items);
  }

  /**
   * What the response cache did since this instance was built: hits, misses and the cost the hits saved, in all
   * and per request tag (kept in memory; empty without a {@linkplain Builder#responseCache cache}). Thread-safe.
   *
   * <p>This is the cheap in-process view, lost on restart. Every hit is also recorded in the usage tracker
   * ({@link UsageRecord#cacheHit}), so with a {@linkplain Builder#usageStore usage store} it persists: a {@link
   * #report} grouped {@linkplain UsageQuery#byTag by a tag} gives hits, what they saved and the hit rate per tag
   * value ({@link UsageTotals#cacheHits()}, {@link UsageTotals#saved()}, {@link UsageTotals#cacheHitRate()}),
   * across restarts. The rates differ: here a miss is a cacheable call that went to a model; there it is any
   * billed attempt.
   */
  public CacheStats cacheStats() {
    return cacheStats;
  }

  /**
   * The cache key of {@code request}, or null when it must not touch the cache: no cache, the request bypasses
   * it, or it sets a temperature above 0 without {@link Builder#cacheSampledRequests(boolean)}.
   */
  String cacheKey(ChatRequest request) {
    if (responseCache == null
        || request.option(dev.ralex.api.ResponseCache.Mode.class).orElse(null) == dev.ralex.api.ResponseCache.Mode.BYPASS
        || (!cacheSampled && request.temperature().orElse(0.0) > 0.0)) {
      return null;
    }
    return ResponseCacheKey.of(request, selector.getClass().getName());
  }

  /**
   * Tells the selector what the caller thought of a call's answer, any time after the call returned (a user's
   * thumbs up, a score, whether the generated code passed its tests): the quality a learning selector such as
   * the LinUCB bandit weighs its models by. Matched to the call by {@link dev.ralex.api.Rating#callId()}; a
   * selector that no longer remembers the call ignores it. Fires {@link RalexEvent.Rated}. Thread-safe.
   *
   * <pre>{@code
   * ChatResponse answer = ralex.chat(request);
   * ralex.rate(Rating.thumbs(answer.callId(), userLikedIt));
   * }</pre>
   */
  public void rate(dev.ralex.api.Rating rating) {
    Objects.requireNonNull(rating, "rating");
    try {
      selector.rated(rating);
    } catch (RuntimeException e) {
      LOG.warn("selector {} failed to take a rating; ignored", selector, e);
    }
    if (!listeners.isEmpty()) {
      listeners.fire(new RalexEvent.Rated(rating));
    }
  }

  /**
   * The model with this id among those this instance can call.
   *
   * @throws UnknownModelException listing the callable models if there is none
   */
  public ModelInfo model(String id) {
    return catalog.require(id);
  }

  /**
   * The selector that chooses the model of each call: the one given to {@link Builder#selector} or set up by the
   * configuration file, else the default. A learning selector can be inspected through it (a {@code
   * LinUcbSelector}'s statistics, say).
   */
  public ModelSelector selector() {
    return selector;
  }

  /**
   * Closes the providers, closes the {@linkplain Builder#usageStore usage store} given to the builder (making
   * every appended record durable), stops Ralex's threads, and last closes the {@linkplain Builder#selector
   * selector} if it implements {@link AutoCloseable}. Calls in flight may fail; one billed after the store closed
   * is logged at ERROR, not stored. Idempotent. Failures to close the providers and the store are logged, not
   * thrown; a selector's failure is thrown (after everything else is closed), unchecked, because closing a
   * selector typically saves what it learned, and losing that should not go unnoticed.
   *
   * @throws RuntimeException the selector's failure to close, if any ({@link UncheckedIOException} for an
   *     {@link IOException})
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    try {
      closeResources();
    } finally {
      if (selector instanceof AutoCloseable) {
        closeSelector((AutoCloseable) selector);
      }
    }
  }

  private void closeSelector(AutoCloseable closeable) {
    try {
      closeable.close();
    } catch (RuntimeException e) {
      throw e;
    } catch (IOException e) {
      throw new UncheckedIOException("selector " + selector + " failed to close", e);
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      throw new IllegalStateException("selector " + selector + " failed to close", e);
    }
  }

  private void closeResources() {
    for (LlmProvider provider : providers.values()) {
      try {
        provider.close();
      } catch (Exception e) {
        LOG.warn("provider {} failed to close", provider.id(), e);
      }
    }
    if (usageStore != null) {
      try {
        usageStore.close();
      } catch (RuntimeException e) {
        LOG.error("usage store {} failed to close; records appended last may not be durable", usageStore, e);
      }
    }
    if (ownedExecutor != null) {
      ownedExecutor.shutdown();
    }
  }

  private Call newCall(ChatRequest request, Call.Mode mode, StreamHandler handler) {
    Objects.requireNonNull(request, "request");
    ensureOpen();
    return new Call(this, request, mode, handler);
  }

  private void submit(Call call) {
    try {
      executor.execute(call::start);
    } catch (RejectedExecutionException e) {
      throw new IllegalStateException("Ralex's executor rejected the call; is it shut down?", e);
    }
  }

  private void ensureOpen() {
    if (closed.get()) {
      throw new IllegalStateException("this Ralex instance is closed");
    }
  }

  /**
   * The models a request may use: those of configured providers with the capabilities it needs (tools, vision,
   * sampling parameters), the model it names among them.
   *
   * @throws UnknownModelException if the request names a model no configured provider serves
   * @throws InvalidRequestException if the named model, or every model, lacks a capability the request needs,
   *     so that the request fails here rather than with a 400 from the provider
   */
  List<ModelInfo> candidatesFor(ChatRequest request) {
    int needs = 0;
    if (!request.tools().isEmpty() || hasToolBlocks(request)) {
      needs |= 1;
    }
    if (hasImages(request)) {
      needs |= 2;
    }
    if (request.temperature().isPresent() || request.topP().isPresent() || request.topK().isPresent()) {
      needs |= 4;
    }
    String asked = request.model().orElse(null);
    if (asked != null) {
      ModelInfo model = catalog.require(asked);
      if (!hasAll(model, needs)) {
        throw new InvalidRequestException("model " + asked + " lacks what the request needs: request needs "
            + needed(needs) + ", the model has " + model.capabilities(), ErrorDetails.NONE);
      }
    }
    // A model the request names is served and has what the request needs, so it is among these candidates.
    List<ModelInfo> list = candidatesByNeeds.get(needs);
    if (list.isEmpty()) {
      throw new InvalidRequestException("no configured model supports what the request needs: "
          + needed(needs) + "; models: " + anyCandidates, ErrorDetails.NONE);
    }
    return list;
  }

  private static boolean hasToolBlocks(ChatRequest request) {
    for (Message m : request.messages()) {
      for (ContentBlock block : m.content()) {
        if (block instanceof ToolResultBlock) {
          return true;
        }
      }
    }
    return false;
  }

  private static boolean hasImages(ChatRequest request) {
    for (Message m : request.messages()) {
      for (ContentBlock block : m.content()) {
        if (block instanceof ImageBlock) {
          return true;
        }
        if (block instanceof ToolResultBlock) {
          for (ContentBlock inner : ((ToolResultBlock) block).content()) {
            if (inner instanceof ImageBlock) {
              return true;
            }
          }
        }
      }
    }
    return false;
  }

  /** The output tokens to ask {@code model} for: the request's or the default, capped by the model's limit. */
  int maxOutputTokens(ChatRequest request, ModelInfo model) {
    return Math.min(request.maxOutputTokens().orElse(defaultMaxOutputTokens), model.maxOutputTokens());
  }

  @Override
  public String toString() {
    return "Ralex[providers=" + providers.keySet() + ", models=" + anyCandidates.size() + ", default="
        + defaultModel.id() + ", selector=" + selector + "]";
  }

  private static final class DaemonThreads implements ThreadFactory {
    private final AtomicInteger count = new AtomicInteger();

    @Override
    public Thread newThread(Runnable r) {
      Thread t = new Thread(r, "ralex-async-" + count.incrementAndGet());
      t.setDaemon(true);
      return t;
    }
  }

  /**
   * Configures and builds a {@link Ralex}. Not thread-safe. {@link #build()} validates the whole configuration
   * and names the first problem.
   */
  public static final class Builder {
    private final List<LlmProvider> providers = new ArrayList<>();
    private final Map<String, Map<String, String>> providerSettings = new LinkedHashMap<>();
    private boolean discover;
    private ModelCatalog catalog = ModelCatalog.bundled();
    private final List<ModelInfo> extraModels = new ArrayList<>();
    private String defaultModel;
    private List<String> fallbackModels = List.of();
    private ModelSelector selector;
    private ContextManager contextManager = ContextManager.strict();
    private int defaultMaxOutputTokens = 4096;
    private final List<Budget> budgets = new ArrayList<>();
    private UsageTracker usageTracker;
    private UsageStore usageStore;
    private int maxUsageRecords = 100_000;
    private final List<RateLimit> rateLimits = new ArrayList<>();
    private RateLimiter rateLimiter;
    private RateLimitStore rateLimitStore;
    private boolean adaptiveRateLimits = true;
    private RetryPolicy retryPolicy = RetryPolicy.defaults();
    private CircuitBreakerPolicy circuitBreakerPolicy = CircuitBreakerPolicy.defaults();
    private ResponseValidator validator;
    private boolean escalateOnFailure;
    private dev.ralex.api.ResponseCache responseCache;
    private Duration cacheTtl;
    private boolean cacheSampled;
    private final List<RalexListener> listeners = new ArrayList<>();
    private Clock clock = Clock.systemUTC();
    private Sleeper sleeper = Sleeper.SYSTEM;
    private ZoneId zone = ZoneId.systemDefault();
    private boolean zoneSet;
    private Executor executor;
    private Function<String, String> environment = System::getenv;
    private ClassLoader classLoader;
    private boolean debug;
    private ConversationStore conversationStore;
    private HistoryRepair historyRepair = HistoryRepair.repairing();

    private Builder() {}

    /** Adds a provider instance. Its id must be unique; Ralex closes it on {@link Ralex#close()}. */
    public Builder provider(LlmProvider provider) {
      providers.add(Objects.requireNonNull(provider, "provider"));
      return this;
    }

    /**
     * Adds the provider created by the {@link LlmProviderFactory} with this id, found with {@link
     * java.util.ServiceLoader}, from these settings (with environment fallbacks such as {@code
     * ANTHROPIC_API_KEY}).
     */
    public Builder provider(String factoryId, Map<String, String> settings) {
      Objects.requireNonNull(factoryId, "factoryId");
      Objects.requireNonNull(settings, "settings");
      if (providerSettings.put(factoryId, Map.copyOf(settings)) != null) {
        throw new ConfigurationException("provider '" + factoryId + "' is configured twice");
      }
      return this;
    }

    /**
     * Also adds every provider whose factory is on the class path and can be created from the environment alone
     * (for example the Anthropic provider when {@code ANTHROPIC_API_KEY} is set). Factories that need settings
     * the environment lacks are skipped, logged at DEBUG.
     */
    public Builder discoverProviders() {
      this.discover = true;
      return this;
    }

    /** Replaces the bundled model catalog. */
    public Builder catalog(ModelCatalog catalog) {
      this.catalog = Objects.requireNonNull(catalog, "catalog");
      return this;
    }

    /** Adds models to the catalog, or replaces those with the same ids. */
    public Builder addModels(ModelInfo... models) {
      extraModels.addAll(Arrays.asList(models));
      return this;
    }

    /** Sets the default model, used when neither the request nor the selector names one. */
    public Builder defaultModel(String modelId) {
      this.defaultModel = Objects.requireNonNull(modelId, "modelId");
      return this;
    }

    /** Sets the models the default selector falls back to, in order. */
    public Builder fallbackModels(String... modelIds) {
      this.fallbackModels = List.of(modelIds);
      return this;
    }

    /**
     * Replaces the default selector (the request's model, else the default model). A selector that implements
     * {@link AutoCloseable} is closed by {@link Ralex#close()}, last, and its failure to close is thrown from
     * there; if {@link #build()} fails, it is not closed.
     */
    public Builder selector(ModelSelector selector) {
      this.selector = Objects.requireNonNull(selector, "selector");
      return this;
    }

    /** Replaces the default context manager ({@link ContextManager#strict()}). */
    public Builder contextManager(ContextManager contextManager) {
      this.contextManager = Objects.requireNonNull(contextManager, "contextManager");
      return this;
    }

    /** The output tokens to ask for when a request sets none, capped by each model's limit. Default 4096. */
    public Builder defaultMaxOutputTokens(int tokens) {
      this.defaultMaxOutputTokens = tokens;
      return this;
    }

    /** Adds a budget; every budget a call falls under is enforced. */
    public Builder budget(Budget budget) {
      budgets.add(Objects.requireNonNull(budget, "budget"));
      return this;
    }

    /** Adds a daily budget on all calls, in US dollars. */
    public Builder dailyBudget(BigDecimal limit) {
      return budget(Budget.daily(limit));
    }

    /** Adds a monthly budget on all calls, in US dollars. */
    public Builder monthlyBudget(BigDecimal limit) {
      return budget(Budget.monthly(limit));
    }

    /** Replaces the in-memory usage tracker; budgets are then the tracker's own, not the builder's. */
    public Builder usageTracker(UsageTracker usageTracker) {
      this.usageTracker = Objects.requireNonNull(usageTracker, "usageTracker");
      return this;
    }

    /**
     * Keeps the in-memory tracker's usage in {@code store}, so budgets and reports survive restarts: every
     * billed attempt is appended before its call returns, each budget's current-period spend is reloaded when
     * Ralex is built (per-conversation and per-tag budgets when a conversation or tag value is first seen), and
     * reports over ranges older than the tracker's memory read the store. See {@link UsageTracker#inMemory(List,
     * Clock, ZoneId, int, UsageStore)} for what a failing store does.
     *
     * <p>Ralex closes the store: in {@link Ralex#close()}, or in {@link #build()} if that fails. The store's
     * zone is the budgets' zone unless {@link #zone} was set, and then it must be the same, else {@code build()}
     * fails: {@code UsageStore.journalBuilder(dir).zone(zone).build()}. Not with {@link #usageTracker}. Default: none,
     * spend is lost when the process ends.
     */
    public Builder usageStore(UsageStore store) {
      this.usageStore = Objects.requireNonNull(store, "store");
      return this;
    }

    /** How many usage records the in-memory tracker keeps for queries. Default 100,000. */
    public Builder maxUsageRecords(int maxUsageRecords) {
      this.maxUsageRecords = maxUsageRecords;
      return this;
    }

    /** Adds a rate limit on a provider or a model. */
    public Builder rateLimit(RateLimit limit) {
      rateLimits.add(Objects.requireNonNull(limit, "limit"));
      return this;
    }

    /** Replaces the rate limiter built from {@link #rateLimit}s. */
    public Builder rateLimiter(RateLimiter rateLimiter) {
      this.rateLimiter = Objects.requireNonNull(rateLimiter, "rateLimiter");
      return this;
    }

    /**
     * Where the rate limits' buckets live. Default: this process's memory; a shared store makes processes share
     * the limits.
     */
    public Builder rateLimitStore(RateLimitStore store) {
      this.rateLimitStore = Objects.requireNonNull(store, "store");
      return this;
    }

    /**
     * Whether the rate limiter learns from the providers' rate-limit headers and 429s (see {@link
     * RateLimiter#of(List, RateLimitStore, boolean, Clock, Sleeper)}). Default on.
     */
    public Builder adaptiveRateLimits(boolean adaptive) {
      this.adaptiveRateLimits = adaptive;
      return this;
    }

    /**
     * Replaces the circuit breaker policy ({@link CircuitBreakerPolicy#defaults()}); {@link
     * CircuitBreakerPolicy#disabled()} turns circuit breaking off.
     */
    public Builder circuitBreaker(CircuitBreakerPolicy policy) {
      this.circuitBreakerPolicy = Objects.requireNonNull(policy, "policy");
      return this;
    }

    /**
     * Serves repeated requests from {@code cache} for {@code ttl} after their answer was made, before any model is
     * selected or called: a hit costs nothing, is a {@link dev.ralex.api.RalexEvent.CacheHit} event, counts in
     * {@link Ralex#cacheStats()} and is recorded in usage with what it saved ({@link UsageTracker#recordCacheHit}),
     * never against a budget; a streamed request is served as a replayed stream. The key is a digest of what
     * changes the answer (model or selector, system prompt, messages, tools, tool choice, output limit, sampling
     * parameters, stop sequences). Not cached: answers the model refused, failures, and requests that set a
     * temperature above 0 (unless {@link #cacheSampledRequests(boolean)}); a request without a temperature is
     * cached, though the provider samples it at its default. A request opts out with the option {@link
     * dev.ralex.api.ResponseCache.Mode#BYPASS} (or {@code REFRESH} to replace the cached answer). Default: no
     * cache.
     */
    public Builder responseCache(dev.ralex.api.ResponseCache cache, Duration ttl) {
      Objects.requireNonNull(cache, "cache");
      Objects.requireNonNull(ttl, "ttl");
      if (ttl.isNegative() || ttl.isZero()) {
        throw new IllegalArgumentException("ttl must be positive but was " + ttl);
      }
      this.responseCache = cache;
      this.cacheTtl = ttl;
      return this;
    }

    /** Whether requests that set a temperature above 0 are cached too; default false. */
    public Builder cacheSampledRequests(boolean cache) {
      this.cacheSampled = cache;
      return this;
    }

    /**
     * Checks every answer of {@link Ralex#chat} and {@link Ralex#chatAsync} before it is returned; a rejected
     * answer escalates the call to a stronger model (see {@link ResponseValidator}). Default: none.
     */
    public Builder responseValidator(ResponseValidator validator) {
      this.validator = Objects.requireNonNull(validator, "validator");
      return this;
    }

    /**
     * Whether a call whose models all failed (with failures another model may not have, such as overload after
     * retries or an open circuit) escalates to a stronger model than the last it tried, when one serves the
     * request. Default off: the call fails.
     */
    public Builder escalateOnFailure(boolean escalate) {
      this.escalateOnFailure = escalate;
      return this;
    }

    /** Replaces the retry policy ({@link RetryPolicy#defaults()}). */
    public Builder retryPolicy(RetryPolicy retryPolicy) {
      this.retryPolicy = Objects.requireNonNull(retryPolicy, "retryPolicy");
      return this;
    }

    /** Adds a listener. */
    public Builder listener(RalexListener listener) {
      listeners.add(Objects.requireNonNull(listener, "listener"));
      return this;
    }

    /** The clock for latencies, budget periods and rate limits. Default: the system clock in UTC. */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** How the pipeline waits. Default {@link Sleeper#SYSTEM}. */
    public Builder sleeper(Sleeper sleeper) {
      this.sleeper = Objects.requireNonNull(sleeper, "sleeper");
      return this;
    }

    /**
     * The time zone in which budget days and months start. Default: the {@linkplain #usageStore usage store's}
     * zone when one is given, else the system's.
     */
    public Builder zone(ZoneId zone) {
      this.zone = Objects.requireNonNull(zone, "zone");
      this.zoneSet = true;
      return this;
    }

    /** The zone budgets use: the one set, else the usage store's, else the system's. */
    private ZoneId effectiveZone() {
      return zoneSet || usageStore == null ? zone : usageStore.zone();
    }

    /**
     * The executor for async and streaming calls and for blocking provider work. Default: a cached pool of
     * daemon threads that {@link Ralex#close()} shuts down; an executor given here is not shut down.
     */
    public Builder executor(Executor executor) {
      this.executor = Objects.requireNonNull(executor, "executor");
      return this;
    }

    /** Where environment fallbacks are read. Default {@link System#getenv(String)}; tests pass a map. */
    public Builder environment(Function<String, String> environment) {
      this.environment = Objects.requireNonNull(environment, "environment");
      return this;
    }

    /** The class loader in which to find provider factories. Default: the thread's context class loader. */
    public Builder classLoader(ClassLoader classLoader) {
      this.classLoader = Objects.requireNonNull(classLoader, "classLoader");
      return this;
    }

    /**
     * Where conversations keep their history and settings. Default {@link ConversationStore#inMemory()}, a new
     * one per instance; {@link ConversationStore#files(Path)} keeps them across restarts.
     */
    public Builder conversationStore(ConversationStore store) {
      this.conversationStore = Objects.requireNonNull(store, "store");
      return this;
    }

    /**
     * How a conversation's broken history (a {@code tool_use} without its {@code tool_result}, or the reverse) is
     * handled before a send. Default {@link HistoryRepair#repairing()}: repair it.
     */
    public Builder historyRepair(HistoryRepair historyRepair) {
      this.historyRepair = Objects.requireNonNull(historyRepair, "historyRepair");
      return this;
    }

    /** Logs a one-line summary of every call at INFO (never prompt or completion text). Default off. */
    public Builder debug(boolean debug) {
      this.debug = debug;
      return this;
    }

    /**
     * Validates the configuration and builds the instance.
     *
     * @throws ConfigurationException naming the first problem: no provider, an unknown provider, model or
     *     rate-limit scope, conflicting settings, a usage store in another zone than the budgets
     * @throws UsageStoreException if the usage store cannot be read to reload the budgets
     */
    public Ralex build() {
      try {
        return buildOrFail();
      } catch (RuntimeException e) {
        if (usageStore != null) {
          // Ralex owns the store from usageStore(...) on: a journal would otherwise keep its directory locked.
          try {
            usageStore.close();
          } catch (RuntimeException closeFailure) {
            e.addSuppressed(closeFailure);
          }
        }
        throw e;
      }
    }

    private Ralex buildOrFail() {
      if (defaultMaxOutputTokens <= 0) {
        throw new ConfigurationException("defaultMaxOutputTokens must be positive but was " + defaultMaxOutputTokens);
      }
      if (usageTracker != null && !budgets.isEmpty()) {
        throw new ConfigurationException(
            "budgets were given to the builder and a usage tracker was set; configure the budgets on the tracker");
      }
      if (usageTracker != null && usageStore != null) {
        throw new ConfigurationException("a usage store was given to the builder and a usage tracker was set; give "
            + "the store to the tracker (UsageTracker.inMemory(budgets, clock, zone, maxRecords, store))");
      }
      if (rateLimiter != null && (!rateLimits.isEmpty() || rateLimitStore != null)) {
        throw new ConfigurationException("rate limits or a rate-limit store were given to the builder and a rate "
            + "limiter was set; configure the limits on the limiter");
      }
      Set<String> seen = new HashSet<>();
      for (Budget b : budgets) {
        if (!seen.add(b.name())) {
          throw new ConfigurationException("two budgets are " + b.name() + "; keep one");
        }
      }
      seen.clear();
      for (RateLimit limit : rateLimits) {
        if (!seen.add(limit.scope() + " per " + limit.window())) {
          throw new ConfigurationException("two rate limits have the scope '" + limit.scope() + "' and the window "
              + limit.window() + "; keep one");
        }
      }
      Map<String, LlmProvider> byId = createProviders();
      try {
        return build(byId);
      } catch (RuntimeException e) {
        for (LlmProvider p : byId.values()) {
          try {
            p.close();
          } catch (Exception closeFailure) {
            e.addSuppressed(closeFailure);
          }
        }
        throw e;
      }
    }

    private Ralex build(Map<String, LlmProvider> byId) {
      // The models this instance can call: catalog entries of configured providers, then models that providers
      // declare and the catalog lacks.
      ModelCatalog full = catalog.withModels(extraModels);
      List<ModelInfo> served = new ArrayList<>();
      for (ModelInfo m : full.models()) {
        LlmProvider provider = byId.get(m.provider());
        if (provider != null) {
          ModelInfo described = provider.describe(m);
          if (described == null || !described.id().equals(m.id())) {
            throw new ConfigurationException("provider '" + provider.id() + "' described model " + m.id()
                + " as " + described + "; it must keep the model's id");
          }
          served.add(described);
        }
      }
      for (LlmProvider p : byId.values()) {
        for (ModelInfo m : p.models()) {
          if (!m.provider().equals(p.id())) {
            throw new ConfigurationException("provider '" + p.id() + "' declares model " + m.id()
                + ", whose id does not start with '" + p.id() + "/'");
          }
          if (full.find(m.id()).isEmpty()) {
            served.add(m);
          }
        }
      }
      if (served.isEmpty()) {
        throw new ConfigurationException("no model of the catalog is served by the configured providers "
            + byId.keySet() + "; add models with addModels(...) or a catalog file");
      }
      ModelCatalog servedCatalog = ModelCatalog.of(served);
      ModelInfo defaultModelInfo;
      if (defaultModel != null) {
        defaultModelInfo = requireServed(servedCatalog, full, defaultModel, "default model");
      } else {
        defaultModelInfo = full.defaultModel().filter(m -> byId.containsKey(m.provider()))
            .orElse(served.get(0));
      }
      servedCatalog = servedCatalog.withDefaultModel(defaultModelInfo.id());
      for (String id : fallbackModels) {
        requireServed(servedCatalog, full, id, "fallback model");
      }
      for (RateLimit limit : rateLimits) {
        if (!byId.containsKey(limit.scope()) && servedCatalog.find(limit.scope()).isEmpty()) {
          throw new ConfigurationException("rate limit scope '" + limit.scope()
              + "' is neither a configured provider " + byId.keySet() + " nor a model they serve");
        }
      }
      UsageTracker tracker = usageTracker != null ? usageTracker
          : usageStore != null ? UsageTracker.inMemory(budgets, clock, effectiveZone(), maxUsageRecords, usageStore)
          : UsageTracker.inMemory(budgets, clock, zone, maxUsageRecords);
      RateLimiter limiter = rateLimiter != null ? rateLimiter : RateLimiter.of(rateLimits,
          rateLimitStore != null ? rateLimitStore : RateLimitStore.inMemory(), adaptiveRateLimits, clock, sleeper);
      return new Ralex(this, Map.copyOf(byId), servedCatalog, defaultModelInfo, tracker, limiter);
    }

    private static ModelInfo requireServed(ModelCatalog served, ModelCatalog full, String id, String what) {
      if (served.find(id).isPresent()) {
        return served.require(id);
      }
      if (full.find(id).isPresent()) {
        throw new ConfigurationException(what + " '" + id + "' is served by provider '" + id.split("/", 2)[0]
            + "', which is not configured");
      }
      List<String> known = new ArrayList<>();
      for (ModelInfo m : served.models()) {
        known.add(m.id());
      }
      throw new ConfigurationException(what + " '" + id + "' is not in the catalog; models of the configured "
          + "providers: " + known);
    }

    private Map<String, LlmProvider> createProviders() {
      Map<String, LlmProvider> byId = new LinkedHashMap<>();
      List<LlmProvider> created = new ArrayList<>();
      try {
        for (LlmProvider p : providers) {
          add(byId, p);
        }
        if (!providerSettings.isEmpty() || discover) {
          Map<String, LlmProviderFactory> factories = ProviderRegistry.discover(
              classLoader != null ? classLoader : Thread.currentThread().getContextClassLoader());
          for (Map.Entry<String, Map<String, String>> e : providerSettings.entrySet()) {
            LlmProviderFactory factory = factories.get(e.getKey());
            if (factory == null) {
              throw new ConfigurationException("no provider factory with id '" + e.getKey()
                  + "' on the class path; found " + factories.keySet()
                  + " (a factory is registered in META-INF/services/" + LlmProviderFactory.class.getName() + ")");
            }
            LlmProvider p = factory.create(ProviderConfig.of(e.getValue(), environment));
            created.add(p);
            add(byId, p);
          }
          if (discover) {
            for (LlmProviderFactory factory : factories.values()) {
              if (byId.containsKey(factory.id())) {
                continue;
              }
              try {
                LlmProvider p = factory.create(ProviderConfig.of(Map.of(), environment));
                created.add(p);
                add(byId, p);
              } catch (ConfigurationException skipped) {
                LOG.debug("provider factory '{}' skipped: {}", factory.id(), skipped.getMessage());
              }
            }
          }
        }
      } catch (RuntimeException e) {
        for (LlmProvider p : created) {
          try {
            p.close();
          } catch (Exception closeFailure) {
            e.addSuppressed(closeFailure);
          }
        }
        throw e;
      }
      if (byId.isEmpty()) {
        throw new ConfigurationException("no provider configured: add one with provider(...), or call "
            + "discoverProviders() with a provider module on the class path and its key in the environment "
            + "(such as ANTHROPIC_API_KEY or OPENROUTER_API_KEY)");
      }
      return byId;
    }

    private static void add(Map<String, LlmProvider> byId, LlmProvider p) {
      String id = Objects.requireNonNull(p.id(), "provider id");
      if (byId.putIfAbsent(id, p) != null) {
        throw new ConfigurationException("two providers have the id '" + id + "'");
      }
    }
  }
}
