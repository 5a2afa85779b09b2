package dev.ralex.providers.openrouter;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * OpenRouter's routing options for one request: a fallback list of models and preferences over the upstream
 * providers that serve them. Attach them to a request as a typed option; {@link OpenRouterProvider} reads them,
 * other providers ignore them. Immutable and thread-safe.
 *
 * <pre>{@code
 * ChatRequest request = ChatRequest.builder()
 *     .addUserMessage("Hello")
 *     .option(OpenRouterOptions.class, OpenRouterOptions.builder()
 *         .models("meta-llama/llama-3.1-8b-instruct", "mistralai/mistral-7b-instruct")
 *         .order("deepinfra", "together")
 *         .sort(OpenRouterOptions.Sort.PRICE)
 *         .dataCollection(OpenRouterOptions.DataCollection.DENY)
 *         .build())
 *     .build();
 * }</pre>
 *
 * <p>With a {@code models} list, OpenRouter may answer with another model than the one Ralex called; it bills that
 * model, and the response's cost is what it billed. {@code ChatResponse.model()} stays the Ralex model id the
 * pipeline called (the model that answered is in the raw body's {@code model} field).
 *
 * @param models OpenRouter model ids to fall back to, in order (sent as {@code models}); empty for none
 * @param order upstream provider slugs to try first, in order ({@code provider.order}); empty for none
 * @param allowFallbacks whether other upstream providers may serve the request when the preferred ones fail
 *     ({@code provider.allow_fallbacks}); {@code null} for OpenRouter's default (true)
 * @param only the upstream provider slugs allowed to serve the request ({@code provider.only}); empty for any
 * @param ignore upstream provider slugs never to use ({@code provider.ignore}); empty for none
 * @param sort how to rank upstream providers ({@code provider.sort}); {@code null} for OpenRouter's load balancing
 * @param maxPrice the most to pay per million tokens ({@code provider.max_price}); {@code null} for no cap
 * @param dataCollection whether upstream providers that store or train on data may be used ({@code
 *     provider.data_collection}); {@code null} for the account's setting
 */
public record OpenRouterOptions(
    List<String> models,
    List<String> order,
    Boolean allowFallbacks,
    List<String> only,
    List<String> ignore,
    Sort sort,
    MaxPrice maxPrice,
    DataCollection dataCollection) {

  /** No options: OpenRouter's defaults. */
  public static final OpenRouterOptions NONE =
      new OpenRouterOptions(List.of(), List.of(), null, List.of(), List.of(), null, null, null);

  /** Validates the options: lists non-null, without null or blank entries. */
  public OpenRouterOptions {
    models = copy(models, "models");
    order = copy(order, "order");
    only = copy(only, "only");
    ignore = copy(ignore, "ignore");
  }

  /** How OpenRouter ranks the upstream providers of a model. */
  public enum Sort {
    /** Cheapest first. */
    PRICE,
    /** Highest tokens per second first. */
    THROUGHPUT,
    /** Lowest time to first token first. */
    LATENCY;

    /** The value on the wire, such as {@code price}. */
    public String wireValue() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** Whether upstream providers that store data or train on it may serve the request. */
  public enum DataCollection {
    /** They may (OpenRouter's default). */
    ALLOW,
    /** Only providers that do not collect user data. */
    DENY;

    /** The value on the wire, such as {@code deny}. */
    public String wireValue() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /**
   * A price cap in US dollars per million tokens; OpenRouter uses only upstream providers at or below it.
   *
   * @param prompt the most per million prompt tokens, or {@code null} for no cap on prompt tokens
   * @param completion the most per million completion tokens, or {@code null} for no cap on completion tokens
   */
  public record MaxPrice(BigDecimal prompt, BigDecimal completion) {
    /** Validates the caps: at least one, none negative. */
    public MaxPrice {
      if (prompt == null && completion == null) {
        throw new IllegalArgumentException("a max price needs a prompt or a completion cap");
      }
      if ((prompt != null && prompt.signum() < 0) || (completion != null && completion.signum() < 0)) {
        throw new IllegalArgumentException("max prices must not be negative");
      }
    }
  }

  /** Whether these options set anything in OpenRouter's {@code provider} object. */
  boolean hasProviderPreferences() {
    return !order.isEmpty() || allowFallbacks != null || !only.isEmpty() || !ignore.isEmpty() || sort != null
        || maxPrice != null || dataCollection != null;
  }

  /** A new builder with nothing set. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding these options. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.models.addAll(models);
    b.order.addAll(order);
    b.allowFallbacks = allowFallbacks;
    b.only.addAll(only);
    b.ignore.addAll(ignore);
    b.sort = sort;
    b.maxPrice = maxPrice;
    b.dataCollection = dataCollection;
    return b;
  }

  private static List<String> copy(List<String> list, String name) {
    Objects.requireNonNull(list, name);
    for (int i = 0; i < list.size(); i++) {
      String s = list.get(i);
      if (s == null || s.isBlank()) {
        throw new IllegalArgumentException(name + "[" + i + "] is null or blank");
      }
    }
    return List.copyOf(list);
  }

  /** Builds {@link OpenRouterOptions}; not thread-safe. */
  public static final class Builder {
    private final List<String> models = new ArrayList<>();
    private final List<String> order = new ArrayList<>();
    private Boolean allowFallbacks;
    private final List<String> only = new ArrayList<>();
    private final List<String> ignore = new ArrayList<>();
    private Sort sort;
    private MaxPrice maxPrice;
    private DataCollection dataCollection;

    private Builder() {}

    /** Sets the fallback models, OpenRouter ids in order, such as {@code mistralai/mistral-7b-instruct}. */
    public Builder models(String... models) {
      this.models.clear();
      this.models.addAll(List.of(models));
      return this;
    }

    /** Sets the upstream providers to try first, in order, such as {@code deepinfra}. */
    public Builder order(String... providers) {
      this.order.clear();
      this.order.addAll(List.of(providers));
      return this;
    }

    /** Sets whether other upstream providers may serve the request; {@code null} for the default. */
    public Builder allowFallbacks(Boolean allow) {
      this.allowFallbacks = allow;
      return this;
    }

    /** Restricts the request to these upstream providers. */
    public Builder only(String... providers) {
      this.only.clear();
      this.only.addAll(List.of(providers));
      return this;
    }

    /** Excludes these upstream providers. */
    public Builder ignore(String... providers) {
      this.ignore.clear();
      this.ignore.addAll(List.of(providers));
      return this;
    }

    /** Sets how upstream providers are ranked; {@code null} for OpenRouter's load balancing. */
    public Builder sort(Sort sort) {
      this.sort = sort;
      return this;
    }

    /** Caps the price per million tokens; {@code null} for no cap. */
    public Builder maxPrice(MaxPrice maxPrice) {
      this.maxPrice = maxPrice;
      return this;
    }

    /** Sets the data-collection policy; {@code null} for the account's setting. */
    public Builder dataCollection(DataCollection dataCollection) {
      this.dataCollection = dataCollection;
      return this;
    }

    /**
     * Builds the options.
     *
     * @throws IllegalArgumentException if a list has a blank entry
     * @throws NullPointerException if a list has a null entry
     */
    public OpenRouterOptions build() {
      return new OpenRouterOptions(models, order, allowFallbacks, only, ignore, sort, maxPrice, dataCollection);
    }
  }
}
