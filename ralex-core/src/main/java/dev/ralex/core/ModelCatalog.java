package dev.ralex.core;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ralex.api.Capability;
import dev.ralex.api.ConfigurationException;
import dev.ralex.api.ErrorDetails;
import dev.ralex.api.ModelInfo;
import dev.ralex.api.ModelTier;
import dev.ralex.api.Pricing;
import dev.ralex.api.UnknownModelException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The models Ralex knows: limits, prices, tiers and capabilities, keyed by model id, with a default model.
 * Immutable and thread-safe.
 *
 * <p>{@link #bundled()} is the catalog shipped in the jar (current Anthropic models and popular OpenRouter
 * models, each price with its source and date). Extend or override it with {@link #withModels} or {@link
 * #withModelsFrom(Path)}: a model with an id already present replaces it.
 *
 * <p>The file format is JSON: {@code {"defaultModel": "...", "models": [{"id": ..., "contextWindow": ...,
 * "maxOutputTokens": ..., "tier": "cheap|balanced|strong", "capabilities": [...], "pricing": {"inputPerMTok":
 * "1.00", ...}}]}}, prices as decimal strings; see the bundled {@code dev/ralex/core/catalog.json}.
 */
public final class ModelCatalog {
  private static final String BUNDLED = "catalog.json";
  private static final ObjectMapper MAPPER = new ObjectMapper()
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
      .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

  private final Map<String, ModelInfo> models;
  private final String defaultModel;
  // True only for catalogs read from a file that names a default model, so that merging such a file keeps the
  // base catalog's default unless the file asks to change it.
  private final boolean declaredDefault;

  private ModelCatalog(Map<String, ModelInfo> models, String defaultModel) {
    this(models, defaultModel, false);
  }

  private ModelCatalog(Map<String, ModelInfo> models, String defaultModel, boolean declaredDefault) {
    this.models = Collections.unmodifiableMap(models);
    this.defaultModel = defaultModel;
    this.declaredDefault = declaredDefault;
    if (defaultModel != null && !models.containsKey(defaultModel)) {
      throw new ConfigurationException(
          "the catalog's default model '" + defaultModel + "' is not in the catalog; known: " + models.keySet());
    }
  }

  /** The catalog shipped with Ralex. */
  public static ModelCatalog bundled() {
    return Bundled.INSTANCE;
  }

  /** A catalog of exactly these models, with the first as the default. */
  public static ModelCatalog of(Collection<ModelInfo> models) {
    Objects.requireNonNull(models, "models");
    Map<String, ModelInfo> map = new LinkedHashMap<>();
    for (ModelInfo m : models) {
      Objects.requireNonNull(m, "model");
      if (map.put(m.id(), m) != null) {
        throw new ConfigurationException("the catalog lists model '" + m.id() + "' twice");
      }
    }
    return new ModelCatalog(map, map.isEmpty() ? null : map.keySet().iterator().next());
  }

  /** A catalog read from a JSON file in the catalog format. */
  public static ModelCatalog fromFile(Path file) {
    Objects.requireNonNull(file, "file");
    try (InputStream in = Files.newInputStream(file)) {
      return parse(in, file.toString());
    } catch (IOException e) {
      throw new ConfigurationException("cannot read model catalog " + file + ": " + e.getMessage(),
          ErrorDetails.NONE, e);
    }
  }

  /** This catalog with {@code models} added; a model whose id is already present replaces the old entry. */
  public ModelCatalog withModels(Collection<ModelInfo> models) {
    Objects.requireNonNull(models, "models");
    Map<String, ModelInfo> map = new LinkedHashMap<>(this.models);
    for (ModelInfo m : models) {
      map.put(Objects.requireNonNull(m, "model").id(), m);
    }
    return new ModelCatalog(map, defaultModel != null ? defaultModel
        : map.isEmpty() ? null : map.keySet().iterator().next());
  }

  /** This catalog extended and overridden by the models of a catalog file; the file's default wins if set. */
  public ModelCatalog withModelsFrom(Path file) {
    ModelCatalog other = fromFile(file);
    ModelCatalog merged = withModels(other.models.values());
    return other.declaredDefault ? merged.withDefaultModel(other.defaultModel) : merged;
  }

  /** This catalog with another default model, which must be in it. */
  public ModelCatalog withDefaultModel(String modelId) {
    require(modelId);
    return new ModelCatalog(new LinkedHashMap<>(models), modelId);
  }

  /** Every model, in catalog order. */
  public List<ModelInfo> models() {
    return List.copyOf(models.values());
  }

  /** The model with this id, if known. */
  public Optional<ModelInfo> find(String modelId) {
    return Optional.ofNullable(models.get(Objects.requireNonNull(modelId, "modelId")));
  }

  /**
   * The model with this id.
   *
   * @throws UnknownModelException listing the known ids if there is none
   */
  public ModelInfo require(String modelId) {
    ModelInfo model = models.get(Objects.requireNonNull(modelId, "modelId"));
    if (model == null) {
      throw new UnknownModelException(modelId, new ArrayList<>(models.keySet()));
    }
    return model;
  }

  /** The default model, used when neither the request nor the selector names one; empty for an empty catalog. */
  public Optional<ModelInfo> defaultModel() {
    return defaultModel == null ? Optional.empty() : Optional.of(models.get(defaultModel));
  }

  @Override
  public String toString() {
    return "ModelCatalog[" + models.size() + " models, default " + defaultModel + "]";
  }

  static ModelCatalog parse(InputStream in, String source) {
    CatalogFile file;
    try {
      file = MAPPER.readValue(in, CatalogFile.class);
    } catch (JacksonException e) {
      JsonLocation loc = e.getLocation();
      String where = loc == null ? "" : " line " + loc.getLineNr() + ", column " + loc.getColumnNr();
      throw new ConfigurationException("invalid model catalog " + source + where + ": " + e.getOriginalMessage(),
          ErrorDetails.NONE, e);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read model catalog " + source, e);
    }
    if (file == null || file.models == null) {
      throw new ConfigurationException("model catalog " + source + " has no 'models' list");
    }
    Map<String, ModelInfo> map = new LinkedHashMap<>();
    for (ModelEntry entry : file.models) {
      ModelInfo model;
      try {
        model = entry.toModelInfo();
      } catch (IllegalArgumentException | NullPointerException e) {
        throw new ConfigurationException("invalid model in catalog " + source + ": " + e.getMessage(),
            ErrorDetails.NONE, e);
      }
      if (map.put(model.id(), model) != null) {
        throw new ConfigurationException("catalog " + source + " lists model '" + model.id() + "' twice");
      }
    }
    String defaultId = file.defaultModel != null ? file.defaultModel
        : map.isEmpty() ? null : map.keySet().iterator().next();
    return new ModelCatalog(map, defaultId, file.defaultModel != null);
  }

  private static final class Bundled {
    static final ModelCatalog INSTANCE = load();

    private static ModelCatalog load() {
      try (InputStream in = ModelCatalog.class.getResourceAsStream(BUNDLED)) {
        if (in == null) {
          throw new IllegalStateException("the bundled model catalog is missing from the jar");
        }
        return parse(in, "bundled " + BUNDLED);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  /** The catalog file's top level. */
  static final class CatalogFile {
    @JsonProperty("defaultModel")
    String defaultModel;

    @JsonProperty("models")
    List<ModelEntry> models;
  }

  /** One model of a catalog file. */
  static final class ModelEntry {
    @JsonProperty(value = "id", required = true)
    String id;

    @JsonProperty("provider")
    String provider;

    @JsonProperty("providerModelId")
    String providerModelId;

    @JsonProperty("displayName")
    String displayName;

    @JsonProperty(value = "contextWindow", required = true)
    int contextWindow;

    @JsonProperty(value = "maxOutputTokens", required = true)
    int maxOutputTokens;

    @JsonProperty(value = "tier", required = true)
    String tier;

    @JsonProperty("capabilities")
    List<String> capabilities = List.of();

    @JsonProperty(value = "pricing", required = true)
    PricingEntry pricing;

    ModelInfo toModelInfo() {
      Objects.requireNonNull(id, "id");
      ModelInfo.Builder b = ModelInfo.builder(id)
          .displayName(displayName)
          .contextWindow(contextWindow)
          .maxOutputTokens(maxOutputTokens)
          .tier(enumValue(ModelTier.class, tier, "tier of " + id))
          .pricing(Objects.requireNonNull(pricing, "pricing of " + id).toPricing(id));
      for (String c : capabilities) {
        b.capabilities(enumValue(Capability.class, c, "capability of " + id));
      }
      ModelInfo model = b.build();
      if (provider != null && !provider.equals(model.provider())) {
        throw new IllegalArgumentException(
            "model " + id + " declares provider '" + provider + "' but its id names '" + model.provider() + "'");
      }
      if (providerModelId != null && !providerModelId.equals(model.providerModelId())) {
        throw new IllegalArgumentException("model " + id + " declares providerModelId '" + providerModelId
            + "' but its id names '" + model.providerModelId() + "'");
      }
      return model;
    }
  }

  /** A model's prices in a catalog file. */
  static final class PricingEntry {
    final BigDecimal input;
    final BigDecimal output;
    final BigDecimal cacheRead;
    final BigDecimal cacheWrite;
    final String source;
    final LocalDate asOf;

    @JsonCreator
    PricingEntry(
        @JsonProperty(value = "inputPerMTok", required = true) BigDecimal input,
        @JsonProperty(value = "outputPerMTok", required = true) BigDecimal output,
        @JsonProperty("cacheReadPerMTok") BigDecimal cacheRead,
        @JsonProperty("cacheWritePerMTok") BigDecimal cacheWrite,
        @JsonProperty(value = "source", required = true) String source,
        @JsonProperty(value = "asOf", required = true) String asOf) {
      this.input = input;
      this.output = output;
      this.cacheRead = cacheRead == null ? BigDecimal.ZERO : cacheRead;
      this.cacheWrite = cacheWrite == null ? BigDecimal.ZERO : cacheWrite;
      this.source = source;
      this.asOf = LocalDate.parse(asOf);
    }

    Pricing toPricing(String id) {
      return new Pricing(input, output, cacheRead, cacheWrite, source, asOf);
    }
  }

  static <E extends Enum<E>> E enumValue(Class<E> type, String value, String what) {
    Objects.requireNonNull(value, what);
    try {
      return Enum.valueOf(type, value.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      List<String> allowed = new ArrayList<>();
      for (E constant : type.getEnumConstants()) {
        allowed.add(constant.name().toLowerCase(Locale.ROOT));
      }
      throw new IllegalArgumentException(what + " must be one of " + allowed + " but was '" + value + "'", e);
    }
  }
}
