package dev.ralex.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.ralex.api.BudgetSnapshot;
import dev.ralex.api.ChatRequest;
import dev.ralex.api.ConfigurationException;
import dev.ralex.api.ModelInfo;
import dev.ralex.api.ModelSelector;
import dev.ralex.api.ModelTier;
import dev.ralex.api.RoutingContext;
import dev.ralex.api.Selection;
import dev.ralex.core.testing.TestFiles;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The {@code selector} section of a configuration file, and selector files of their own. */
class SelectorConfigTest {
  private static final ModelInfo CHEAP_A = TestModels.model("t/cheap-a", 100_000, 8_000, "1", "2", ModelTier.CHEAP);
  private static final ModelInfo CHEAP_B = TestModels.model("t/cheap-b", 100_000, 8_000, "0.5", "1", ModelTier.CHEAP);
  private static final ModelInfo BAL = TestModels.model("t/balanced", 100_000, 8_000, "3", "15", ModelTier.BALANCED);
  private static final ModelInfo STRONG = TestModels.model("t/strong", 200_000, 8_000, "15", "75", ModelTier.STRONG);
  private static final List<ModelInfo> ALL = List.of(CHEAP_A, CHEAP_B, BAL, STRONG);

  private static final String PROVIDER = "providers:\n  test:\n    apiKey: k\n";

  /** The rules of the class Javadoc's example, with every rules-only key set away from its default. */
  private static final String RULES_YAML = PROVIDER + """
      selector:
        type: rules
        replaceDefaultRules: true
        rules:
          - name: docs
            keywords: [readme, docstring]
            tier: cheap
          - name: security
            regex: '\\bCVE-\\d+'
            tier: strong
        speedKeywords: [asap]
        phases: {implementation: strong, triage: balanced}
        budgetTiers: {anyAbove: 50%, cheapestBelow: 0.2}
        defaultMaxOutputTokens: 2000
        reducedMaxOutputTokens: 512
      """;

  private static final String RULES_JSON = """
      {"providers": {"test": {"apiKey": "k"}},
       "selector": {
         "type": "rules",
         "replaceDefaultRules": true,
         "rules": [
           {"name": "docs", "keywords": ["readme", "docstring"], "tier": "cheap"},
           {"name": "security", "regex": "\\\\bCVE-\\\\d+", "tier": "strong"}
         ],
         "speedKeywords": ["asap"],
         "phases": {"implementation": "strong", "triage": "balanced"},
         "budgetTiers": {"anyAbove": "50%", "cheapestBelow": 0.2},
         "defaultMaxOutputTokens": 2000,
         "reducedMaxOutputTokens": 512
       }}
      """;

  @TempDir
  Path dir;

  private final Map<String, String> env = new HashMap<>();

  private Path write(String name, String content) {
    return TestFiles.write(dir, name, content);
  }

  /** The selector a configuration file sets up, as the built Ralex holds it. */
  private ModelSelector selectorOf(String name, String content) {
    try (Ralex ralex = ConfigLoader.load(write(name, content), env::get).build()) {
      return ralex.selector;
    }
  }

  /** The message of the ConfigurationException that loading this YAML configuration throws. */
  private String error(String yaml) {
    Path file = write("ralex.yaml", yaml);
    Throwable thrown = catchThrowable(() -> ConfigLoader.load(file, env::get));
    assertThat(thrown).isInstanceOf(ConfigurationException.class);
    return thrown.getMessage();
  }

  /** The message of the ConfigurationException that reading this standalone rules file throws. */
  private String rulesFileError(String name, String content) {
    Path file = write(name, content);
    Throwable thrown = catchThrowable(() -> ConfigLoader.ruleBasedSelector(file, env::get));
    assertThat(thrown).isInstanceOf(ConfigurationException.class);
    return thrown.getMessage();
  }

  private static RoutingContext ctx(ChatRequest request, List<ModelInfo> candidates, int tokens,
      BudgetSnapshot budget) {
    return new RoutingContext("call-1", request, candidates, candidates.get(0), tokens, budget, Map.of(),
        ComplexityAnalyzer.DEFAULT.analyze(request));
  }

  private static Selection select(ModelSelector selector, String text) {
    return selector.select(ctx(ChatRequest.of(text), ALL, 100, BudgetSnapshot.UNLIMITED));
  }

  private static Selection selectPhase(ModelSelector selector, String phase) {
    ChatRequest request = ChatRequest.builder().addUserMessage("hello there").tag("phase", phase).build();
    return selector.select(ctx(request, ALL, 100, BudgetSnapshot.UNLIMITED));
  }

  /** Selects for a plain request with {@code spent} of a daily budget of 5 dollars spent. */
  private static Selection selectWithSpent(ModelSelector selector, String spent) {
    ChatRequest request = ChatRequest.of("hello there");
    return selector.select(ctx(request, ALL, 100,
        BudgetSnapshot.of("daily global", new BigDecimal(spent), new BigDecimal("5"))));
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Rules

  @ParameterizedTest
  @ValueSource(strings = {"ralex.yaml", "ralex.json"})
  void aRulesSectionConfiguresTheRuleBasedSelector(String name) {
    ModelSelector selector = selectorOf(name, name.endsWith(".json") ? RULES_JSON : RULES_YAML);
    assertThat(selector).isInstanceOf(RuleBasedSelector.class);

    // A keyword rule: whole words, any case.
    Selection docs = select(selector, "Please update the README");
    assertThat(docs.model()).isEqualTo(CHEAP_B);
    assertThat(docs.reason()).startsWith("rule 'docs' matched 'readme' -> cheap tier");
    assertThat(select(selector, "update the readmes").reason()).doesNotContain("rule 'docs'");

    // A regex rule, found in any case.
    Selection security = select(selector, "is cve-2024-3094 exploitable here?");
    assertThat(security.model()).isEqualTo(STRONG);
    assertThat(security.reason()).startsWith("rule 'security' matched 'cve-2024' -> strong tier");

    // replaceDefaultRules: "refactor" no longer goes to the strong tier by rule.
    assertThat(select(selector, "refactor the parser").reason()).startsWith("complexity ");
    assertThat(select(RuleBasedSelector.defaults(), "refactor the parser").model()).isEqualTo(STRONG);

    // The speed keywords are replaced, and the speed rule caps the output at reducedMaxOutputTokens.
    Selection fast = select(selector, "answer asap");
    assertThat(fast.reason()).startsWith("speed keyword 'asap'");
    assertThat(fast.maxOutputTokens()).isEqualTo(OptionalInt.of(512));
    assertThat(select(selector, "answer quickly").reason()).doesNotContain("speed keyword");

    // Phases: one default overridden, one added, the others kept.
    assertThat(selectPhase(selector, "implementation").model()).isEqualTo(STRONG);
    assertThat(selectPhase(selector, "Triage").model()).isEqualTo(BAL);
    assertThat(selectPhase(selector, "planning").model()).isEqualTo(STRONG);
    assertThat(selectPhase(selector, "review").model()).isEqualTo(BAL);
  }

  @ParameterizedTest
  @ValueSource(strings = {"ralex.yaml", "ralex.json"})
  void budgetTiersAreSharesOfTheBudgetLeft(String name) {
    ModelSelector selector = selectorOf(name, name.endsWith(".json") ? RULES_JSON : RULES_YAML);
    ModelSelector defaults = RuleBasedSelector.defaults();

    // 45% left: any model by default (above 40%), cheap models only above 50%.
    assertThat(selectWithSpent(defaults, "2.75").reason()).doesNotContain("cheap models only");
    Selection cheapOnly = selectWithSpent(selector, "2.75");
    assertThat(cheapOnly.reason()).contains("budget 'daily global' 45% left: cheap models only");
    assertThat(cheapOnly.fallbacks()).allMatch(m -> m.tier() == ModelTier.CHEAP);

    // 15% left: cheap models by default (from 10%), the cheapest alone below 20%, output reduced.
    assertThat(selectWithSpent(defaults, "4.25").maxOutputTokens()).isEmpty();
    Selection cheapest = selectWithSpent(selector, "4.25");
    assertThat(cheapest.model()).isEqualTo(CHEAP_B);
    assertThat(cheapest.reason()).startsWith("cheapest model").contains("output capped at 512");
    assertThat(cheapest.maxOutputTokens()).isEqualTo(OptionalInt.of(512));
  }

  @Test
  void theSelectorAssumesTheOutputItIsGivenForContextFit() {
    ModelInfo strongSmall = TestModels.model("t/strong-small", 8_000, 4_000, "10", "30", ModelTier.STRONG);
    List<ModelInfo> candidates = List.of(CHEAP_B, strongSmall);
    ChatRequest request = ChatRequest.of("refactor the parser");

    // 5,000 input tokens and 4,000 assumed output do not fit a window of 8,000; 5,000 and 1,000 do.
    ModelSelector defaults = RuleBasedSelector.defaults();
    assertThat(defaults.select(ctx(request, candidates, 5_000, BudgetSnapshot.UNLIMITED)).model())
        .isEqualTo(CHEAP_B);
    String section = "selector:\n  type: rules\n";
    ModelSelector own = selectorOf("own.yaml", PROVIDER + section + "  defaultMaxOutputTokens: 1000\n");
    assertThat(own.select(ctx(request, candidates, 5_000, BudgetSnapshot.UNLIMITED)).model()).isEqualTo(strongSmall);
    // Without its own, the selector takes the file's top-level default.
    ModelSelector inherited = selectorOf("top.yaml", PROVIDER + "defaultMaxOutputTokens: 1000\n" + section);
    assertThat(inherited.select(ctx(request, candidates, 5_000, BudgetSnapshot.UNLIMITED)).model())
        .isEqualTo(strongSmall);
  }

  @Test
  void customRulesComeAfterTheDefaultOnesUnlessReplaced() {
    ModelSelector selector = selectorOf("ralex.yaml", PROVIDER + """
        selector:
          type: rules
          rules:
            - name: docs
              keywords: [readme]
              tier: cheap
        """);
    assertThat(select(selector, "refactor the parser").model()).isEqualTo(STRONG);
    assertThat(select(selector, "update the readme").reason()).startsWith("rule 'docs'");
    // Without a selector section, the default selector.
    assertThat(selectorOf("plain.yaml", PROVIDER)).isInstanceOf(DefaultModelSelector.class);
  }

  @Test
  void valuesMayComeFromTheEnvironment() {
    env.put("DOC_WORD", "manual");
    env.put("ANY_ABOVE", "50%");
    ModelSelector selector = selectorOf("ralex.yaml", PROVIDER + """
        selector:
          type: rules
          rules:
            - {name: docs, keywords: ["${DOC_WORD}"], tier: cheap}
          budgetTiers: {anyAbove: "${ANY_ABOVE}", cheapestBelow: 0}
        """);
    assertThat(select(selector, "read the manual").reason()).startsWith("rule 'docs' matched 'manual'");
    assertThat(selectWithSpent(selector, "2.75").reason()).contains("cheap models only");
    // cheapestBelow 0: never the cheapest alone while anything is left.
    assertThat(selectWithSpent(selector, "4.99").reason()).contains("cheap models only");
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Scoring

  @ParameterizedTest
  @ValueSource(strings = {"ralex.yaml", "ralex.json"})
  void scoringWeightsChangeTheChoice(String name) {
    List<ModelInfo> candidates = List.of(CHEAP_B, BAL);
    ChatRequest request = ChatRequest.of("hello");

    ModelSelector byDefault = selectorOf(name, name.endsWith(".json")
        ? "{\"providers\": {\"test\": {\"apiKey\": \"k\"}}, \"selector\": {\"type\": \"scoring\"}}"
        : PROVIDER + "selector:\n  type: scoring\n");
    assertThat(byDefault).isInstanceOf(ScoringSelector.class);
    assertThat(byDefault.select(ctx(request, candidates, 100, BudgetSnapshot.UNLIMITED)).model()).isEqualTo(CHEAP_B);

    // Capability alone: the balanced tier fits a simple task better than the cheap one.
    ModelSelector capability = selectorOf(name, name.endsWith(".json")
        ? "{\"providers\": {\"test\": {\"apiKey\": \"k\"}}, \"selector\": {\"type\": \"scoring\", \"weights\": {\"capability\": 1, "
            + "\"cost\": 0, \"latency\": \"0\", \"success\": 0.0}, \"defaultOutputTokens\": 1024}}"
        : PROVIDER + "selector:\n  type: scoring\n  weights: {capability: 1, cost: 0, latency: '0', success: 0.0}\n"
            + "  defaultOutputTokens: 1024\n");
    Selection s = capability.select(ctx(request, candidates, 100, BudgetSnapshot.UNLIMITED));
    assertThat(s.model()).isEqualTo(BAL);
    assertThat(s.reason()).contains("cap 0.85x1.00", "cost 0.00x0.00");
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Selector files of their own

  @Test
  void aRulesFileOfItsOwnNeedsNoType() {
    Path file = write("rules.yaml", """
        replaceDefaultRules: true
        rules:
          - name: security
            regex: '\\bCVE-\\d+'
            tier: strong
        """);
    RuleBasedSelector selector = ConfigLoader.ruleBasedSelector(file, env::get);
    assertThat(select(selector, "about CVE-2021-44228").reason()).startsWith("rule 'security'");
    assertThat(select(selector, "refactor the parser").reason()).startsWith("complexity ");

    Path json = write("rules.json", "{\"type\": \"rules\", \"rules\": [{\"name\": \"docs\", \"keywords\": "
        + "[\"readme\"], \"tier\": \"balanced\"}]}");
    assertThat(select(ConfigLoader.ruleBasedSelector(json, env::get), "the readme").model()).isEqualTo(BAL);
  }

  @Test
  void aScoringFileOfItsOwn() {
    Path file = write("scoring.json", "{\"weights\": {\"capability\": 1, \"cost\": 0, \"latency\": 0, "
        + "\"success\": 0}}");
    ScoringSelector selector = ConfigLoader.scoringSelector(file, env::get);
    ChatRequest request = ChatRequest.of("hello");
    assertThat(selector.select(ctx(request, List.of(CHEAP_B, BAL), 100, BudgetSnapshot.UNLIMITED)).model())
        .isEqualTo(BAL);
  }

  /** The README's example of a rules file, as written there (the module's directory is the working directory). */
  @Test
  void theReadmeRulesFileLoads() throws IOException {
    String readme = Files.readString(Path.of("..", "README.md"));
    int section = readme.indexOf("### Rules from a file");
    assertThat(section).as("the README's section").isNotNegative();
    int start = readme.indexOf("```yaml\n", section) + "```yaml\n".length();
    String yaml = readme.substring(start, readme.indexOf("```", start));

    RuleBasedSelector selector = ConfigLoader.ruleBasedSelector(write("rules.yaml", yaml), env::get);
    assertThat(select(selector, "update the readme").model()).isEqualTo(CHEAP_B);
    assertThat(select(selector, "see CVE-2024-3094").model()).isEqualTo(STRONG);
    assertThat(select(selector, "do it asap").maxOutputTokens()).isEqualTo(OptionalInt.of(1024));
    assertThat(selectPhase(selector, "triage").model()).isEqualTo(BAL);
  }

  @Test
  void aSelectorFileOfItsOwnReportsPathsFromItsTopLevel() {
    assertThat(rulesFileError("rules.yaml", "rules:\n  - name: security\n    regex: '(CVE'\n    tier: strong\n"))
        .contains("rules.yaml", "line 3", "'rules[0].regex' (rule 'security') is not a valid regular expression",
            "Unclosed group");
    assertThat(rulesFileError("rules.yaml", "type: scoring\n"))
        .contains("line 1", "'type' must be rules in a file read by RuleBasedSelector.fromConfig");
    assertThat(rulesFileError("rules.yaml", "weights: {cost: 1}\n"))
        .contains("'weights' applies only to type: scoring");
    assertThat(rulesFileError("rules.yaml", "rulez: []\n"))
        .contains("unknown key 'rulez'", "did you mean 'rules'?", "at the top level", "budgetTiers", "phases");
    assertThat(rulesFileError("rules.yaml", "")).contains("rules.yaml is empty");
    assertThat(rulesFileError("rules.toml", "rules: []\n")).contains("unsupported extension");
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Errors

  private static String rules(String rest) {
    return PROVIDER + "selector:\n  type: rules\n" + rest;
  }

  @Test
  void anUnknownKeyNamesThePathAndTheKeysAllowed() {
    assertThat(error(rules("  rulez: []\n"))).contains("line 6", "unknown key 'selector.rulez'",
        "did you mean 'rules'?", "in 'selector'", "budgetTiers, defaultMaxOutputTokens, defaultOutputTokens, phases, "
            + "reducedMaxOutputTokens, replaceDefaultRules, rules, speedKeywords, type, weights");
    assertThat(error(rules("  rules:\n    - {name: docs, keyword: [readme], tier: cheap}\n")))
        .contains("unknown key 'selector.rules[0].keyword'", "did you mean 'keywords'?", "keywords, name, regex, tier");
    assertThat(error(rules("  budgetTiers: {anyAbove: 40%, cheapest: 10%}\n")))
        .contains("unknown key 'selector.budgetTiers.cheapest'", "anyAbove, cheapestBelow");
    assertThat(error(PROVIDER + "selector:\n  type: scoring\n  weights: {speed: 1}\n"))
        .contains("unknown key 'selector.weights.speed'", "capability, cost, latency, success");
  }

  @Test
  void theTypeIsRequiredAndChecked() {
    assertThat(error(PROVIDER + "selector:\n  rules: []\n")).contains("line 4", "'selector' needs 'type': rules or "
        + "scoring");
    assertThat(error(PROVIDER + "selector:\n  type: bandit\n")).contains("line 5",
        "'selector.type' must be rules or scoring");
  }

  @Test
  void aBadTierNamesThePath() {
    assertThat(error(rules("  rules:\n    - name: docs\n      keywords: [readme]\n      tier: expensive\n")))
        .contains("line 9", "'selector.rules[0].tier' must be cheap, balanced or strong");
    assertThat(error(rules("  phases: {planning: huge}\n")))
        .contains("line 6", "'selector.phases.planning' must be cheap, balanced or strong");
    assertThat(error(rules("  rules:\n    - name: docs\n      keywords: [readme]\n")))
        .contains("line 7", "'selector.rules[0]' needs 'tier': cheap, balanced or strong");
  }

  @Test
  void aBadRegexNamesTheRuleAndThePath() {
    String message = error(rules("""
          rules:
            - name: docs
              keywords: [readme]
              tier: cheap
            - name: security
              regex: "(?i)CVE-(\\\\d+"
              tier: strong
        """));
    assertThat(message).contains("ralex.yaml", "line 11", "'selector.rules[1].regex' (rule 'security') is not a "
        + "valid regular expression: Unclosed group");
  }

  @Test
  void aBadRegexFromTheEnvironmentIsNotShown() {
    env.put("SECRET_PATTERN", "sk-live-(abc");
    String message = error(rules("  rules:\n    - {name: n, regex: \"${SECRET_PATTERN}\", tier: strong}\n"));
    assertThat(message).contains("'selector.rules[0].regex' is not a valid regular expression",
        "${SECRET_PATTERN}").doesNotContain("sk-live", "Unclosed");
  }

  @Test
  void aRuleHasExactlyOneOfKeywordsAndRegexAndAtLeastOneKeyword() {
    assertThat(error(rules("  rules:\n    - {name: x, keywords: [a], regex: b, tier: cheap}\n")))
        .contains("line 7", "'selector.rules[0]' sets both 'keywords' and 'regex'");
    assertThat(error(rules("  rules:\n    - {name: x, tier: cheap}\n")))
        .contains("'selector.rules[0]' needs 'keywords'", "or 'regex'");
    assertThat(error(rules("  rules:\n    - {name: x, keywords: [], tier: cheap}\n")))
        .contains("'selector.rules[0].keywords' must list at least one keyword");
    assertThat(error(rules("  rules:\n    - {name: x, keywords: [a, ' '], tier: cheap}\n")))
        .contains("'selector.rules[0].keywords[1]' must be a word or phrase, not blank");
    assertThat(error(rules("  rules:\n    - {keywords: [a], tier: cheap}\n")))
        .contains("'selector.rules[0]' needs 'name'");
    assertThat(error(rules("  rules:\n    - {name: x, regex: '', tier: cheap}\n")))
        .contains("line 7", "'selector.rules[0].regex' must be a regular expression, not blank");
    assertThat(error(rules("  rules:\n    - {name: x, regex: ' ', tier: cheap}\n")))
        .contains("'selector.rules[0].regex' must be a regular expression, not blank");
    assertThat(error(rules("  rules:\n    - null\n"))).contains("'selector.rules[0]' must not be empty");
  }

  @Test
  void keysOfTheOtherTypeAreErrors() {
    assertThat(error(rules("  weights: {capability: 1}\n"))).contains("line 6",
        "'selector.weights' applies only to type: scoring; remove it, or set type: scoring");
    assertThat(error(rules("  defaultOutputTokens: 100\n")))
        .contains("'selector.defaultOutputTokens' applies only to type: scoring");
    String scoring = PROVIDER + "selector:\n  type: scoring\n";
    assertThat(error(scoring + "  rules: []\n")).contains("line 6",
        "'selector.rules' applies only to type: rules; remove it, or set type: rules");
    assertThat(error(scoring + "  replaceDefaultRules: false\n"))
        .contains("'selector.replaceDefaultRules' applies only to type: rules");
    assertThat(error(scoring + "  budgetTiers: {anyAbove: 1, cheapestBelow: 0}\n"))
        .contains("'selector.budgetTiers' applies only to type: rules");
    assertThat(error(scoring + "  defaultMaxOutputTokens: 10\n"))
        .contains("'selector.defaultMaxOutputTokens' applies only to type: rules");
  }

  @Test
  void budgetTiersAreCheckedByKey() {
    assertThat(error(rules("  budgetTiers: {anyAbove: 140%, cheapestBelow: 10%}\n")))
        .contains("line 6", "'selector.budgetTiers.anyAbove' must be a share of the budget from 0 to 1");
    assertThat(error(rules("  budgetTiers: {anyAbove: 0.4}\n")))
        .contains("'selector.budgetTiers' needs 'cheapestBelow'");
    assertThat(error(rules("  budgetTiers: {anyAbove: 10%, cheapestBelow: 40%}\n")))
        .contains("line 6", "'selector.budgetTiers' is invalid", "cheapestBelow <= anyAbove");
    assertThat(error(rules("  reducedMaxOutputTokens: 0\n")))
        .contains("'selector.reducedMaxOutputTokens' must be a whole number from 1");
  }

  @Test
  void weightsAreCheckedByKey() {
    String scoring = PROVIDER + "selector:\n  type: scoring\n";
    assertThat(error(scoring + "  weights: {cost: -1}\n"))
        .contains("line 6", "'selector.weights.cost' must be a weight of at least 0");
    assertThat(error(scoring + "  weights: {cost: 1e3}\n")).contains("'selector.weights.cost' must be a weight");
    assertThat(error(scoring + "  weights: {capability: 0, cost: 0, latency: 0, success: 0}\n"))
        .contains("'selector.weights' is invalid: at least one weight must be greater than 0");
  }

  @Test
  void phasesDifferingOnlyInCaseAreOne() {
    assertThat(error(rules("  phases: {Planning: strong, planning: cheap}\n")))
        .contains("'selector.phases.planning' is the same phase as 'selector.phases.Planning'");
  }
}
