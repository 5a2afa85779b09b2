package dev.ralex.examples;

import dev.ralex.api.ModelInfo;
import dev.ralex.api.ModelSelector;
import dev.ralex.api.ModelTier;
import dev.ralex.api.RoutingContext;
import dev.ralex.api.Selection;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A DEMO selector that routes on keywords in the last user message: small edits ("fix", "typo", "rename") go to
 * the cheap tier, design work ("refactor", "design", "architecture") to the strong tier, everything else to the
 * balanced tier. Within a tier it takes the candidate with the lowest output price.
 *
 * <p>It exists to show routing in the demo and how small a {@link ModelSelector} can be. A rule-based selector
 * with configurable rules is coming in ralex-core later; use that instead of copying this one. Thread-safe:
 * it has no mutable state.
 */
public final class KeywordSelector implements ModelSelector {
  private static final Pattern CHEAP = Pattern.compile("\\b(fix|typo|rename)\\w*");
  private static final Pattern STRONG = Pattern.compile("\\b(refactor|design|architect)\\w*");

  @Override
  public Selection select(RoutingContext context) {
    Objects.requireNonNull(context, "context");
    String text = context.request().lastUserText().toLowerCase(Locale.ROOT);
    ModelTier tier;
    String why;
    Matcher strong = STRONG.matcher(text);
    Matcher cheap = CHEAP.matcher(text);
    if (strong.find()) {
      tier = ModelTier.STRONG;
      why = "keyword '" + strong.group() + "' -> strong tier";
    } else if (cheap.find()) {
      tier = ModelTier.CHEAP;
      why = "keyword '" + cheap.group() + "' -> cheap tier";
    } else {
      tier = ModelTier.BALANCED;
      why = "no routing keyword -> balanced tier";
    }
    ModelInfo best = null;
    for (ModelInfo m : context.candidates()) {
      if (m.tier() == tier
          && (best == null || m.pricing().outputPerMTok().compareTo(best.pricing().outputPerMTok()) < 0)) {
        best = m;
      }
    }
    if (best == null) {
      // Never fail for lack of a model: fall back to a safe choice and say so.
      ModelInfo fallback = context.candidates().contains(context.defaultModel())
          ? context.defaultModel() : context.candidates().get(0);
      return Selection.of(fallback, why + ", but no " + tier.name().toLowerCase(Locale.ROOT)
          + " model is configured; using " + fallback.id());
    }
    return Selection.of(best, why);
  }

  @Override
  public String toString() {
    return "KeywordSelector[demo]";
  }
}
