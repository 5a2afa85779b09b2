package dev.ralex.api;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A model's answer and what it took: the content, the model and provider that answered, the tokens billed,
 * the cost, the latency, and how many attempts and which models Ralex tried. Immutable and thread-safe.
 */
public final class ChatResponse {
  private final String id;
  private final String callId;
  private final List<ContentBlock> content;
  private final String model;
  private final String provider;
  private final Usage usage;
  private final StopReason stopReason;
  private final Duration latency;
  private final BigDecimal cost;
  private final String providerRequestId;
  private final int attempts;
  private final List<String> modelsTried;
  private final Duration waited;
  private final boolean fromCache;
  private final RateLimitInfo rateLimits;
  private final String rawBody;
  private final String providerModel;

  private ChatResponse(Builder b) {
    this.id = Objects.requireNonNull(b.id, "id");
    this.callId = Objects.requireNonNull(b.callId, "callId");
    this.content = Checks.copyOf(b.content, "content");
    this.model = Checks.notBlank(b.model, "model");
    this.provider = Checks.notBlank(b.provider, "provider");
    this.usage = Objects.requireNonNull(b.usage, "usage");
    this.stopReason = Objects.requireNonNull(b.stopReason, "stopReason");
    this.latency = Objects.requireNonNull(b.latency, "latency");
    if (latency.isNegative()) {
      throw new IllegalArgumentException("latency must not be negative but was " + latency);
    }
    this.cost = Objects.requireNonNull(b.cost, "cost");
    if (cost.signum() < 0) {
      throw new IllegalArgumentException("cost must not be negative but was " + cost);
    }
    this.providerRequestId = b.providerRequestId;
    this.attempts = Checks.positive(b.attempts, "attempts");
    this.modelsTried = b.modelsTried == null ? List.of(model) : Checks.copyOf(b.modelsTried, "modelsTried");
    if (modelsTried.isEmpty() || !modelsTried.get(modelsTried.size() - 1).equals(model)) {
      throw new IllegalArgumentException("modelsTried must end with the answering model " + model
          + " but was " + modelsTried);
    }
    this.waited = Objects.requireNonNull(b.waited, "waited");
    this.fromCache = b.fromCache;
    if (waited.isNegative()) {
      throw new IllegalArgumentException("waited must not be negative but was " + waited);
    }
    this.rateLimits = b.rateLimits;
    this.rawBody = b.rawBody;
    this.providerModel = b.providerModel;
  }

  /** A new builder; {@link Builder#build()} names any required field left unset. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding this response's values. */
  public Builder toBuilder() {
    return new Builder(this);
  }

  /** The provider's id of the message, such as {@code msg_013Zva2CMHLNnXjNJJKqJ2EF}; may be empty. */
  public String id() {
    return id;
  }

  /**
   * Ralex's id of the call that produced this response, the key for feedback given later; empty when the
   * response did not pass through Ralex's pipeline.
   */
  public String callId() {
    return callId;
  }

  /** The answer's blocks, in order; may be empty (for example when the model stopped at once). */
  public List<ContentBlock> content() {
    return content;
  }

  /** The concatenated text of the answer's text blocks. */
  public String text() {
    StringBuilder sb = new StringBuilder();
    for (ContentBlock block : content) {
      if (block instanceof TextBlock t) {
        sb.append(t.text());
      }
    }
    return sb.toString();
  }

  /** The tool calls in the answer, in order. */
  public List<ToolUseBlock> toolUses() {
    List<ToolUseBlock> uses = new ArrayList<>();
    for (ContentBlock block : content) {
      if (block instanceof ToolUseBlock u) {
        uses.add(u);
      }
    }
    return uses;
  }

  /** The answer as an assistant message, to append to the conversation; requires non-empty content. */
  public Message toMessage() {
    return new Message(Role.ASSISTANT, content);
  }

  /** The id of the model that answered, such as {@code anthropic/claude-haiku-4-5}. */
  public String model() {
    return model;
  }

  /** The id of the provider that answered. */
  public String provider() {
    return provider;
  }

  /** The tokens billed for the answering attempt. */
  public Usage usage() {
    return usage;
  }

  /** Why the model stopped. */
  public StopReason stopReason() {
    return stopReason;
  }

  /** From the start of the call (selection included) to the end of the answer. */
  public Duration latency() {
    return latency;
  }

  /** What the answering attempt cost, in US dollars. */
  public BigDecimal cost() {
    return cost;
  }

  /** The provider's id of the HTTP request, for support tickets; empty if the provider gave none. */
  public Optional<String> providerRequestId() {
    return Optional.ofNullable(providerRequestId);
  }

  /** How many attempts the call took, retries and fallbacks included; 1 when the first attempt succeeded. */
  public int attempts() {
    return attempts;
  }

  /** The ids of the models tried, in order, ending with {@link #model()}. */
  public List<String> modelsTried() {
    return modelsTried;
  }

  /**
   * How long the call waited in all, included in {@link #latency()}: backoff before retries and waits for
   * rate-limit permits; zero when nothing held it back.
   */
  public Duration waited() {
    return waited;
  }

  /**
   * Whether the answer came from Ralex's response cache rather than a model: then {@link #cost()} is zero (nothing
   * was billed) and the usage, model and attempts are those of the call that made the answer.
   */
  public boolean fromCache() {
    return fromCache;
  }

  /**
   * The provider's own name of the model that produced the answer, as the provider reported it, such as {@code
   * claude-haiku-4-5-20251001} or, when OpenRouter routed the request to a fallback, that fallback's name; empty
   * when the provider did not say. {@link #model()} stays the Ralex model id that was called.
   */
  public Optional<String> providerModel() {
    return Optional.ofNullable(providerModel);
  }

  /** What the response's headers said about the provider's rate limits; empty when they said nothing. */
  public Optional<RateLimitInfo> rateLimits() {
    return Optional.ofNullable(rateLimits);
  }

  /**
   * The provider's response body as received, for fields Ralex does not map; empty for streamed responses and
   * for providers that do not keep it.
   */
  public Optional<String> rawBody() {
    return Optional.ofNullable(rawBody);
  }

  /**
   * Compares the answer and its accounting; not {@link #rawBody()} or {@link #rateLimits()}, which describe the
   * transport, so a streamed response equals the blocking response for the same content.
   */
  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof ChatResponse)) {
      return false;
    }
    ChatResponse that = (ChatResponse) o;
    return id.equals(that.id)
        && callId.equals(that.callId)
        && content.equals(that.content)
        && model.equals(that.model)
        && provider.equals(that.provider)
        && usage.equals(that.usage)
        && stopReason.equals(that.stopReason)
        && latency.equals(that.latency)
        && cost.compareTo(that.cost) == 0
        && Objects.equals(providerRequestId, that.providerRequestId)
        && attempts == that.attempts
        && modelsTried.equals(that.modelsTried)
        && waited.equals(that.waited)
        && fromCache == that.fromCache
        && Objects.equals(providerModel, that.providerModel);
  }

  @Override
  public int hashCode() {
    return Objects.hash(id, callId, content, model, provider, usage, stopReason);
  }

  /** Describes the response without its text, so that completions stay out of logs. */
  @Override
  public String toString() {
    return "ChatResponse[model=" + model + ", stopReason=" + stopReason + ", usage=" + usage
        + ", cost=" + cost.toPlainString() + ", latency=" + latency.toMillis() + "ms"
        + ", attempts=" + attempts + (fromCache ? ", fromCache" : "") + ", content=" + content + "]";
  }

  /** Builds a {@link ChatResponse}; not thread-safe. */
  public static final class Builder {
    private String id = "";
    private String callId = "";
    private List<ContentBlock> content = List.of();
    private String model;
    private String provider;
    private Usage usage = Usage.ZERO;
    private StopReason stopReason = StopReason.END_TURN;
    private Duration latency = Duration.ZERO;
    private BigDecimal cost = BigDecimal.ZERO;
    private String providerRequestId;
    private int attempts = 1;
    private List<String> modelsTried;
    private Duration waited = Duration.ZERO;
    private boolean fromCache;
    private RateLimitInfo rateLimits;
    private String rawBody;
    private String providerModel;

    private Builder() {}

    private Builder(ChatResponse r) {
      id = r.id;
      callId = r.callId;
      content = r.content;
      model = r.model;
      provider = r.provider;
      usage = r.usage;
      stopReason = r.stopReason;
      latency = r.latency;
      cost = r.cost;
      providerRequestId = r.providerRequestId;
      attempts = r.attempts;
      // A one-model history is the default, so a copy that changes the model keeps it consistent.
      modelsTried = r.modelsTried.size() == 1 ? null : r.modelsTried;
      waited = r.waited;
      fromCache = r.fromCache;
      rateLimits = r.rateLimits;
      rawBody = r.rawBody;
      providerModel = r.providerModel;
    }

    /** Sets the provider's message id; defaults to empty. */
    public Builder id(String id) {
      this.id = id;
      return this;
    }

    /** Sets Ralex's call id; set by the pipeline. */
    public Builder callId(String callId) {
      this.callId = callId;
      return this;
    }

    /** Sets the content blocks. */
    public Builder content(List<ContentBlock> content) {
      this.content = content;
      return this;
    }

    /** Sets the id of the model that answered. Required. */
    public Builder model(String model) {
      this.model = model;
      return this;
    }

    /** Sets the id of the provider that answered. Required. */
    public Builder provider(String provider) {
      this.provider = provider;
      return this;
    }

    /** Sets the tokens billed; defaults to {@link Usage#ZERO}. */
    public Builder usage(Usage usage) {
      this.usage = usage;
      return this;
    }

    /** Sets the stop reason; defaults to {@link StopReason#END_TURN}. */
    public Builder stopReason(StopReason stopReason) {
      this.stopReason = stopReason;
      return this;
    }

    /** Sets the latency; defaults to zero. */
    public Builder latency(Duration latency) {
      this.latency = latency;
      return this;
    }

    /** Sets the cost in dollars; defaults to zero (the pipeline prices the usage). */
    public Builder cost(BigDecimal cost) {
      this.cost = cost;
      return this;
    }

    /** Sets the provider's HTTP request id; {@code null} for none. */
    public Builder providerRequestId(String providerRequestId) {
      this.providerRequestId = providerRequestId;
      return this;
    }

    /** Sets the number of attempts; defaults to 1. */
    public Builder attempts(int attempts) {
      this.attempts = attempts;
      return this;
    }

    /** Sets the models tried in order, ending with the answering model; defaults to just that model. */
    public Builder modelsTried(List<String> modelsTried) {
      this.modelsTried = modelsTried;
      return this;
    }

    /** Marks the answer as served from the response cache; defaults to false. */
    public Builder fromCache(boolean fromCache) {
      this.fromCache = fromCache;
      return this;
    }

    /** Sets how long the call waited for retries and rate-limit permits; defaults to zero. */
    public Builder waited(Duration waited) {
      this.waited = waited;
      return this;
    }

    /** Sets the rate-limit information of the response's headers; {@code null} for none. */
    public Builder rateLimits(RateLimitInfo rateLimits) {
      this.rateLimits = rateLimits;
      return this;
    }

    /** Sets the provider's name of the model that answered; {@code null} when unknown. */
    public Builder providerModel(String providerModel) {
      this.providerModel = providerModel;
      return this;
    }

    /** Sets the raw response body; {@code null} for none. */
    public Builder rawBody(String rawBody) {
      this.rawBody = rawBody;
      return this;
    }

    /**
     * Validates and builds the response.
     *
     * @throws NullPointerException naming a required field left unset
     */
    public ChatResponse build() {
      return new ChatResponse(this);
    }
  }
}
