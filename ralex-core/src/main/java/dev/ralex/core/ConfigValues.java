package dev.ralex.core;

import dev.ralex.api.ModelTier;
import dev.ralex.api.ProviderConfig;
import java.math.BigDecimal;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.ZoneId;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses the scalar values of a configuration file and of the {@code RALEX_*} environment overrides, from their
 * text. Every parser throws {@link IllegalArgumentException} when the text does not fit; callers then report
 * the matching {@code *_DESCRIPTION} ("must be ..."), so that messages never repeat the offending value, which
 * may have come from the environment and may be a secret.
 */
final class ConfigValues {
  /** What {@link #duration} accepts, for messages. */
  static final String DURATION_DESCRIPTION = ProviderConfig.DURATION_FORMS;

  /** What {@link #amount} accepts, for messages. */
  static final String AMOUNT_DESCRIPTION = "an amount in US dollars of at least 0, such as 5 or 5.00";

  /** What {@link #flag} accepts, for messages. */
  static final String FLAG_DESCRIPTION = "true or false (or yes/no, on/off, 1/0)";

  /** What {@link #zone} accepts, for messages. */
  static final String ZONE_DESCRIPTION = "a time zone such as Europe/Berlin, UTC or +02:00";

  /** What {@link #budgetScope} accepts, for messages. */
  static final String BUDGET_SCOPE_DESCRIPTION = "global, tag:<key>=<value>, tag:<key>=* (each value apart), "
      + "conversation:<id> or conversation:* (each conversation apart)";

  /** What {@link #alertThreshold} accepts, for messages. */
  static final String ALERT_THRESHOLD_DESCRIPTION = "a share of the limit greater than 0 and at most 1, written as "
      + "a fraction such as 0.8 or a percentage such as 80%";

  /** What {@link #period} accepts, for messages. */
  static final String PERIOD_DESCRIPTION = "daily or monthly";

  /** What {@link #onLimit} accepts, for messages. */
  static final String ON_LIMIT_DESCRIPTION = "wait, fail_fast or queue";

  /** What {@link #usageStoreType} accepts, for messages. */
  static final String USAGE_STORE_TYPE_DESCRIPTION = "memory or journal";

  /** What {@link #flushPolicy} accepts, for messages. */
  static final String FLUSH_DESCRIPTION = "each (force every record to disk on its own) or group (appends share "
      + "flushes)";

  /** What {@link #budgetShare} accepts, for messages. */
  static final String BUDGET_SHARE_DESCRIPTION = "a share of the budget from 0 to 1, written as a fraction such as "
      + "0.4 or a percentage such as 40%";

  /** What {@link #tier} accepts, for messages. */
  static final String TIER_DESCRIPTION = "cheap, balanced or strong";

  /** What {@link #selectorType} accepts, for messages. */
  static final String SELECTOR_TYPE_DESCRIPTION = "rules or scoring, or the type of a selector factory on the "
      + "class path, such as linucb (from dev.ralex:ralex-bandit)";

  /** What {@link #weight} accepts, for messages. */
  static final String WEIGHT_DESCRIPTION = "a weight of at least 0 in plain decimal notation, such as 0.4 or 2";

  /** What {@link #percent} accepts, for messages. */
  static final String PERCENT_DESCRIPTION = "a percentage greater than 0 and at most 100, such as 50 or 12.5";

  // Plain decimal notation only: an exponent ("1e9") in a spending cap is more likely a typo than intended, and
  // the length bound keeps absurd values out of the budget arithmetic.
  private static final Pattern AMOUNT = Pattern.compile("[0-9]{1,15}(\\.[0-9]{1,15})?");
  private static final Pattern WHOLE = Pattern.compile("\\+?[0-9]{1,19}");
  // Plain decimal notation, as for amounts; six decimals are finer than a float threshold can tell apart anyway.
  private static final Pattern PERCENT = Pattern.compile("[0-9]{1,3}(\\.[0-9]{1,6})?");
  // An alert threshold: a fraction in the notation of amounts, or a percentage with its sign, as many decimals
  // as a fraction could have (15) less the two the percentage moves.
  private static final Pattern FRACTION = Pattern.compile("[0-9]{1,15}(\\.[0-9]{1,15})?");
  private static final Pattern PERCENTAGE = Pattern.compile("([0-9]{1,3}(\\.[0-9]{1,13})?)%");

  // The tag value or conversation id that makes a budget scope a template.
  private static final String EACH = "*";

  private ConfigValues() {}

  /** A duration in the grammar of provider settings ({@link ProviderConfig#parseDuration}). */
  static Duration duration(String text) {
    return ProviderConfig.parseDuration(text);
  }

  /** A dollar amount in plain decimal notation, at least zero; never via {@code double}, so cents stay exact. */
  static BigDecimal amount(String text) {
    String v = text.trim();
    if (!AMOUNT.matcher(v).matches()) {
      throw new IllegalArgumentException(AMOUNT_DESCRIPTION);
    }
    return new BigDecimal(v);
  }

  /** A whole number in [min, max], in decimal digits. */
  static long wholeNumber(String text, long min, long max) {
    String v = text.trim();
    if (WHOLE.matcher(v).matches()) {
      try {
        long n = Long.parseLong(v);
        if (n >= min && n <= max) {
          return n;
        }
      } catch (NumberFormatException tooLarge) {
        // Falls through to the error below.
      }
    }
    throw new IllegalArgumentException(wholeNumberDescription(min, max));
  }

  /** What {@link #wholeNumber} accepts, for messages. */
  static String wholeNumberDescription(long min, long max) {
    return "a whole number from " + min + " to " + max;
  }

  /**
   * A percentage in (0, 100], in plain decimal notation, read exactly and only then narrowed to a {@code float}
   * (the type of {@link CircuitBreakerPolicy}'s thresholds).
   */
  static float percent(String text) {
    String v = text.trim();
    if (PERCENT.matcher(v).matches()) {
      BigDecimal p = new BigDecimal(v);
      if (p.signum() > 0 && p.compareTo(BigDecimal.valueOf(100)) <= 0) {
        return p.floatValue();
      }
    }
    throw new IllegalArgumentException(PERCENT_DESCRIPTION);
  }

  /**
   * An alert threshold, a share in (0, 1]: a fraction in plain decimal notation ({@code 0.8}) or a percentage
   * with its sign ({@code 80%}, {@code 12.5%}), read exactly (never via {@code double}) and with trailing zeros
   * dropped, so {@code 0.80} and {@code 80%} both give {@code 0.8}.
   */
  static BigDecimal alertThreshold(String text) {
    BigDecimal share = share(text);
    if (share == null || share.signum() <= 0) {
      throw new IllegalArgumentException(ALERT_THRESHOLD_DESCRIPTION);
    }
    return share;
  }

  /**
   * A share of a budget in [0, 1], as the rule-based selector's budget tiers take it: written as an {@link
   * #alertThreshold}, and unlike one it may be 0.
   */
  static BigDecimal budgetShare(String text) {
    BigDecimal share = share(text);
    if (share == null) {
      throw new IllegalArgumentException(BUDGET_SHARE_DESCRIPTION);
    }
    return share;
  }

  /**
   * A share in [0, 1], as a fraction in plain decimal notation ({@code 0.8}) or a percentage with its sign ({@code
   * 80%}), read exactly and with trailing zeros dropped; {@code null} if the text is neither or out of range.
   */
  private static BigDecimal share(String text) {
    String v = text.trim();
    BigDecimal share = null;
    Matcher percentage = PERCENTAGE.matcher(v);
    if (percentage.matches()) {
      share = new BigDecimal(percentage.group(1)).movePointLeft(2);
    } else if (FRACTION.matcher(v).matches()) {
      share = new BigDecimal(v);
    }
    if (share == null || share.compareTo(BigDecimal.ONE) > 0) {
      return null;
    }
    return share.stripTrailingZeros();
  }

  /**
   * A selector weight: a number of at least 0 in the plain decimal notation of fractions, read exactly and only
   * then narrowed to the {@code double} the selector takes.
   */
  static double weight(String text) {
    String v = text.trim();
    if (!FRACTION.matcher(v).matches()) {
      throw new IllegalArgumentException(WEIGHT_DESCRIPTION);
    }
    return new BigDecimal(v).doubleValue();
  }

  /** {@code cheap}, {@code balanced} or {@code strong}, in any case. */
  static ModelTier tier(String text) {
    switch (text.trim().toLowerCase(Locale.ROOT)) {
      case "cheap":
        return ModelTier.CHEAP;
      case "balanced":
        return ModelTier.BALANCED;
      case "strong":
        return ModelTier.STRONG;
      default:
        throw new IllegalArgumentException(TIER_DESCRIPTION);
    }
  }

  /**
   * A selector type as written, trimmed and in lower case: types match in any case ({@code Rules}, {@code
   * LinUCB}). Which types exist is known only once the factories on the class path are looked up.
   */
  static String selectorType(String text) {
    return nonBlank(text).toLowerCase(Locale.ROOT);
  }

  /**
   * The built-in selector of a type given by {@link #selectorType}: {@code rules} or {@code scoring}; {@code
   * null} for any other type, which a {@link dev.ralex.api.ModelSelectorFactory} may answer to.
   */
  static ConfigFile.SelectorSection.Type builtinSelectorType(String type) {
    switch (type) {
      case "rules":
        return ConfigFile.SelectorSection.Type.RULES;
      case "scoring":
        return ConfigFile.SelectorSection.Type.SCORING;
      default:
        return null;
    }
  }

  /** A boolean: true/yes/on/1 or false/no/off/0, in any case. */
  static boolean flag(String text) {
    switch (text.trim().toLowerCase(Locale.ROOT)) {
      case "true":
      case "yes":
      case "on":
      case "1":
        return true;
      case "false":
      case "no":
      case "off":
      case "0":
        return false;
      default:
        throw new IllegalArgumentException(FLAG_DESCRIPTION);
    }
  }

  /** A time zone id or offset, as {@link ZoneId#of(String)} reads it. */
  static ZoneId zone(String text) {
    try {
      return ZoneId.of(text.trim());
    } catch (DateTimeException e) {
      throw new IllegalArgumentException(ZONE_DESCRIPTION, e);
    }
  }

  /**
   * {@code global}, {@code tag:<key>=<value>}, {@code conversation:<id>}, or a template: {@code tag:<key>=*}
   * ({@link BudgetScope#eachTag}) or {@code conversation:*} ({@link BudgetScope#eachConversation}). A tag value
   * or conversation id of {@code *} always means the template.
   */
  static BudgetScope budgetScope(String text) {
    String v = text.trim();
    String lower = v.toLowerCase(Locale.ROOT);
    try {
      if (lower.equals("global")) {
        return BudgetScope.GLOBAL;
      }
      if (lower.startsWith("tag:")) {
        String tag = v.substring("tag:".length());
        int eq = tag.indexOf('=');
        if (eq > 0) {
          String key = tag.substring(0, eq).trim();
          String value = tag.substring(eq + 1).trim();
          return value.equals(EACH) ? BudgetScope.eachTag(key) : BudgetScope.tag(key, value);
        }
      } else if (lower.startsWith("conversation:")) {
        String id = v.substring("conversation:".length()).trim();
        return id.equals(EACH) ? BudgetScope.eachConversation() : BudgetScope.conversation(id);
      }
    } catch (IllegalArgumentException blank) {
      // A blank tag key or value or conversation id: falls through to the error below.
    }
    throw new IllegalArgumentException(BUDGET_SCOPE_DESCRIPTION);
  }

  /** {@code daily} or {@code monthly}, in any case. */
  static Budget.Period period(String text) {
    switch (text.trim().toLowerCase(Locale.ROOT)) {
      case "daily":
        return Budget.Period.DAILY;
      case "monthly":
        return Budget.Period.MONTHLY;
      default:
        throw new IllegalArgumentException(PERIOD_DESCRIPTION);
    }
  }

  /** {@code wait}, {@code fail_fast} (also {@code fail-fast}) or {@code queue}, in any case. */
  static RateLimit.OnLimit onLimit(String text) {
    switch (text.trim().toLowerCase(Locale.ROOT).replace('-', '_')) {
      case "wait":
        return RateLimit.OnLimit.WAIT;
      case "fail_fast":
        return RateLimit.OnLimit.FAIL_FAST;
      case "queue":
        return RateLimit.OnLimit.QUEUE;
      default:
        throw new IllegalArgumentException(ON_LIMIT_DESCRIPTION);
    }
  }

  /** {@code memory} or {@code journal}, in any case. */
  static ConfigFile.UsageStoreSection.Type usageStoreType(String text) {
    switch (text.trim().toLowerCase(Locale.ROOT)) {
      case "memory":
        return ConfigFile.UsageStoreSection.Type.MEMORY;
      case "journal":
        return ConfigFile.UsageStoreSection.Type.JOURNAL;
      default:
        throw new IllegalArgumentException(USAGE_STORE_TYPE_DESCRIPTION);
    }
  }

  /**
   * {@code each} ({@link UsageStore.FlushPolicy#FLUSH_EACH}) or {@code group} ({@link
   * UsageStore.FlushPolicy#GROUP_COMMIT}), in any case.
   */
  static UsageStore.FlushPolicy flushPolicy(String text) {
    switch (text.trim().toLowerCase(Locale.ROOT)) {
      case "each":
        return UsageStore.FlushPolicy.FLUSH_EACH;
      case "group":
        return UsageStore.FlushPolicy.GROUP_COMMIT;
      default:
        throw new IllegalArgumentException(FLUSH_DESCRIPTION);
    }
  }

  /** The text trimmed; it must not be blank. */
  static String nonBlank(String text) {
    String v = text.trim();
    if (v.isEmpty()) {
      throw new IllegalArgumentException("must not be blank");
    }
    return v;
  }

  /** Whether a key's name suggests that its value is a secret ({@link ProviderConfig#isSecretKey}). */
  static boolean looksSecret(String key) {
    return ProviderConfig.isSecretKey(key);
  }
}
