package dev.ralex.opentelemetry;

import dev.ralex.api.ChatRequest;
import dev.ralex.api.ChatResponse;
import dev.ralex.api.LlmException;
import dev.ralex.api.ModelInfo;
import dev.ralex.api.RalexEvent;
import dev.ralex.api.RalexListener;
import dev.ralex.api.Usage;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records Ralex's calls as OpenTelemetry spans: register it once and every call through that {@code Ralex} is
 * traced.
 *
 * <pre>{@code
 * OpenTelemetry otel = ...;                     // the SDK you configured, or GlobalOpenTelemetry.get() under the agent
 * Ralex ralex = Ralex.builder()
 *     .listener(RalexTracing.of(otel))
 *     ...
 *     .build();
 * }</pre>
 *
 * <p>The spans, named and attributed after the OpenTelemetry GenAI semantic conventions for inference spans
 * (status: development):
 *
 * <table>
 *   <caption>Spans</caption>
 *   <tr><th>span</th><th>kind</th><th>attributes</th></tr>
 *   <tr><td>the call: {@code chat {model}}, such as {@code chat anthropic/claude-haiku-4-5} ({@code chat ralex}
 *       if the call fails before a model is known); from {@code CallStarted} to the call's end, retries, waits
 *       and fallbacks included</td><td>{@code CLIENT}</td>
 *       <td>{@code gen_ai.operation.name} ({@code chat}), {@code gen_ai.provider.name}, {@code gen_ai.request.model}
 *       (the model the selector chose), {@code gen_ai.request.stream}, {@code gen_ai.request.max_tokens},
 *       {@code gen_ai.request.temperature}, {@code gen_ai.request.top_p}, {@code gen_ai.request.top_k},
 *       {@code gen_ai.request.stop_sequences} (those the request sets), {@code gen_ai.conversation.id},
 *       {@code gen_ai.response.id}, {@code gen_ai.response.model} (the model that answered),
 *       {@code gen_ai.response.finish_reasons}, {@code gen_ai.usage.input_tokens} (cache reads and writes
 *       included, as the conventions ask), {@code gen_ai.usage.output_tokens},
 *       {@code gen_ai.usage.cache_read.input_tokens}, {@code gen_ai.usage.cache_creation.input_tokens} (summed over
 *       the call's billed attempts), {@code error.type}; Ralex's own {@code ralex.call.id},
 *       {@code ralex.selection.reason}, {@code ralex.fallback_models}, {@code ralex.cost} (dollars, the exact
 *       decimal as a string), {@code ralex.attempts}</td></tr>
 *   <tr><td>each attempt: {@code attempt {model}}, a child of the call's span, from {@code AttemptStarted} to
 *       the attempt's usage, failure or the next attempt</td><td>{@code INTERNAL}</td>
 *       <td>{@code gen_ai.operation.name}, {@code gen_ai.provider.name}, {@code gen_ai.request.model},
 *       {@code ralex.attempt} (its number, from 1 over the whole call); when billed {@code gen_ai.response.model},
 *       the {@code gen_ai.usage.*} tokens and {@code ralex.cost} of that attempt; when it failed {@code error.type}
 *       and status {@code ERROR}</td></tr>
 * </table>
 *
 * <p>Span events on the call's span: {@code ralex.retry}, {@code ralex.fallback}, {@code ralex.escalation},
 * {@code ralex.rate_limit.wait}, {@code ralex.context.compressed}, {@code ralex.circuit.state_changed},
 * {@code ralex.budget.alert}, and {@code exception} (type and message, no stack trace) on a failed call.
 *
 * <p>Status. A failed call's span (and a failed attempt's) has status {@code ERROR} with the exception's message
 * as description and {@code error.type} the {@link dev.ralex.api.ErrorKind} name ({@code BUDGET_EXCEEDED},
 * {@code RATE_LIMITED}, {@code UNAVAILABLE}...). A successful call's status is left unset, as OpenTelemetry asks
 * of instrumentation libraries ("SHOULD NOT set status code to Ok"); backends show it as success.
 *
 * <p>Content. Prompt and completion text are recorded only with {@link Builder#recordContent(boolean)
 * recordContent(true)}, as the conventions' opt-in attributes {@code gen_ai.input.messages}, {@code
 * gen_ai.system_instructions} and {@code gen_ai.output.messages} (JSON in the conventions' message format) on the
 * call's span, plus the validator's reason on {@code ralex.escalation} events. By default no text of the
 * conversation is recorded. Request headers and API keys never are.
 *
 * <p>Timing. Spans start at the events' own instants ({@code CallStarted.at}, {@code AttemptStarted.at}), so they
 * are right even when a listener before this one was slow; the call's span ends at its start plus the call's
 * latency, both on Ralex's clock. Waits without an instant of their own (a retry's end of attempt) are read from
 * the {@link Builder#clock(Clock) clock}, the system clock by default: give it the same clock as Ralex if you
 * inject one.
 *
 * <p>Context propagation. The call's span is a child of the span current ({@link Context#current()}) when {@code
 * CallStarted} fires, which for {@code chat} and {@code Conversation.send} is the caller's thread, so a call made
 * inside a traced request handler joins its trace. For {@code chatAsync} and {@code stream} the event fires
 * wherever Ralex starts the call; if no span is current there the call's span is a root. Attempt spans are
 * children of the call's span. The listener does not make its spans current, so spans of an instrumented HTTP
 * client are not nested under the attempt spans.
 *
 * <p>Thread-safe: Ralex calls listeners from many threads at once. The listener keeps the spans of each call in
 * flight, up to {@link Builder#maxTrackedCalls(int)} calls ({@value #MAX_TRACKED_CALLS} by default), and forgets
 * them when the call ends; if end events are lost, the oldest calls are dropped past that bound, their spans ended
 * with {@code ralex.incomplete=true}, so memory stays bounded. It never throws: a tracer that fails is logged (at
 * WARN the first time, then at DEBUG) and the call goes on.
 *
 * <p>Not traced: conversations' history repairs (they belong to no call), ratings and selector learning (they come
 * after the call's span has ended). A stream's first content is a {@code ralex.first_chunk} event on the call
 * span, with the milliseconds since the call and since the attempt started.
 */
public final class RalexTracing implements RalexListener {
  /** The instrumentation scope name of the tracer {@link #of(OpenTelemetry)} gets. */
  public static final String INSTRUMENTATION_SCOPE = "dev.ralex.opentelemetry";

  /** How many calls in flight the listener keeps spans of by default. */
  public static final int MAX_TRACKED_CALLS = 10_000;

  private static final Logger LOG = LoggerFactory.getLogger(RalexTracing.class);

  private static final String CHAT = "chat";

  static final AttributeKey<String> OPERATION_NAME = AttributeKey.stringKey("gen_ai.operation.name");
  static final AttributeKey<String> PROVIDER = AttributeKey.stringKey("gen_ai.provider.name");
  static final AttributeKey<String> REQUEST_MODEL = AttributeKey.stringKey("gen_ai.request.model");
  static final AttributeKey<Boolean> REQUEST_STREAM = AttributeKey.booleanKey("gen_ai.request.stream");
  static final AttributeKey<Long> REQUEST_MAX_TOKENS = AttributeKey.longKey("gen_ai.request.max_tokens");
  static final AttributeKey<Double> REQUEST_TEMPERATURE = AttributeKey.doubleKey("gen_ai.request.temperature");
  static final AttributeKey<Double> REQUEST_TOP_P = AttributeKey.doubleKey("gen_ai.request.top_p");
  static final AttributeKey<Double> REQUEST_TOP_K = AttributeKey.doubleKey("gen_ai.request.top_k");
  static final AttributeKey<List<String>> REQUEST_STOP_SEQUENCES =
      AttributeKey.stringArrayKey("gen_ai.request.stop_sequences");
  static final AttributeKey<String> CONVERSATION_ID = AttributeKey.stringKey("gen_ai.conversation.id");
  static final AttributeKey<String> RESPONSE_ID = AttributeKey.stringKey("gen_ai.response.id");
  static final AttributeKey<String> RESPONSE_MODEL = AttributeKey.stringKey("gen_ai.response.model");
  static final AttributeKey<List<String>> FINISH_REASONS =
      AttributeKey.stringArrayKey("gen_ai.response.finish_reasons");
  static final AttributeKey<Long> INPUT_TOKENS = AttributeKey.longKey("gen_ai.usage.input_tokens");
  static final AttributeKey<Long> OUTPUT_TOKENS = AttributeKey.longKey("gen_ai.usage.output_tokens");
  static final AttributeKey<Long> CACHE_READ_TOKENS = AttributeKey.longKey("gen_ai.usage.cache_read.input_tokens");
  static final AttributeKey<Long> CACHE_CREATION_TOKENS =
      AttributeKey.longKey("gen_ai.usage.cache_creation.input_tokens");
  static final AttributeKey<String> INPUT_MESSAGES = AttributeKey.stringKey("gen_ai.input.messages");
  static final AttributeKey<String> SYSTEM_INSTRUCTIONS = AttributeKey.stringKey("gen_ai.system_instructions");
  static final AttributeKey<String> OUTPUT_MESSAGES = AttributeKey.stringKey("gen_ai.output.messages");
  static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");
  static final AttributeKey<String> EXCEPTION_TYPE = AttributeKey.stringKey("exception.type");
  static final AttributeKey<String> EXCEPTION_MESSAGE = AttributeKey.stringKey("exception.message");

  static final AttributeKey<String> CALL_ID = AttributeKey.stringKey("ralex.call.id");
  static final AttributeKey<String> SELECTION_REASON = AttributeKey.stringKey("ralex.selection.reason");
  static final AttributeKey<List<String>> FALLBACK_MODELS = AttributeKey.stringArrayKey("ralex.fallback_models");
  static final AttributeKey<String> COST = AttributeKey.stringKey("ralex.cost");
  static final AttributeKey<Long> ATTEMPT = AttributeKey.longKey("ralex.attempt");
  static final AttributeKey<Long> ATTEMPTS = AttributeKey.longKey("ralex.attempts");
  static final AttributeKey<Boolean> INCOMPLETE = AttributeKey.booleanKey("ralex.incomplete");
  static final AttributeKey<String> FROM = AttributeKey.stringKey("ralex.from");
  static final AttributeKey<String> TO = AttributeKey.stringKey("ralex.to");

  private final Tracer tracer;
  private final boolean recordContent;
  private final Clock clock;
  private final int maxCalls;
  private final ConcurrentMap<String, CallState> calls = new ConcurrentHashMap<>();
  private final AtomicLong sequence = new AtomicLong();
  private final AtomicBoolean evicting = new AtomicBoolean();
  private final AtomicBoolean warned = new AtomicBoolean();

  private RalexTracing(Builder b) {
    this.tracer = b.tracer;
    this.recordContent = b.recordContent;
    this.clock = b.clock;
    this.maxCalls = b.maxCalls;
  }

  /**
   * A listener that traces into {@code openTelemetry}'s tracer for {@value #INSTRUMENTATION_SCOPE}, without
   * content.
   *
   * @param openTelemetry the SDK (or {@code GlobalOpenTelemetry.get()})
   * @return the listener, to pass to {@code Ralex.Builder.listener}
   */
  public static RalexTracing of(OpenTelemetry openTelemetry) {
    return builder(openTelemetry).build();
  }

  /**
   * A listener that traces into {@code tracer}, without content.
   *
   * @param tracer the tracer the spans are made with
   * @return the listener
   */
  public static RalexTracing of(Tracer tracer) {
    return builder(tracer).build();
  }

  /**
   * A builder of a listener that traces into {@code openTelemetry}'s tracer for {@value #INSTRUMENTATION_SCOPE}.
   *
   * @param openTelemetry the SDK (or {@code GlobalOpenTelemetry.get()})
   * @return the builder
   */
  public static Builder builder(OpenTelemetry openTelemetry) {
    Objects.requireNonNull(openTelemetry, "openTelemetry");
    return new Builder(openTelemetry.getTracer(INSTRUMENTATION_SCOPE));
  }

  /**
   * A builder of a listener that traces into {@code tracer}.
   *
   * @param tracer the tracer the spans are made with
   * @return the builder
   */
  public static Builder builder(Tracer tracer) {
    return new Builder(Objects.requireNonNull(tracer, "tracer"));
  }

  @Override
  public void onCallStarted(RalexEvent.CallStarted event) {
    try {
      ChatRequest request = event.request();
      Context parent = Context.current();
      String model = request.model().orElse(null);
      SpanBuilder builder = tracer.spanBuilder(spanName(model))
          .setParent(parent)
          .setSpanKind(SpanKind.CLIENT)
          .setStartTimestamp(event.at())
          .setAttribute(OPERATION_NAME, CHAT)
          .setAttribute(REQUEST_STREAM, event.streaming())
          .setAttribute(CALL_ID, event.callId());
      if (model != null) {
        builder.setAttribute(REQUEST_MODEL, model);
      }
      request.maxOutputTokens().ifPresent(n -> builder.setAttribute(REQUEST_MAX_TOKENS, (long) n));
      request.temperature().ifPresent(t -> builder.setAttribute(REQUEST_TEMPERATURE, t));
      request.topP().ifPresent(p -> builder.setAttribute(REQUEST_TOP_P, p));
      request.topK().ifPresent(k -> builder.setAttribute(REQUEST_TOP_K, (double) k));
      if (!request.stopSequences().isEmpty()) {
        builder.setAttribute(REQUEST_STOP_SEQUENCES, request.stopSequences());
      }
      request.conversationId().ifPresent(id -> builder.setAttribute(CONVERSATION_ID, id));
      if (recordContent) {
        builder.setAttribute(INPUT_MESSAGES, ContentJson.messages(request.messages()));
        if (!request.system().isEmpty()) {
          builder.setAttribute(SYSTEM_INSTRUCTIONS, ContentJson.systemInstructions(request.system()));
        }
      }
      Span span = builder.startSpan();
      CallState state = new CallState(sequence.incrementAndGet(), span, parent.with(span), event.at());
      CallState previous = calls.put(event.callId(), state);
      if (previous != null) {
        abandon(previous);
      }
      if (calls.size() > maxCalls) {
        evictOldest();
      }
    } catch (RuntimeException e) {
      failed(event, e);
    }
  }

  @Override
  public void onModelSelected(RalexEvent.ModelSelected event) {
    withCall(event, state -> {
      ModelInfo model = event.selection().model();
      state.span.updateName(spanName(model.id()));
      state.span.setAttribute(REQUEST_MODEL, model.id());
      state.span.setAttribute(PROVIDER, model.provider());
      state.span.setAttribute(SELECTION_REASON, event.selection().reason());
      if (!event.selection().fallbacks().isEmpty()) {
        state.span.setAttribute(FALLBACK_MODELS,
            event.selection().fallbacks().stream().map(ModelInfo::id).toList());
      }
    });
  }

  @Override
  public void onAttemptStarted(RalexEvent.AttemptStarted event) {
    withCall(event, state -> {
      endAttempt(state, event.at(), null);
      ModelInfo model = event.model();
      state.attemptStart = event.at();
      state.attempt = tracer.spanBuilder("attempt " + model.id())
          .setParent(state.context)
          .setSpanKind(SpanKind.INTERNAL)
          .setStartTimestamp(event.at())
          .setAttribute(OPERATION_NAME, CHAT)
          .setAttribute(PROVIDER, model.provider())
          .setAttribute(REQUEST_MODEL, model.id())
          .setAttribute(ATTEMPT, (long) event.attempt())
          .startSpan();
    });
  }

  @Override
  public void onRetrying(RalexEvent.Retrying event) {
    withCall(event, state -> {
      Instant now = clock.instant();
      endAttempt(state, now, event.cause());
      state.span.addEvent("ralex.retry", Attributes.builder()
          .put(REQUEST_MODEL, event.model().id())
          .put(ATTEMPT, event.nextAttempt())
          .put(ERROR_TYPE, errorType(event.cause()))
          .put("ralex.retry.delay_ms", event.delay().toMillis())
          .build(), now);
    });
  }

  @Override
  public void onFallingBack(RalexEvent.FallingBack event) {
    withCall(event, state -> {
      Instant now = clock.instant();
      endAttempt(state, now, event.cause());
      state.span.addEvent("ralex.fallback", Attributes.of(FROM, event.from().id(), TO, event.to().id(),
          ERROR_TYPE, errorType(event.cause())), now);
    });
  }

  @Override
  public void onEscalating(RalexEvent.Escalating event) {
    addCallEvent(event, "ralex.escalation", recordContent
        ? Attributes.of(FROM, event.from().id(), TO, event.to().id(),
            AttributeKey.stringKey("ralex.escalation.reason"), event.reason())
        : Attributes.of(FROM, event.from().id(), TO, event.to().id()), null);
  }

  @Override
  public void onCacheHit(RalexEvent.CacheHit event) {
    addCallEvent(event, "ralex.cache_hit", Attributes.builder()
        .put(REQUEST_MODEL, event.model())
        .put("ralex.saved", event.saved().toPlainString())
        .build(), event.at());
  }

  @Override
  public void onFirstChunk(RalexEvent.FirstChunk event) {
    addCallEvent(event, "ralex.first_chunk", Attributes.builder()
        .put(REQUEST_MODEL, event.model().id())
        .put("ralex.since_call_ms", event.sinceCallStart().toMillis())
        .put("ralex.since_attempt_ms", event.sinceAttemptStart().toMillis())
        .build(), null);
  }

  @Override
  public void onRateLimitWaited(RalexEvent.RateLimitWaited event) {
    addCallEvent(event, "ralex.rate_limit.wait", Attributes.builder()
        .put(REQUEST_MODEL, event.model().id())
        .put(PROVIDER, event.model().provider())
        .put("ralex.wait_ms", event.waited().toMillis())
        .build(), null);
  }

  @Override
  public void onContextCompressed(RalexEvent.ContextCompressed event) {
    addCallEvent(event, "ralex.context.compressed", Attributes.builder()
        .put(REQUEST_MODEL, event.model().id())
        .put("ralex.compression.strategy", event.strategy())
        .put("ralex.compression.messages_dropped", event.messagesDropped())
        .put("ralex.compression.messages_summarized", event.messagesSummarized())
        .put("ralex.compression.tool_results_truncated", event.toolResultsTruncated())
        .put("ralex.compression.tokens_before", event.tokensBefore())
        .put("ralex.compression.tokens_after", event.tokensAfter())
        .build(), null);
  }

  @Override
  public void onCircuitStateChanged(RalexEvent.CircuitStateChanged event) {
    addCallEvent(event, "ralex.circuit.state_changed", Attributes.of(REQUEST_MODEL, event.model(),
        FROM, event.from().name(), TO, event.to().name()), event.at());
  }

  @Override
  public void onBudgetAlert(RalexEvent.BudgetAlert event) {
    addCallEvent(event, "ralex.budget.alert", Attributes.builder()
        .put("ralex.budget.name", event.budget())
        .put("ralex.budget.limit", event.limit().toPlainString())
        .put("ralex.budget.spent", event.spent().toPlainString())
        .put("ralex.budget.threshold", event.threshold().toPlainString())
        .build(), null);
  }

  @Override
  public void onUsageRecorded(RalexEvent.UsageRecorded event) {
    withCall(event, state -> {
      ModelInfo model = event.model();
      Usage usage = event.usage();
      Span attempt = state.attempt;
      if (attempt != null) {
        attempt.setAttribute(RESPONSE_MODEL, model.id());
        setUsage(attempt, usage, event.cost());
      }
      endAttempt(state, event.at(), null);
      state.usage = state.usage.plus(usage);
      state.cost = state.cost.add(event.cost());
      state.billed = true;
      state.span.setAttribute(RESPONSE_MODEL, model.id());
      state.span.setAttribute(PROVIDER, model.provider());
      setUsage(state.span, state.usage, state.cost);
    });
  }

  @Override
  public void onCallSucceeded(RalexEvent.CallSucceeded event) {
    endCall(event, state -> {
      ChatResponse response = event.response();
      Instant end = state.startedAt.plus(response.latency());
      endAttempt(state, end, null);
      Span span = state.span;
      if (!response.id().isEmpty()) {
        span.setAttribute(RESPONSE_ID, response.id());
      }
      span.setAttribute(RESPONSE_MODEL, response.model());
      span.setAttribute(PROVIDER, response.provider());
      span.setAttribute(FINISH_REASONS, List.of(response.stopReason().raw()));
      span.setAttribute(ATTEMPTS, (long) response.attempts());
      if (!state.billed) {
        setUsage(span, response.usage(), response.cost());
      }
      if (recordContent) {
        span.setAttribute(OUTPUT_MESSAGES, ContentJson.output(response));
      }
      span.end(end);
    });
  }

  @Override
  public void onCallFailed(RalexEvent.CallFailed event) {
    endCall(event, state -> {
      LlmException error = event.error();
      Instant end = state.startedAt.plus(event.latency());
      endAttempt(state, end, error);
      Span span = state.span;
      span.setAttribute(ERROR_TYPE, errorType(error));
      span.addEvent("exception", Attributes.of(EXCEPTION_TYPE, error.getClass().getName(),
          EXCEPTION_MESSAGE, String.valueOf(error.getMessage())), end);
      span.setStatus(StatusCode.ERROR, String.valueOf(error.getMessage()));
      span.end(end);
    });
  }

  @Override
  public String toString() {
    return "RalexTracing[" + tracer.getClass().getSimpleName() + (recordContent ? ", recordContent" : "") + "]";
  }

  /** How many calls in flight the listener keeps spans of; for tests. */
  int callsInFlight() {
    return calls.size();
  }

  /** Runs {@code action} on the event's call under its lock, unless the call is unknown or already ended. */
  private void withCall(RalexEvent event, java.util.function.Consumer<CallState> action) {
    CallState state = calls.get(event.callId());
    if (state != null) {
      run(event, state, false, action);
    }
  }

  /** Like {@link #withCall}, and forgets the call: {@code action} ends its span. */
  private void endCall(RalexEvent event, java.util.function.Consumer<CallState> action) {
    CallState state = calls.remove(event.callId());
    if (state != null) {
      run(event, state, true, action);
    }
  }

  private void run(RalexEvent event, CallState state, boolean ending, java.util.function.Consumer<CallState> action) {
    synchronized (state) {
      try {
        if (state.closed) {
          return;
        }
        if (ending) {
          state.closed = true;
        }
        action.accept(state);
      } catch (RuntimeException e) {
        failed(event, e);
      }
    }
  }

  private void addCallEvent(RalexEvent event, String name, Attributes attributes, Instant at) {
    withCall(event, state -> state.span.addEvent(name, attributes, at != null ? at : clock.instant()));
  }


  /** Ends the call's open attempt, if any, at {@code end} (never before its start); an error marks it failed. */
  private static void endAttempt(CallState state, Instant end, LlmException error) {
    Span attempt = state.attempt;
    if (attempt == null) {
      return;
    }
    state.attempt = null;
    if (error != null) {
      attempt.setAttribute(ERROR_TYPE, errorType(error));
      attempt.setStatus(StatusCode.ERROR, String.valueOf(error.getMessage()));
    }
    attempt.end(end.isBefore(state.attemptStart) ? state.attemptStart : end);
  }

  private static void setUsage(Span span, Usage usage, BigDecimal cost) {
    span.setAttribute(INPUT_TOKENS, usage.totalInputTokens());
    span.setAttribute(OUTPUT_TOKENS, usage.outputTokens());
    span.setAttribute(CACHE_READ_TOKENS, usage.cacheReadTokens());
    span.setAttribute(CACHE_CREATION_TOKENS, usage.cacheWriteTokens());
    span.setAttribute(COST, cost.toPlainString());
  }

  /** Drops the oldest tenth of the calls in flight, ending their spans, once the bound is passed. */
  private void evictOldest() {
    if (!evicting.compareAndSet(false, true)) {
      return;
    }
    try {
      int excess = calls.size() - maxCalls + Math.max(1, maxCalls / 10);
      if (excess <= 0) {
        return;
      }
      List<Map.Entry<String, CallState>> entries = new ArrayList<>(calls.entrySet());
      entries.sort(Comparator.comparingLong(e -> e.getValue().sequence));
      int dropped = 0;
      for (int i = 0; i < entries.size() && dropped < excess; i++) {
        Map.Entry<String, CallState> entry = entries.get(i);
        if (calls.remove(entry.getKey(), entry.getValue())) {
          abandon(entry.getValue());
          dropped++;
        }
      }
      LOG.debug("dropped the spans of {} calls whose end was never seen ({} calls in flight at most)", dropped,
          maxCalls);
    } finally {
      evicting.set(false);
    }
  }

  /** Ends a call's spans without an outcome. */
  private void abandon(CallState state) {
    synchronized (state) {
      try {
        if (state.closed) {
          return;
        }
        state.closed = true;
        Instant now = clock.instant();
        Span attempt = state.attempt;
        if (attempt != null) {
          state.attempt = null;
          attempt.setAttribute(INCOMPLETE, true);
          attempt.end(now.isBefore(state.attemptStart) ? state.attemptStart : now);
        }
        state.span.setAttribute(INCOMPLETE, true);
        state.span.end(now.isBefore(state.startedAt) ? state.startedAt : now);
      } catch (RuntimeException e) {
        failedQuietly(e);
      }
    }
  }

  private static String spanName(String model) {
    return CHAT + " " + (model != null ? model : "ralex");
  }

  private static String errorType(LlmException error) {
    return error.kind().name();
  }

  private void failed(RalexEvent event, RuntimeException e) {
    if (warned.compareAndSet(false, true)) {
      LOG.warn("tracing {} with {} failed; Ralex goes on without that span data (further failures are logged at "
          + "DEBUG)", event.getClass().getSimpleName(), tracer.getClass().getName(), e);
    } else {
      LOG.debug("tracing {} failed", event.getClass().getSimpleName(), e);
    }
  }

  private void failedQuietly(RuntimeException e) {
    if (warned.compareAndSet(false, true)) {
      LOG.warn("ending the spans of a dropped call with {} failed (further failures are logged at DEBUG)",
          tracer.getClass().getName(), e);
    } else {
      LOG.debug("ending the spans of a dropped call failed", e);
    }
  }

  /** The spans of a call in flight; guarded by its own monitor. */
  private static final class CallState {
    final long sequence;
    final Span span;
    /** The caller's context with the call's span: the parent of the attempt spans. */
    final Context context;
    final Instant startedAt;
    Span attempt;
    Instant attemptStart;
    Usage usage = Usage.ZERO;
    BigDecimal cost = BigDecimal.ZERO;
    boolean billed;
    boolean closed;

    CallState(long sequence, Span span, Context context, Instant startedAt) {
      this.sequence = sequence;
      this.span = span;
      this.context = context;
      this.startedAt = startedAt;
    }
  }

  /** Builds a {@link RalexTracing}. Not thread-safe; the listener it builds is. */
  public static final class Builder {
    private final Tracer tracer;
    private boolean recordContent;
    private Clock clock = Clock.systemUTC();
    private int maxCalls = MAX_TRACKED_CALLS;

    private Builder(Tracer tracer) {
      this.tracer = tracer;
    }

    /**
     * Whether the call's span records the prompt ({@code gen_ai.input.messages}, {@code
     * gen_ai.system_instructions}) and the answer ({@code gen_ai.output.messages}), and escalation events the
     * validator's reason. Off by default: prompts and answers may hold personal or secret data, and whoever can
     * read the traces would read them too.
     *
     * @param record whether to record the conversation's text
     * @return this builder
     */
    public Builder recordContent(boolean record) {
      this.recordContent = record;
      return this;
    }

    /**
     * The clock for the instants Ralex's events do not carry (the end of an attempt that is retried, span
     * events); the system clock by default. Give it Ralex's clock if you gave Ralex one.
     *
     * @param clock the clock
     * @return this builder
     */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * How many calls in flight the listener keeps spans of; past that (end events lost, or a huge number of
     * concurrent calls) the oldest tenth are ended as incomplete and forgotten. {@value #MAX_TRACKED_CALLS} by
     * default.
     *
     * @param max the bound, at least 1
     * @return this builder
     */
    public Builder maxTrackedCalls(int max) {
      if (max < 1) {
        throw new IllegalArgumentException("maxTrackedCalls must be at least 1 but was " + max);
      }
      this.maxCalls = max;
      return this;
    }

    /**
     * Builds the listener.
     *
     * @return the listener
     */
    public RalexTracing build() {
      return new RalexTracing(this);
    }
  }
}
