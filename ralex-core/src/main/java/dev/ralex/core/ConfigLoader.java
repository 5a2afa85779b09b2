package dev.ralex.core;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.core.io.ContentReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.InvalidNullException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import dev.ralex.api.ConfigurationException;
import dev.ralex.api.ErrorDetails;
import dev.ralex.api.ModelSelector;
import dev.ralex.api.ModelSelectorFactory;
import dev.ralex.api.ModelTier;
import dev.ralex.api.SelectorConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.math.BigDecimal;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.PatternSyntaxException;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;

/**
 * Reads a Ralex configuration file into a {@link Ralex.Builder}, for {@link Ralex#fromConfig(Path)}.
 *
 * <h2>Format</h2>
 *
 * <p>YAML ({@code .yaml}, {@code .yml}) or JSON ({@code .json}), chosen by the file's extension. Every key is
 * optional except {@code providers}, which must name at least one provider:
 *
 * <pre>{@code
 * defaultModel: anthropic/claude-haiku-4-5
 * fallbackModels: [anthropic/claude-sonnet-4-6]
 * defaultMaxOutputTokens: 1024
 * debug: false
 * timeZone: Europe/Berlin            # budget day/month boundaries, and the usage journal's days
 * providers:                         # id -> settings map, passed as ProviderConfig to the ServiceLoader factory with that id
 *   anthropic:
 *     apiKey: ${ANTHROPIC_API_KEY}
 *     baseUrl: https://api.anthropic.com
 * catalog:
 *   file: extra-models.json          # resolved relative to the config file's directory; extends/overrides the bundled catalog
 * budgets:
 *   - period: daily                  # daily | monthly
 *     limit: "5.00"                  # US dollars: a number or a string, plain decimal notation
 *     scope: global                  # global | tag:key=value | tag:key=* | conversation:<id> | conversation:*
 *     alertThreshold: 80%            # when the alert fires: a fraction (0.8) or a percentage (80%); default 0.8
 *   - period: daily
 *     limit: "0.50"
 *     scope: conversation:*          # each conversation apart, with a cap of its own
 *   - period: monthly
 *     limit: 20
 *     scope: tag:user=*              # each value of the tag 'user' apart, with a cap of its own
 * rateLimits:
 *   - scope: anthropic               # provider id or model id
 *     requestsPerMinute: 50          # per window
 *     tokensPerMinute: 40000         # per window
 *     window: 1m                     # the period the allowances are for
 *     onLimit: wait                  # wait | fail_fast | queue
 *     maxWait: 30s                   # durations: 500ms, 30s, 2m, 1h or ISO-8601 (PT30S)
 *   - scope: anthropic               # the same scope again, with another window
 *     tokensPerMinute: 2000000
 *     window: 24h
 * adaptiveRateLimits: true           # learn from the providers' rate-limit headers
 * retry:
 *   maxRetries: 3
 *   baseDelay: 1s
 *   maxDelay: 16s
 *   maxRetryAfter: 60s
 *   deadline: 5m
 * circuitBreaker:
 *   enabled: true
 *   failureRateThreshold: 50         # percent
 *   slowCallRateThreshold: 100       # percent
 *   slowCallDuration: 2m
 *   slidingWindowSize: 20
 *   minimumCalls: 10
 *   waitInOpenState: 30s
 *   probeCalls: 3
 * escalateOnFailure: false
 * usageStore:
 *   type: journal                    # memory | journal
 *   directory: usage                 # journal only, required; resolved relative to the config file's directory
 *   flush: each                      # journal only: each | group
 * selector:
 *   type: rules                      # rules | scoring | a ModelSelectorFactory's type (linucb); without the
 *                                    # section, the request's model, else the default
 *   replaceDefaultRules: false       # rules only: true drops the default keyword rules
 *   rules:                           # rules only; after the default rules unless those are dropped
 *     - name: docs
 *       keywords: [readme, docstring]  # whole words, any case; a rule has keywords or regex, not both
 *       tier: cheap                  # cheap | balanced | strong
 *     - name: security
 *       regex: "\bCVE-\d+"         # found anywhere, in any case
 *       tier: strong
 *   speedKeywords: [yolo, urgent]    # rules only: replaces the defaults; [] turns the speed rule off
 *   phases: {planning: strong, implementation: cheap, review: balanced}   # rules only
 *   budgetTiers: {anyAbove: 40%, cheapestBelow: 10%}                      # rules only
 *   defaultMaxOutputTokens: 4096     # rules only
 *   reducedMaxOutputTokens: 1024     # rules only
 *   # type: scoring takes instead:
 *   # weights: {capability: 0.4, cost: 0.3, latency: 0.15, success: 0.15}
 *   # defaultOutputTokens: 4096
 *   # type: linucb (dev.ralex:ralex-bandit on the class path) takes its factory's keys instead:
 *   # alpha: 1.5
 *   # stateFile: linucb-state.json   # resolved relative to the config file's directory
 * }</pre>
 *
 * <p>The same in JSON: {@code {"defaultModel": "anthropic/claude-haiku-4-5", "providers": {"anthropic":
 * {"apiKey": "${ANTHROPIC_API_KEY}"}}, "budgets": [{"period": "daily", "limit": "5.00"}], "rateLimits": [{"scope":
 * "anthropic", "requestsPerMinute": 50, "window": "1m"}], "circuitBreaker": {"failureRateThreshold": 50},
 * "usageStore": {"type": "journal", "directory": "usage"}, ...}}; in JSON too an alert threshold may be a number
 * ({@code 0.8}) or a string ({@code "0.8"}, {@code "80%"}).
 *
 * <h2>Keys</h2>
 *
 * <ul>
 *   <li>{@code defaultModel}: the model used when neither the request nor the selector names one. Default: the
 *       catalog's default if its provider is configured, else the first model served.
 *   <li>{@code fallbackModels}: the models to fall back to, in order, when the chosen one fails.
 *   <li>{@code defaultMaxOutputTokens}: output tokens to ask for when a request sets none; at least 1. Default
 *       4096.
 *   <li>{@code debug}: log a one-line summary of every call at INFO. Default false.
 *   <li>{@code timeZone}: the zone in which budget days and months start, such as {@code Europe/Berlin},
 *       {@code UTC} or {@code +02:00}, and the usage journal's days too. Default: the system's.
 *   <li>{@code providers}: provider id to settings. Each entry creates the provider whose {@code
 *       LlmProviderFactory} (found with {@link java.util.ServiceLoader}) has that id, from the settings as a
 *       {@code ProviderConfig}; settings the map leaves out fall back to the provider's environment variables
 *       (such as {@code ANTHROPIC_API_KEY}). Values may be strings, numbers or booleans and reach the provider
 *       as their text; a provider with no settings ({@code anthropic:} alone) is configured from the
 *       environment.
 *   <li>{@code catalog.file}: a model catalog file (JSON, the format of {@link ModelCatalog}) whose models
 *       extend the bundled catalog, replacing models with the same id. A relative path is resolved against the
 *       configuration file's directory.
 *   <li>{@code budgets}: hard spending caps. {@code period} ({@code daily} or {@code monthly}) and {@code limit}
 *       (dollars, at least 0, written as {@code 5}, {@code 5.00} or {@code "5.00"}; never read through a
 *       binary floating point) are required. {@code scope} defaults to {@code global}; {@code tag:key=value}
 *       covers the calls with that tag value and {@code conversation:<id>} the calls of one conversation, while
 *       the templates {@code conversation:*} ({@link Budget#perConversation}) and {@code tag:key=*} ({@link
 *       Budget#perTag}) give each conversation, or each value of the tag, a cap of its own, including those not
 *       seen yet; a budget for one conversation or tag value replaces the template's for it. {@code
 *       alertThreshold} is the share of the limit at which committed spend raises a budget alert, once per
 *       period ({@link Budget#alertThreshold()}): greater than 0 and at most 1, written as a fraction ({@code
 *       0.8}, {@code "0.8"}) or a percentage with its sign ({@code 80%}, {@code 12.5%}), plain decimal notation,
 *       never read through a binary floating point. Default 0.8. At most one budget per period and scope; a
 *       template is a scope of its own, so {@code conversation:*} and {@code conversation:c-42} may both be set.
 *   <li>{@code rateLimits}: client-side limits per provider or model ({@link RateLimit}). {@code scope} is
 *       required, and at least one of {@code requestsPerMinute} and {@code tokensPerMinute} must be above 0 (0 or
 *       absent: no limit of that kind); despite their names, they are the allowances per {@code window}, which
 *       defaults to 1m and must be at least 1ms. {@code onLimit} is {@code wait} (the default: wait in arrival
 *       order up to {@code maxWait}, default 30s, then fail), {@code fail_fast} (fail at once) or {@code queue}
 *       (wait in arrival order however long, until the call's deadline; {@code maxWait} does not apply). At most
 *       one limit per scope and window: a scope may have, say, a limit per minute and another per day.
 *   <li>{@code adaptiveRateLimits}: whether the rate limiter learns from the providers' rate-limit headers and
 *       {@code retry-after} ({@link Ralex.Builder#adaptiveRateLimits}). Default true.
 *   <li>{@code retry}: the retry policy; each key left out keeps its default (3 retries, 1s base delay, 16s
 *       maximum delay, server hints up to 60s honoured, 5m deadline per call).
 *   <li>{@code circuitBreaker}: the circuit breaker kept per model ({@link CircuitBreakerPolicy}); each key left
 *       out keeps its default. {@code enabled: false} turns circuit breaking off (the other keys are still
 *       checked). {@code failureRateThreshold} (default 50) and {@code slowCallRateThreshold} (default 100) are
 *       percentages above 0 and at most 100; {@code slowCallDuration} (default 2m) is when an attempt counts as
 *       slow; {@code slidingWindowSize} (default 20) how many of the latest attempts are counted, and {@code
 *       minimumCalls} (default 10) how many must be before a circuit can open; {@code waitInOpenState} (default
 *       30s, at least 1ms) how long an open circuit refuses attempts before {@code probeCalls} (default 3) probe
 *       attempts decide whether it closes.
 *   <li>{@code escalateOnFailure}: whether a call whose models all failed escalates to a stronger model
 *       ({@link Ralex.Builder#escalateOnFailure}). Default false.
 *   <li>{@code usageStore}: where billed attempts are kept ({@link UsageStore}, {@link
 *       Ralex.Builder#usageStore}). {@code type} is required: {@code memory} ({@link UsageStore#inMemory(ZoneId)},
 *       lost when the process ends) or {@code journal} (a durable journal, {@link UsageStore#journalBuilder},
 *       from which budgets are rebuilt at start). A journal needs {@code directory}, created if missing and, if
 *       relative, resolved against the configuration file's directory; {@code flush} is {@code each} (the
 *       default: every record forced to disk on its own, {@link UsageStore.FlushPolicy#FLUSH_EACH}) or {@code
 *       group} (concurrent appends share flushes, {@link UsageStore.FlushPolicy#GROUP_COMMIT}). {@code
 *       directory} and {@code flush} are errors with {@code type: memory}. The store's days start in {@code
 *       timeZone}. The journal is opened, and its directory locked, when the file is loaded, so a directory in
 *       use or holding a corrupt journal is reported then; the {@link Ralex} built closes it, and so does a
 *       {@link Ralex.Builder#build()} that fails. Default: none, spend is kept in memory only and lost when the
 *       process ends.
 *   <li>{@code selector}: the model selector ({@link Ralex.Builder#selector}). {@code type} is required, in any
 *       case: {@code rules} ({@link RuleBasedSelector}), {@code scoring} ({@link ScoringSelector}), or the {@link
 *       dev.ralex.api.ModelSelectorFactory#type() type} of a selector factory found with {@link
 *       java.util.ServiceLoader} in the thread's context class loader, such as {@code linucb} when {@code
 *       dev.ralex:ralex-bandit} is on the class path; an unknown type's message lists the types available. The
 *       keys of another type are errors. Default: none, the request's model, else the default model, then {@code
 *       fallbackModels}.
 *       <ul>
 *         <li>{@code rules}: starts from the default rules, phases and budget tiers of {@link
 *             RuleBasedSelector#builder()}. {@code replaceDefaultRules: true} drops the default keyword rules
 *             ({@link RuleBasedSelector.Builder#clearRules()}); the speed keywords and phases stay. Each entry of
 *             {@code rules} needs {@code name} (shown in the selection's reason), {@code tier} ({@code cheap},
 *             {@code balanced} or {@code strong}) and exactly one of {@code keywords} (at least one word or
 *             phrase, matched whole and in any case) and {@code regex} (a Java regular expression, found anywhere
 *             in the last user message, in any case); the rules are added in file order, and the strongest tier
 *             among those that match wins. {@code speedKeywords} replaces the speed keywords ({@code []} turns the
 *             speed rule off). {@code phases} maps values of the {@code phase} tag (case-insensitive, so two that
 *             differ only in case are an error) to tiers, adding to or replacing the default phases. {@code
 *             budgetTiers} needs both {@code anyAbove} and {@code cheapestBelow}, shares of the budget left from 0
 *             to 1, written like an alert threshold ({@code 0.4} or {@code 40%}), with {@code cheapestBelow} at
 *             most {@code anyAbove}. {@code defaultMaxOutputTokens} (default: the top-level {@code
 *             defaultMaxOutputTokens}, else 4096) is the output the selector assumes for context fit and prices
 *             when a request sets none; {@code reducedMaxOutputTokens} (default 1024) the output the speed rule and
 *             the lowest budget tier cap a call at.
 *         <li>{@code scoring}: {@code weights} of {@code capability} (default 0.3), {@code cost} (0.3), {@code
 *             latency} (0.1) and {@code success} (0.3), each at least 0 in plain decimal notation, at least one
 *             above 0, scaled to sum to 1; a weight left out keeps its default. {@code defaultOutputTokens}
 *             (default: the top-level {@code defaultMaxOutputTokens}, else 4096) is the output expected when a
 *             request sets none.
 *         <li>a factory's type: the section's other keys are passed to {@link
 *             dev.ralex.api.ModelSelectorFactory#create} as a {@link SelectorConfig}, each a string, number or
 *             boolean as its text (a key with no value is left out; a map or a list is an error), with the
 *             configuration file's directory to resolve relative paths against. The factory checks them; its
 *             errors name the key ({@code selector.alpha}) and are reported at the key's line. The keys of {@code
 *             rules} and {@code scoring} are reserved. A selector that implements {@link AutoCloseable} is closed
 *             by the {@link Ralex} built ({@link Ralex#close()}), which is when {@code linucb} saves its {@code
 *             stateFile}.
 *       </ul>
 *       The same settings can be kept in a file of their own, read with {@link RuleBasedSelector#fromConfig(Path)}
 *       or {@link ScoringSelector#fromConfig(Path)}: a YAML or JSON file holding what would be under {@code
 *       selector:}, with {@code type} optional (if given, it must match), variables substituted as here, and the
 *       same errors, whose key paths then start at the file's top level ({@code rules[1].regex}). The top-level
 *       {@code defaultMaxOutputTokens} does not apply there.
 * </ul>
 *
 * <p>Durations are written {@code 500ms}, {@code 30s}, {@code 2m}, {@code 1h} or in ISO-8601 ({@code PT30S}).
 * Booleans are {@code true}/{@code false} (also {@code yes}/{@code no}, {@code on}/{@code off}, {@code 1}/{@code
 * 0}). Whole numbers may also be given as strings, and so may percentages, which are written in plain decimal
 * notation ({@code 50}, {@code 12.5}); an alert threshold is a fraction or a percentage with its sign, as above. A
 * key with no value ({@code retry:} alone, or {@code null}) counts as absent. Keys are case-sensitive; an unknown
 * key is an error, so a typo never silently drops a setting.
 *
 * <h2>Environment variables</h2>
 *
 * <p>In every string value, {@code ${NAME}} is replaced by the environment variable {@code NAME} (an error if it
 * is not set), and {@code ${NAME:-default}} by the variable, or by {@code default} if it is unset or empty. The
 * default cannot contain <code>}</code> or another reference. <code>$${</code> writes a literal <code>${</code>; any
 * other {@code $} is literal. Substituted text is not scanned again, and keys are never substituted. In YAML a
 * value that is only a reference needs no quotes. A substituted value can stand for a number, boolean or
 * duration ({@code maxRetries: ${RETRIES:-3}}).
 *
 * <p>After the file, these variables override it (a blank variable counts as unset):
 *
 * <ul>
 *   <li>{@code RALEX_MODEL}: the default model.
 *   <li>{@code RALEX_DAILY_BUDGET}, {@code RALEX_MONTHLY_BUDGET}: a global daily or monthly budget in dollars,
 *       replacing the limit of the file's global budget of that period if it has one (its {@code alertThreshold}
 *       stays), else adding one with the default threshold.
 *   <li>{@code RALEX_DEBUG}: {@code true}/{@code 1}/{@code yes}/{@code on} turns debug logging on, {@code
 *       false}/{@code 0}/{@code no}/{@code off} turns it off.
 * </ul>
 *
 * <h2>Errors</h2>
 *
 * <p>Every problem is a {@link ConfigurationException} naming the file, the line and column, and the key path
 * (such as {@code retry.maxRetries}, {@code circuitBreaker.minimumCalls} or {@code budgets[1].limit}; for a
 * regular expression that does not compile, {@code selector.rules[1].regex}, with the rule's name); an
 * unknown key's message lists the keys allowed where it stands. Messages never contain a configured value (it may
 * be a key, or come from the environment), only what the value must be. The file must be at most 1 MiB, hold one
 * YAML document or JSON value, repeat no key, nest at most 64 levels, and use no YAML aliases ({@code *name}).
 *
 * <p>Problems that need the providers themselves (an unknown provider id, a default model no configured
 * provider serves, a rate limit on an unknown scope) are reported by {@link Ralex.Builder#build()}.
 */
final class ConfigLoader {
  /** The largest file read; a configuration file is small, and the bound keeps a wrong path from costing much. */
  static final int MAX_FILE_BYTES = 1 << 20;

  /** Overrides the file's default model. */
  static final String RALEX_MODEL = "RALEX_MODEL";

  /** Sets the global daily budget, in dollars, replacing the file's. */
  static final String RALEX_DAILY_BUDGET = "RALEX_DAILY_BUDGET";

  /** Sets the global monthly budget, in dollars, replacing the file's. */
  static final String RALEX_MONTHLY_BUDGET = "RALEX_MONTHLY_BUDGET";

  /** Turns debug logging on or off, whatever the file says. */
  static final String RALEX_DEBUG = "RALEX_DEBUG";

  // Generous for a configuration file, tight against hostile input. YAMLParser enforces the nesting depth but not
  // the string length, so the file-size bound above is what bounds YAML strings.
  private static final StreamReadConstraints LIMITS = StreamReadConstraints.builder()
      .maxNestingDepth(64)
      .maxStringLength(MAX_FILE_BYTES)
      .maxDocumentLength(MAX_FILE_BYTES)
      .maxNameLength(1_000)
      .maxNumberLength(100)
      .build();

  private static final JsonFactory JSON = JsonFactory.builder()
      .streamReadConstraints(LIMITS)
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .build();

  // EMPTY_STRING_AS_NULL: in YAML "key:" with nothing after it is null, not "", as the YAML spec has it; so an
  // empty key counts as absent, and "anthropic:" alone configures a provider from the environment.
  private static final YAMLFactory YAML = YAMLFactory.builder()
      .enable(YAMLParser.Feature.EMPTY_STRING_AS_NULL)
      .loaderOptions(yamlLoaderOptions())
      .streamReadConstraints(LIMITS)
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .build();

  // Binds from a parser, so the mapper's own factory never reads; one mapper serves both formats. Scalars all go
  // through ConfigFile's deserializers; these features guard what remains (structure, nulls, unknown keys).
  private static final ObjectMapper MAPPER = JsonMapper.builder(JSON)
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
      .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
      .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
      .build();

  private final Path file;
  private final Function<String, String> environment;
  private ConfigEnvParser parser;

  private ConfigLoader(Path file, Function<String, String> environment) {
    this.file = file;
    this.environment = environment;
  }

  private static LoaderOptions yamlLoaderOptions() {
    LoaderOptions options = new LoaderOptions();
    options.setCodePointLimit(MAX_FILE_BYTES);
    options.setNestingDepthLimit(64);
    options.setMaxAliasesForCollections(0);
    options.setAllowRecursiveKeys(false);
    return options;
  }

  /**
   * Reads the configuration file, then applies the environment overrides.
   *
   * @param file a {@code .yaml}, {@code .yml} or {@code .json} file in the format above
   * @param environment where {@code ${NAME}} references and the {@code RALEX_*} overrides are looked up; also
   *     set as the builder's {@link Ralex.Builder#environment environment}, for the providers' fallbacks
   * @return a builder configured from the file; {@link Ralex.Builder#build()} may still find problems that need
   *     the providers. With a {@code usageStore} section the builder holds the store, open: build it (which
   *     closes the store if it fails), so that a journal's directory does not stay locked
   * @throws ConfigurationException naming the file, line, column and key of the first problem
   */
  static Ralex.Builder load(Path file, Function<String, String> environment) {
    Objects.requireNonNull(file, "file");
    Objects.requireNonNull(environment, "environment");
    ConfigLoader loader = new ConfigLoader(file, environment);
    return loader.toBuilder(loader.parse(factoryFor(file), read(file), ConfigFile.class,
        "it needs at least 'providers', such as:\nproviders:\n  anthropic:\n    apiKey: ${ANTHROPIC_API_KEY}"));
  }

  /**
   * Reads a selector file holding the keys of a {@code selector} section for {@code type: rules}, for {@link
   * RuleBasedSelector#fromConfig(Path)}. {@code type} may be left out; if given, it must be {@code rules}.
   *
   * @param file a {@code .yaml}, {@code .yml} or {@code .json} file
   * @param environment where {@code ${NAME}} references are looked up
   * @throws ConfigurationException naming the file, line, column and key of the first problem
   */
  static RuleBasedSelector ruleBasedSelector(Path file, Function<String, String> environment) {
    ConfigLoader loader = new ConfigLoader(file, environment);
    return loader.rules(loader.selectorFile(ConfigFile.SelectorSection.Type.RULES), "", null);
  }

  /**
   * Reads a selector file holding the keys of a {@code selector} section for {@code type: scoring}, for {@link
   * ScoringSelector#fromConfig(Path)}. {@code type} may be left out; if given, it must be {@code scoring}.
   *
   * @param file a {@code .yaml}, {@code .yml} or {@code .json} file
   * @param environment where {@code ${NAME}} references are looked up
   * @throws ConfigurationException naming the file, line, column and key of the first problem
   */
  static ScoringSelector scoringSelector(Path file, Function<String, String> environment) {
    ConfigLoader loader = new ConfigLoader(file, environment);
    return loader.scoring(loader.selectorFile(ConfigFile.SelectorSection.Type.SCORING), "", null);
  }

  /** The selector file's content, whose {@code type}, if given, must be {@code expected}. */
  private ConfigFile.SelectorSection selectorFile(ConfigFile.SelectorSection.Type expected) {
    Objects.requireNonNull(file, "file");
    Objects.requireNonNull(environment, "environment");
    String name = expected == ConfigFile.SelectorSection.Type.RULES ? "rules" : "scoring";
    ConfigFile.SelectorSection section = parse(factoryFor(file), read(file), ConfigFile.SelectorSection.class,
        "it needs the settings of a selector, such as:\ntype: " + name);
    if (section.type != null && ConfigValues.builtinSelectorType(section.type) != expected) {
      String reader = expected == ConfigFile.SelectorSection.Type.RULES ? "RuleBasedSelector" : "ScoringSelector";
      throw error(parser.locationOf("type"), "'type' must be " + name + " in a file read by " + reader
          + ".fromConfig; remove it, or read the file with the other selector's fromConfig");
    }
    refuseOthers(section, "");
    return section;
  }

  private static JsonFactory factoryFor(Path file) {
    Path name = file.getFileName();
    String n = name == null ? "" : name.toString().toLowerCase(Locale.ROOT);
    if (n.endsWith(".yaml") || n.endsWith(".yml")) {
      return YAML;
    }
    if (n.endsWith(".json")) {
      return JSON;
    }
    throw new ConfigurationException("configuration file " + file
        + " has an unsupported extension: name it .yaml, .yml or .json");
  }

  private static byte[] read(Path file) {
    if (Files.isDirectory(file)) {
      throw new ConfigurationException("configuration file " + file + " is a directory");
    }
    try (InputStream in = Files.newInputStream(file)) {
      // Reads one byte past the limit rather than trusting Files.size(), which a growing file or a FIFO defeats.
      byte[] content = in.readNBytes(MAX_FILE_BYTES + 1);
      if (content.length > MAX_FILE_BYTES) {
        throw new ConfigurationException("configuration file " + file + " is larger than " + (MAX_FILE_BYTES >> 20)
            + " MiB; is it the right file?");
      }
      return content;
    } catch (NoSuchFileException e) {
      throw new ConfigurationException("configuration file " + file + " does not exist", ErrorDetails.NONE, e);
    } catch (AccessDeniedException e) {
      throw new ConfigurationException("configuration file " + file + " cannot be read: permission denied",
          ErrorDetails.NONE, e);
    } catch (IOException e) {
      throw new ConfigurationException("configuration file " + file + " cannot be read: " + e, ErrorDetails.NONE, e);
    }
  }

  /**
   * Binds the file's content to {@code type}.
   *
   * @param empty what to say after "is empty; " when the file holds nothing
   */
  private <T> T parse(JsonFactory factory, byte[] content, Class<T> type, String empty) {
    try {
      parser = new ConfigEnvParser(factory.createParser(content), environment);
    } catch (IOException e) {
      throw new ConfigurationException("configuration file " + file + " cannot be read: " + e, ErrorDetails.NONE, e);
    }
    // Closed only after translating a failure: closing a parser clears its current token, which the messages use.
    try {
      JsonToken first = parser.nextToken();
      if (first == null || first == JsonToken.VALUE_NULL) {
        throw new ConfigurationException("configuration file " + file + " is empty; " + empty);
      }
      T config = MAPPER.readValue(parser, type);
      if (parser.nextToken() != null) {
        throw error(parser.currentTokenLocation(), "holds more than one "
            + (factory == YAML ? "YAML document" : "JSON value") + "; a configuration file holds one map of settings");
      }
      return config;
    } catch (JsonProcessingException e) {
      // Jackson's messages are not passed on, nor Jackson's exceptions as causes: they may quote a value.
      throw translate(e, factory == YAML ? "YAML" : "JSON");
    } catch (IOException e) {
      throw new ConfigurationException("configuration file " + file + " cannot be read: " + e, ErrorDetails.NONE, e);
    } finally {
      try {
        parser.close();
      } catch (IOException ignored) {
        // The parser reads from memory; closing it releases buffers and cannot meaningfully fail.
      }
    }
  }

  private ConfigurationException translate(JsonProcessingException e, String format) {
    ConfigProblem problem = causeOfType(e, ConfigProblem.class);
    if (problem != null) {
      return error(problem.getLocation(), subject(problem.keyPath()) + " " + problem.problem());
    }
    // Databind wraps a syntax error met inside a map or list in a mapping exception; the syntax error is the news.
    JsonProcessingException syntax = causeOfType(e, StreamReadException.class);
    if (syntax == null) {
      syntax = causeOfType(e, StreamConstraintsException.class);
    }
    if (syntax != null) {
      return syntaxError(syntax, format);
    }
    if (e instanceof UnrecognizedPropertyException) {
      return unknownKey((UnrecognizedPropertyException) e);
    }
    if (e instanceof JsonMappingException) {
      JsonMappingException m = (JsonMappingException) e;
      String path = pathOf(m.getPath());
      if (m instanceof InvalidNullException) {
        return error(m.getLocation(), subject(path) + " must not be empty (null)");
      }
      if (m instanceof MismatchedInputException) {
        Class<?> target = ((MismatchedInputException) m).getTargetType();
        return error(m.getLocation(), subject(path) + " must be " + expected(target) + found());
      }
      // Not expected from ConfigFile's types; said without Jackson's message, which may quote the value.
      return error(m.getLocation(), subject(path) + " is invalid");
    }
    return syntaxError(e, format);
  }

  private ConfigurationException syntaxError(JsonProcessingException e, String format) {
    JsonLocation location = e.getLocation();
    String path = currentPathOrEmpty();
    String problem;
    String original = e.getOriginalMessage() == null ? "" : e.getOriginalMessage();
    if (e instanceof StreamConstraintsException) {
      problem = original;
    } else if (original.startsWith("Duplicate field '")) {
      // STRICT_DUPLICATE_DETECTION's message; the parser's context already names the repeated key.
      return error(location, subject(path) + " appears twice; keep one");
    } else if (ConfigValues.looksSecret(path)) {
      // The parser's description can quote the malformed text, and the key says that text is a secret.
      problem = "the value of '" + path + "' is malformed";
    } else if (causeOfType(e, MarkedYAMLException.class) != null) {
      // SnakeYAML's problem alone: the full message shows a snippet of the file, which can hold a secret. Its
      // marks count from 0, and point at the problem rather than at where Jackson stopped.
      MarkedYAMLException y = causeOfType(e, MarkedYAMLException.class);
      problem = y.getProblem() != null ? y.getProblem() : y.getContext();
      Mark mark = y.getProblemMark() != null ? y.getProblemMark() : y.getContextMark();
      if (mark != null) {
        location = new JsonLocation(ContentReference.unknown(), mark.getIndex(), mark.getLine() + 1,
            mark.getColumn() + 1);
      }
    } else {
      // Jackson's nested locations say where the source is hidden; the file is named already.
      problem = original.replaceAll("\\[Source: [^;\\]]*; ", "[");
    }
    return error(location, "invalid " + format + ": " + problem
        + (path.isEmpty() || problem.contains("'" + path + "'") ? "" : " (at '" + path + "')"));
  }

  private String currentPathOrEmpty() {
    try {
      return ConfigProblem.pathOf(parser);
    } catch (RuntimeException e) {
      return "";
    }
  }

  private ConfigurationException unknownKey(UnrecognizedPropertyException e) {
    List<JsonMappingException.Reference> refs = e.getPath();
    String key = pathOf(refs);
    String parent = pathOf(refs.subList(0, Math.max(0, refs.size() - 1)));
    Set<String> known = new TreeSet<>();
    Collection<Object> ids = e.getKnownPropertyIds();
    if (ids != null) {
      ids.forEach(id -> known.add(String.valueOf(id)));
    }
    // The key's own position; Jackson's is where the parser stopped, past the key.
    JsonLocation location = parser.locationOf(key) != null ? parser.locationOf(key) : e.getLocation();
    return error(location, unknownKeyMessage(key, e.getPropertyName(), parent, known));
  }

  /**
   * "unknown key 'selector.rulez' (did you mean 'rules'?); the keys allowed in 'selector' are ...".
   *
   * @param keyPath the unknown key's path
   * @param name the unknown key itself
   * @param parent the path of the map it stands in; {@code ""} for the top level
   * @param known the keys allowed there
   */
  private static String unknownKeyMessage(String keyPath, String name, String parent, Set<String> known) {
    String suggestion = closest(name, known);
    return "unknown key '" + keyPath + "'" + (suggestion == null ? "" : " (did you mean '" + suggestion + "'?)")
        + "; the keys allowed " + (parent.isEmpty() ? "at the top level" : "in '" + parent + "'") + " are "
        + String.join(", ", known);
  }

  /** The known key nearest to a misspelt one: equal but for case, or at most two edits away. */
  private static String closest(String key, Set<String> known) {
    if (key == null) {
      return null;
    }
    String best = null;
    int bestDistance = 3;
    for (String k : known) {
      int d = k.equalsIgnoreCase(key) ? 0 : editDistance(k.toLowerCase(Locale.ROOT), key.toLowerCase(Locale.ROOT));
      if (d < bestDistance) {
        best = k;
        bestDistance = d;
      }
    }
    return best;
  }

  private static int editDistance(String a, String b) {
    int[] previous = new int[b.length() + 1];
    int[] current = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      previous[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      current[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
      }
      int[] swap = previous;
      previous = current;
      current = swap;
    }
    return previous[b.length()];
  }

  /** A path in the notation of {@link ConfigProblem#pathOf}, from Jackson's path references. */
  private static String pathOf(List<JsonMappingException.Reference> refs) {
    StringBuilder path = new StringBuilder();
    for (JsonMappingException.Reference ref : refs) {
      if (ref.getFieldName() != null) {
        if (path.length() > 0) {
          path.append('.');
        }
        path.append(ref.getFieldName());
      } else if (ref.getIndex() >= 0) {
        path.append('[').append(ref.getIndex()).append(']');
      }
    }
    return path.toString();
  }

  private static String expected(Class<?> type) {
    if (type == null) {
      return "something else";
    }
    if (type == ConfigFile.class) {
      return "a map of settings";
    }
    if (Map.class.isAssignableFrom(type)) {
      return "a map";
    }
    if (Collection.class.isAssignableFrom(type)) {
      return "a list";
    }
    if (type == String.class) {
      return "a string";
    }
    if (type.getEnclosingClass() == ConfigFile.class) {
      return "a map with the keys " + String.join(", ", keysOf(type));
    }
    return "a " + type.getSimpleName();
  }

  /** The keys of a section of the file: the {@code @JsonProperty} names of its class, sorted. */
  private static Set<String> keysOf(Class<?> section) {
    Set<String> keys = new TreeSet<>();
    for (Field f : section.getDeclaredFields()) {
      JsonProperty p = f.getAnnotation(JsonProperty.class);
      if (p != null) {
        keys.add(p.value());
      }
    }
    return keys;
  }

  /** What the parser stopped at, which is what did not match: ", not a list". */
  private String found() {
    JsonToken token = parser.currentToken();
    return token == null || token == JsonToken.VALUE_NULL ? "" : ", not " + ConfigProblem.describe(token);
  }

  private static <T extends Throwable> T causeOfType(Throwable t, Class<T> type) {
    for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
      if (type.isInstance(c)) {
        return type.cast(c);
      }
    }
    return null;
  }

  private Ralex.Builder toBuilder(ConfigFile config) {
    Ralex.Builder builder = Ralex.builder().environment(environment);
    if (config.providers == null || config.providers.isEmpty()) {
      throw error(parser.locationOf("providers"), "no provider is configured: add one under 'providers', such as:"
          + "\nproviders:\n  anthropic:\n    apiKey: ${ANTHROPIC_API_KEY}");
    }
    for (Map.Entry<String, Map<String, String>> provider : config.providers.entrySet()) {
      if (provider.getKey().isBlank()) {
        throw error(parser.locationOf("providers"), "'providers' has a blank provider id");
      }
      builder.provider(provider.getKey(), provider.getValue());
    }
    if (config.defaultModel != null) {
      builder.defaultModel(config.defaultModel);
    }
    if (config.fallbackModels != null) {
      builder.fallbackModels(config.fallbackModels.toArray(new String[0]));
    }
    if (config.defaultMaxOutputTokens != null) {
      builder.defaultMaxOutputTokens(config.defaultMaxOutputTokens);
    }
    if (config.debug != null) {
      builder.debug(config.debug);
    }
    if (config.timeZone != null) {
      builder.zone(config.timeZone);
    }
    if (config.catalog != null) {
      builder.catalog(catalog(config.catalog));
    }
    Map<List<Object>, Budget> budgets = budgets(config.budgets);
    rateLimits(config.rateLimits).forEach(builder::rateLimit);
    if (config.adaptiveRateLimits != null) {
      builder.adaptiveRateLimits(config.adaptiveRateLimits);
    }
    if (config.retry != null) {
      builder.retryPolicy(retryPolicy(config.retry));
    }
    if (config.circuitBreaker != null) {
      builder.circuitBreaker(circuitBreaker(config.circuitBreaker));
    }
    if (config.escalateOnFailure != null) {
      builder.escalateOnFailure(config.escalateOnFailure);
    }
    if (config.selector != null) {
      builder.selector(selector(config.selector, config.defaultMaxOutputTokens));
    }
    applyOverrides(builder, budgets);
    budgets.values().forEach(builder::budget);
    if (config.usageStore != null) {
      // Last, once everything else is known to be valid: a journal holds its directory's lock from here on.
      ZoneId zone = config.timeZone != null ? config.timeZone : ZoneId.systemDefault();
      builder.usageStore(usageStore(config.usageStore, zone));
    }
    return builder;
  }

  private ModelCatalog catalog(ConfigFile.Catalog section) {
    if (section.file == null) {
      throw error(parser.locationOf("catalog"), "'catalog' needs 'file', the path of a model catalog file");
    }
    Path catalogFile;
    try {
      // toAbsolutePath() first: a bare "ralex.yaml" has no parent, but lives in the working directory.
      catalogFile = file.toAbsolutePath().resolveSibling(section.file);
    } catch (InvalidPathException e) {
      throw error(parser.locationOf("catalog.file"), "'catalog.file' must be a file path");
    }
    try {
      return ModelCatalog.bundled().withModelsFrom(catalogFile);
    } catch (ConfigurationException | UncheckedIOException e) {
      Set<String> variables = parser.variablesAt("catalog.file");
      if (variables.isEmpty()) {
        return rethrow(error(parser.locationOf("catalog.file"), "'catalog.file': " + e.getMessage(), e));
      }
      // The path came from the environment: keep it out of the message, and drop the cause that shows it.
      String message = e.getMessage() == null ? "" : e.getMessage().replace(catalogFile.toString(), "the catalog");
      return rethrow(error(parser.locationOf("catalog.file"), "'catalog.file' (from ${"
          + String.join("}, ${", variables) + "}): " + message));
    }
  }

  /**
   * The store the {@code usageStore} section describes, open; its days start in {@code zone}, the zone of the
   * budgets, so that compacted totals stay exact for every budget period.
   */
  private UsageStore usageStore(ConfigFile.UsageStoreSection section, ZoneId zone) {
    require("usageStore", "type", section.type, ConfigValues.USAGE_STORE_TYPE_DESCRIPTION);
    if (section.type == ConfigFile.UsageStoreSection.Type.MEMORY) {
      // Settings a memory store would ignore are refused, as unknown keys are: the file meant something else.
      onlyWithType("usageStore", "directory", "journal", section.directory);
      onlyWithType("usageStore", "flush", "journal", section.flush);
      return UsageStore.inMemory(zone);
    }
    require("usageStore", "directory", section.directory, "the directory of the journal, created if missing");
    Path directory;
    try {
      // As catalog.file: relative to the configuration file's directory, which toAbsolutePath() gives a bare name.
      directory = file.toAbsolutePath().resolveSibling(section.directory).normalize();
    } catch (InvalidPathException e) {
      throw error(parser.locationOf("usageStore.directory"), "'usageStore.directory' must be a directory path");
    }
    UsageStore.FlushPolicy flush = section.flush != null ? section.flush : UsageStore.FlushPolicy.FLUSH_EACH;
    try {
      return UsageStore.journalBuilder(directory).flushPolicy(flush).zone(zone).build();
    } catch (UsageStoreException | UncheckedIOException e) {
      Set<String> variables = parser.variablesAt("usageStore.directory");
      if (variables.isEmpty()) {
        return rethrow(error(parser.locationOf("usageStore.directory"), "'usageStore.directory': " + e.getMessage(),
            e));
      }
      // The path came from the environment: keep it out of the message, and drop the cause that shows it.
      String message = e.getMessage() == null ? ""
          : e.getMessage().replace(directory.toString(), "the usage store directory");
      return rethrow(error(parser.locationOf("usageStore.directory"), "'usageStore.directory' (from ${"
          + String.join("}, ${", variables) + "}): " + message));
    }
  }

  /** Refuses a key set in a section whose {@code type} is not {@code type}: the file meant something else. */
  private void onlyWithType(String section, String key, String type, Object value) {
    if (value != null) {
      String path = at(section, key);
      throw error(parser.locationOf(path), "'" + path + "' applies only to type: " + type + "; remove it, or set "
          + "type: " + type);
    }
  }

  /** The key path of {@code key} in the section at {@code section}; a standalone selector file's is {@code ""}. */
  private static String at(String section, String key) {
    return section.isEmpty() ? key : section + "." + key;
  }

  /**
   * The selector the {@code selector} section describes; {@code defaultMaxOutputTokens}, the file's top-level
   * setting ({@code null} if absent), is the output it assumes unless the section sets its own.
   */
  private ModelSelector selector(ConfigFile.SelectorSection section, Integer defaultMaxOutputTokens) {
    require("selector", "type", section.type, ConfigValues.SELECTOR_TYPE_DESCRIPTION);
    ConfigFile.SelectorSection.Type builtin = ConfigValues.builtinSelectorType(section.type);
    if (builtin == null) {
      return factorySelector(section);
    }
    refuseOthers(section, "selector");
    return builtin == ConfigFile.SelectorSection.Type.RULES
        ? rules(section, "selector", defaultMaxOutputTokens)
        : scoring(section, "selector", defaultMaxOutputTokens);
  }

  /**
   * Refuses the keys of a {@code rules} or {@code scoring} section that neither declares, with the message an
   * unknown key gets anywhere else in the file. Jackson collects them rather than refusing them while binding
   * (see {@link ConfigFile.SelectorSection#others}), so the first in file order is reported here.
   */
  private void refuseOthers(ConfigFile.SelectorSection section, String path) {
    if (section.others.isEmpty()) {
      return;
    }
    String key = section.others.keySet().iterator().next();
    String keyPath = at(path, key);
    throw error(parser.locationOf(keyPath), unknownKeyMessage(keyPath, key, path,
        keysOf(ConfigFile.SelectorSection.class)));
  }

  /**
   * The selector created by the {@link ModelSelectorFactory} whose type the section names, found with {@link
   * java.util.ServiceLoader} in the thread's context class loader (as {@link Ralex.Builder#build()} finds
   * provider factories when no class loader is set); the section's other keys are its settings.
   */
  private ModelSelector factorySelector(ConfigFile.SelectorSection section) {
    // The keys of the built-in types are bound to typed fields, so a factory could not be given them as text.
    onlyWithType("selector", "replaceDefaultRules", "rules", section.replaceDefaultRules);
    onlyWithType("selector", "rules", "rules", section.rules);
    onlyWithType("selector", "speedKeywords", "rules", section.speedKeywords);
    onlyWithType("selector", "phases", "rules", section.phases);
    onlyWithType("selector", "budgetTiers", "rules", section.budgetTiers);
    onlyWithType("selector", "defaultMaxOutputTokens", "rules", section.defaultMaxOutputTokens);
    onlyWithType("selector", "reducedMaxOutputTokens", "rules", section.reducedMaxOutputTokens);
    onlyWithType("selector", "weights", "scoring", section.weights);
    onlyWithType("selector", "defaultOutputTokens", "scoring", section.defaultOutputTokens);
    Map<String, ModelSelectorFactory> factories;
    try {
      factories = ProviderRegistry.selectorFactories(Thread.currentThread().getContextClassLoader());
    } catch (ConfigurationException e) {
      throw error(parser.locationOf("selector.type"), e.getMessage(), e);
    }
    ModelSelectorFactory factory = factories.get(section.type);
    if (factory == null) {
      Set<String> types = new TreeSet<>(factories.keySet());
      types.removeAll(List.of("rules", "scoring"));
      // The value is not repeated (it may come from the environment); linucb is a known name, so it can be.
      throw error(parser.locationOf("selector.type"), "'selector.type' must be rules or scoring, or the type of a "
          + "selector factory on the class path (" + ModelSelectorFactory.class.getName() + " in META-INF/services); "
          + "the types available are rules, scoring" + (types.isEmpty() ? "" : ", " + String.join(", ", types))
          + (section.type.equals("linucb") ? "; type linucb needs the dependency dev.ralex:ralex-bandit" : ""));
    }
    Map<String, String> settings = new LinkedHashMap<>();
    for (Map.Entry<String, ConfigFile.OtherSetting> other : section.others.entrySet()) {
      String keyPath = "selector." + other.getKey();
      ConfigFile.OtherSetting value = other.getValue() != null ? other.getValue() : ConfigFile.OtherSetting.NONE;
      if (value.structure() != null) {
        throw error(parser.locationOf(keyPath), "'" + keyPath + "' must be a string, number or boolean, not "
            + value.structure() + " (a selector factory's settings are text)");
      }
      if (value.text() != null) {
        // A key with no value counts as absent, as everywhere else in the file.
        settings.put(other.getKey(), value.text());
      }
    }
    // As catalog.file: relative to the configuration file's directory, which toAbsolutePath() gives a bare name.
    SelectorConfig config = SelectorConfig.of(settings, file.toAbsolutePath().getParent(), "selector");
    // A ConfigurationException names the key, and gets the file and line here; any other failure of the
    // factory is reported as construct() reports a value type's.
    ModelSelector selector = construct("selector", () -> {
      try {
        return factory.create(config);
      } catch (ConfigurationException e) {
        throw error(locationOfKeyIn(e.getMessage(), settings.keySet()), e.getMessage(), e);
      }
    });
    if (selector == null) {
      throw error(parser.locationOf("selector.type"), "the selector factory " + factory.getClass().getName()
          + " of type " + factory.type() + " created no selector");
    }
    return selector;
  }

  /**
   * Where the key a factory's message names stands: messages made by {@link SelectorConfig} start with the key
   * path ({@code 'selector.alpha' must be ...}) or name an unknown key ({@code unknown key 'selector.x'}); else
   * where the section stands.
   */
  private JsonLocation locationOfKeyIn(String message, Set<String> keys) {
    if (message != null) {
      for (String key : keys) {
        String quoted = "'selector." + key + "'";
        if (message.startsWith(quoted) || message.startsWith("unknown key " + quoted)) {
          return parser.locationOf("selector." + key);
        }
      }
    }
    return parser.locationOf("selector");
  }

  /**
   * A {@link RuleBasedSelector} from a selector section at key path {@code path} ({@code ""} for a standalone
   * file); {@code defaultMaxOutputTokens}, if not {@code null}, applies unless the section sets its own.
   */
  private RuleBasedSelector rules(ConfigFile.SelectorSection section, String path, Integer defaultMaxOutputTokens) {
    onlyWithType(path, "weights", "scoring", section.weights);
    onlyWithType(path, "defaultOutputTokens", "scoring", section.defaultOutputTokens);
    RuleBasedSelector.Builder rules = RuleBasedSelector.builder();
    if (Boolean.TRUE.equals(section.replaceDefaultRules)) {
      rules.clearRules();
    }
    if (section.rules != null) {
      for (int i = 0; i < section.rules.size(); i++) {
        rule(rules, section.rules.get(i), at(path, "rules[" + i + "]"));
      }
    }
    if (section.speedKeywords != null) {
      rules.speedKeywords(section.speedKeywords.toArray(new String[0]));
    }
    if (section.phases != null) {
      phases(rules, section.phases, at(path, "phases"));
    }
    String tiersPath = at(path, "budgetTiers");
    if (section.budgetTiers != null) {
      require(tiersPath, "anyAbove", section.budgetTiers.anyAbove, "the share of the budget left above which any "
          + "model may be chosen: " + ConfigValues.BUDGET_SHARE_DESCRIPTION);
      require(tiersPath, "cheapestBelow", section.budgetTiers.cheapestBelow, "the share of the budget left below "
          + "which the cheapest model is chosen: " + ConfigValues.BUDGET_SHARE_DESCRIPTION);
      rules.budgetTiers(section.budgetTiers.anyAbove.doubleValue(), section.budgetTiers.cheapestBelow.doubleValue());
    }
    Integer output = section.defaultMaxOutputTokens != null ? section.defaultMaxOutputTokens : defaultMaxOutputTokens;
    if (output != null) {
      rules.defaultMaxOutputTokens(output);
    }
    if (section.reducedMaxOutputTokens != null) {
      rules.reducedMaxOutputTokens(section.reducedMaxOutputTokens);
    }
    // The token counts are positive already, so only the budget tiers' order can fail the build.
    return construct(section.budgetTiers != null ? tiersPath : path, rules::build);
  }

  private void rule(RuleBasedSelector.Builder rules, ConfigFile.RuleEntry entry, String path) {
    require(path, "name", entry.name, "a name for the rule, shown in the selection's reason");
    require(path, "tier", entry.tier, ConfigValues.TIER_DESCRIPTION);
    if (entry.keywords != null && entry.regex != null) {
      throw error(parser.locationOf(path), "'" + path + "' sets both 'keywords' and 'regex'; a rule has exactly "
          + "one: make two rules");
    }
    if (entry.keywords == null && entry.regex == null) {
      throw error(parser.locationOf(path), "'" + path + "' needs 'keywords' (a list of words, matched whole and in "
          + "any case) or 'regex' (a regular expression, found in any case)");
    }
    if (entry.keywords != null) {
      if (entry.keywords.isEmpty()) {
        String keywordsPath = path + ".keywords";
        throw error(parser.locationOf(keywordsPath), "'" + keywordsPath + "' must list at least one keyword");
      }
      rules.keywords(entry.name, entry.tier, entry.keywords.toArray(new String[0]));
      return;
    }
    String regexPath = path + ".regex";
    try {
      rules.regex(entry.name, entry.regex, entry.tier);
    } catch (PatternSyntaxException e) {
      // The rule's name and the parser's description only when none of the rule came from the environment: the
      // description can quote part of the expression.
      if (!parser.variablesAt(path).isEmpty()) {
        throw error(parser.locationOf(regexPath), "'" + regexPath + "' is not a valid regular expression; the "
            + "reason is not shown because it could reveal values substituted from ${"
            + String.join("}, ${", parser.variablesAt(path)) + "}");
      }
      throw error(parser.locationOf(regexPath), "'" + regexPath + "' (rule '" + entry.name + "') is not a valid "
          + "regular expression: " + e.getDescription() + (e.getIndex() >= 0 ? " near index " + e.getIndex() : ""));
    }
  }

  /** Adds the phases; their names are case-insensitive, so two that differ only in case are refused. */
  private void phases(RuleBasedSelector.Builder rules, Map<String, ModelTier> phases, String path) {
    Map<String, String> seen = new LinkedHashMap<>();
    for (Map.Entry<String, ModelTier> phase : phases.entrySet()) {
      String phasePath = path + "." + phase.getKey();
      if (phase.getKey().isBlank()) {
        throw error(parser.locationOf(path), "'" + path + "' has a blank phase name");
      }
      String previous = seen.putIfAbsent(phase.getKey().toLowerCase(Locale.ROOT), phasePath);
      if (previous != null) {
        throw error(parser.locationOf(phasePath), "'" + phasePath + "' is the same phase as '" + previous
            + "' (phase names are case-insensitive); keep one");
      }
      rules.phase(phase.getKey(), phase.getValue());
    }
  }

  /**
   * A {@link ScoringSelector} from a selector section at key path {@code path} ({@code ""} for a standalone
   * file); {@code defaultMaxOutputTokens}, if not {@code null}, applies unless the section sets its own.
   */
  private ScoringSelector scoring(ConfigFile.SelectorSection section, String path, Integer defaultMaxOutputTokens) {
    onlyWithType(path, "replaceDefaultRules", "rules", section.replaceDefaultRules);
    onlyWithType(path, "rules", "rules", section.rules);
    onlyWithType(path, "speedKeywords", "rules", section.speedKeywords);
    onlyWithType(path, "phases", "rules", section.phases);
    onlyWithType(path, "budgetTiers", "rules", section.budgetTiers);
    onlyWithType(path, "defaultMaxOutputTokens", "rules", section.defaultMaxOutputTokens);
    onlyWithType(path, "reducedMaxOutputTokens", "rules", section.reducedMaxOutputTokens);
    ScoringSelector.Builder scoring = ScoringSelector.builder();
    ConfigFile.Weights weights = section.weights;
    if (weights != null) {
      if (weights.capability != null) {
        scoring.capabilityWeight(weights.capability);
      }
      if (weights.cost != null) {
        scoring.costWeight(weights.cost);
      }
      if (weights.latency != null) {
        scoring.latencyWeight(weights.latency);
      }
      if (weights.success != null) {
        scoring.successWeight(weights.success);
      }
    }
    Integer output = section.defaultOutputTokens != null ? section.defaultOutputTokens : defaultMaxOutputTokens;
    if (output != null) {
      scoring.defaultOutputTokens(output);
    }
    // The weights are at least 0 and the token count positive already: only all weights at 0 can fail the build.
    return construct(weights != null ? at(path, "weights") : path, scoring::build);
  }

  private static <T> T rethrow(ConfigurationException e) {
    throw e;
  }

  /** The file's budgets, by period and scope, in file order; at most one per period and scope. */
  private Map<List<Object>, Budget> budgets(List<ConfigFile.BudgetEntry> entries) {
    Map<List<Object>, Budget> budgets = new LinkedHashMap<>();
    Map<List<Object>, String> paths = new LinkedHashMap<>();
    if (entries == null) {
      return budgets;
    }
    for (int i = 0; i < entries.size(); i++) {
      ConfigFile.BudgetEntry entry = entries.get(i);
      String path = "budgets[" + i + "]";
      require(path, "period", entry.period, ConfigValues.PERIOD_DESCRIPTION);
      require(path, "limit", entry.limit, ConfigValues.AMOUNT_DESCRIPTION);
      BudgetScope scope = entry.scope != null ? entry.scope : BudgetScope.GLOBAL;
      BigDecimal threshold = entry.alertThreshold != null ? entry.alertThreshold : Budget.DEFAULT_ALERT_THRESHOLD;
      Budget budget = construct(path, () -> new Budget(entry.period, entry.limit, scope, threshold));
      // A template is a scope of its own: "conversation:*" and "conversation:c-42" may both be set (the second
      // replaces the first for c-42), and two "conversation:*" of the same period collide like any other pair.
      List<Object> key = List.of(budget.period(), budget.scope());
      String previous = paths.putIfAbsent(key, path);
      if (previous != null) {
        // Two caps on the same calls cannot both be meant; the tighter would silently win.
        throw error(parser.locationOf(path), "'" + path + "' has the same period and scope as '" + previous
            + "'; keep one");
      }
      budgets.put(key, budget);
    }
    return budgets;
  }

  private List<RateLimit> rateLimits(List<ConfigFile.RateLimitEntry> entries) {
    List<RateLimit> limits = new ArrayList<>();
    if (entries == null) {
      return limits;
    }
    Map<List<Object>, String> paths = new LinkedHashMap<>();
    for (int i = 0; i < entries.size(); i++) {
      ConfigFile.RateLimitEntry entry = entries.get(i);
      String path = "rateLimits[" + i + "]";
      require(path, "scope", entry.scope, "a provider id or a model id");
      int requests = entry.requestsPerMinute != null ? entry.requestsPerMinute : 0;
      long tokens = entry.tokensPerMinute != null ? entry.tokensPerMinute : 0;
      if (requests == 0 && tokens == 0) {
        throw error(parser.locationOf(path), "'" + path + "' must set requestsPerMinute or tokensPerMinute (or "
            + "both) above 0");
      }
      RateLimit.OnLimit onLimit = entry.onLimit != null ? entry.onLimit : RateLimit.OnLimit.WAIT;
      Duration maxWait = entry.maxWait != null ? entry.maxWait : Duration.ofSeconds(30);
      Duration window = entry.window != null ? entry.window : Duration.ofMinutes(1);
      RateLimit limit = construct(path, () -> new RateLimit(entry.scope, requests, tokens, onLimit, maxWait, window));
      // The window in whole milliseconds, as the limiter keys its buckets: two windows that differ by less would
      // share one bucket. A scope may have several windows (per minute and per day, say), each at most once.
      String previous = paths.putIfAbsent(List.of(limit.scope(), limit.window().toMillis()), path);
      if (previous != null) {
        throw error(parser.locationOf(path), "'" + path + "' has the same scope and window as '" + previous
            + "'; merge them into one");
      }
      limits.add(limit);
    }
    return limits;
  }

  private RetryPolicy retryPolicy(ConfigFile.Retry section) {
    RetryPolicy.Builder retry = RetryPolicy.builder();
    if (section.maxRetries != null) {
      retry.maxRetries(section.maxRetries);
    }
    if (section.baseDelay != null) {
      retry.baseDelay(section.baseDelay);
    }
    if (section.maxDelay != null) {
      retry.maxDelay(section.maxDelay);
    }
    if (section.maxRetryAfter != null) {
      retry.maxRetryAfter(section.maxRetryAfter);
    }
    if (section.deadline != null) {
      retry.deadline(section.deadline);
    }
    return construct("retry", retry::build);
  }

  private CircuitBreakerPolicy circuitBreaker(ConfigFile.CircuitBreaker section) {
    CircuitBreakerPolicy.Builder breaker = CircuitBreakerPolicy.builder();
    if (section.failureRateThreshold != null) {
      breaker.failureRateThreshold(section.failureRateThreshold);
    }
    if (section.slowCallRateThreshold != null) {
      breaker.slowCallRateThreshold(section.slowCallRateThreshold);
    }
    if (section.slowCallDuration != null) {
      breaker.slowCallDuration(section.slowCallDuration);
    }
    if (section.slidingWindowSize != null) {
      breaker.slidingWindowSize(section.slidingWindowSize);
    }
    if (section.minimumCalls != null) {
      breaker.minimumCalls(section.minimumCalls);
    }
    if (section.waitInOpenState != null) {
      breaker.waitInOpenState(section.waitInOpenState);
    }
    if (section.probeCalls != null) {
      breaker.probeCalls(section.probeCalls);
    }
    // Built even when disabled, so that a mistake in the settings surfaces now, not when circuits are turned on.
    CircuitBreakerPolicy policy = construct("circuitBreaker", breaker::build);
    return Boolean.FALSE.equals(section.enabled) ? CircuitBreakerPolicy.disabled() : policy;
  }

  private void require(String path, String key, Object value, String description) {
    if (value == null) {
      throw error(parser.locationOf(path), subject(path) + " needs '" + key + "': " + description);
    }
  }

  /**
   * Builds a value type, turning the {@link IllegalArgumentException} its constructor throws for invalid
   * settings into a {@link ConfigurationException} at the entry's line. The constructor's message can quote
   * values, so it is shown only when no value of the entry came from the environment.
   */
  private <T> T construct(String path, Supplier<T> constructor) {
    try {
      return constructor.get();
    } catch (IllegalArgumentException | NullPointerException e) {
      Set<String> variables = parser.variablesAt(path);
      if (variables.isEmpty()) {
        throw error(parser.locationOf(path), subject(path) + " is invalid: " + e.getMessage(), e);
      }
      throw error(parser.locationOf(path), subject(path) + " is invalid; the reason is not shown because it "
          + "could reveal values substituted from ${" + String.join("}, ${", variables) + "}");
    }
  }

  private void applyOverrides(Ralex.Builder builder, Map<List<Object>, Budget> budgets) {
    String model = override(RALEX_MODEL);
    if (model != null) {
      builder.defaultModel(model);
    }
    overrideGlobalBudget(budgets, Budget.Period.DAILY, RALEX_DAILY_BUDGET);
    overrideGlobalBudget(budgets, Budget.Period.MONTHLY, RALEX_MONTHLY_BUDGET);
    String debug = override(RALEX_DEBUG);
    if (debug != null) {
      try {
        builder.debug(ConfigValues.flag(debug));
      } catch (IllegalArgumentException e) {
        throw overrideError(RALEX_DEBUG, ConfigValues.FLAG_DESCRIPTION);
      }
    }
  }

  /**
   * Sets the global budget of {@code period} from {@code variable} if it is set: the variable gives the limit,
   * and the file's budget it replaces, if any, keeps its place and its alert threshold.
   */
  private void overrideGlobalBudget(Map<List<Object>, Budget> budgets, Budget.Period period, String variable) {
    String value = override(variable);
    if (value == null) {
      return;
    }
    List<Object> key = List.of(period, BudgetScope.GLOBAL);
    Budget replaced = budgets.get(key);
    BigDecimal threshold = replaced != null ? replaced.alertThreshold() : Budget.DEFAULT_ALERT_THRESHOLD;
    // put() keeps the replaced budget's position, so the file's order stays the order of the budgets.
    budgets.put(key, new Budget(period, amount(variable, value), BudgetScope.GLOBAL, threshold));
  }

  /** The override's value, trimmed; {@code null} if the variable is unset or blank. */
  private String override(String variable) {
    String value = environment.apply(variable);
    return value == null || value.isBlank() ? null : value.trim();
  }

  private static BigDecimal amount(String variable, String value) {
    try {
      return ConfigValues.amount(value);
    } catch (IllegalArgumentException e) {
      throw overrideError(variable, ConfigValues.AMOUNT_DESCRIPTION);
    }
  }

  private static ConfigurationException overrideError(String variable, String description) {
    return new ConfigurationException("environment variable " + variable + " must be " + description);
  }

  private static String subject(String path) {
    return path.isEmpty() ? "the top level" : "'" + path + "'";
  }

  private ConfigurationException error(JsonLocation location, String problem) {
    return error(location, problem, null);
  }

  private ConfigurationException error(JsonLocation location, String problem, Throwable cause) {
    StringBuilder message = new StringBuilder("configuration file ").append(file);
    if (location != null && location.getLineNr() > 0) {
      message.append(", line ").append(location.getLineNr());
      if (location.getColumnNr() > 0) {
        message.append(", column ").append(location.getColumnNr());
      }
    }
    return new ConfigurationException(message.append(": ").append(problem).toString(), ErrorDetails.NONE, cause);
  }
}
