package dev.ralex.core;

import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonSetter;
import com.fasterxml.jackson.annotation.Nulls;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;
import dev.ralex.api.ModelTier;
import java.io.IOException;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.ZoneId;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The structure of a configuration file as Jackson binds it; see {@link ConfigLoader} for the format. A key that
 * is absent, or present with no value, leaves its field {@code null}.
 *
 * <p>Every scalar is read through a {@link Scalar} deserializer, which parses the token's text (after variable
 * substitution) with {@link ConfigValues}. That way a value from {@code ${VAR}} converts exactly like one written
 * in the file, amounts never pass through {@code double}, and an invalid value fails at its own line and key path
 * with a message that does not repeat it.
 */
final class ConfigFile {
  /** The default model's id. */
  @JsonProperty("defaultModel")
  @JsonDeserialize(using = ModelId.class)
  String defaultModel;

  /** The ids of the models to fall back to, in order. */
  @JsonProperty("fallbackModels")
  @JsonDeserialize(contentUsing = ModelId.class)
  @JsonSetter(contentNulls = Nulls.FAIL)
  List<String> fallbackModels;

  /** The output tokens to ask for when a request sets none. */
  @JsonProperty("defaultMaxOutputTokens")
  @JsonDeserialize(using = PositiveInt.class)
  Integer defaultMaxOutputTokens;

  /** Whether to log a summary of every call. */
  @JsonProperty("debug")
  @JsonDeserialize(using = Flag.class)
  Boolean debug;

  /** The zone in which budget days and months start. */
  @JsonProperty("timeZone")
  @JsonDeserialize(using = Zone.class)
  ZoneId timeZone;

  /** Provider id to settings, in file order. */
  @JsonProperty("providers")
  @JsonDeserialize(contentUsing = ProviderSettings.class)
  Map<String, Map<String, String>> providers;

  /** The catalog section. */
  @JsonProperty("catalog")
  Catalog catalog;

  /** The budgets, in file order. */
  @JsonProperty("budgets")
  @JsonSetter(contentNulls = Nulls.FAIL)
  List<BudgetEntry> budgets;

  /** The rate limits, in file order. */
  @JsonProperty("rateLimits")
  @JsonSetter(contentNulls = Nulls.FAIL)
  List<RateLimitEntry> rateLimits;

  /** Whether the rate limiter learns from the providers' rate-limit headers. */
  @JsonProperty("adaptiveRateLimits")
  @JsonDeserialize(using = Flag.class)
  Boolean adaptiveRateLimits;

  /** The retry section. */
  @JsonProperty("retry")
  Retry retry;

  /** The circuit breaker section. */
  @JsonProperty("circuitBreaker")
  CircuitBreaker circuitBreaker;

  /** Whether a call whose models all failed escalates to a stronger model. */
  @JsonProperty("escalateOnFailure")
  @JsonDeserialize(using = Flag.class)
  Boolean escalateOnFailure;

  /** The usage store section. */
  @JsonProperty("usageStore")
  UsageStoreSection usageStore;

  /** The selector section; also the whole of a standalone selector file. */
  @JsonProperty("selector")
  SelectorSection selector;

  /** The {@code catalog} section. */
  static final class Catalog {
    /** The catalog file's path, as written. */
    @JsonProperty("file")
    @JsonDeserialize(using = FilePath.class)
    String file;
  }

  /** One entry of {@code budgets}. */
  static final class BudgetEntry {
    /** The period; required. */
    @JsonProperty("period")
    @JsonDeserialize(using = PeriodValue.class)
    Budget.Period period;

    /** The cap in dollars; required. */
    @JsonProperty("limit")
    @JsonDeserialize(using = Amount.class)
    BigDecimal limit;

    /** The calls covered; {@code null} means global. */
    @JsonProperty("scope")
    @JsonDeserialize(using = BudgetScopeValue.class)
    BudgetScope scope;

    /** The share of the cap at which the alert fires; {@code null} means {@link Budget#DEFAULT_ALERT_THRESHOLD}. */
    @JsonProperty("alertThreshold")
    @JsonDeserialize(using = AlertThreshold.class)
    BigDecimal alertThreshold;
  }

  /** One entry of {@code rateLimits}. */
  static final class RateLimitEntry {
    /** The provider or model id; required. */
    @JsonProperty("scope")
    @JsonDeserialize(using = RateLimitScope.class)
    String scope;

    /** Requests per window; {@code null} means no request limit. */
    @JsonProperty("requestsPerMinute")
    @JsonDeserialize(using = NonNegativeInt.class)
    Integer requestsPerMinute;

    /** Tokens per window; {@code null} means no token limit. */
    @JsonProperty("tokensPerMinute")
    @JsonDeserialize(using = NonNegativeLong.class)
    Long tokensPerMinute;

    /** The period the allowances are for; {@code null} means one minute. */
    @JsonProperty("window")
    @JsonDeserialize(using = MillisDuration.class)
    Duration window;

    /** What a limited call does; {@code null} means wait. */
    @JsonProperty("onLimit")
    @JsonDeserialize(using = OnLimitValue.class)
    RateLimit.OnLimit onLimit;

    /** The longest wait; {@code null} means 30 seconds. */
    @JsonProperty("maxWait")
    @JsonDeserialize(using = NonNegativeDuration.class)
    Duration maxWait;
  }

  /** The {@code retry} section. */
  static final class Retry {
    /** The most retries per model. */
    @JsonProperty("maxRetries")
    @JsonDeserialize(using = NonNegativeInt.class)
    Integer maxRetries;

    /** The backoff ceiling of the first retry. */
    @JsonProperty("baseDelay")
    @JsonDeserialize(using = PositiveDuration.class)
    Duration baseDelay;

    /** The cap on any backoff. */
    @JsonProperty("maxDelay")
    @JsonDeserialize(using = PositiveDuration.class)
    Duration maxDelay;

    /** The longest server-requested wait honoured. */
    @JsonProperty("maxRetryAfter")
    @JsonDeserialize(using = PositiveDuration.class)
    Duration maxRetryAfter;

    /** The most time a call may take before no further retry starts. */
    @JsonProperty("deadline")
    @JsonDeserialize(using = PositiveDuration.class)
    Duration deadline;
  }

  /** The {@code circuitBreaker} section. */
  static final class CircuitBreaker {
    /** Whether circuits are kept at all; {@code null} means yes. */
    @JsonProperty("enabled")
    @JsonDeserialize(using = Flag.class)
    Boolean enabled;

    /** The failure rate, in percent, that opens a circuit. */
    @JsonProperty("failureRateThreshold")
    @JsonDeserialize(using = Percent.class)
    Float failureRateThreshold;

    /** The rate of slow calls, in percent, that opens a circuit. */
    @JsonProperty("slowCallRateThreshold")
    @JsonDeserialize(using = Percent.class)
    Float slowCallRateThreshold;

    /** How long an attempt may take before it counts as slow. */
    @JsonProperty("slowCallDuration")
    @JsonDeserialize(using = NanosDuration.class)
    Duration slowCallDuration;

    /** How many of the latest attempts are counted. */
    @JsonProperty("slidingWindowSize")
    @JsonDeserialize(using = PositiveInt.class)
    Integer slidingWindowSize;

    /** How many attempts must be counted before the rates can open a circuit. */
    @JsonProperty("minimumCalls")
    @JsonDeserialize(using = PositiveInt.class)
    Integer minimumCalls;

    /** How long a circuit stays open before probing. */
    @JsonProperty("waitInOpenState")
    @JsonDeserialize(using = MillisDuration.class)
    Duration waitInOpenState;

    /** How many probe attempts a half-open circuit lets through. */
    @JsonProperty("probeCalls")
    @JsonDeserialize(using = PositiveInt.class)
    Integer probeCalls;
  }

  /** The {@code usageStore} section. */
  static final class UsageStoreSection {
    /** The kinds of store. */
    enum Type {
      /** {@link UsageStore#inMemory(ZoneId)}. */
      MEMORY,
      /** {@link UsageStore#journalBuilder(java.nio.file.Path)}. */
      JOURNAL
    }

    /** The kind of store; required. */
    @JsonProperty("type")
    @JsonDeserialize(using = UsageStoreTypeValue.class)
    Type type;

    /** The journal's directory, as written; required for, and only allowed with, a journal. */
    @JsonProperty("directory")
    @JsonDeserialize(using = DirectoryPath.class)
    String directory;

    /** When the journal forces records to disk; {@code null} means each record on its own. */
    @JsonProperty("flush")
    @JsonDeserialize(using = FlushValue.class)
    UsageStore.FlushPolicy flush;
  }

  /**
   * The {@code selector} section, and the content of a file read by {@link RuleBasedSelector#fromConfig} or
   * {@link ScoringSelector#fromConfig}. Which keys apply depends on {@code type}.
   */
  static final class SelectorSection {
    /** The kinds of selector. */
    enum Type {
      /** {@link RuleBasedSelector}. */
      RULES,
      /** {@link ScoringSelector}. */
      SCORING
    }

    /**
     * The kind of selector, trimmed and in lower case ({@link ConfigValues#selectorType}); required in a
     * configuration file. {@link ConfigValues#builtinSelectorType} tells a built-in type from a factory's.
     */
    @JsonProperty("type")
    @JsonDeserialize(using = SelectorTypeValue.class)
    String type;

    /**
     * The keys this class does not declare, in file order: the settings of a type a {@link
     * dev.ralex.api.ModelSelectorFactory} answers to. Collected rather than refused while binding because the
     * type, which decides whether they are allowed, may come after them; {@link ConfigLoader} refuses them as
     * unknown keys for {@code rules} and {@code scoring}, with the message Jackson would give.
     */
    final Map<String, OtherSetting> others = new LinkedHashMap<>();

    @JsonAnySetter
    void other(String key, OtherSetting value) {
      others.put(key, value);
    }

    /** Rules only: whether the default keyword rules are dropped; {@code null} means kept. */
    @JsonProperty("replaceDefaultRules")
    @JsonDeserialize(using = Flag.class)
    Boolean replaceDefaultRules;

    /** Rules only: the keyword and regex rules, in file order, after the default ones unless those are dropped. */
    @JsonProperty("rules")
    @JsonSetter(contentNulls = Nulls.FAIL)
    List<RuleEntry> rules;

    /** Rules only: the speed keywords, replacing the default ones; empty turns the speed rule off. */
    @JsonProperty("speedKeywords")
    @JsonDeserialize(contentUsing = Keyword.class)
    @JsonSetter(contentNulls = Nulls.FAIL)
    List<String> speedKeywords;

    /** Rules only: phase tag value to tier, in file order, added to (or replacing) the default phases. */
    @JsonProperty("phases")
    @JsonDeserialize(contentUsing = TierValue.class)
    @JsonSetter(contentNulls = Nulls.FAIL)
    Map<String, ModelTier> phases;

    /** Rules only: the budget tiers. */
    @JsonProperty("budgetTiers")
    BudgetTiers budgetTiers;

    /** Rules only: the output assumed when a request sets none. */
    @JsonProperty("defaultMaxOutputTokens")
    @JsonDeserialize(using = PositiveInt.class)
    Integer defaultMaxOutputTokens;

    /** Rules only: the output the speed rule and the lowest budget tier cap a call at. */
    @JsonProperty("reducedMaxOutputTokens")
    @JsonDeserialize(using = PositiveInt.class)
    Integer reducedMaxOutputTokens;

    /** Scoring only: the weights of the four factors. */
    @JsonProperty("weights")
    Weights weights;

    /** Scoring only: the output expected when a request sets none. */
    @JsonProperty("defaultOutputTokens")
    @JsonDeserialize(using = PositiveInt.class)
    Integer defaultOutputTokens;
  }

  /**
   * The value of a key that {@link SelectorSection} does not declare: a scalar's text (as {@link
   * ProviderSettings} keeps it), or, for a map or list, what it is, so that the loader can refuse it by name.
   *
   * @param text the scalar's text after variable substitution; {@code null} for no value or a map or list
   * @param structure {@code "a map"} or {@code "a list"}; {@code null} for a scalar or no value
   */
  @JsonDeserialize(using = OtherSettingValue.class)
  record OtherSetting(String text, String structure) {
    static final OtherSetting NONE = new OtherSetting(null, null);
  }

  /** One entry of {@code selector.rules}: exactly one of {@code keywords} and {@code regex}. */
  static final class RuleEntry {
    /** The rule's name, shown in the selection's reason; required. */
    @JsonProperty("name")
    @JsonDeserialize(using = RuleName.class)
    String name;

    /** Words that fire the rule, matched whole and in any case. */
    @JsonProperty("keywords")
    @JsonDeserialize(contentUsing = Keyword.class)
    @JsonSetter(contentNulls = Nulls.FAIL)
    List<String> keywords;

    /** A regular expression that fires the rule when found, in any case; compiled by the loader. */
    @JsonProperty("regex")
    @JsonDeserialize(using = RegexText.class)
    String regex;

    /** The tier the rule targets; required. */
    @JsonProperty("tier")
    @JsonDeserialize(using = TierValue.class)
    ModelTier tier;
  }

  /** The {@code selector.budgetTiers} section; both keys are required. */
  static final class BudgetTiers {
    /** Above this share of the budget left, any model. */
    @JsonProperty("anyAbove")
    @JsonDeserialize(using = BudgetShare.class)
    BigDecimal anyAbove;

    /** Below this share of the budget left, the cheapest model. */
    @JsonProperty("cheapestBelow")
    @JsonDeserialize(using = BudgetShare.class)
    BigDecimal cheapestBelow;
  }

  /** The {@code selector.weights} section; a weight left out keeps its default. */
  static final class Weights {
    /** The weight of capability fit. */
    @JsonProperty("capability")
    @JsonDeserialize(using = Weight.class)
    Double capability;

    /** The weight of expected cost. */
    @JsonProperty("cost")
    @JsonDeserialize(using = Weight.class)
    Double cost;

    /** The weight of observed latency. */
    @JsonProperty("latency")
    @JsonDeserialize(using = Weight.class)
    Double latency;

    /** The weight of observed success. */
    @JsonProperty("success")
    @JsonDeserialize(using = Weight.class)
    Double success;
  }

  private static boolean isScalar(JsonToken token) {
    return token == JsonToken.VALUE_STRING || token == JsonToken.VALUE_NUMBER_INT
        || token == JsonToken.VALUE_NUMBER_FLOAT || token == JsonToken.VALUE_TRUE || token == JsonToken.VALUE_FALSE;
  }

  /**
   * Reads a scalar from its text: a string's (substituted) text, or a number's or boolean's text as written, so
   * {@code limit: 5.10} stays exactly 5.10. Anything else, and text that {@link #parse} rejects, is a {@link
   * ConfigProblem} saying what the value must be.
   */
  abstract static class Scalar<T> extends StdDeserializer<T> {
    private static final long serialVersionUID = 1L;

    private final String description;

    private Scalar(Class<?> type, String description) {
      super(type);
      this.description = description;
    }

    /** Parses the text; throws {@link IllegalArgumentException} if it is not a valid value. */
    abstract T parse(String text);

    @Override
    public T deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
      JsonToken token = p.currentToken();
      if (!isScalar(token)) {
        throw new ConfigProblem(p, "must be " + description + ", not " + ConfigProblem.describe(token));
      }
      String text = p.getText();
      try {
        return parse(text);
      } catch (IllegalArgumentException e) {
        throw new ConfigProblem(p, "must be " + description);
      }
    }
  }

  /** A model id. */
  static final class ModelId extends Scalar<String> {
    private static final long serialVersionUID = 1L;

    private ModelId() {
      super(String.class, "a model id such as anthropic/claude-haiku-4-5");
    }

    @Override
    String parse(String text) {
      return ConfigValues.nonBlank(text);
    }
  }

  /** A rate limit's scope: a provider id or a model id. */
  static final class RateLimitScope extends Scalar<String> {
    private static final long serialVersionUID = 1L;

    private RateLimitScope() {
      super(String.class, "a provider id such as anthropic or a model id such as anthropic/claude-haiku-4-5");
    }

    @Override
    String parse(String text) {
      return ConfigValues.nonBlank(text);
    }
  }

  /** A file path, resolved later against the configuration file's directory. */
  static final class FilePath extends Scalar<String> {
    private static final long serialVersionUID = 1L;

    private FilePath() {
      super(String.class, "a file path");
    }

    @Override
    String parse(String text) {
      return ConfigValues.nonBlank(text);
    }
  }

  /** A directory path, resolved later against the configuration file's directory. */
  static final class DirectoryPath extends Scalar<String> {
    private static final long serialVersionUID = 1L;

    private DirectoryPath() {
      super(String.class, "a directory path");
    }

    @Override
    String parse(String text) {
      return ConfigValues.nonBlank(text);
    }
  }

  /** A whole number of at least 1. */
  static final class PositiveInt extends Scalar<Integer> {
    private static final long serialVersionUID = 1L;

    private PositiveInt() {
      super(Integer.class, ConfigValues.wholeNumberDescription(1, Integer.MAX_VALUE));
    }

    @Override
    Integer parse(String text) {
      return (int) ConfigValues.wholeNumber(text, 1, Integer.MAX_VALUE);
    }
  }

  /** A whole number of at least 0 that fits an {@code int}. */
  static final class NonNegativeInt extends Scalar<Integer> {
    private static final long serialVersionUID = 1L;

    private NonNegativeInt() {
      super(Integer.class, ConfigValues.wholeNumberDescription(0, Integer.MAX_VALUE));
    }

    @Override
    Integer parse(String text) {
      return (int) ConfigValues.wholeNumber(text, 0, Integer.MAX_VALUE);
    }
  }

  /** A whole number of at least 0. */
  static final class NonNegativeLong extends Scalar<Long> {
    private static final long serialVersionUID = 1L;

    private NonNegativeLong() {
      super(Long.class, ConfigValues.wholeNumberDescription(0, Long.MAX_VALUE));
    }

    @Override
    Long parse(String text) {
      return ConfigValues.wholeNumber(text, 0, Long.MAX_VALUE);
    }
  }

  /** A boolean. */
  static final class Flag extends Scalar<Boolean> {
    private static final long serialVersionUID = 1L;

    private Flag() {
      super(Boolean.class, ConfigValues.FLAG_DESCRIPTION);
    }

    @Override
    Boolean parse(String text) {
      return ConfigValues.flag(text);
    }
  }

  /** A time zone. */
  static final class Zone extends Scalar<ZoneId> {
    private static final long serialVersionUID = 1L;

    private Zone() {
      super(ZoneId.class, ConfigValues.ZONE_DESCRIPTION);
    }

    @Override
    ZoneId parse(String text) {
      return ConfigValues.zone(text);
    }
  }

  /** A dollar amount of at least 0. */
  static final class Amount extends Scalar<BigDecimal> {
    private static final long serialVersionUID = 1L;

    private Amount() {
      super(BigDecimal.class, ConfigValues.AMOUNT_DESCRIPTION);
    }

    @Override
    BigDecimal parse(String text) {
      return ConfigValues.amount(text);
    }
  }

  /** A budget period. */
  static final class PeriodValue extends Scalar<Budget.Period> {
    private static final long serialVersionUID = 1L;

    private PeriodValue() {
      super(Budget.Period.class, ConfigValues.PERIOD_DESCRIPTION);
    }

    @Override
    Budget.Period parse(String text) {
      return ConfigValues.period(text);
    }
  }

  /** A budget scope. */
  static final class BudgetScopeValue extends Scalar<BudgetScope> {
    private static final long serialVersionUID = 1L;

    private BudgetScopeValue() {
      super(BudgetScope.class, ConfigValues.BUDGET_SCOPE_DESCRIPTION);
    }

    @Override
    BudgetScope parse(String text) {
      return ConfigValues.budgetScope(text);
    }
  }

  /** A budget's alert threshold: a share in (0, 1], as a fraction or a percentage. */
  static final class AlertThreshold extends Scalar<BigDecimal> {
    private static final long serialVersionUID = 1L;

    private AlertThreshold() {
      super(BigDecimal.class, ConfigValues.ALERT_THRESHOLD_DESCRIPTION);
    }

    @Override
    BigDecimal parse(String text) {
      return ConfigValues.alertThreshold(text);
    }
  }

  /** The kind of usage store. */
  static final class UsageStoreTypeValue extends Scalar<UsageStoreSection.Type> {
    private static final long serialVersionUID = 1L;

    private UsageStoreTypeValue() {
      super(UsageStoreSection.Type.class, ConfigValues.USAGE_STORE_TYPE_DESCRIPTION);
    }

    @Override
    UsageStoreSection.Type parse(String text) {
      return ConfigValues.usageStoreType(text);
    }
  }

  /** When a journal forces records to disk. */
  static final class FlushValue extends Scalar<UsageStore.FlushPolicy> {
    private static final long serialVersionUID = 1L;

    private FlushValue() {
      super(UsageStore.FlushPolicy.class, ConfigValues.FLUSH_DESCRIPTION);
    }

    @Override
    UsageStore.FlushPolicy parse(String text) {
      return ConfigValues.flushPolicy(text);
    }
  }

  /** What a rate-limited call does. */
  static final class OnLimitValue extends Scalar<RateLimit.OnLimit> {
    private static final long serialVersionUID = 1L;

    private OnLimitValue() {
      super(RateLimit.OnLimit.class, ConfigValues.ON_LIMIT_DESCRIPTION);
    }

    @Override
    RateLimit.OnLimit parse(String text) {
      return ConfigValues.onLimit(text);
    }
  }

  /** A kind of selector, as a name; whether a selector of that type exists is checked by the loader. */
  static final class SelectorTypeValue extends Scalar<String> {
    private static final long serialVersionUID = 1L;

    private SelectorTypeValue() {
      super(String.class, ConfigValues.SELECTOR_TYPE_DESCRIPTION);
    }

    @Override
    String parse(String text) {
      return ConfigValues.selectorType(text);
    }
  }

  /**
   * A value under a key {@link SelectorSection} does not declare. A map or list is skipped, not read: whether
   * it is an error, and which, depends on the selector's type.
   */
  static final class OtherSettingValue extends StdDeserializer<OtherSetting> {
    private static final long serialVersionUID = 1L;

    private OtherSettingValue() {
      super(OtherSetting.class);
    }

    @Override
    public OtherSetting deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
      JsonToken token = p.currentToken();
      if (isScalar(token)) {
        return new OtherSetting(p.getText(), null);
      }
      String structure = ConfigProblem.describe(token);
      p.skipChildren();
      return new OtherSetting(null, structure);
    }

    @Override
    public OtherSetting getNullValue(DeserializationContext ctxt) {
      return OtherSetting.NONE;
    }
  }

  /** A model tier. */
  static final class TierValue extends Scalar<ModelTier> {
    private static final long serialVersionUID = 1L;

    private TierValue() {
      super(ModelTier.class, ConfigValues.TIER_DESCRIPTION);
    }

    @Override
    ModelTier parse(String text) {
      return ConfigValues.tier(text);
    }
  }

  /** A selector rule's name. */
  static final class RuleName extends Scalar<String> {
    private static final long serialVersionUID = 1L;

    private RuleName() {
      super(String.class, "a name for the rule, not blank");
    }

    @Override
    String parse(String text) {
      return ConfigValues.nonBlank(text);
    }
  }

  /** A keyword of a selector rule, or a speed keyword. */
  static final class Keyword extends Scalar<String> {
    private static final long serialVersionUID = 1L;

    private Keyword() {
      super(String.class, "a word or phrase, not blank");
    }

    @Override
    String parse(String text) {
      return ConfigValues.nonBlank(text);
    }
  }

  /** A selector rule's regular expression, as written; {@link ConfigLoader} compiles it, naming the rule if it fails. */
  static final class RegexText extends Scalar<String> {
    private static final long serialVersionUID = 1L;

    private RegexText() {
      super(String.class, "a regular expression, not blank");
    }

    @Override
    String parse(String text) {
      ConfigValues.nonBlank(text);
      // Untrimmed: spaces at either end can be meant.
      return text;
    }
  }

  /** A share of a budget in [0, 1], as a fraction or a percentage. */
  static final class BudgetShare extends Scalar<BigDecimal> {
    private static final long serialVersionUID = 1L;

    private BudgetShare() {
      super(BigDecimal.class, ConfigValues.BUDGET_SHARE_DESCRIPTION);
    }

    @Override
    BigDecimal parse(String text) {
      return ConfigValues.budgetShare(text);
    }
  }

  /** A selector weight of at least 0. */
  static final class Weight extends Scalar<Double> {
    private static final long serialVersionUID = 1L;

    private Weight() {
      super(Double.class, ConfigValues.WEIGHT_DESCRIPTION);
    }

    @Override
    Double parse(String text) {
      return ConfigValues.weight(text);
    }
  }

  /** A duration of zero or more. */
  static final class NonNegativeDuration extends Scalar<Duration> {
    private static final long serialVersionUID = 1L;

    private NonNegativeDuration() {
      super(Duration.class, ConfigValues.DURATION_DESCRIPTION + ", not negative");
    }

    @Override
    Duration parse(String text) {
      Duration d = ConfigValues.duration(text);
      if (d.isNegative()) {
        throw new IllegalArgumentException("negative");
      }
      return d;
    }
  }

  /** A duration greater than zero. */
  static final class PositiveDuration extends Scalar<Duration> {
    private static final long serialVersionUID = 1L;

    private PositiveDuration() {
      super(Duration.class, ConfigValues.DURATION_DESCRIPTION + ", greater than zero");
    }

    @Override
    Duration parse(String text) {
      Duration d = ConfigValues.duration(text);
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException("not positive");
      }
      return d;
    }
  }

  /**
   * A duration of at least one millisecond, whose milliseconds fit a {@code long}: a rate limit's window (buckets
   * count in milliseconds) and a circuit's open time (Resilience4j refuses less than a millisecond, and would only
   * say so when the {@link Ralex} is built, without naming the file).
   */
  static final class MillisDuration extends Scalar<Duration> {
    private static final long serialVersionUID = 1L;

    private MillisDuration() {
      super(Duration.class, ConfigValues.DURATION_DESCRIPTION + ", at least 1ms");
    }

    @Override
    Duration parse(String text) {
      Duration d = ConfigValues.duration(text);
      try {
        if (d.toMillis() < 1) {
          throw new IllegalArgumentException("under 1ms");
        }
      } catch (ArithmeticException tooLong) {
        throw new IllegalArgumentException("too long", tooLong);
      }
      return d;
    }
  }

  /**
   * A duration greater than zero whose nanoseconds fit a {@code long} (about 292 years): Resilience4j counts a
   * slow call's threshold in nanoseconds, and a longer one would fail only when the {@link Ralex} is built.
   */
  static final class NanosDuration extends Scalar<Duration> {
    private static final long serialVersionUID = 1L;

    private NanosDuration() {
      super(Duration.class, ConfigValues.DURATION_DESCRIPTION + ", greater than zero and at most 292 years");
    }

    @Override
    Duration parse(String text) {
      Duration d = ConfigValues.duration(text);
      try {
        if (d.toNanos() <= 0) {
          throw new IllegalArgumentException("not positive");
        }
      } catch (ArithmeticException tooLong) {
        throw new IllegalArgumentException("too long", tooLong);
      }
      return d;
    }
  }

  /** A percentage in (0, 100]. */
  static final class Percent extends Scalar<Float> {
    private static final long serialVersionUID = 1L;

    private Percent() {
      super(Float.class, ConfigValues.PERCENT_DESCRIPTION);
    }

    @Override
    Float parse(String text) {
      return ConfigValues.percent(text);
    }
  }

  /**
   * One provider's settings: a map of strings, numbers and booleans, each kept as its text ({@code maxTokens:
   * 100} becomes {@code "100"}) because {@link dev.ralex.api.ProviderConfig} holds strings. A setting with no
   * value is left out, so the provider's environment fallback applies; a provider with no settings at all is
   * configured from the environment alone.
   */
  static final class ProviderSettings extends StdDeserializer<Map<String, String>> {
    private static final long serialVersionUID = 1L;

    private ProviderSettings() {
      super(Map.class);
    }

    @Override
    public Map<String, String> deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
      if (p.currentToken() != JsonToken.START_OBJECT) {
        throw new ConfigProblem(p, "must be a map of settings such as apiKey: ${ANTHROPIC_API_KEY}, not "
            + ConfigProblem.describe(p.currentToken()));
      }
      Map<String, String> settings = new LinkedHashMap<>();
      for (String key = p.nextFieldName(); key != null; key = p.nextFieldName()) {
        JsonToken token = p.nextToken();
        if (token == JsonToken.VALUE_NULL) {
          continue;
        }
        if (!isScalar(token)) {
          throw new ConfigProblem(p, "must be a string, number or boolean, not " + ConfigProblem.describe(token));
        }
        settings.put(key, p.getText());
      }
      return settings;
    }

    @Override
    public Map<String, String> getNullValue(DeserializationContext ctxt) {
      return Collections.emptyMap();
    }
  }
}
