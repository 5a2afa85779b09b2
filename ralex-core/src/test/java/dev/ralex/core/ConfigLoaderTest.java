package dev.ralex.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.ralex.api.BudgetExceededException;
import dev.ralex.api.BudgetSnapshot;
import dev.ralex.api.ChatRequest;
import dev.ralex.api.CircuitOpenException;
import dev.ralex.api.ConfigurationException;
import dev.ralex.api.ErrorDetails;
import dev.ralex.api.Message;
import dev.ralex.api.ProviderUnavailableException;
import dev.ralex.api.RalexEvent;
import dev.ralex.api.RalexEvent.CircuitStateChanged.State;
import dev.ralex.api.RalexListener;
import dev.ralex.api.RateLimitInfo;
import dev.ralex.api.RateLimitedException;
import dev.ralex.api.RoutingContext;
import dev.ralex.api.Selection;
import dev.ralex.api.Usage;
import dev.ralex.core.testing.TestFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ConfigLoaderTest {
  private static final String SECRET = "sk-live-0123456789abcdef";
  private static final String PROVIDER = "providers:\n  test:\n    apiKey: k\n";

  @TempDir
  Path dir;

  private final Map<String, String> env = new HashMap<>(Map.of("TEST_API_KEY", SECRET));
  private final ManualClock clock = ManualClock.at("2026-11-25T10:00:00Z");
  private final RecordingSleeper sleeper = new RecordingSleeper(clock);

  private Path write(String name, String content) {
    return TestFiles.write(dir, name, content);
  }

  private Ralex.Builder load(Path file) {
    return ConfigLoader.load(file, env::get);
  }

  private Ralex build(String yaml) {
    return load(write("ralex.yaml", yaml)).build();
  }

  /** Builds on the manual clock and the recording sleeper, so that rate limits and circuits run exactly. */
  private Ralex buildTimed(String yaml) {
    return load(write("ralex.yaml", yaml)).clock(clock).sleeper(sleeper).build();
  }

  /** The message of the ConfigurationException that loading this content throws. */
  private String error(String name, String content) {
    Path file = write(name, content);
    Throwable thrown = catchThrowable(() -> load(file));
    assertThat(thrown).isInstanceOf(ConfigurationException.class);
    return thrown.getMessage();
  }

  private String yamlError(String content) {
    return error("ralex.yaml", content);
  }

  private static Path resource(String name) {
    try {
      return Path.of(ConfigLoaderTest.class.getResource("/config/" + name).toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  private static BigDecimal limitOf(Ralex ralex, ChatRequest request) {
    return ralex.usage().snapshot(request).limit().orElseThrow();
  }

  private static ChatRequest tagged(String key, String value) {
    return ChatRequest.builder().addUserMessage("x").tag(key, value).build();
  }

  /**
   * Reserves {@code cost} for {@code request} on test/small and commits it as billed, as the pipeline does after
   * an attempt; returns the budget alerts the commit raised.
   */
  private List<RalexEvent.BudgetAlert> spend(Ralex ralex, ChatRequest request, String callId, String cost) {
    return ralex.usage().reserve(request, ralex.model("test/small"), new BigDecimal(cost)).commitAlerting(
        new UsageRecord(callId, clock.instant(), "test/small", "test", Usage.of(10, 5), new BigDecimal(cost),
            request.tags(), request.conversationId().orElse(null)));
  }

  /** A listener that adds every budget alert to {@code alerts}. */
  private static RalexListener alertsTo(List<RalexEvent.BudgetAlert> alerts) {
    return new RalexListener() {
      @Override
      public void onBudgetAlert(RalexEvent.BudgetAlert event) {
        alerts.add(event);
      }
    };
  }

  /** The records in a journal directory, read after the Ralex that wrote them is closed. */
  private static List<UsageRecord> journalRecords(Path directory) {
    try (UsageStore journal = UsageStore.journal(directory)) {
      return journal.records(Instant.EPOCH, Instant.parse("2100-01-01T00:00:00Z"));
    }
  }

  /** One attempt on the model that failed in a way its circuit counts. */
  private static void attemptFails(Ralex ralex, String model) {
    ralex.circuits.acquire("call", ralex.model(model)).failed(Duration.ofSeconds(1),
        new ProviderUnavailableException("Internal server error", false, ErrorDetails.of("test", 500, "req_1")));
  }

  /** One attempt on the model that succeeded after {@code took}. */
  private static void attemptSucceeds(Ralex ralex, String model, Duration took) {
    ralex.circuits.acquire("call", ralex.model(model)).succeeded(took);
  }

  /** What the provider's headers would say after a response: no requests left this minute, pause for 30s. */
  private static RateLimitInfo exhausted() {
    return new RateLimitInfo(new RateLimitInfo.Window(60, 0, null), null, null, null, Duration.ofSeconds(30));
  }

  // ---------------------------------------------------------------------------------------------------------------
  // The whole format

  @ParameterizedTest
  @ValueSource(strings = {"full.yaml", "full.json"})
  void aFullFileConfiguresEverySetting(String name) {
    env.put("USAGE_DIR", dir.resolve("usage").toString());
    try (Ralex ralex = load(resource(name)).clock(clock).sleeper(sleeper).build()) {
      assertThat(ralex.defaultModel().id()).isEqualTo("test/large");
      Selection selection = ralex.selector.select(new RoutingContext("call-1", ChatRequest.of("x"), ralex.models(),
          ralex.defaultModel(), 1, BudgetSnapshot.UNLIMITED, Map.of(),
          ComplexityAnalyzer.DEFAULT.analyze(ChatRequest.of("x"))));
      assertThat(selection.fallbacks()).extracting(m -> m.id()).containsExactly("test/small");
      assertThat(ralex.maxOutputTokens(ChatRequest.of("x"), ralex.model("test/large"))).isEqualTo(1024);
      assertThat(ralex.listeners.isEmpty()).as("debug adds the logging listener").isFalse();

      // Provider settings: substituted, defaulted, numbers and booleans as text, empty ones left out.
      assertThat(TestProviderFactory.lastConfig.settings()).containsExactlyInAnyOrderEntriesOf(Map.of(
          "apiKey", SECRET, "baseUrl", "https://test.invalid/v1", "maxConnections", "8", "verbose", "yes"));

      // The catalog file, next to the configuration file, adds a model of the configured provider.
      assertThat(ralex.model("test/medium").contextWindow()).isEqualTo(50_000);

      assertThat(ralex.usage().snapshot(ChatRequest.of("x")).budget()).isEqualTo("daily global");
      assertThat(limitOf(ralex, ChatRequest.of("x"))).isEqualByComparingTo("5.00");
      assertThat(limitOf(ralex, tagged("team", "search"))).isEqualByComparingTo("1");
      assertThat(ralex.usage().snapshot(tagged("team", "search")).budget()).isEqualTo("daily tag team=search");
      ChatRequest inConversation = ChatRequest.builder().addUserMessage("x").conversationId("c-42").build();
      assertThat(limitOf(ralex, inConversation)).isEqualByComparingTo("0.50");
      // The templates: each other conversation $0.20 a day, each user $2 a month.
      ChatRequest otherConversation = ChatRequest.builder().addUserMessage("x").conversationId("c-7").build();
      assertThat(limitOf(ralex, otherConversation)).isEqualByComparingTo("0.20");
      assertThat(limitOf(ralex, tagged("user", "ann"))).isEqualByComparingTo("2");
      // alertThreshold 50% on the daily $5.00, 0.25 on each user's $2.
      assertThat(spend(ralex, ChatRequest.of("x"), "call-1", "2.50")).singleElement().satisfies(a -> {
        assertThat(a.budget()).isEqualTo("daily global");
        assertThat(a.threshold()).isEqualByComparingTo("0.5");
      });
      assertThat(spend(ralex, tagged("user", "ann"), "call-2", "0.50")).singleElement()
          .satisfies(a -> assertThat(a.budget()).isEqualTo("monthly tag user=ann"));

      assertThat(ralex.retryPolicy.maxRetries()).isEqualTo(5);
      assertThat(ralex.retryPolicy.deadline()).isEqualTo(Duration.ofMinutes(2));
      assertThat(ralex.retryPolicy.toString())
          .contains("baseDelay=PT2S", "maxDelay=PT20S", "maxRetryAfter=PT1M30S");

      // adaptiveRateLimits: false: the headers' "none left, pause 30s" is ignored.
      ralex.rateLimiter.observe(ralex.model("test/small"), exhausted());
      ralex.rateLimiter.observe(ralex.model("test/large"), exhausted());
      // test/large queues, one request per 10s: the second waits its turn, far beyond the other entry's maxWait.
      assertThat(ralex.rateLimiter.acquire(ralex.model("test/large"), 10).waited()).isZero();
      assertThat(ralex.rateLimiter.acquire(ralex.model("test/large"), 10).waited()).isEqualTo(Duration.ofSeconds(10));
      // requestsPerMinute: 1 with fail_fast on test/small: the second permit is refused at once.
      ralex.rateLimiter.acquire(ralex.model("test/small"), 10);
      assertThatThrownBy(() -> ralex.rateLimiter.acquire(ralex.model("test/small"), 10))
          .isInstanceOf(RateLimitedException.class).hasMessageContaining("per minute on 'test/small'");
      // The provider's second limit, 3 requests per hour, is used up by the three calls above.
      assertThatThrownBy(() -> ralex.rateLimiter.acquire(ralex.model("test/large"), 10))
          .isInstanceOf(RateLimitedException.class).hasMessageContaining("3 requests per PT1H on 'test'");

      assertThat(ralex.escalateOnFailure).isTrue();

      // The circuit counts the last 4 attempts once there are 4, and opens at 75% failures: 2 of 4 is not enough.
      attemptSucceeds(ralex, "test/large", Duration.ofSeconds(1));
      attemptFails(ralex, "test/large");
      attemptFails(ralex, "test/large");
      attemptSucceeds(ralex, "test/large", Duration.ofSeconds(1));
      assertThat(ralex.circuits.state("test/large")).isEqualTo(State.CLOSED);
      attemptFails(ralex, "test/large");
      assertThat(ralex.circuits.state("test/large")).isEqualTo(State.OPEN);
      assertThatThrownBy(() -> attemptFails(ralex, "test/large")).isInstanceOfSatisfying(CircuitOpenException.class,
          e -> assertThat(e.retryAfter()).hasValue(Duration.ofSeconds(10)));
      // After waitInOpenState, 2 probe attempts and no more.
      clock.advance(Duration.ofSeconds(11));
      ralex.circuits.acquire("probe-1", ralex.model("test/large"));
      ralex.circuits.acquire("probe-2", ralex.model("test/large"));
      assertThat(ralex.circuits.state("test/large")).isEqualTo(State.HALF_OPEN);
      assertThatThrownBy(() -> ralex.circuits.acquire("probe-3", ralex.model("test/large")))
          .isInstanceOf(CircuitOpenException.class);

      // Slower than 45s counts as slow, and 12.5% slow calls open the circuit: 1 of 4 does.
      attemptSucceeds(ralex, "test/small", Duration.ofSeconds(46));
      for (int i = 0; i < 3; i++) {
        attemptSucceeds(ralex, "test/small", Duration.ofSeconds(44));
      }
      assertThat(ralex.circuits.state("test/small")).isEqualTo(State.OPEN);
    }
    // The usage store: a journal in the directory from ${USAGE_DIR}, holding what was billed.
    assertThat(journalRecords(dir.resolve("usage"))).extracting(UsageRecord::callId)
        .containsExactly("call-1", "call-2");
  }

  @Test
  void amountsAreExactDecimalsWhetherNumbersOrStrings() {
    try (Ralex ralex = build(PROVIDER + "budgets:\n  - period: monthly\n    limit: 100.10\n")) {
      // equals, not compareTo: a trip through double would have given 100.1.
      assertThat(limitOf(ralex, ChatRequest.of("x"))).isEqualTo(new BigDecimal("100.10"));
    }
    try (Ralex ralex = build(PROVIDER + "budgets:\n  - period: monthly\n    limit: \"0.10\"\n")) {
      assertThat(limitOf(ralex, ChatRequest.of("x"))).isEqualTo(new BigDecimal("0.10"));
    }
  }

  @Test
  void timeZoneSetsWhereBudgetDaysStart() {
    String yaml = PROVIDER + "timeZone: Europe/Berlin\nbudgets:\n  - period: daily\n    limit: 10\n";
    ChatRequest request = ChatRequest.of("x");
    // 23:30 UTC is already the next day in Berlin; an hour later it is a new day in UTC but not in Berlin.
    for (boolean berlin : new boolean[] {true, false}) {
      ManualClock clock = ManualClock.at("2026-11-25T23:30:00Z");
      Ralex.Builder builder = load(write("ralex.yaml", yaml)).clock(clock);
      if (!berlin) {
        builder.zone(ZoneOffset.UTC);
      }
      try (Ralex ralex = builder.build()) {
        ralex.usage().reserve(request, ralex.model("test/small"), BigDecimal.ONE).commit(new UsageRecord("c1",
            clock.instant(), "test/small", "test", Usage.of(10, 5), BigDecimal.ONE, Map.of(), null));
        clock.advance(Duration.ofHours(1));
        assertThat(ralex.usage().snapshot(request).spent()).isEqualByComparingTo(berlin ? "1" : "0");
      }
    }
  }

  @Test
  void aProviderWithoutSettingsIsConfiguredFromTheEnvironment() {
    env.put("RALEX_TEST_API_KEY", "from-env");
    try (Ralex ralex = build("providers:\n  test:\n")) {
      assertThat(ralex.models()).extracting(m -> m.id()).contains("test/small", "test/large");
      assertThat(TestProviderFactory.lastConfig.settings()).isEmpty();
      assertThat(TestProviderFactory.lastConfig.get("apiKey", "RALEX_TEST_API_KEY")).contains("from-env");
    }
  }

  @Test
  void unsetKeysKeepTheBuilderDefaults() {
    try (Ralex ralex = buildTimed(PROVIDER)) {
      assertThat(ralex.retryPolicy).isSameAs(RetryPolicy.defaults());
      assertThat(ralex.usage().snapshot(ChatRequest.of("x"))).isEqualTo(BudgetSnapshot.UNLIMITED);
      assertThat(ralex.listeners.isEmpty()).isTrue();
      assertThat(ralex.escalateOnFailure).isFalse();

      // Adaptive rate limits: the headers' "none left" makes the next call wait for a request to refill (1s).
      ralex.rateLimiter.observe(ralex.model("test/small"), exhausted());
      assertThat(ralex.rateLimiter.acquire(ralex.model("test/small"), 10).waited()).isPositive();

      // The default circuit breaker: opens once 10 attempts are counted, for 30s, then lets 3 probes through.
      for (int i = 0; i < 9; i++) {
        attemptFails(ralex, "test/large");
      }
      assertThat(ralex.circuits.state("test/large")).isEqualTo(State.CLOSED);
      attemptFails(ralex, "test/large");
      assertThatThrownBy(() -> attemptFails(ralex, "test/large")).isInstanceOfSatisfying(CircuitOpenException.class,
          e -> assertThat(e.retryAfter()).hasValue(Duration.ofSeconds(30)));
      clock.advance(Duration.ofSeconds(31));
      for (int i = 0; i < 3; i++) {
        ralex.circuits.acquire("probe", ralex.model("test/large"));
      }
      assertThatThrownBy(() -> ralex.circuits.acquire("probe", ralex.model("test/large")))
          .isInstanceOf(CircuitOpenException.class);
    }
  }

  @Test
  void retryKeepsTheDefaultsOfKeysItLeavesOut() {
    try (Ralex ralex = build(PROVIDER + "retry:\n  maxRetries: 0\n")) {
      assertThat(ralex.retryPolicy.maxRetries()).isZero();
      assertThat(ralex.retryPolicy.deadline()).isEqualTo(RetryPolicy.defaults().deadline());
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Budgets: alert thresholds and templates

  @Test
  void alertThresholdSetsWhenTheBudgetAlertFires() {
    // Each echo on test/small bills 10 x $1/M + 5 x $2/M = $0.00002; the cap is $0.0001, so 60% is the third call.
    for (String threshold : List.of("60%", "0.6", "\"0.60\"", "'60%'", "${THRESHOLD:-60%}")) {
      List<RalexEvent.BudgetAlert> seen = new CopyOnWriteArrayList<>();
      String yaml = PROVIDER + "defaultModel: test/small\ntimeZone: UTC\nbudgets:\n  - period: daily\n"
          + "    limit: \"0.0001\"\n    alertThreshold: " + threshold + "\n";
      try (Ralex ralex = load(write("ralex.yaml", yaml)).clock(clock).sleeper(sleeper).listener(alertsTo(seen))
          .build()) {
        List<String> callIds = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
          callIds.add(ralex.chat(ChatRequest.builder().addUserMessage("hi").maxOutputTokens(5).build()).callId());
        }
        assertThat(seen).as(threshold).singleElement().satisfies(a -> {
          assertThat(a.callId()).isEqualTo(callIds.get(2));
          assertThat(a.spent()).isEqualByComparingTo("0.00006");
          assertThat(a.threshold()).isEqualByComparingTo("0.6");
        });
      }
    }
  }

  @Test
  void withoutAlertThresholdTheAlertFiresAtEightyPercent() {
    List<RalexEvent.BudgetAlert> seen = new CopyOnWriteArrayList<>();
    String yaml = PROVIDER + "defaultModel: test/small\ntimeZone: UTC\nbudgets:\n  - period: daily\n"
        + "    limit: \"0.0001\"\n    alertThreshold:\n";
    try (Ralex ralex = load(write("ralex.yaml", yaml)).clock(clock).sleeper(sleeper).listener(alertsTo(seen))
        .build()) {
      List<String> callIds = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        callIds.add(ralex.chat(ChatRequest.builder().addUserMessage("hi").maxOutputTokens(5).build()).callId());
      }
      assertThat(seen).singleElement().satisfies(a -> {
        assertThat(a.callId()).isEqualTo(callIds.get(3));
        assertThat(a.threshold()).isEqualTo(Budget.DEFAULT_ALERT_THRESHOLD);
      });
    }
  }

  /** The alert threshold a budget gets from this value of {@code alertThreshold}, as its alert reports it. */
  private BigDecimal alertThresholdOf(String value) {
    String yaml = PROVIDER + "budgets:\n  - period: daily\n    limit: 10\n    alertThreshold: " + value + "\n";
    try (Ralex ralex = buildTimed(yaml)) {
      // Spending the whole cap crosses any threshold.
      return spend(ralex, ChatRequest.of("x"), "c1", "10").get(0).threshold();
    }
  }

  @Test
  void alertThresholdIsAFractionOrAPercentageReadExactly() {
    // Exact, not merely close: no trip through double, trailing zeros dropped.
    Map<String, String> forms = Map.of("0.8", "0.8", "0.80", "0.8", "80%", "0.8", "\"80%\"", "0.8", "12.5%", "0.125",
        "0.333333333333333", "0.333333333333333", "1", "1", "100%", "1", "0.5%", "0.005", " 25% ", "0.25");
    forms.forEach((value, expected) ->
        assertThat(alertThresholdOf(value)).as(value).isEqualTo(new BigDecimal(expected)));

    String description = "'budgets[0].alertThreshold' must be a share of the limit greater than 0 and at most 1, "
        + "written as a fraction such as 0.8 or a percentage such as 80%";
    String budget = PROVIDER + "budgets:\n  - period: daily\n    limit: 1\n    alertThreshold: ";
    for (String value : List.of("0", "0.0", "0%", "1.01", "101%", "80", "-0.5", "-80%", "8e-1", ".8", "80 %",
        "\"%80\"", "80%%", "eighty", "true", "0x1", "0.1234567890123456")) {
      assertThat(yamlError(budget + value + "\n")).as(value).contains("ralex.yaml", "line 7", description);
    }
    assertThat(yamlError(budget + "[0.8]\n")).contains("line 7", "'budgets[0].alertThreshold' must be", "not a list");
  }

  @Test
  void alertThresholdInJsonIsANumberOrAString() {
    String json = "{\"providers\": {\"test\": {\"apiKey\": \"k\"}},\n\"budgets\": [\n"
        + "  {\"period\": \"daily\", \"limit\": 10, \"alertThreshold\": 0.75},\n"
        + "  {\"period\": \"monthly\", \"limit\": 10, \"alertThreshold\": \"75%\"}]}\n";
    try (Ralex ralex = load(write("ralex.json", json)).clock(clock).build()) {
      assertThat(spend(ralex, ChatRequest.of("x"), "c1", "7.50")).extracting(RalexEvent.BudgetAlert::budget)
          .containsExactly("daily global", "monthly global");
    }
    String exponent = "{\"providers\": {\"test\": {\"apiKey\": \"k\"}},\n\"budgets\": [{\"period\": \"daily\", "
        + "\"limit\": 1,\n  \"alertThreshold\": 8e-1}]}\n";
    assertThat(error("ralex.json", exponent))
        .contains("ralex.json", "line 3", "'budgets[0].alertThreshold' must be a share of the limit");
  }

  @Test
  void aConversationTemplateCapsEachConversationApart() {
    // $0.00006 a day for each conversation; c-vip has more of its own. Each echo bills $0.00002, and the third
    // send's worst case (its history's input grows) no longer fits in what is left.
    String yaml = PROVIDER + """
        defaultModel: test/small
        timeZone: UTC
        budgets:
          - period: daily
            limit: "0.00006"
            scope: conversation:*
          - period: daily
            limit: 1
            scope: conversation:c-vip
        """;
    try (Ralex ralex = buildTimed(yaml)) {
      Conversation a = ralex.conversation("a");
      a.send(Message.user("one"), b -> b.maxOutputTokens(5));
      a.send(Message.user("two"), b -> b.maxOutputTokens(5));
      assertThatThrownBy(() -> a.send(Message.user("three"), b -> b.maxOutputTokens(5)))
          .isInstanceOfSatisfying(BudgetExceededException.class,
              e -> assertThat(e.budget()).isEqualTo("daily conversation a"));
      // Another conversation has a cap of its own, untouched by a's spend.
      ralex.conversation("b").send(Message.user("one"), b -> b.maxOutputTokens(5));
      Conversation vip = ralex.conversation("c-vip");
      for (int i = 0; i < 3; i++) {
        vip.send(Message.user("turn " + i), b -> b.maxOutputTokens(5));
      }
      // Calls outside conversations are not covered.
      for (int i = 0; i < 5; i++) {
        ralex.chat(ChatRequest.builder().addUserMessage("hi").maxOutputTokens(5).build());
      }
    }
  }

  @Test
  void aTagTemplateCapsEachValueOfTheTagApart() {
    String yaml = PROVIDER + """
        budgets:
          - period: daily
            limit: 2
            scope: tag:user=*
          - period: daily
            limit: 5
            scope: tag:user=root
          - period: monthly
            limit: 3
            scope: " tag: team = * "
        """;
    try (Ralex ralex = buildTimed(yaml)) {
      spend(ralex, tagged("user", "ann"), "c1", "1.50");
      assertThatThrownBy(() -> ralex.usage().reserve(tagged("user", "ann"), ralex.model("test/small"), BigDecimal.ONE))
          .isInstanceOfSatisfying(BudgetExceededException.class,
              e -> assertThat(e.budget()).isEqualTo("daily tag user=ann"));
      spend(ralex, tagged("user", "bob"), "c2", "1.50");
      assertThat(limitOf(ralex, tagged("user", "root"))).isEqualByComparingTo("5");
      assertThat(limitOf(ralex, tagged("team", "search"))).isEqualByComparingTo("3");
      assertThat(ralex.usage().snapshot(tagged("team", "search")).budget()).isEqualTo("monthly tag team=search");
      // Untagged calls are not covered.
      assertThat(ralex.usage().snapshot(ChatRequest.of("x"))).isEqualTo(BudgetSnapshot.UNLIMITED);
    }
  }

  @Test
  void aTemplateIsAScopeOfItsOwnWhenLookingForDuplicates() {
    String entry = "  - period: %s\n    limit: 1\n    scope: %s\n";
    String allowed = PROVIDER + "budgets:\n" + String.format(entry, "daily", "conversation:*")
        + String.format(entry, "daily", "conversation:c-1") + String.format(entry, "monthly", "conversation:*")
        + String.format(entry, "daily", "tag:user=*") + String.format(entry, "daily", "tag:user=ann")
        + String.format(entry, "daily", "tag:team=*") + String.format(entry, "daily", "global");
    buildTimed(allowed).close();

    String same = "'budgets[1]' has the same period and scope as 'budgets[0]'";
    assertThat(yamlError(PROVIDER + "budgets:\n" + String.format(entry, "daily", "conversation:*")
        + String.format(entry, "DAILY", "\" Conversation: * \""))).contains("ralex.yaml", "line 8", same);
    assertThat(yamlError(PROVIDER + "budgets:\n" + String.format(entry, "monthly", "tag:user=*")
        + String.format(entry, "monthly", "tag:user = *"))).contains("line 8", same);
  }

  @Test
  void anInvalidScopeNamesTheKeyAndTheLine() {
    String description = "'budgets[0].scope' must be global, tag:<key>=<value>, tag:<key>=* (each value apart), "
        + "conversation:<id> or conversation:* (each conversation apart)";
    for (String scope : List.of("tag:user", "tag:=*", "\"tag: =*\"", "tag:user=", "conversation:", "\"conversation: \"",
        "each conversation", "conversation")) {
      assertThat(yamlError(PROVIDER + "budgets:\n  - period: daily\n    limit: 1\n    scope: " + scope + "\n"))
          .as(scope).contains("ralex.yaml", "line 7", description);
    }
  }

  @Test
  void substitutionReachesTheBudgetSettings() {
    env.putAll(Map.of("SCOPE", "conversation:*", "THRESHOLD", "50%"));
    String yaml = PROVIDER + "budgets:\n  - period: daily\n    limit: 1\n    scope: ${SCOPE}\n"
        + "    alertThreshold: ${THRESHOLD}\n";
    try (Ralex ralex = buildTimed(yaml)) {
      ChatRequest inConversation = ChatRequest.builder().addUserMessage("x").conversationId("c-1").build();
      assertThat(ralex.usage().snapshot(inConversation).budget()).isEqualTo("daily conversation c-1");
      assertThat(spend(ralex, inConversation, "c1", "0.50")).singleElement()
          .satisfies(a -> assertThat(a.threshold()).isEqualByComparingTo("0.5"));
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Rate limits, circuit breaker, escalation

  @Test
  void aRateLimitsWindowIsThePeriodOfItsAllowances() {
    String yaml = PROVIDER + "rateLimits:\n  - scope: test\n    requestsPerMinute: 2\n    window: 1s\n"
        + "    onLimit: fail_fast\n";
    try (Ralex ralex = buildTimed(yaml)) {
      ralex.rateLimiter.acquire(ralex.model("test/small"), 10);
      ralex.rateLimiter.acquire(ralex.model("test/small"), 10);
      assertThatThrownBy(() -> ralex.rateLimiter.acquire(ralex.model("test/small"), 10))
          .isInstanceOfSatisfying(RateLimitedException.class, e -> {
            assertThat(e).hasMessageContaining("2 requests per PT1S on 'test'");
            assertThat(e.retryAfter()).hasValue(Duration.ofMillis(500));
          });
      // Two a second refill one every 500ms; per minute, 500ms would refill a sixtieth of one.
      clock.advance(Duration.ofMillis(500));
      ralex.rateLimiter.acquire(ralex.model("test/small"), 10);
    }
  }

  @Test
  void withoutAWindowALimitIsPerMinute() {
    String yaml = PROVIDER + "rateLimits:\n  - scope: test\n    requestsPerMinute: 2\n    onLimit: fail_fast\n";
    try (Ralex ralex = buildTimed(yaml)) {
      ralex.rateLimiter.acquire(ralex.model("test/small"), 10);
      ralex.rateLimiter.acquire(ralex.model("test/small"), 10);
      assertThatThrownBy(() -> ralex.rateLimiter.acquire(ralex.model("test/small"), 10))
          .isInstanceOfSatisfying(RateLimitedException.class, e -> {
            assertThat(e).hasMessageContaining("2 requests per minute on 'test'");
            assertThat(e.retryAfter()).hasValue(Duration.ofSeconds(30));
          });
    }
  }

  @Test
  void aQueueWaitsItsTurnBeyondMaxWait() {
    String yaml = PROVIDER + "rateLimits:\n  - scope: test\n    requestsPerMinute: 1\n    onLimit: QUEUE\n"
        + "    maxWait: 1s\n";
    try (Ralex ralex = buildTimed(yaml)) {
      ralex.rateLimiter.acquire(ralex.model("test/small"), 10);
      assertThat(ralex.rateLimiter.acquire(ralex.model("test/small"), 10).waited()).isEqualTo(Duration.ofMinutes(1));
      assertThat(sleeper.sleeps).containsExactly(Duration.ofMinutes(1));
    }
  }

  @Test
  void aScopeMayHaveOneLimitPerWindow() {
    String yaml = PROVIDER + "rateLimits:\n  - {scope: test, requestsPerMinute: 10}\n"
        + "  - {scope: test, requestsPerMinute: 2, window: 1h, onLimit: fail_fast}\n";
    try (Ralex ralex = buildTimed(yaml)) {
      ralex.rateLimiter.acquire(ralex.model("test/small"), 10);
      ralex.rateLimiter.acquire(ralex.model("test/large"), 10);
      assertThatThrownBy(() -> ralex.rateLimiter.acquire(ralex.model("test/small"), 10))
          .isInstanceOf(RateLimitedException.class).hasMessageContaining("2 requests per PT1H on 'test'");
    }
    // The same window written two ways is the same window; a window finer than the limiter's millisecond is refused.
    assertThat(yamlError(PROVIDER + "rateLimits:\n  - {scope: test, requestsPerMinute: 1, window: 1m}\n"
        + "  - {scope: test, tokensPerMinute: 1, window: 60s}\n"))
        .contains("line 6", "'rateLimits[1]' has the same scope and window as 'rateLimits[0]'");
    assertThat(yamlError(PROVIDER + "rateLimits:\n  - {scope: test, requestsPerMinute: 1}\n"
        + "  - {scope: test, tokensPerMinute: 1, window: PT60.0004S}\n"))
        .contains("line 6", "'rateLimits[1]'", "must be whole milliseconds");
  }

  @Test
  void adaptiveRateLimitsFalseIgnoresTheProvidersHeaders() {
    try (Ralex ralex = buildTimed(PROVIDER + "adaptiveRateLimits: false\n")) {
      ralex.rateLimiter.observe(ralex.model("test/small"), exhausted());
      assertThat(ralex.rateLimiter.acquire(ralex.model("test/small"), 10).waited()).isZero();
    }
    try (Ralex ralex = buildTimed(PROVIDER + "adaptiveRateLimits: on\n")) {
      ralex.rateLimiter.observe(ralex.model("test/small"), exhausted());
      assertThat(ralex.rateLimiter.acquire(ralex.model("test/small"), 10).waited()).isPositive();
    }
  }

  @Test
  void escalateOnFailureSetsEscalation() {
    try (Ralex ralex = build(PROVIDER + "escalateOnFailure: true\n")) {
      assertThat(ralex.escalateOnFailure).isTrue();
    }
    try (Ralex ralex = build(PROVIDER + "escalateOnFailure: no\n")) {
      assertThat(ralex.escalateOnFailure).isFalse();
    }
  }

  @Test
  void circuitBreakerKeepsTheDefaultsOfKeysItLeavesOut() {
    try (Ralex ralex = buildTimed(PROVIDER + "circuitBreaker:\n  minimumCalls: 2\n")) {
      // The default threshold, 50%, is reached at 1 failure in 2.
      attemptFails(ralex, "test/small");
      attemptSucceeds(ralex, "test/small", Duration.ofSeconds(1));
      assertThatThrownBy(() -> attemptFails(ralex, "test/small")).isInstanceOfSatisfying(
          CircuitOpenException.class, e -> assertThat(e.retryAfter()).hasValue(Duration.ofSeconds(30)));
      // Calls under the default slow-call duration (2m) are not slow.
      for (int i = 0; i < 5; i++) {
        attemptSucceeds(ralex, "test/large", Duration.ofSeconds(119));
      }
      assertThat(ralex.circuits.state("test/large")).isEqualTo(State.CLOSED);
    }
    try (Ralex ralex = buildTimed(PROVIDER + "circuitBreaker:\n")) {
      for (int i = 0; i < 9; i++) {
        attemptFails(ralex, "test/small");
      }
      assertThat(ralex.circuits.state("test/small")).as("an empty section changes nothing").isEqualTo(State.CLOSED);
    }
  }

  @Test
  void circuitBreakerEnabledFalseTurnsCircuitBreakingOff() {
    try (Ralex ralex = buildTimed(PROVIDER + "circuitBreaker:\n  enabled: false\n  minimumCalls: 1\n")) {
      for (int i = 0; i < 50; i++) {
        attemptFails(ralex, "test/small");
      }
      assertThat(ralex.circuits.state("test/small")).isEqualTo(State.CLOSED);
    }
    // The other keys are checked all the same.
    assertThat(yamlError(PROVIDER + "circuitBreaker:\n  enabled: false\n  minimumCalls: 0\n"))
        .contains("line 6", "'circuitBreaker.minimumCalls' must be a whole number from 1");
  }

  @Test
  void invalidResilienceSettingsNameTheKeyAndTheLine() {
    String limit = PROVIDER + "rateLimits:\n  - scope: test\n    requestsPerMinute: 5\n";
    String window = "'rateLimits[0].window' must be a duration such as 30s, 500ms, 2m, 1h or PT30S, at least 1ms";
    for (String value : List.of("0s", "-1s", "PT0.0005S", "9000000000000h", "soon", "30")) {
      assertThat(yamlError(limit + "    window: " + value + "\n")).as(value).contains("ralex.yaml", "line 7", window);
    }
    assertThat(yamlError(limit + "    onLimit: later\n"))
        .contains("line 7", "'rateLimits[0].onLimit' must be wait, fail_fast or queue");
    assertThat(yamlError(limit + "    windw: 1h\n")).contains("line 7", "unknown key 'rateLimits[0].windw'",
        "did you mean 'window'?", "maxWait, onLimit, requestsPerMinute, scope, tokensPerMinute, window");

    assertThat(yamlError(PROVIDER + "adaptiveRateLimits: maybe\n"))
        .contains("line 4", "'adaptiveRateLimits' must be true or false");
    assertThat(yamlError(PROVIDER + "escalateOnFailure: 2\n"))
        .contains("line 4", "'escalateOnFailure' must be true or false");

    String breaker = PROVIDER + "circuitBreaker:\n";
    assertThat(yamlError(breaker + "  enabled: sometimes\n"))
        .contains("line 5", "'circuitBreaker.enabled' must be true or false");
    String percent = "must be a percentage greater than 0 and at most 100";
    for (String value : List.of("0", "0.0", "100.5", "101", "-5", "50%", "1e2", "half", "12.1234567")) {
      assertThat(yamlError(breaker + "  failureRateThreshold: " + value + "\n")).as(value)
          .contains("line 5", "'circuitBreaker.failureRateThreshold' " + percent);
    }
    assertThat(yamlError(breaker + "  slowCallRateThreshold: 0\n"))
        .contains("line 5", "'circuitBreaker.slowCallRateThreshold' " + percent);
    for (String value : List.of("0s", "-5s", "9999999h")) {
      assertThat(yamlError(breaker + "  slowCallDuration: " + value + "\n")).as(value).contains("line 5",
          "'circuitBreaker.slowCallDuration' must be a duration", "greater than zero and at most 292 years");
    }
    for (String key : List.of("slidingWindowSize", "minimumCalls", "probeCalls")) {
      assertThat(yamlError(breaker + "  " + key + ": 0\n"))
          .contains("line 5", "'circuitBreaker." + key + "' must be a whole number from 1 to 2147483647");
      assertThat(yamlError(breaker + "  " + key + ": 2.5\n")).contains("line 5", "'circuitBreaker." + key + "'");
    }
    for (String value : List.of("0ms", "PT0.0005S", "-1s")) {
      assertThat(yamlError(breaker + "  waitInOpenState: " + value + "\n")).as(value).contains("line 5",
          "'circuitBreaker.waitInOpenState' must be a duration", "at least 1ms");
    }
    assertThat(yamlError(breaker + "  probeCall: 2\n")).contains("line 5", "unknown key 'circuitBreaker.probeCall'",
        "did you mean 'probeCalls'?", "in 'circuitBreaker'", "enabled, failureRateThreshold, minimumCalls, probeCalls, "
            + "slidingWindowSize, slowCallDuration, slowCallRateThreshold, waitInOpenState");
    assertThat(yamlError(PROVIDER + "circuitBreaker: off\n"))
        .contains("line 4", "'circuitBreaker' must be a map with the keys enabled, failureRateThreshold");
  }

  @Test
  void invalidResilienceSettingsInJsonNameTheKeyAndTheLine() {
    String json = "{\n  \"providers\": {\"test\": {\"apiKey\": \"k\"}},\n  \"circuitBreaker\": {\n"
        + "    \"slowCallRateThreshold\": 12.5,\n    \"failureRateThreshold\": 5e1\n  }\n}\n";
    assertThat(error("ralex.json", json)).contains("ralex.json", "line 5",
        "'circuitBreaker.failureRateThreshold' must be a percentage");
    String window = "{\"providers\": {\"test\": {}},\n\"rateLimits\": [{\"scope\": \"test\", "
        + "\"requestsPerMinute\": 1,\n  \"window\": 60}]}";
    assertThat(error("ralex.json", window)).contains("line 3", "'rateLimits[0].window' must be a duration");
  }

  @Test
  void substitutionReachesTheResilienceSettings() {
    env.putAll(Map.of("WINDOW", "1s", "ESCALATE", "yes", "THRESHOLD", "50"));
    String yaml = PROVIDER + """
        rateLimits:
          - scope: test/small
            requestsPerMinute: ${RPM:-1}
            window: ${WINDOW}
            onLimit: ${ON_LIMIT:-fail_fast}
        adaptiveRateLimits: ${ADAPTIVE:-off}
        circuitBreaker:
          enabled: ${CIRCUITS:-true}
          failureRateThreshold: ${THRESHOLD}
          minimumCalls: ${MIN_CALLS:-2}
        escalateOnFailure: ${ESCALATE}
        """;
    try (Ralex ralex = buildTimed(yaml)) {
      ralex.rateLimiter.acquire(ralex.model("test/small"), 10);
      assertThatThrownBy(() -> ralex.rateLimiter.acquire(ralex.model("test/small"), 10))
          .isInstanceOfSatisfying(RateLimitedException.class,
              e -> assertThat(e.retryAfter()).hasValue(Duration.ofSeconds(1)));
      ralex.rateLimiter.observe(ralex.model("test/large"), exhausted());
      assertThat(ralex.rateLimiter.acquire(ralex.model("test/large"), 10).waited()).isZero();
      attemptFails(ralex, "test/large");
      attemptSucceeds(ralex, "test/large", Duration.ofSeconds(1));
      assertThat(ralex.circuits.state("test/large")).isEqualTo(State.OPEN);
      assertThat(ralex.escalateOnFailure).isTrue();
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // ${VAR} substitution

  @Test
  void substitutesVariablesInEveryStringValue() {
    env.putAll(Map.of("MODEL", "test/small", "FALLBACK", "test/large", "HOST", "api.example", "LIMIT", "2.50",
        "DEADLINE", "90s"));
    String yaml = """
        defaultModel: ${MODEL}
        fallbackModels: ["${FALLBACK}"]
        providers:
          test:
            apiKey: ${TEST_API_KEY}
            url: https://${HOST}:${PORT:-8443}/v1
            literal: $${NOT_A_VAR} costs $5
        budgets:
          - period: ${PERIOD:-daily}
            limit: ${LIMIT}
        retry:
          maxRetries: ${RETRIES:-7}
          deadline: ${DEADLINE}
        """;
    try (Ralex ralex = build(yaml)) {
      assertThat(ralex.defaultModel().id()).isEqualTo("test/small");
      assertThat(TestProviderFactory.lastConfig.settings()).containsEntry("apiKey", SECRET)
          .containsEntry("url", "https://api.example:8443/v1")
          .containsEntry("literal", "${NOT_A_VAR} costs $5");
      assertThat(ralex.usage().snapshot(ChatRequest.of("x")).budget()).isEqualTo("daily global");
      assertThat(limitOf(ralex, ChatRequest.of("x"))).isEqualTo(new BigDecimal("2.50"));
      assertThat(ralex.retryPolicy.maxRetries()).isEqualTo(7);
      assertThat(ralex.retryPolicy.deadline()).isEqualTo(Duration.ofSeconds(90));
    }
  }

  @Test
  void aDefaultAppliesWhenTheVariableIsUnsetOrEmpty() {
    String yaml = "providers:\n  test:\n    apiKey: k\n    a: ${A:-fallback}\n    b: ${B:-fallback}\n"
        + "    c: ${C:-fallback}\n    d: ${D}\n    e: ${E:-}\n";
    env.putAll(Map.of("B", "", "C", "set", "D", ""));
    build(yaml).close();
    assertThat(TestProviderFactory.lastConfig.settings()).containsEntry("a", "fallback")
        .containsEntry("b", "fallback").containsEntry("c", "set").containsEntry("d", "").containsEntry("e", "");
  }

  @Test
  void substitutedTextIsNotScannedAgain() {
    env.put("NESTED", "${TEST_API_KEY}");
    build(PROVIDER + "    other: ${NESTED}\n").close();
    assertThat(TestProviderFactory.lastConfig.settings()).containsEntry("other", "${TEST_API_KEY}");
  }

  @Test
  void aMissingVariableNamesTheVariableTheKeyAndTheLine() {
    String message = yamlError("defaultModel: test/small\nproviders:\n  test:\n    apiKey: ${MISSING_KEY}\n");
    assertThat(message).contains("ralex.yaml", "line 4, column 13", "'providers.test.apiKey'", "MISSING_KEY",
        "${MISSING_KEY:-default}");
  }

  @Test
  void aMalformedReferenceIsAnError() {
    assertThat(yamlError(PROVIDER + "defaultModel: ${MODEL\n"))
        .contains("line 4", "'defaultModel'", "malformed");
    assertThat(yamlError(PROVIDER + "defaultModel: ${1MODEL}\n")).contains("'defaultModel'", "malformed");
    assertThat(yamlError(PROVIDER + "defaultModel: ${A:-${B}}\n")).contains("'defaultModel'", "not supported");
  }

  @Test
  void substituteHandlesEscapesDefaultsAndPlainDollars() {
    List<String> used = new ArrayList<>();
    Map<String, String> vars = Map.of("A", "1", "EMPTY", "");
    assertThat(ConfigEnvParser.substitute("x${A}y${EMPTY}z${U:-d}$${A}$A$", vars::get, used::add))
        .isEqualTo("x1yzd${A}$A$");
    assertThat(used).containsExactly("A", "EMPTY", "U");
    assertThatThrownBy(() -> ConfigEnvParser.substitute("${U}", vars::get, used::add))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("U");
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Secrets

  @Test
  void errorsNeverShowSubstitutedValues() {
    env.put("SECRET", SECRET);
    env.put("SECRET_PATH", "/run/" + SECRET + "/models.json");
    env.put("BASE_DELAY", "30s");
    // A file where the journal's directory should be: opening the journal fails with a message naming the path.
    env.put("SECRET_FILE", write(SECRET + ".txt", "not a directory").toString());
    List<String> files = List.of(
        PROVIDER + "defaultMaxOutputTokens: ${SECRET}\n",
        PROVIDER + "retry:\n  maxRetries: ${SECRET}\n",
        PROVIDER + "budgets:\n  - period: ${SECRET}\n    limit: 1\n",
        PROVIDER + "budgets:\n  - period: daily\n    limit: ${SECRET}\n",
        PROVIDER + "timeZone: ${SECRET}\n",
        PROVIDER + "rateLimits:\n  - scope: ${SECRET}\n",
        PROVIDER + "catalog:\n  file: ${SECRET_PATH}\n",
        PROVIDER + "debug: x${SECRET}\n",
        PROVIDER + "rateLimits:\n  - scope: test\n    requestsPerMinute: 1\n    window: ${SECRET}\n",
        PROVIDER + "rateLimits:\n  - scope: test\n    requestsPerMinute: 1\n    onLimit: ${SECRET}\n",
        PROVIDER + "adaptiveRateLimits: ${SECRET}\n",
        PROVIDER + "escalateOnFailure: ${SECRET}\n",
        PROVIDER + "circuitBreaker:\n  enabled: ${SECRET}\n",
        PROVIDER + "circuitBreaker:\n  failureRateThreshold: ${SECRET}\n",
        PROVIDER + "circuitBreaker:\n  slowCallDuration: ${SECRET}\n",
        PROVIDER + "circuitBreaker:\n  probeCalls: ${SECRET}\n",
        PROVIDER + "budgets:\n  - period: daily\n    limit: 1\n    alertThreshold: ${SECRET}\n",
        PROVIDER + "budgets:\n  - period: daily\n    limit: 1\n    scope: tag:${SECRET}\n",
        PROVIDER + "usageStore:\n  type: ${SECRET}\n",
        PROVIDER + "usageStore:\n  type: journal\n  directory: usage\n  flush: ${SECRET}\n",
        PROVIDER + "usageStore:\n  type: journal\n  directory: ${SECRET_FILE}\n");
    for (String yaml : files) {
      Path file = write("ralex.yaml", yaml);
      Throwable thrown = catchThrowable(() -> load(file));
      assertThat(thrown).as(yaml).isInstanceOf(ConfigurationException.class);
      for (Throwable t = thrown; t != null; t = t.getCause()) {
        assertThat(t.getMessage()).as(yaml).doesNotContain(SECRET);
      }
    }
    // The retry policy's own message would quote both durations; with one from the environment it is withheld.
    String message = yamlError(PROVIDER + "retry:\n  baseDelay: ${BASE_DELAY}\n");
    assertThat(message).contains("'retry' is invalid", "BASE_DELAY").doesNotContain("PT30S", "30s");
  }

  @Test
  void syntaxErrorsAtSecretKeysDoNotQuoteTheText() {
    String message = error("ralex.json", "{\"providers\": {\"test\": {\"apiKey\": " + SECRET + "}}}");
    assertThat(message).contains("ralex.json", "line 1", "invalid JSON", "providers.test.apiKey")
        .doesNotContain(SECRET);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Unknown keys and wrong types

  @Test
  void anUnknownKeyNamesTheKeyTheLineAndTheKnownKeys() {
    String message = yamlError(PROVIDER + "retry:\n  maxRetires: 3\n");
    assertThat(message).contains("ralex.yaml", "line 5, column 3", "unknown key 'retry.maxRetires'",
        "did you mean 'maxRetries'?", "in 'retry'", "baseDelay, deadline, maxDelay, maxRetries, maxRetryAfter");

    String top = yamlError(PROVIDER + "defaultModle: test/small\n");
    assertThat(top).contains("line 4, column 1", "unknown key 'defaultModle'", "did you mean 'defaultModel'?",
        "at the top level", "adaptiveRateLimits", "budgets", "catalog", "circuitBreaker", "escalateOnFailure",
        "rateLimits", "timeZone", "usageStore");

    String inList = yamlError(PROVIDER + "budgets:\n  - period: daily\n    limit: 1\n    cap: 2\n");
    assertThat(inList).contains("line 7", "unknown key 'budgets[0].cap'", "in 'budgets[0]'",
        "alertThreshold, limit, period, scope");
  }

  @Test
  void aWrongTypeNamesTheKeyPathAndTheLine() {
    assertThat(yamlError(PROVIDER + "retry:\n  maxRetries: three\n"))
        .contains("ralex.yaml", "line 5, column 15", "'retry.maxRetries' must be a whole number from 0 to");
    assertThat(yamlError(PROVIDER + "retry:\n  maxRetries: [3]\n"))
        .contains("line 5", "'retry.maxRetries' must be a whole number", "not a list");
    assertThat(yamlError(PROVIDER + "retry:\n  maxRetries: 2.5\n")).contains("'retry.maxRetries'");
    assertThat(yamlError(PROVIDER + "retry: 5\n"))
        .contains("line 4", "'retry' must be a map with the keys baseDelay, deadline", "not a whole number");
    assertThat(yamlError(PROVIDER + "budgets:\n  period: daily\n"))
        .contains("line 5", "'budgets' must be a list", "not a map");
    assertThat(yamlError(PROVIDER + "fallbackModels: test/small\n"))
        .contains("'fallbackModels' must be a list", "not a string");
    assertThat(yamlError(PROVIDER + "fallbackModels: [test/small, ~]\n"))
        .contains("line 4", "'fallbackModels[1]' must not be empty");
    assertThat(yamlError(PROVIDER + "    headers:\n      x: y\n"))
        .contains("line 5", "'providers.test.headers' must be a string, number or boolean, not a map");
    assertThat(yamlError("providers:\n  test: key\n"))
        .contains("line 2", "'providers.test' must be a map of settings");
    assertThat(yamlError("- providers\n")).contains("line 1", "the top level must be a map of settings, not a list");
    assertThat(yamlError(PROVIDER + "rateLimits:\n  - scope: test\n    requestsPerMinute: 5\n    maxWait: 30\n"))
        .contains("line 7", "'rateLimits[0].maxWait' must be a duration such as 30s");
    assertThat(yamlError(PROVIDER + "budgets:\n  - period: weekly\n    limit: 1\n"))
        .contains("line 5", "'budgets[0].period' must be daily or monthly");
    assertThat(yamlError(PROVIDER + "budgets:\n  - period: daily\n    limit: 1\n    scope: team\n"))
        .contains("line 7", "'budgets[0].scope' must be global, tag:<key>=<value>, tag:<key>=* (each value apart), "
            + "conversation:<id> or conversation:* (each conversation apart)");
    assertThat(yamlError(PROVIDER + "timeZone: Europe/Berln\n")).contains("line 4", "'timeZone' must be a time zone");
    // Overflows Duration: still a configuration error, not an ArithmeticException.
    assertThat(yamlError(PROVIDER + "retry:\n  deadline: 9999999999999999h\n"))
        .contains("line 5", "'retry.deadline' must be a duration");
  }

  @Test
  void aWrongTypeInJsonNamesTheKeyPathAndTheLine() {
    String json = "{\n  \"providers\": {\"test\": {\"apiKey\": \"k\"}},\n  \"retry\": {\n    \"maxRetries\": true\n"
        + "  }\n}\n";
    assertThat(error("ralex.json", json)).contains("ralex.json", "line 4, column 19", "'retry.maxRetries'");
  }

  @Test
  void invalidValuesBecomeErrorsAtTheirKey() {
    assertThat(yamlError(PROVIDER + "budgets:\n  - period: daily\n    limit: -1\n"))
        .contains("line 6", "'budgets[0].limit' must be an amount in US dollars of at least 0");
    assertThat(yamlError(PROVIDER + "defaultMaxOutputTokens: 0\n"))
        .contains("line 4", "'defaultMaxOutputTokens' must be a whole number from 1");
    assertThat(yamlError(PROVIDER + "rateLimits:\n  - scope: test\n    requestsPerMinute: -5\n"))
        .contains("line 6", "'rateLimits[0].requestsPerMinute' must be a whole number from 0");
    assertThat(yamlError(PROVIDER + "retry:\n  deadline: 0s\n"))
        .contains("line 5", "'retry.deadline' must be a duration", "greater than zero");
    // Checks that span keys are made by the value types' constructors, and reported at the entry.
    assertThat(yamlError(PROVIDER + "retry:\n  baseDelay: 30s\n"))
        .contains("line 4", "'retry' is invalid: maxDelay (PT16S) must not be less than baseDelay (PT30S)");
    assertThat(yamlError(PROVIDER + "rateLimits:\n  - scope: test\n    onLimit: wait\n"))
        .contains("line 5", "'rateLimits[0]' must set requestsPerMinute or tokensPerMinute");
    assertThat(yamlError(PROVIDER + "budgets:\n  - period: daily\n"))
        .contains("line 5", "'budgets[0]' needs 'limit'");
    assertThat(yamlError(PROVIDER + "rateLimits:\n  - requestsPerMinute: 5\n"))
        .contains("line 5", "'rateLimits[0]' needs 'scope'");
    assertThat(yamlError(PROVIDER + "budgets:\n  - {period: daily, limit: 1}\n  - {period: DAILY, limit: 2}\n"))
        .contains("line 6", "'budgets[1]' has the same period and scope as 'budgets[0]'");
    assertThat(yamlError(PROVIDER + "rateLimits:\n  - {scope: test, requestsPerMinute: 1}\n"
        + "  - {scope: test, tokensPerMinute: 1}\n"))
        .contains("line 6", "'rateLimits[1]' has the same scope and window as 'rateLimits[0]'");
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Environment overrides

  @Test
  void ralexModelOverridesTheDefaultModel() {
    env.put("RALEX_MODEL", "test/small");
    try (Ralex ralex = build(PROVIDER + "defaultModel: test/large\n")) {
      assertThat(ralex.defaultModel().id()).isEqualTo("test/small");
    }
  }

  @Test
  void ralexDailyBudgetReplacesTheFilesDailyGlobalBudget() {
    env.put("RALEX_DAILY_BUDGET", "7.25");
    String yaml = PROVIDER + "budgets:\n  - {period: daily, limit: 5}\n  - {period: daily, limit: 1, scope: tag:a=b}\n";
    try (Ralex ralex = build(yaml)) {
      // Had it been added beside the file's $5 budget, the tighter $5 would bind.
      assertThat(limitOf(ralex, ChatRequest.of("x"))).isEqualTo(new BigDecimal("7.25"));
      assertThat(limitOf(ralex, tagged("a", "b"))).isEqualByComparingTo("1");
    }
    try (Ralex ralex = build(PROVIDER)) {
      assertThat(ralex.usage().snapshot(ChatRequest.of("x")).budget()).isEqualTo("daily global");
      assertThat(limitOf(ralex, ChatRequest.of("x"))).isEqualTo(new BigDecimal("7.25"));
    }
  }

  @Test
  void ralexMonthlyBudgetReplacesTheFilesMonthlyGlobalBudget() {
    env.put("RALEX_MONTHLY_BUDGET", "20");
    try (Ralex ralex = build(PROVIDER + "budgets:\n  - {period: monthly, limit: 10}\n")) {
      assertThat(ralex.usage().snapshot(ChatRequest.of("x")).budget()).isEqualTo("monthly global");
      assertThat(limitOf(ralex, ChatRequest.of("x"))).isEqualByComparingTo("20");
    }
  }

  @Test
  void ralexBudgetOverridesKeepTheFilesAlertThreshold() {
    env.put("RALEX_DAILY_BUDGET", "10");
    try (Ralex ralex = buildTimed(PROVIDER + "budgets:\n  - {period: daily, limit: 5, alertThreshold: 50%}\n")) {
      assertThat(limitOf(ralex, ChatRequest.of("x"))).isEqualByComparingTo("10");
      assertThat(spend(ralex, ChatRequest.of("x"), "c1", "4.99")).isEmpty();
      assertThat(spend(ralex, ChatRequest.of("x"), "c2", "0.01")).singleElement()
          .satisfies(a -> assertThat(a.threshold()).isEqualByComparingTo("0.5"));
    }
    // Without a global budget of that period in the file, the default threshold.
    env.remove("RALEX_DAILY_BUDGET");
    env.put("RALEX_MONTHLY_BUDGET", "10");
    try (Ralex ralex = buildTimed(PROVIDER + "budgets:\n  - {period: daily, limit: 50, alertThreshold: 10%}\n")) {
      assertThat(spend(ralex, ChatRequest.of("x"), "c1", "8")).extracting(RalexEvent.BudgetAlert::budget)
          .containsExactly("daily global", "monthly global");
    }
  }

  @Test
  void ralexDebugTurnsDebugOnOrOff() {
    env.put("RALEX_DEBUG", "yes");
    try (Ralex ralex = build(PROVIDER)) {
      assertThat(ralex.listeners.isEmpty()).isFalse();
    }
    env.put("RALEX_DEBUG", "1");
    try (Ralex ralex = build(PROVIDER)) {
      assertThat(ralex.listeners.isEmpty()).isFalse();
    }
    env.put("RALEX_DEBUG", "false");
    try (Ralex ralex = build(PROVIDER + "debug: true\n")) {
      assertThat(ralex.listeners.isEmpty()).isTrue();
    }
  }

  @Test
  void blankOverridesCountAsUnset() {
    env.putAll(Map.of("RALEX_MODEL", " ", "RALEX_DAILY_BUDGET", "", "RALEX_DEBUG", ""));
    try (Ralex ralex = build(PROVIDER + "defaultModel: test/large\n")) {
      assertThat(ralex.defaultModel().id()).isEqualTo("test/large");
      assertThat(ralex.usage().snapshot(ChatRequest.of("x"))).isEqualTo(BudgetSnapshot.UNLIMITED);
      assertThat(ralex.listeners.isEmpty()).isTrue();
    }
  }

  @Test
  void aMalformedOverrideNamesTheVariable() {
    Path file = write("ralex.yaml", PROVIDER);
    env.put("RALEX_DAILY_BUDGET", "-3");
    assertThatThrownBy(() -> load(file)).isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("RALEX_DAILY_BUDGET").hasMessageContaining("amount").hasMessageNotContaining("-3");
    env.remove("RALEX_DAILY_BUDGET");
    env.put("RALEX_MONTHLY_BUDGET", "1e3");
    assertThatThrownBy(() -> load(file)).isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("RALEX_MONTHLY_BUDGET");
    env.remove("RALEX_MONTHLY_BUDGET");
    env.put("RALEX_DEBUG", "maybe");
    assertThatThrownBy(() -> load(file)).isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("RALEX_DEBUG").hasMessageContaining("true or false");
  }

  // ---------------------------------------------------------------------------------------------------------------
  // The catalog file

  @Test
  void theCatalogFileIsResolvedAgainstTheConfigurationFilesDirectory() throws IOException {
    Files.createDirectories(dir.resolve("conf/models"));
    Files.copy(resource("extra-models.json"), dir.resolve("conf/models/extra.json"));
    Path config = write("conf/ralex.yaml", PROVIDER + "catalog:\n  file: models/extra.json\n");
    try (Ralex ralex = load(config).build()) {
      assertThat(ralex.model("test/medium").maxOutputTokens()).isEqualTo(2_000);
    }
  }

  @Test
  void aMissingCatalogFileNamesTheKeyAndLine() {
    assertThat(yamlError(PROVIDER + "catalog:\n  file: nowhere.json\n"))
        .contains("ralex.yaml", "line 5", "'catalog.file'", "nowhere.json");
    assertThat(yamlError(PROVIDER + "catalog: {}\n")).contains("'catalog' needs 'file'");
  }

  // ---------------------------------------------------------------------------------------------------------------
  // The usage store

  @Test
  void aJournalKeepsSpendAcrossRestarts() {
    String yaml = PROVIDER + """
        timeZone: UTC
        budgets:
          - period: daily
            limit: 1
        usageStore:
          type: journal
          directory: usage
        """;
    // Relative to the configuration file's directory, like catalog.file.
    Path config = write("conf/ralex.yaml", yaml);
    try (Ralex ralex = load(config).clock(clock).build()) {
      spend(ralex, ChatRequest.of("x"), "c1", "0.75");
    }
    assertThat(dir.resolve("conf/usage")).isDirectory();
    try (Ralex ralex = load(config).clock(clock).build()) {
      // Reloaded from the journal: the day's spend, and the budget 75% used, so $0.05 more reaches the alert.
      assertThat(ralex.usage().snapshot(ChatRequest.of("x")).spent()).isEqualByComparingTo("0.75");
      assertThat(spend(ralex, ChatRequest.of("x"), "c2", "0.05")).hasSize(1);
      assertThatThrownBy(() -> ralex.usage().reserve(ChatRequest.of("x"), ralex.model("test/small"), BigDecimal.ONE))
          .isInstanceOf(BudgetExceededException.class);
    }
    assertThat(journalRecords(dir.resolve("conf/usage"))).extracting(UsageRecord::callId).containsExactly("c1", "c2");
  }

  @Test
  void eitherFlushPolicyKeepsEveryRecord() {
    for (String flush : List.of("each", "group", "GROUP", "")) {
      Path usage = dir.resolve("usage-" + flush);
      String yaml = PROVIDER + "usageStore:\n  type: journal\n  directory: " + usage + "\n  flush: " + flush + "\n";
      try (Ralex ralex = buildTimed(yaml)) {
        spend(ralex, ChatRequest.of("x"), "c1", "0.10");
      }
      assertThat(journalRecords(usage)).as(flush).extracting(UsageRecord::callId).containsExactly("c1");
    }
  }

  @Test
  void theJournalsDaysStartInTheConfigurationsTimeZone() {
    String journal = "usageStore:\n  type: journal\n  directory: usage\n";
    // The builder refuses a store in another zone than the budgets': with the file's zone both agree.
    buildTimed(PROVIDER + "timeZone: Europe/Berlin\n" + journal).close();
    buildTimed(PROVIDER + journal).close(); // no timeZone: the system's, for both
    // A zone set on the builder after loading disagrees with the journal's, which is the file's.
    Path file = write("ralex.yaml", PROVIDER + "timeZone: Europe/Berlin\n" + journal);
    assertThatThrownBy(() -> load(file).zone(ZoneOffset.UTC).build()).isInstanceOf(ConfigurationException.class);
    // The failed build closed the journal: the directory is free again.
    load(file).build().close();
  }

  @Test
  void aMemoryStoreKeepsSpendInThisProcess() {
    try (Ralex ralex = buildTimed(PROVIDER + "usageStore:\n  type: memory\n")) {
      spend(ralex, ChatRequest.of("x"), "c1", "0.10");
      assertThat(ralex.usage().spentToday()).isEqualByComparingTo("0.10");
    }
  }

  @Test
  void invalidUsageStoreSettingsNameTheKeyAndTheLine() {
    String section = PROVIDER + "usageStore:\n";
    assertThat(yamlError(section + "  flush: each\n"))
        .contains("ralex.yaml", "line 4", "'usageStore' needs 'type': memory or journal");
    assertThat(yamlError(section + "  type: journal\n")).contains("line 4", "'usageStore' needs 'directory'");
    assertThat(yamlError(section + "  type: disk\n"))
        .contains("line 5, column 9", "'usageStore.type' must be memory or journal");
    assertThat(yamlError(section + "  type: journal\n  directory: usage\n  flush: always\n"))
        .contains("line 7", "'usageStore.flush' must be each (force every record to disk on its own) or group");
    assertThat(yamlError(section + "  type: memory\n  directory: usage\n"))
        .contains("line 6", "'usageStore.directory' applies only to type: journal");
    assertThat(yamlError(section + "  type: memory\n  flush: group\n"))
        .contains("line 6", "'usageStore.flush' applies only to type: journal");
    assertThat(yamlError(section + "  type: journal\n  directory: \"  \"\n"))
        .contains("line 6", "'usageStore.directory' must be a directory path");
    assertThat(yamlError(section + "  type: journal\n  directry: usage\n")).contains("line 6",
        "unknown key 'usageStore.directry'", "did you mean 'directory'?", "in 'usageStore'", "directory, flush, type");
    assertThat(yamlError(PROVIDER + "usageStore: journal\n"))
        .contains("line 4", "'usageStore' must be a map with the keys directory, flush, type", "not a string");
    String json = "{\"providers\": {\"test\": {\"apiKey\": \"k\"}},\n\"usageStore\": {\"type\": \"journal\",\n"
        + "  \"directory\": \"usage\", \"flush\": 1}}\n";
    assertThat(error("ralex.json", json)).contains("ralex.json", "line 3", "'usageStore.flush' must be each");
  }

  @Test
  void aJournalThatCannotBeOpenedNamesTheKeyAndTheLine() {
    write("taken.txt", "a file, not a directory");
    assertThat(yamlError(PROVIDER + "usageStore:\n  type: journal\n  directory: taken.txt\n"))
        .contains("ralex.yaml", "line 6", "'usageStore.directory'", "cannot create the usage journal directory");
    try (UsageStore open = UsageStore.journal(dir.resolve("usage"))) {
      assertThat(yamlError(PROVIDER + "usageStore:\n  type: journal\n  directory: usage\n"))
          .contains("line 6", "'usageStore.directory'", "already open");
    }
    // From the environment, the message keeps the path out.
    env.put("USAGE_DIR", dir.resolve("taken.txt").toString());
    assertThat(yamlError(PROVIDER + "usageStore:\n  type: journal\n  directory: ${USAGE_DIR}\n"))
        .contains("line 6", "'usageStore.directory' (from ${USAGE_DIR})", "the usage store directory")
        .doesNotContain("taken.txt");
  }

  // ---------------------------------------------------------------------------------------------------------------
  // The file as a whole

  @Test
  void anUnknownExtensionIsAnError() {
    Path file = write("ralex.toml", PROVIDER);
    assertThatThrownBy(() -> load(file)).isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("ralex.toml").hasMessageContaining(".yaml, .yml or .json");
  }

  @Test
  void theYmlExtensionReadsYaml() {
    try (Ralex ralex = load(write("ralex.yml", PROVIDER + "defaultModel: test/small\n")).build()) {
      assertThat(ralex.defaultModel().id()).isEqualTo("test/small");
    }
  }

  @Test
  void aMissingFileNamesThePath() {
    Path file = dir.resolve("absent.yaml");
    assertThatThrownBy(() -> load(file)).isInstanceOf(ConfigurationException.class)
        .hasMessageContaining(file.toString()).hasMessageContaining("does not exist");
  }

  @Test
  void anEmptyFileIsAnError() {
    assertThat(yamlError("")).contains("ralex.yaml", "is empty");
    assertThat(yamlError("# nothing but a comment\n")).contains("is empty");
    assertThat(error("ralex.json", "  \n")).contains("ralex.json", "is empty");
  }

  @Test
  void aFileWithoutProvidersIsAnError() {
    assertThat(yamlError("defaultModel: test/small\n")).contains("ralex.yaml", "no provider is configured");
    assertThat(yamlError("providers: {}\n")).contains("line 1", "no provider is configured");
  }

  @Test
  void structuralProblemsAreErrors() {
    assertThat(yamlError(PROVIDER + "debug: true\ndebug: false\n")).contains("ralex.yaml", "line 5", "debug");
    assertThat(yamlError(PROVIDER + "---\n" + PROVIDER)).contains("line 5", "more than one YAML document");
    assertThat(yamlError(PROVIDER + "defaultModel: &m test/small\nfallbackModels: [*m]\n"))
        .contains("line 5", "'fallbackModels[0]'", "alias");
    assertThat(yamlError(PROVIDER + "defaultModel: a: b\n"))
        .contains("line 4, column 16", "invalid YAML: mapping values are not allowed here");
    assertThat(error("ralex.json", "{\"providers\": {\"test\": {\"apiKey\": \"k\"}}} {}"))
        .contains("more than one JSON value");
  }

  @Test
  void anOversizedFileIsAnError() {
    String big = PROVIDER + "# " + "x".repeat(ConfigLoader.MAX_FILE_BYTES) + "\n";
    assertThat(yamlError(big)).contains("ralex.yaml", "larger than 1 MiB");
  }
}
