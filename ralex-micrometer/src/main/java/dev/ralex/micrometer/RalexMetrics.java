package dev.ralex.micrometer;

import dev.ralex.api.ChatResponse;
import dev.ralex.api.LlmException;
import dev.ralex.api.ModelInfo;
import dev.ralex.api.RalexEvent;
import dev.ralex.api.RalexListener;
import dev.ralex.api.Usage;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records Ralex's events as Micrometer meters, the way HikariCP's metrics tracker records a pool's: register it
 * once and every call through that {@code Ralex} is measured.
 *
 * <pre>{@code
 * MeterRegistry registry = ...;                       // Prometheus, OTLP, Datadog, JMX, SimpleMeterRegistry
 * Ralex ralex = Ralex.builder()
 *     .listener(RalexMetrics.of(registry))
 *     ...
 *     .build();
 * }</pre>
 *
 * <p>The meters. The first two follow the OpenTelemetry GenAI client metrics ({@code gen_ai.*} names and
 * attribute keys, kept dotted as Micrometer's naming conventions expect; each registry renders them its own way,
 * such as {@code gen_ai_client_operation_duration_seconds} in Prometheus), with the conventions' bucket
 * boundaries as service-level objectives (see {@link Builder#histogramBuckets}); the rest are Ralex's own. Token
 * meters have the base unit {@code tokens} rather than the conventions' UCUM {@code {token}}, since some
 * registries append the base unit to the name.
 *
 * <table>
 *   <caption>Meters</caption>
 *   <tr><th>name</th><th>type</th><th>tags</th><th>from</th></tr>
 *   <tr><td>{@code gen_ai.client.operation.duration}</td><td>timer</td>
 *       <td>{@code gen_ai.operation.name} ({@code chat}), {@code gen_ai.provider.name}, {@code gen_ai.request.model},
 *       {@code gen_ai.response.model}, {@code error.type}</td>
 *       <td>each call's latency, from start to answer or failure, retries, waits and fallbacks included</td></tr>
 *   <tr><td>{@code gen_ai.client.token.usage}</td><td>distribution summary ({@code tokens})</td>
 *       <td>{@code gen_ai.operation.name}, {@code gen_ai.provider.name}, {@code gen_ai.token.type} ({@code input} or
 *       {@code output}), {@code gen_ai.request.model}, {@code gen_ai.response.model}</td>
 *       <td>each billed attempt; input counts cache reads and writes too, as the conventions ask</td></tr>
 *   <tr><td>{@code ralex.calls}</td><td>counter</td>
 *       <td>{@code outcome} ({@code success} or {@code error}), {@code error.type}, {@code gen_ai.provider.name},
 *       {@code gen_ai.request.model}</td><td>each call's end</td></tr>
 *   <tr><td>{@code ralex.cost}</td><td>counter ({@code dollars})</td>
 *       <td>{@code gen_ai.provider.name}, {@code gen_ai.request.model}</td><td>each billed attempt's cost</td></tr>
 *   <tr><td>{@code ralex.attempts}</td><td>counter</td><td>{@code gen_ai.provider.name},
 *       {@code gen_ai.request.model}</td><td>each attempt sent to a provider</td></tr>
 *   <tr><td>{@code ralex.retries}</td><td>counter</td><td>{@code gen_ai.provider.name}, {@code gen_ai.request.model},
 *       {@code error.type} (of the failure retried)</td><td>each retry of the same model</td></tr>
 *   <tr><td>{@code ralex.fallbacks}</td><td>counter</td><td>{@code from}, {@code to} (model ids),
 *       {@code error.type}</td><td>each move to a fallback model</td></tr>
 *   <tr><td>{@code ralex.escalations}</td><td>counter</td><td>{@code from}, {@code to} (model ids)</td>
 *       <td>each move to a stronger model</td></tr>
 *   <tr><td>{@code ralex.rate_limit.wait}</td><td>timer</td><td>{@code gen_ai.provider.name},
 *       {@code gen_ai.request.model}</td><td>each wait for a rate-limit permit</td></tr>
 *   <tr><td>{@code ralex.budget.alerts}</td><td>counter</td><td>{@code budget.period} ({@code daily},
 *       {@code monthly}), {@code budget.scope} ({@code global}, {@code tag}, {@code conversation})</td>
 *       <td>each budget alert</td></tr>
 *   <tr><td>{@code ralex.circuit.transitions}</td><td>counter</td><td>{@code gen_ai.provider.name},
 *       {@code gen_ai.request.model}, {@code from}, {@code to} ({@code CLOSED}, {@code OPEN},
 *       {@code HALF_OPEN})</td><td>each circuit-breaker state change</td></tr>
 *   <tr><td>{@code ralex.circuit.open}</td><td>gauge</td><td>{@code gen_ai.provider.name},
 *       {@code gen_ai.request.model}</td><td>1 while the model's circuit is open, else 0; appears with the
 *       model's first state change</td></tr>
 *   <tr><td>{@code ralex.context.compressed}</td><td>distribution summary ({@code tokens})</td>
 *       <td>{@code gen_ai.provider.name}, {@code gen_ai.request.model}, {@code strategy}</td>
 *       <td>the estimated input tokens each compression step saved</td></tr>
 *   <tr><td>{@code ralex.history.repaired}</td><td>counter</td><td>none</td>
 *       <td>each conversation history repaired before a send</td></tr>
 *   <tr><td>{@code ralex.selector.reward}</td><td>distribution summary</td><td>{@code gen_ai.provider.name},
 *       {@code gen_ai.request.model}, {@code source} ({@code rating}, {@code validator}, {@code outcome})</td>
 *       <td>each reward a learning selector learned from</td></tr>
 * </table>
 *
 * <p>Tag values. Models are Ralex's model ids, such as {@code anthropic/claude-haiku-4-5}, and providers
 * Ralex's provider ids, such as {@code anthropic}: both come from the catalog, so their number is bounded. No
 * meter is ever tagged with prompt or completion text, call or conversation ids, budget tag values, or keys.
 * {@code error.type} is the {@link dev.ralex.api.ErrorKind} name of the failure ({@code BUDGET_EXCEEDED} for a
 * budget refusal, {@code RATE_LIMITED}, {@code UNAVAILABLE}, {@code CIRCUIT_OPEN} and so on), and {@code none}
 * on success, because several registries need every meter of a name to carry the same tag keys. For the same
 * reason a value not known is {@code none}: the models of a call that failed before one was selected, the
 * response model of a failed call. On a call's duration, {@code gen_ai.request.model} is the model the selector
 * chose and {@code gen_ai.response.model} the one that answered, a fallback or an escalation perhaps; the
 * provider is the answering model's, or on failure that of the last model tried. On token usage and cost the
 * model tags name the billed model. A call the selector refused outright (a budget used up before any model
 * could be chosen) has {@code none} for its models.
 *
 * <p>{@code ralex.cost} adds up each cost as a {@code double}: it is for dashboards and alerts, not accounting.
 * Rounding drifts, registries may reset or drop samples, and a failed export loses them. The exact spend is in
 * Ralex's usage store ({@code Ralex.usage()}, {@code Ralex.report(...)}).
 *
 * <p>Thread-safe: Ralex calls listeners from many threads at once. Meters are looked up once per tag combination
 * and kept. The listener never throws: a registry that fails is logged (at WARN the first time, then at DEBUG)
 * and the call goes on. To match a failed call's duration to its model it remembers the selected model of each
 * call in flight, up to {@value #MAX_TRACKED_CALLS} calls at once, and forgets it when the call ends; calls beyond
 * that are still measured, with {@code none} for a failed call's model.
 *
 * <p>Streams also record {@value #TIME_TO_FIRST_CHUNK}: from the start of the call to its first content (text,
 * thinking or a tool call), retries and waits included.
 */
public final class RalexMetrics implements RalexListener {
  /** A call's duration: timer, OpenTelemetry's GenAI client operation duration. */
  public static final String OPERATION_DURATION = "gen_ai.client.operation.duration";
  /** From a streamed call's start to its first content: timer, OpenTelemetry's GenAI time to first chunk. */
  public static final String TIME_TO_FIRST_CHUNK = "gen_ai.client.operation.time_to_first_chunk";
  /** Tokens of each billed attempt: distribution summary, OpenTelemetry's GenAI client token usage. */
  public static final String TOKEN_USAGE = "gen_ai.client.token.usage";
  /** Calls ended, by outcome: counter. */
  public static final String CALLS = "ralex.calls";
  /** What billed attempts cost, in dollars: counter; not for accounting. */
  public static final String COST = "ralex.cost";
  /** Attempts sent to providers: counter. */
  public static final String ATTEMPTS = "ralex.attempts";
  /** Retries of the same model: counter. */
  public static final String RETRIES = "ralex.retries";
  /** Moves to a fallback model: counter. */
  public static final String FALLBACKS = "ralex.fallbacks";
  /** Moves to a stronger model: counter. */
  public static final String ESCALATIONS = "ralex.escalations";
  /** Calls answered from the response cache: counter, tagged with the model whose answer was cached. */
  public static final String CACHE_HITS = "ralex.cache.hits";
  /** What cache hits did not spend, in dollars: counter; not for accounting. */
  public static final String CACHE_SAVED = "ralex.cache.saved";
  /** Waits for rate-limit permits: timer. */
  public static final String RATE_LIMIT_WAIT = "ralex.rate_limit.wait";
  /** Budget alerts: counter. */
  public static final String BUDGET_ALERTS = "ralex.budget.alerts";
  /** Circuit-breaker state changes: counter. */
  public static final String CIRCUIT_TRANSITIONS = "ralex.circuit.transitions";
  /** Whether a model's circuit is open (1) or not (0): gauge. */
  public static final String CIRCUIT_OPEN = "ralex.circuit.open";
  /** Estimated input tokens saved by each context compression step: distribution summary. */
  public static final String CONTEXT_COMPRESSED = "ralex.context.compressed";
  /** Conversation histories repaired before a send: counter. */
  public static final String HISTORY_REPAIRED = "ralex.history.repaired";
  /** Rewards learning selectors learned from: distribution summary. */
  public static final String SELECTOR_REWARD = "ralex.selector.reward";

  /** The tag value for "not applicable" or "not known". */
  public static final String NONE = "none";

  /** How many calls in flight the listener remembers the selected model of. */
  public static final int MAX_TRACKED_CALLS = 10_000;

  private static final Logger LOG = LoggerFactory.getLogger(RalexMetrics.class);

  private static final String OPERATION_NAME = "gen_ai.operation.name";
  private static final String CHAT = "chat";
  private static final String PROVIDER = "gen_ai.provider.name";
  private static final String REQUEST_MODEL = "gen_ai.request.model";
  private static final String RESPONSE_MODEL = "gen_ai.response.model";
  private static final String TOKEN_TYPE = "gen_ai.token.type";
  private static final String ERROR_TYPE = "error.type";

  /** The conventions' bucket boundaries for the operation duration, in seconds. */
  private static final Duration[] DURATION_SLOS = durations(
      0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92);
  /** The conventions' bucket boundaries for token usage. */
  private static final double[] TOKEN_SLOS = {1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576,
      4194304, 16777216, 67108864};

  private static final Set<String> BUDGET_PERIODS = Set.of("daily", "monthly");
  private static final Set<String> BUDGET_SCOPES = Set.of("global", "tag", "conversation");

  private final MeterRegistry registry;
  private final Tags commonTags;
  private final boolean buckets;
  private final ConcurrentMap<MeterKey, Meter> meters = new ConcurrentHashMap<>();
  private final ConcurrentMap<String, InFlight> calls = new ConcurrentHashMap<>();
  private final ConcurrentMap<String, AtomicInteger> circuitOpen = new ConcurrentHashMap<>();
  private final AtomicBoolean warned = new AtomicBoolean();

  private RalexMetrics(Builder b) {
    this.registry = b.registry;
    this.commonTags = b.tags;
    this.buckets = b.buckets;
  }

  /**
   * A listener that records into {@code registry}, with no tags of its own beyond the meters' (the registry's
   * common tags still apply).
   *
   * @param registry where the meters go
   * @return the listener, to pass to {@code Ralex.Builder.listener}
   */
  public static RalexMetrics of(MeterRegistry registry) {
    return builder(registry).build();
  }

  /**
   * A builder of a listener that records into {@code registry}, for extra tags on every meter.
   *
   * @param registry where the meters go
   * @return the builder
   */
  public static Builder builder(MeterRegistry registry) {
    return new Builder(registry);
  }

  @Override
  public void onModelSelected(RalexEvent.ModelSelected event) {
    try {
      InFlight call = calls.get(event.callId());
      if (call == null) {
        if (calls.size() >= MAX_TRACKED_CALLS) {
          return;
        }
        call = new InFlight();
        InFlight raced = calls.putIfAbsent(event.callId(), call);
        call = raced != null ? raced : call;
      }
      call.selected = event.selection().model();
    } catch (RuntimeException e) {
      failed(event, e);
    }
  }

  @Override
  public void onAttemptStarted(RalexEvent.AttemptStarted event) {
    try {
      InFlight call = calls.get(event.callId());
      if (call != null) {
        call.last = event.model();
      }
      ModelInfo model = event.model();
      counter(ATTEMPTS, "Attempts Ralex sent to a provider", null,
          PROVIDER, model.provider(), REQUEST_MODEL, model.id()).increment();
    } catch (RuntimeException e) {
      failed(event, e);
    }
  }

  @Override
  public void onRetrying(RalexEvent.Retrying event) {
    try {
      ModelInfo model = event.model();
      counter(RETRIES, "Retries of the same model after a failure that may pass", null,
          PROVIDER, model.provider(), REQUEST_MODEL, model.id(), ERROR_TYPE, errorType(event.cause())).increment();
    } catch (RuntimeException e) {
      failed(event, e);
    }
  }

  @Override
  public void onFallingBack(RalexEvent.FallingBack event) {
    try {
      counter(FALLBACKS, "Moves to the next fallback model after a model failed for good", null,
          "from", event.from().id(), "to", event.to().id(), ERROR_TYPE, errorType(event.cause())).increment();
    } catch (RuntimeException e) {
      failed(event, e);
    }
  }

  @Override
  public void onEscalating(RalexEvent.Escalating event) {
    try {
      counter(ESCALATIONS, "Moves to a stronger model after an answer was rejected or a model failed", null,
          "from", event.from().id(), "to", event.to().id()).increment();
    } catch (RuntimeException e) {
      failed(event, e);
    }
  }

  @Override
  public void onCacheHit(RalexEvent.CacheHit event) {
    try {
      counter(CACHE_HITS, "Calls answered from the response cache", null, REQUEST_MODEL, event.model())
          .increment();
      counter(CACHE_SAVED, "What cache hits did not spend (not accounting)", "dollars", REQUEST_MODEL,
          event.model()).increment(event.saved().doubleValue());
    } catch (RuntimeException e) {
      failed(event, e);
    }
  }

  @Override
  public void onFirstChunk(RalexEvent.FirstChunk event) {
    try {
      ModelInfo model = event.model();
      timer(TIME_TO_FIRST_CHUNK, "Time from the start of a streamed call to its first content", DURATION_SLOS,
          OPERATION_NAME, CHAT, PROVIDER, model.provider(), REQUEST_MODEL, model.id()).record(event.sinceCallStart());
    } catch (RuntimeException e) {
      failed(event, e);
    }
  }

  @Override
  public void onRateLimitWaited(RalexEvent.RateLimitWaited event) {
    try {
      ModelInfo model = event.model();
      timer(RATE_LIMIT_WAIT, "Waits for a rate-limit permit before an attempt", null,
          PROVIDER, model.provider(), REQUEST_MODEL, model.id()).record(event.waited());
    } catch (RuntimeException e) {
      failed(event, e);
    }
  }

  @Override
  public void onCircuitStateChanged(RalexEvent.CircuitStateChanged event) {
    try {
      String model = event.model();
      String provider = providerOf(model);
      counter(CIRCUIT_TRANSITIONS, "Changes of a model's circuit-breaker state", null,
          PROVIDER, provider, REQUEST_MODEL, model, "from", event.from().name(), "to", event.to().name())
          .increment();
      AtomicInteger open = circuitOpen.get(model);
      if (open == null) {
        open = circuitOpen.computeIfAbsent(model, m -> {
          AtomicInteger state = new AtomicInteger();
          Gauge.builder(CIRCUIT_OPEN, state, AtomicInteger::get)
              .description("1 while the model's circuit breaker is open (calls fail fast), else 0")
              .tags(commonTags)
              .tags(PROVIDER, provider, REQUEST_MODEL, m)
              .strongReference(true)
              .register(registry);
          return state;
        });
      }
      open.set(event.to() == RalexEvent.CircuitStateChanged.State.OPEN ? 1 : 0);
    } catch (RuntimeException e) {
      failed(event, e);
    }
  }

  @Override
  public void onContextCompressed(RalexEvent.ContextCompressed event) {
    try {
      ModelInfo model = event.model();
      summary(CONTEXT_COMPRESSED, "Estimated input tokens a context compression step saved", "tokens", null,
          PROVIDER, model.provider(), REQUEST_MODEL, model.id(), "strategy", event.strategy())
          .record(Math.max(0, event.tokensSaved()));
    } catch (RuntimeException e) {
      failed(event, e);
    }
  }

  @Override
  public void onHistoryRepaired(RalexEvent.HistoryRepaired event) {
    try {
      counter(HISTORY_REPAIRED, "Conversation histories with broken tool pairs repaired before a send", null)
          .increment();
    } catch (RuntimeException e) {
      failed(event, e);
    }
  }

  @Override
  public void onUsageRecorded(RalexEvent.UsageRecorded event) {
    try {
      ModelInfo model = event.model();
      Usage usage = event.usage();
      String provider = model.provider();
      String id = model.id();
      summary(TOKEN_USAGE, "Number of input and output tokens used", "tokens", TOKEN_SLOS,
          OPERATION_NAME, CHAT, PROVIDER, provider, TOKEN_TYPE, "input", REQUEST_MODEL, id, RESPONSE_MODEL, id)
          .record(usage.totalInputTokens());
      summary(TOKEN_USAGE, "Number of input and output tokens used", "tokens", TOKEN_SLOS,
          OPERATION_NAME, CHAT, PROVIDER, provider, TOKEN_TYPE, "output", REQUEST_MODEL, id, RESPONSE_MODEL, id)
          .record(usage.outputTokens());
      counter(COST, "What billed attempts cost, in dollars, as doubles: for dashboards, not accounting",
          "dollars", PROVIDER, provider, REQUEST_MODEL, id).increment(event.cost().doubleValue());
    } catch (RuntimeException e) {
      failed(event, e);
    }
  }

  @Override
  public void onBudgetAlert(RalexEvent.BudgetAlert event) {
    try {
      String[] words = event.budget().split(" ");
      String period = words.length > 0 && BUDGET_PERIODS.contains(words[0]) ? words[0] : "other";
      String scope = words.length > 1 ? words[1] : "";
      if (scope.equals("each") && words.length > 2) {
        scope = words[2];
      }
      scope = BUDGET_SCOPES.contains(scope) ? scope : "other";
      counter(BUDGET_ALERTS, "Budgets whose committed spend reached their alert threshold in a period", null,
          "budget.period", period, "budget.scope", scope).increment();
    } catch (RuntimeException e) {
      failed(event, e);
    }
  }

  @Override
  public void onCallSucceeded(RalexEvent.CallSucceeded event) {
    try {
      InFlight call = calls.remove(event.callId());
      ChatResponse response = event.response();
      ModelInfo selected = call != null ? call.selected : null;
      String requestModel = selected != null ? selected.id() : response.model();
      String provider = response.provider();
      recordCall(provider, requestModel, response.model(), NONE, response.latency());
    } catch (RuntimeException e) {
      failed(event, e);
    }
  }

  @Override
  public void onCallFailed(RalexEvent.CallFailed event) {
    try {
      InFlight call = calls.remove(event.callId());
      ModelInfo selected = call != null ? call.selected : null;
      ModelInfo last = call != null ? call.last : null;
      String provider = last != null ? last.provider()
          : selected != null ? selected.provider()
          : event.error().provider().orElse(NONE);
      recordCall(provider, selected != null ? selected.id() : NONE, NONE, errorType(event.error()),
          event.latency());
    } catch (RuntimeException e) {
      failed(event, e);
    }
  }

  @Override
  public void onSelectorLearned(RalexEvent.SelectorLearned event) {
    try {
      if (!Double.isFinite(event.reward())) {
        return;
      }
      summary(SELECTOR_REWARD, "Rewards a learning selector learned from (negative rewards are not recorded)",
          null, null, PROVIDER, providerOf(event.model()), REQUEST_MODEL, event.model(), "source", event.source())
          .record(event.reward());
    } catch (RuntimeException e) {
      failed(event, e);
    }
  }

  @Override
  public String toString() {
    return "RalexMetrics[" + registry.getClass().getSimpleName() + (commonTags.stream().findAny().isPresent()
        ? ", " + commonTags : "") + "]";
  }

  /** How many calls in flight the listener remembers; for tests. */
  int callsInFlight() {
    return calls.size();
  }

  private void recordCall(String provider, String requestModel, String responseModel, String errorType,
      Duration latency) {
    timer(OPERATION_DURATION, "GenAI operation duration", DURATION_SLOS,
        OPERATION_NAME, CHAT, PROVIDER, provider, REQUEST_MODEL, requestModel, RESPONSE_MODEL, responseModel,
        ERROR_TYPE, errorType).record(latency);
    counter(CALLS, "Calls that ended, by outcome", null,
        "outcome", errorType.equals(NONE) ? "success" : "error", ERROR_TYPE, errorType,
        PROVIDER, provider, REQUEST_MODEL, requestModel).increment();
  }

  private static String errorType(LlmException error) {
    return error.kind().name();
  }

  /** The provider part of a model id such as {@code anthropic/claude-haiku-4-5}. */
  private static String providerOf(String modelId) {
    int slash = modelId.indexOf('/');
    return slash > 0 ? modelId.substring(0, slash) : NONE;
  }

  private Counter counter(String name, String description, String baseUnit, String... tags) {
    MeterKey key = new MeterKey(name, List.of(tags));
    Meter meter = meters.get(key);
    if (meter == null) {
      meter = meters.computeIfAbsent(key, k -> Counter.builder(name)
          .description(description)
          .baseUnit(baseUnit)
          .tags(commonTags)
          .tags(tags)
          .register(registry));
    }
    return (Counter) meter;
  }

  private Timer timer(String name, String description, Duration[] slos, String... tags) {
    MeterKey key = new MeterKey(name, List.of(tags));
    Meter meter = meters.get(key);
    if (meter == null) {
      meter = meters.computeIfAbsent(key, k -> {
        Timer.Builder builder = Timer.builder(name).description(description).tags(commonTags).tags(tags);
        if (slos != null && buckets) {
          builder.serviceLevelObjectives(slos);
        }
        return builder.register(registry);
      });
    }
    return (Timer) meter;
  }

  private DistributionSummary summary(String name, String description, String baseUnit, double[] slos,
      String... tags) {
    MeterKey key = new MeterKey(name, List.of(tags));
    Meter meter = meters.get(key);
    if (meter == null) {
      meter = meters.computeIfAbsent(key, k -> {
        DistributionSummary.Builder builder = DistributionSummary.builder(name)
            .description(description)
            .baseUnit(baseUnit)
            .tags(commonTags)
            .tags(tags);
        if (slos != null && buckets) {
          builder.serviceLevelObjectives(slos);
        }
        return builder.register(registry);
      });
    }
    return (DistributionSummary) meter;
  }

  private void failed(RalexEvent event, RuntimeException e) {
    if (warned.compareAndSet(false, true)) {
      LOG.warn("recording {} in {} failed; Ralex goes on without that metric (further failures are logged at "
          + "DEBUG)", event.getClass().getSimpleName(), registry.getClass().getName(), e);
    } else {
      LOG.debug("recording {} failed", event.getClass().getSimpleName(), e);
    }
  }

  private static Duration[] durations(double... seconds) {
    Duration[] out = new Duration[seconds.length];
    for (int i = 0; i < seconds.length; i++) {
      out[i] = Duration.ofNanos(Math.round(seconds[i] * 1e9));
    }
    return out;
  }

  /** A meter's name and tag keys and values, without the common tags (the same for every meter). */
  private record MeterKey(String name, List<String> tags) {}

  /** What the listener remembers of a call in flight. */
  private static final class InFlight {
    /** The model the selector chose. */
    volatile ModelInfo selected;
    /** The model of the latest attempt. */
    volatile ModelInfo last;
  }

  /** Builds a {@link RalexMetrics}. Not thread-safe; the listener it builds is. */
  public static final class Builder {
    private final MeterRegistry registry;
    private Tags tags = Tags.empty();
    private boolean buckets = true;

    private Builder(MeterRegistry registry) {
      this.registry = Objects.requireNonNull(registry, "registry");
    }

    /**
     * Adds a tag to every meter, such as the application or the Ralex instance when a process runs several.
     * Keep the values few: each distinct value makes new time series.
     *
     * @param key the tag's key
     * @param value its value
     * @return this builder
     */
    public Builder tag(String key, String value) {
      Objects.requireNonNull(key, "key");
      Objects.requireNonNull(value, "value");
      tags = tags.and(key, value);
      return this;
    }

    /**
     * Adds tags to every meter.
     *
     * @param tags the tags
     * @return this builder
     */
    public Builder tags(Iterable<Tag> tags) {
      Objects.requireNonNull(tags, "tags");
      this.tags = this.tags.and(tags);
      return this;
    }

    /**
     * Whether the operation duration and the token usage publish histogram buckets at the OpenTelemetry
     * conventions' boundaries (14 each: 0.01 s to 81.92 s, 1 to 67,108,864 tokens), as service-level objectives.
     * On by default; each bucket is a time series per tag combination (in a {@code SimpleMeterRegistry}, a
     * {@code .histogram} gauge tagged {@code le}), so turn them off where series are dear. Registry-wide
     * distribution settings ({@code MeterFilter}s) still apply either way.
     *
     * @param publish whether to publish the buckets
     * @return this builder
     */
    public Builder histogramBuckets(boolean publish) {
      this.buckets = publish;
      return this;
    }

    /**
     * Builds the listener. Meters are registered as events first need them, not now.
     *
     * @return the listener
     */
    public RalexMetrics build() {
      return new RalexMetrics(this);
    }
  }
}
