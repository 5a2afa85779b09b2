package dev.ralex.core;

import dev.ralex.api.BudgetSnapshot;
import dev.ralex.api.ChatRequest;
import dev.ralex.api.ChatResponse;
import dev.ralex.api.ConfigurationException;
import dev.ralex.api.ContentBlock;
import dev.ralex.api.ErrorDetails;
import dev.ralex.api.ErrorKind;
import dev.ralex.api.Feedback;
import dev.ralex.api.LlmException;
import dev.ralex.api.LlmProvider;
import dev.ralex.api.ModelInfo;
import dev.ralex.api.ProviderException;
import dev.ralex.api.ProviderUnavailableException;
import dev.ralex.api.RalexEvent;
import dev.ralex.api.RateLimitInfo;
import dev.ralex.api.RateLimitedException;
import dev.ralex.api.ResponseCache;
import dev.ralex.api.ResponseRejectedException;
import dev.ralex.api.RoutingContext;
import dev.ralex.api.Selection;
import dev.ralex.api.StopReason;
import dev.ralex.api.StreamCancelledException;
import dev.ralex.api.StreamHandle;
import dev.ralex.api.StreamHandler;
import dev.ralex.api.TextBlock;
import dev.ralex.api.ThinkingBlock;
import dev.ralex.api.TokenEstimates;
import dev.ralex.api.ToolUseBlock;
import dev.ralex.api.Usage;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One call through the pipeline: select a model, then for each model of the selection in turn, pass its
 * circuit breaker, fit the context, reserve the budget, take a rate-limit permit, make the attempt, and record
 * usage, feedback, what the provider said about its limits, and events; retry or fall back on failure, and
 * escalate to a stronger model when the caller's validator rejects an answer (or, if configured, when every
 * model failed). The same state machine serves blocking, async and streaming calls; only how an
 * attempt is dispatched and how a wait happens differ by {@link Mode}.
 *
 * <p>Steps of one call run one after another, on the caller's thread, Ralex's executor or a provider's
 * thread; each hands over to the next through a future or a direct call, so no two run at once.
 */
final class Call {
  private static final Logger LOG = LoggerFactory.getLogger(Call.class);

  enum Mode {
    SYNC, ASYNC, STREAM
  }

  private final Ralex ralex;
  private final ChatRequest request;
  private final Mode mode;
  private final StreamHandler userHandler;
  private final String callId;
  private final Instant startedAt;
  private final CompletableFuture<ChatResponse> result = new CompletableFuture<>();
  private final AtomicBoolean finished = new AtomicBoolean();

  private List<ModelInfo> candidates;
  private List<ModelInfo> chain;
  private int modelIndex;
  private RetryPolicy.Retries retries;
  private int attempts;
  private Duration waited = Duration.ZERO;
  private final List<String> modelsTried = new ArrayList<>(2);
  private ChatRequest requestForModel;
  private int maxOutputForModel;
  /** The request's response-cache key; null when the call must not touch the cache. */
  private String cacheKey;
  /** The selector's cap on the output, for every model of the chain. */
  private int selectedMaxOutput = Integer.MAX_VALUE;

  private volatile boolean cancelled;
  private volatile StreamHandle currentStream;
  private volatile boolean delivered;

  Call(Ralex ralex, ChatRequest request, Mode mode, StreamHandler userHandler) {
    this.ralex = ralex;
    this.request = request;
    this.mode = mode;
    this.userHandler = userHandler;
    this.callId = ralex.ids.next();
    this.startedAt = ralex.clock.instant();
  }

  CompletableFuture<ChatResponse> result() {
    return result;
  }

  StreamHandle handle() {
    return StreamHandle.of(result, this::cancel);
  }

  void cancel() {
    cancelled = true;
    StreamHandle stream = currentStream;
    if (stream != null) {
      stream.cancel();
    }
    fail(new StreamCancelledException("the call was cancelled", ErrorDetails.NONE));
  }

  /** Selects the model and makes the first attempt. */
  void start() {
    try {
      if (!ralex.listeners.isEmpty()) {
        ralex.listeners.fire(new RalexEvent.CallStarted(callId, request, mode == Mode.STREAM, startedAt));
      }
      cacheKey = ralex.cacheKey(request);
      if (cacheKey != null && servedFromCache()) {
        return;
      }
      candidates = ralex.candidatesFor(request);
      BudgetSnapshot budget = ralex.usage.snapshot(request);
      RoutingContext context = new RoutingContext(callId, request, candidates, ralex.defaultModel,
          TokenEstimates.estimateInputTokens(request), budget, ralex.stats.view(),
          ComplexityAnalyzer.DEFAULT.analyze(request));
      Selection selection = select(context);
      if (!ralex.listeners.isEmpty()) {
        ralex.listeners.fire(new RalexEvent.ModelSelected(callId, selection));
      }
      if (LOG.isDebugEnabled()) {
        LOG.debug("call {}: {} selected ({}), fallbacks {}", callId, selection.model(), selection.reason(),
            selection.fallbacks());
      }
      selectedMaxOutput = selection.maxOutputTokens().orElse(Integer.MAX_VALUE);
      if (selection.fallbacks().isEmpty()) {
        chain = List.of(selection.model());
      } else {
        chain = new ArrayList<>(1 + selection.fallbacks().size());
        chain.add(selection.model());
        chain.addAll(selection.fallbacks());
      }
      tryModel(0);
    } catch (LlmException e) {
      fail(e);
    } catch (RuntimeException e) {
      fail(unexpected(e));
    }
  }

  private Selection select(RoutingContext context) {
    Selection selection;
    try {
      selection = ralex.selector.select(context);
    } catch (LlmException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new ConfigurationException("selector " + ralex.selector + " failed: " + e, ErrorDetails.NONE, e);
    }
    if (selection == null) {
      throw new ConfigurationException("selector " + ralex.selector + " returned no selection");
    }
    requireCandidate(context.candidates(), selection.model());
    for (ModelInfo fallback : selection.fallbacks()) {
      requireCandidate(context.candidates(), fallback);
    }
    return selection;
  }

  private void requireCandidate(List<ModelInfo> candidates, ModelInfo model) {
    for (ModelInfo c : candidates) {
      if (c.id().equals(model.id())) {
        return;
      }
    }
    throw new ConfigurationException("selector " + ralex.selector + " chose " + model.id()
        + ", which is not among the call's candidates " + candidates);
  }

  private void tryModel(int index) {
    modelIndex = index;
    retries = null; // Each model gets its own retries, started at its first failure.
    ModelInfo model = chain.get(index);
    maxOutputForModel = Math.min(ralex.maxOutputTokens(request, model), selectedMaxOutput);
    requestForModel = request.withModel(model.id()).withMaxOutputTokens(maxOutputForModel);
    attempt();
  }

  /** One attempt on the current model: fit, reserve, permit, dispatch. */
  private void attempt() {
    if (cancelled) {
      fail(new StreamCancelledException("the call was cancelled", ErrorDetails.NONE));
      return;
    }
    ModelInfo model = chain.get(modelIndex);
    LlmProvider provider = ralex.providers.get(model.provider());
    CircuitBreakers.Guard guard = null;
    UsageTracker.Reservation reservation = null;
    RateLimiter.Permit permit;
    ContextManager.Fit fit;
    ModelTokens tokens;
    try {
      // The circuit first: an open one refuses before the budget or a permit is taken.
      guard = ralex.circuits.acquire(callId, model);
      tokens = new ModelTokens(provider, model, ralex.calibration.ratio(model));
      fit = ralex.contextManager.fit(requestForModel, model, maxOutputForModel, tokens);
      if (!fit.compressions().isEmpty() && !ralex.listeners.isEmpty()) {
        for (ContextManager.Compressed c : fit.compressions()) {
          ralex.listeners.fire(new RalexEvent.ContextCompressed(callId, model, c.strategy(), c.messagesDropped(),
              c.messagesSummarized(), c.toolResultsTruncated(), c.tokensBefore(), c.tokensAfter()));
        }
      }
      BigDecimal worstCase = model.pricing().worstCaseCost(fit.inputTokens(), maxOutputForModel);
      reservation = ralex.usage.reserve(fit.request(), model, worstCase);
      permit = ralex.rateLimiter.acquire(model, (long) fit.inputTokens() + maxOutputForModel);
    } catch (LlmException e) {
      if (reservation != null) {
        reservation.release();
      }
      if (guard != null) {
        guard.released();
      }
      // Refused before reaching the provider: nothing billed, and no retry of the same model can help.
      refusedBeforeSending(model, e);
      return;
    } catch (RuntimeException e) {
      if (reservation != null) {
        reservation.release();
      }
      if (guard != null) {
        guard.released();
      }
      fail(unexpected(e));
      return;
    }
    attempts++;
    if (modelsTried.isEmpty() || !modelsTried.get(modelsTried.size() - 1).equals(model.id())) {
      modelsTried.add(model.id());
    }
    Duration permitWait = permit.waited();
    if (!permitWait.isZero()) {
      waited = waited.plus(permitWait);
      if (!ralex.listeners.isEmpty()) {
        ralex.listeners.fire(new RalexEvent.RateLimitWaited(callId, model, permitWait));
      }
    }
    Instant attemptStart = ralex.clock.instant();
    if (!ralex.listeners.isEmpty()) {
      ralex.listeners.fire(new RalexEvent.AttemptStarted(callId, model, attempts, attemptStart));
    }
    Attempt attempt = new Attempt(model, reservation, permit, guard, attemptStart, fit.inputTokens(),
        tokens.ratio());
    switch (mode) {
      case SYNC:
        ChatResponse response;
        try {
          response = provider.chat(model, fit.request());
        } catch (LlmException e) {
          attempt.failed(e, Usage.ZERO);
          return;
        } catch (RuntimeException e) {
          attempt.failed(unexpected(e), Usage.ZERO);
          return;
        }
        attempt.succeeded(response);
        return;
      case ASYNC:
        CompletableFuture<ChatResponse> future;
        try {
          future = provider.chatAsync(model, fit.request(), ralex.executor);
        } catch (RuntimeException e) {
          attempt.failed(LlmProvider.unwrap(e), Usage.ZERO);
          return;
        }
        future.whenComplete((resp, error) -> {
          if (error != null) {
            attempt.failed(LlmProvider.unwrap(error), Usage.ZERO);
          } else {
            attempt.succeeded(resp);
          }
        });
        return;
      default:
        try {
          currentStream = provider.stream(model, fit.request(), attempt);
        } catch (RuntimeException e) {
          attempt.failed(LlmProvider.unwrap(e), Usage.ZERO);
          return;
        }
        if (cancelled) {
          currentStream.cancel();
        }
    }
  }

  private void refusedBeforeSending(ModelInfo model, LlmException e) {
    if (LOG.isDebugEnabled()) {
      LOG.debug("call {}: {} refused before sending: {}", callId, model.id(), e.getMessage());
    }
    if (!fallBack(model, e)) {
      fail(e);
    }
  }

  /** Retries, falls back or fails after an attempt that reached the provider failed. */
  private void afterFailure(ModelInfo model, LlmException e) {
    if (cancelled || e.kind() == ErrorKind.CANCELLED) {
      fail(e);
      return;
    }
    if (delivered) {
      // Content already reached the caller: a retry would repeat it, so the stream ends here.
      fail(e);
      return;
    }
    Duration elapsed = Duration.between(startedAt, ralex.clock.instant());
    if (retries == null) {
      retries = ralex.retryPolicy.start();
    }
    Optional<Duration> delay = retries.next(e, elapsed);
    if (delay.isPresent()) {
      waited = waited.plus(delay.get());
      if (!ralex.listeners.isEmpty()) {
        ralex.listeners.fire(new RalexEvent.Retrying(callId, model, attempts + 1, e, delay.get()));
      }
      if (LOG.isDebugEnabled()) {
        LOG.debug("call {}: {} failed ({}); attempt {} in {} ms", callId, model.id(), e.kind(), attempts + 1,
            delay.get().toMillis());
      }
      waitThen(delay.get(), this::attempt);
      return;
    }
    if (!fallBack(model, e)) {
      fail(e);
    }
  }

  /**
   * Moves to the next model of the selection if the failure is one another model may not have; when the
   * selection is used up, to a stronger model if the call escalates on failure.
   */
  private boolean fallBack(ModelInfo model, LlmException e) {
    if (!canFallBack(e)) {
      return false;
    }
    if (modelIndex + 1 >= chain.size()) {
      return ralex.escalateOnFailure && escalate(model, e.kind() + ": " + e.getMessage());
    }
    ModelInfo next = chain.get(modelIndex + 1);
    if (!ralex.listeners.isEmpty()) {
      ralex.listeners.fire(new RalexEvent.FallingBack(callId, model, next, e));
    }
    if (LOG.isDebugEnabled()) {
      LOG.debug("call {}: {} failed ({}); falling back to {}", callId, model.id(), e.kind(), next.id());
    }
    moveTo(modelIndex + 1);
    return true;
  }

  /**
   * Moves on to a stronger model than {@code from}: the next tier up among the call's candidates that has not
   * been tried (the cheapest of that tier), appended to the chain.
   *
   * @return false if there is none
   */
  private boolean escalate(ModelInfo from, String reason) {
    ModelInfo stronger = null;
    for (ModelInfo c : candidates) {
      if (c.tier().compareTo(from.tier()) <= 0 || modelsTried.contains(c.id())) {
        continue;
      }
      if (stronger == null || c.tier().compareTo(stronger.tier()) < 0
          || (c.tier() == stronger.tier()
              && c.pricing().outputPerMTok().compareTo(stronger.pricing().outputPerMTok()) < 0)) {
        stronger = c;
      }
    }
    if (stronger == null) {
      return false;
    }
    if (!ralex.listeners.isEmpty()) {
      ralex.listeners.fire(new RalexEvent.Escalating(callId, from, stronger, reason));
    }
    if (LOG.isDebugEnabled()) {
      LOG.debug("call {}: escalating from {} to {}", callId, from.id(), stronger.id());
    }
    int index = chain.indexOf(stronger);
    if (index <= modelIndex) {
      // Not among the fallbacks still to come: the chain grows by it.
      List<ModelInfo> longer = new ArrayList<>(chain);
      longer.add(stronger);
      chain = longer;
      index = chain.size() - 1;
    }
    moveTo(index);
    return true;
  }

  private void moveTo(int nextIndex) {
    if (mode == Mode.SYNC) {
      tryModel(nextIndex);
    } else {
      // The failure may have arrived on a provider's I/O thread; the next attempt may wait for a rate-limit
      // permit, which must not hold that thread.
      ralex.executor.execute(() -> {
        try {
          tryModel(nextIndex);
        } catch (RuntimeException unexpected) {
          fail(unexpected(unexpected));
        }
      });
    }
  }

  /**
   * Failures that say something about this model or provider rather than about the request or the account:
   * another model may succeed. Authentication, permission, billing and invalid requests surface at once.
   */
  private static boolean canFallBack(LlmException e) {
    switch (e.kind()) {
      case RATE_LIMITED:
      case OVERLOADED:
      case UNAVAILABLE:
      case TIMEOUT:
      case NETWORK:
      case CONTEXT_TOO_LONG:
      case BUDGET_EXCEEDED:
      case PROVIDER_ERROR:
      case CIRCUIT_OPEN:
        return true;
      default:
        return false;
    }
  }

  private void waitThen(Duration delay, Runnable next) {
    if (mode == Mode.SYNC) {
      try {
        ralex.sleeper.sleep(delay);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        fail(new StreamCancelledException("interrupted while waiting to retry", ErrorDetails.NONE, e));
        return;
      }
      next.run();
      return;
    }
    ralex.sleeper.delay(delay, ralex.executor).whenComplete((ignored, error) -> {
      if (error != null) {
        fail(new StreamCancelledException("the wait before a retry was interrupted", ErrorDetails.NONE, error));
      } else {
        next.run();
      }
    });
  }

  /**
   * Records a cache hit in the usage tracker, with the call's id, tags and conversation like a billed attempt, so
   * that it reaches the usage store and reports. Never fails the call: the answer is already in hand.
   */
  private void recordCacheHit(ChatResponse cached, BigDecimal saved, Instant now) {
    try {
      ralex.usage.recordCacheHit(UsageRecord.cacheHit(callId, now, cached.model(), cached.provider(), saved,
          request.tags(), request.conversationId().orElse(null)));
    } catch (RuntimeException e) {
      LOG.warn("call {}: usage tracker {} failed to record a cache hit; the answer is returned", callId,
          ralex.usage, e);
    }
  }

  /**
   * Answers the call from the response cache when it holds the request's answer (unless the request refreshes
   * it): no selection, budget or model; a stream replays the answer. Returns whether it did.
   */
  private boolean servedFromCache() {
    if (request.option(ResponseCache.Mode.class).orElse(ResponseCache.Mode.USE) == ResponseCache.Mode.REFRESH) {
      return false;
    }
    ChatResponse cached;
    try {
      cached = ralex.responseCache.get(cacheKey).orElse(null);
    } catch (RuntimeException e) {
      LOG.warn("response cache {} failed to read; the call goes to a model", ralex.responseCache, e);
      return false;
    }
    if (cached == null) {
      ralex.cacheStats().miss(request.tags());
      return false;
    }
    Instant now = ralex.clock.instant();
    BigDecimal saved = cached.cost();
    ChatResponse response = cached.toBuilder()
        .callId(callId)
        .cost(BigDecimal.ZERO)
        .latency(Duration.between(startedAt, now))
        .waited(Duration.ZERO)
        .fromCache(true)
        .build();
    ralex.cacheStats().hit(request.tags(), saved);
    recordCacheHit(cached, saved, now);
    if (!ralex.listeners.isEmpty()) {
      ralex.listeners.fire(new RalexEvent.CacheHit(callId, cached.model(), saved, now));
    }
    if (LOG.isDebugEnabled()) {
      LOG.debug("call {}: answered from the response cache ({} saved)", callId, saved.toPlainString());
    }
    if (mode == Mode.STREAM) {
      for (ContentBlock block : response.content()) {
        if (block instanceof TextBlock t) {
          deliver(() -> userHandler.onTextDelta(t.text()));
        } else if (block instanceof ThinkingBlock t) {
          deliver(() -> userHandler.onThinkingDelta(t.thinking()));
        } else if (block instanceof ToolUseBlock t) {
          deliver(() -> userHandler.onToolUse(t));
        }
      }
      deliver(() -> userHandler.onUsage(response.usage()));
    }
    succeed(response);
    return true;
  }

  private void succeed(ChatResponse response) {
    if (!finished.compareAndSet(false, true)) {
      return;
    }
    if (cacheKey != null && !response.fromCache() && !StopReason.REFUSAL.equals(response.stopReason())) {
      try {
        ralex.responseCache.put(cacheKey, response, ralex.cacheTtl);
      } catch (RuntimeException e) {
        LOG.warn("response cache {} failed to store an answer; the call goes on", ralex.responseCache, e);
      }
    }
    if (!ralex.listeners.isEmpty()) {
      ralex.listeners.fire(new RalexEvent.CallSucceeded(callId, response));
    }
    if (mode == Mode.STREAM) {
      deliver(() -> userHandler.onComplete(response));
    }
    result.complete(response);
  }

  private void fail(LlmException e) {
    if (!finished.compareAndSet(false, true)) {
      return;
    }
    Duration latency = Duration.between(startedAt, ralex.clock.instant());
    if (LOG.isDebugEnabled()) {
      LOG.debug("call {} failed after {} attempts: {}", callId, attempts, e.getMessage());
    }
    if (!ralex.listeners.isEmpty()) {
      ralex.listeners.fire(new RalexEvent.CallFailed(callId, e, latency));
    }
    if (mode == Mode.STREAM) {
      deliver(() -> userHandler.onError(e));
    }
    result.completeExceptionally(e);
  }

  /** Runs a callback of the caller's stream handler; a handler that throws is logged, and the call goes on. */
  private void deliver(Runnable callback) {
    try {
      callback.run();
    } catch (RuntimeException e) {
      LOG.warn("stream handler {} threw; the stream goes on", userHandler.getClass().getName(), e);
    }
  }

  private static LlmException unexpected(RuntimeException e) {
    return new ProviderException("unexpected failure: " + e, false, ErrorDetails.NONE, e);
  }

  /**
   * One attempt on one model: settles its reservation and permit exactly once, and records its outcome. In
   * streaming mode it is also the provider's handler, forwarding deltas to the caller's handler.
   */
  private final class Attempt implements StreamHandler {
    private final ModelInfo model;
    private final UsageTracker.Reservation reservation;
    private final RateLimiter.Permit permit;
    private final CircuitBreakers.Guard guard;
    private final Instant startedAt;
    private final int estimatedInput;
    private final double ratio;
    private final AtomicBoolean ended = new AtomicBoolean();
    private volatile Usage lastUsage = Usage.ZERO;

    Attempt(ModelInfo model, UsageTracker.Reservation reservation, RateLimiter.Permit permit,
        CircuitBreakers.Guard guard, Instant startedAt, int estimatedInput, double ratio) {
      this.model = model;
      this.reservation = reservation;
      this.permit = permit;
      this.guard = guard;
      this.startedAt = startedAt;
      this.estimatedInput = estimatedInput;
      this.ratio = ratio;
    }

    void succeeded(ChatResponse response) {
      if (!ended.compareAndSet(false, true)) {
        return;
      }
      Instant now = ralex.clock.instant();
      Duration attemptLatency = Duration.between(startedAt, now);
      Usage usage = response.usage();
      // A cost the provider reports itself (OpenRouter bills the model that really answered) wins over prices.
      BigDecimal cost = response.cost().signum() > 0 ? response.cost() : model.pricing().costOf(usage);
      permit.complete(usage.totalTokens());
      guard.succeeded(attemptLatency);
      if (usage.totalInputTokens() > 0) {
        // Learn how far the counts are from what the provider billed: later fits and reservations use it.
        ralex.calibration.observe(model, (int) Math.round(estimatedInput / ratio),
            (int) Math.min(Integer.MAX_VALUE, usage.totalInputTokens()));
      }
      observe(response.rateLimits().orElse(null));
      record(usage, cost, now);
      ralex.stats.success(model.id(), attemptLatency);
      ChatResponse complete = response.toBuilder()
          .callId(callId)
          .model(model.id())
          .provider(model.provider())
          .cost(cost)
          .latency(Duration.between(Call.this.startedAt, now))
          .attempts(attempts)
          .modelsTried(modelsTried.size() == 1 ? List.of(modelsTried.get(0)) : List.copyOf(modelsTried))
          .waited(waited)
          .build();
      if (LOG.isDebugEnabled()) {
        LOG.debug("call {}: {} answered, {} in / {} out tokens, ${}, {} ms", callId, model.id(),
            usage.totalInputTokens(), usage.outputTokens(), cost.toPlainString(), complete.latency().toMillis());
      }
      if (ralex.validator == null || mode == Mode.STREAM) {
        feedback(Optional.empty(), attemptLatency, cost, usage, OptionalDouble.empty(), Optional.empty());
        succeed(complete);
        return;
      }
      // The validator's verdict is the answer's quality: the selector hears it with the attempt.
      ResponseValidator.Verdict verdict;
      try {
        verdict = ralex.validator.validate(request, complete);
      } catch (RuntimeException e) {
        feedback(Optional.empty(), attemptLatency, cost, usage, OptionalDouble.empty(), Optional.empty());
        fail(new ProviderException("the response validator failed: " + e, false, ErrorDetails.NONE, e));
        return;
      }
      if (verdict == null || verdict.accepted()) {
        feedback(Optional.empty(), attemptLatency, cost, usage, OptionalDouble.of(1.0), Optional.empty());
        succeed(complete);
        return;
      }
      feedback(Optional.empty(), attemptLatency, cost, usage, OptionalDouble.of(0.0),
          Optional.of(verdict.reason()));
      if (!escalate(model, "rejected: " + verdict.reason())) {
        fail(new ResponseRejectedException(verdict.reason(), complete));
      }
    }

    /** Tells the rate limiter what the provider said about its limits. */
    private void observe(RateLimitInfo info) {
      if (info == null) {
        return;
      }
      try {
        ralex.rateLimiter.observe(model, info);
      } catch (RuntimeException e) {
        LOG.warn("rate limiter {} failed to take rate-limit headers; the call goes on", ralex.rateLimiter, e);
      }
    }

    void failed(LlmException error, Usage billed) {
      if (!ended.compareAndSet(false, true)) {
        return;
      }
      Instant now = ralex.clock.instant();
      Duration attemptLatency = Duration.between(startedAt, now);
      permit.complete(billed.totalTokens());
      guard.failed(attemptLatency, error);
      observe(rateLimitsOf(error));
      BigDecimal cost = BigDecimal.ZERO;
      if (billed.totalTokens() > 0) {
        // A stream cut after content was billed for what it produced.
        cost = model.pricing().costOf(billed);
        record(billed, cost, now);
      } else {
        reservation.release();
      }
      ralex.stats.failure(model.id());
      feedback(Optional.of(error.kind()), attemptLatency, cost, billed, OptionalDouble.empty(), Optional.empty());
      afterFailure(model, error);
    }

    /** What a failure's response said about limits, with the wait a 429 or 529 asked for. */
    private RateLimitInfo rateLimitsOf(LlmException error) {
      RateLimitInfo info = error.rateLimits().orElse(null);
      Duration hint = null;
      if (error instanceof RateLimitedException rl && error.httpStatus().isPresent()) {
        hint = rl.retryAfter().orElse(null);
      } else if (error instanceof ProviderUnavailableException pu) {
        hint = pu.retryAfter().orElse(null);
      }
      if (hint == null || (info != null && info.retryAfter() != null)) {
        return info;
      }
      return info == null ? new RateLimitInfo(null, null, null, null, hint)
          : new RateLimitInfo(info.requests(), info.tokens(), info.inputTokens(), info.outputTokens(), hint);
    }

    private void record(Usage usage, BigDecimal cost, Instant now) {
      List<RalexEvent.BudgetAlert> alerts = reservation.commitAlerting(new UsageRecord(callId, now, model.id(),
          model.provider(), usage, cost, request.tags(), request.conversationId().orElse(null)));
      if (!ralex.listeners.isEmpty()) {
        ralex.listeners.fire(new RalexEvent.UsageRecorded(callId, model, usage, cost, now));
        for (RalexEvent.BudgetAlert alert : alerts) {
          ralex.listeners.fire(alert);
        }
      }
    }

    private void feedback(Optional<ErrorKind> error, Duration latency, BigDecimal cost, Usage usage,
        OptionalDouble quality, Optional<String> rejection) {
      try {
        ralex.selector.feedback(new Feedback(callId, model, error, latency, cost, usage, quality, rejection));
      } catch (RuntimeException e) {
        LOG.warn("selector {} failed to take feedback; the call goes on", ralex.selector, e);
      }
    }

    // StreamHandler: the provider's view of this attempt.

    /** Marks content as delivered; the first time, reports how long it took (callbacks never overlap). */
    private void firstChunk() {
      if (delivered) {
        return;
      }
      delivered = true;
      if (!ralex.listeners.isEmpty()) {
        Instant now = ralex.clock.instant();
        ralex.listeners.fire(new RalexEvent.FirstChunk(callId, model, Duration.between(Call.this.startedAt, now),
            Duration.between(startedAt, now)));
      }
    }

    @Override
    public void onTextDelta(String text) {
      firstChunk();
      deliver(() -> userHandler.onTextDelta(text));
    }

    @Override
    public void onThinkingDelta(String thinking) {
      firstChunk();
      deliver(() -> userHandler.onThinkingDelta(thinking));
    }

    @Override
    public void onToolInputDelta(int blockIndex, String partialJson) {
      firstChunk();
      deliver(() -> userHandler.onToolInputDelta(blockIndex, partialJson));
    }

    @Override
    public void onToolUse(ToolUseBlock toolUse) {
      firstChunk();
      deliver(() -> userHandler.onToolUse(toolUse));
    }

    @Override
    public void onUsage(Usage usage) {
      lastUsage = usage;
      deliver(() -> userHandler.onUsage(usage));
    }

    @Override
    public void onComplete(ChatResponse response) {
      succeeded(response);
    }

    @Override
    public void onError(LlmException error) {
      failed(error, delivered ? lastUsage : Usage.ZERO);
    }
  }
}
