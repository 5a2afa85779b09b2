package dev.ralex.api;

import java.util.Collection;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/**
 * What Ralex knows about one model: its id, the provider that serves it, its limits, prices, tier and
 * capabilities. Immutable and thread-safe; build one with {@link #builder(String)}.
 *
 * <p>A model id is the provider's id, a slash, and the provider's own name for the model, such as {@code
 * anthropic/claude-haiku-4-5} or {@code openrouter/meta-llama/llama-3.1-8b-instruct}.
 */
public final class ModelInfo {
  private final String id;
  private final String provider;
  private final String providerModelId;
  private final String displayName;
  private final int contextWindow;
  private final int maxOutputTokens;
  private final Pricing pricing;
  private final ModelTier tier;
  private final Set<Capability> capabilities;

  private ModelInfo(Builder b) {
    this.id = Checks.notBlank(b.id, "id");
    int slash = id.indexOf('/');
    if (slash <= 0 || slash == id.length() - 1) {
      throw new IllegalArgumentException(
          "model id must be '<provider>/<model>', such as 'anthropic/claude-haiku-4-5', but was '" + id + "'");
    }
    this.provider = id.substring(0, slash);
    this.providerModelId = id.substring(slash + 1);
    this.displayName = b.displayName != null ? b.displayName : providerModelId;
    this.contextWindow = Checks.positive(b.contextWindow, "contextWindow of " + id);
    this.maxOutputTokens = Checks.positive(b.maxOutputTokens, "maxOutputTokens of " + id);
    if (maxOutputTokens > contextWindow) {
      throw new IllegalArgumentException(
          "maxOutputTokens of " + id + " (" + maxOutputTokens + ") exceeds its context window (" + contextWindow + ")");
    }
    this.pricing = Objects.requireNonNull(b.pricing, "pricing of " + id);
    this.tier = Objects.requireNonNull(b.tier, "tier of " + id);
    this.capabilities = Collections.unmodifiableSet(
        b.capabilities.isEmpty() ? EnumSet.noneOf(Capability.class) : EnumSet.copyOf(b.capabilities));
  }

  /** A builder for the model with this id. */
  public static Builder builder(String id) {
    return new Builder(id);
  }

  /** A builder holding this model's values. */
  public Builder toBuilder() {
    return new Builder(id)
        .displayName(displayName)
        .contextWindow(contextWindow)
        .maxOutputTokens(maxOutputTokens)
        .pricing(pricing)
        .tier(tier)
        .capabilities(capabilities);
  }

  /** The model's id, such as {@code anthropic/claude-haiku-4-5}. */
  public String id() {
    return id;
  }

  /** The id of the provider that serves the model: the part of {@link #id()} before the first slash. */
  public String provider() {
    return provider;
  }

  /** The provider's own name for the model: the part of {@link #id()} after the first slash. */
  public String providerModelId() {
    return providerModelId;
  }

  /** A name for people, such as {@code Claude Haiku 4.5}. */
  public String displayName() {
    return displayName;
  }

  /** The most tokens of input and output together the model can attend to. */
  public int contextWindow() {
    return contextWindow;
  }

  /** The most tokens the model can generate in one response. */
  public int maxOutputTokens() {
    return maxOutputTokens;
  }

  /** The model's prices. */
  public Pricing pricing() {
    return pricing;
  }

  /** The model's tier. */
  public ModelTier tier() {
    return tier;
  }

  /** What the model can do. */
  public Set<Capability> capabilities() {
    return capabilities;
  }

  /** Whether the model has {@code capability}. */
  public boolean has(Capability capability) {
    return capabilities.contains(capability);
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof ModelInfo)) {
      return false;
    }
    ModelInfo that = (ModelInfo) o;
    return id.equals(that.id)
        && displayName.equals(that.displayName)
        && contextWindow == that.contextWindow
        && maxOutputTokens == that.maxOutputTokens
        && pricing.equals(that.pricing)
        && tier == that.tier
        && capabilities.equals(that.capabilities);
  }

  @Override
  public int hashCode() {
    return id.hashCode();
  }

  @Override
  public String toString() {
    return id;
  }

  /** Builds a {@link ModelInfo}; not thread-safe. */
  public static final class Builder {
    private final String id;
    private String displayName;
    private int contextWindow;
    private int maxOutputTokens;
    private Pricing pricing;
    private ModelTier tier = ModelTier.BALANCED;
    private final Set<Capability> capabilities = EnumSet.noneOf(Capability.class);

    private Builder(String id) {
      this.id = id;
    }

    /** Sets the name for people; defaults to the provider's model id. */
    public Builder displayName(String displayName) {
      this.displayName = displayName;
      return this;
    }

    /** Sets the context window in tokens. Required. */
    public Builder contextWindow(int contextWindow) {
      this.contextWindow = contextWindow;
      return this;
    }

    /** Sets the output limit in tokens. Required. */
    public Builder maxOutputTokens(int maxOutputTokens) {
      this.maxOutputTokens = maxOutputTokens;
      return this;
    }

    /** Sets the prices. Required. */
    public Builder pricing(Pricing pricing) {
      this.pricing = pricing;
      return this;
    }

    /** Sets the tier; defaults to {@link ModelTier#BALANCED}. */
    public Builder tier(ModelTier tier) {
      this.tier = tier;
      return this;
    }

    /** Replaces the capabilities. */
    public Builder capabilities(Collection<Capability> capabilities) {
      Objects.requireNonNull(capabilities, "capabilities");
      this.capabilities.clear();
      for (Capability c : capabilities) {
        this.capabilities.add(Objects.requireNonNull(c, "capability"));
      }
      return this;
    }

    /** Adds capabilities. */
    public Builder capabilities(Capability... capabilities) {
      for (Capability c : capabilities) {
        this.capabilities.add(Objects.requireNonNull(c, "capability"));
      }
      return this;
    }

    /**
     * Validates and builds the model.
     *
     * @throws IllegalArgumentException naming the model and the first invalid field
     */
    public ModelInfo build() {
      return new ModelInfo(this);
    }
  }
}
