package dev.ralex.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ralex.api.BudgetExceededException;
import dev.ralex.api.ChatRequest;
import dev.ralex.api.Usage;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Default budgets that every conversation or tag value inherits without being listed. */
class BudgetTemplateTest {
  private final ManualClock clock = ManualClock.at("2026-11-25T10:00:00Z");

  private static ChatRequest inConversation(String id) {
    return ChatRequest.builder().addUserMessage("x").conversationId(id).build();
  }

  private static ChatRequest tagged(String key, String value) {
    return ChatRequest.builder().addUserMessage("x").tag(key, value).build();
  }

  private UsageRecord record(ChatRequest request, String cost) {
    return new UsageRecord("c", clock.instant(), "test/small", "test", Usage.of(1, 1), new BigDecimal(cost),
        request.tags(), request.conversationId().orElse(null));
  }

  private void spend(UsageTracker tracker, ChatRequest request, String cost) {
    tracker.reserve(request, TestModels.SMALL, new BigDecimal(cost)).commit(record(request, cost));
  }

  @Test
  void everyConversationGetsItsOwnCapWithoutBeingListed() {
    UsageTracker tracker = UsageTracker.inMemory(
        List.of(Budget.perConversation(Budget.Period.DAILY, new BigDecimal("1.00"))), clock, ZoneOffset.UTC, 100);
    spend(tracker, inConversation("new-1"), "1.00");
    assertThatThrownBy(() -> tracker.reserve(inConversation("new-1"), TestModels.SMALL, new BigDecimal("0.01")))
        .isInstanceOfSatisfying(BudgetExceededException.class,
            e -> assertThat(e.budget()).isEqualTo("daily conversation new-1"));
    // Another conversation, never configured, has a full dollar of its own; calls outside conversations are free.
    spend(tracker, inConversation("new-2"), "0.99");
    tracker.reserve(ChatRequest.of("x"), TestModels.SMALL, new BigDecimal("50")).release();
    assertThat(tracker.snapshot(inConversation("new-3")).budget()).isEqualTo("daily conversation new-3");
    assertThat(tracker.snapshot(inConversation("new-3")).remainingFraction()).isEqualTo(1.0);
    assertThat(tracker.snapshot(ChatRequest.of("x")).isExhausted()).isFalse();
    // The next day every conversation starts afresh.
    clock.advance(Duration.ofDays(1));
    spend(tracker, inConversation("new-1"), "1.00");
  }

  @Test
  void aListedScopeReplacesTheDefaultForItsValueOnly() {
    Budget each = Budget.perTag("user", Budget.Period.MONTHLY, new BigDecimal("5"));
    Budget vip = new Budget(Budget.Period.MONTHLY, new BigDecimal("50"), BudgetScope.tag("user", "vip"));
    UsageTracker tracker = UsageTracker.inMemory(List.of(each, vip), clock, ZoneOffset.UTC, 100);
    spend(tracker, tagged("user", "vip"), "20"); // over the default, within its own
    assertThat(tracker.snapshot(tagged("user", "vip")).budget()).isEqualTo("monthly tag user=vip");
    assertThatThrownBy(() -> spend(tracker, tagged("user", "ann"), "6"))
        .isInstanceOfSatisfying(BudgetExceededException.class,
            e -> assertThat(e.budget()).isEqualTo("monthly tag user=ann"));
    // Calls without the tag fall under no per-user budget.
    tracker.reserve(tagged("team", "x"), TestModels.SMALL, new BigDecimal("100")).release();
  }

  @Test
  void theTightestOfAllApplicableBudgetsRefusesAndNothingIsTakenFromTheOthers() {
    Budget global = Budget.daily(new BigDecimal("10"));
    Budget perUser = Budget.perTag("user", Budget.Period.DAILY, new BigDecimal("3"));
    Budget perConversation = Budget.perConversation(Budget.Period.DAILY, new BigDecimal("1"));
    UsageTracker tracker = UsageTracker.inMemory(List.of(global, perUser, perConversation), clock, ZoneOffset.UTC,
        100);
    ChatRequest call = ChatRequest.builder().addUserMessage("x").tag("user", "ann").conversationId("c1").build();
    spend(tracker, call, "0.90");
    assertThat(tracker.snapshot(call).budget()).isEqualTo("daily conversation c1");
    // $2.50 overflows both the user's $3 (0.90 + 2.50) and the conversation's $1; the tightest is named.
    assertThatThrownBy(() -> tracker.reserve(call, TestModels.SMALL, new BigDecimal("2.50")))
        .isInstanceOfSatisfying(BudgetExceededException.class,
            e -> assertThat(e.budget()).isEqualTo("daily conversation c1"));
    // All or nothing: the refused reservation took nothing from the user's or the global budget.
    ChatRequest otherConversation = ChatRequest.builder().addUserMessage("x").tag("user", "ann")
        .conversationId("c2").build();
    assertThat(tracker.snapshot(ChatRequest.of("x")).spent()).isEqualByComparingTo("0.90");
    spend(tracker, otherConversation, "1");
    spend(tracker, ChatRequest.builder().addUserMessage("x").tag("user", "ann").conversationId("c3").build(), "1");
    assertThatThrownBy(() -> spend(tracker, ChatRequest.builder().addUserMessage("x").tag("user", "ann")
        .conversationId("c4").build(), "0.2"))
        .isInstanceOfSatisfying(BudgetExceededException.class,
            e -> assertThat(e.budget()).isEqualTo("daily tag user=ann"));
    assertThat(tracker.snapshot(ChatRequest.of("x")).spent()).isEqualByComparingTo("2.90");
  }

  @Test
  void templateScopesAreNamedAndValidated() {
    assertThat(Budget.perConversation(Budget.Period.DAILY, BigDecimal.ONE).name()).isEqualTo("daily each conversation");
    assertThat(Budget.perTag("team", Budget.Period.MONTHLY, BigDecimal.ONE).name()).isEqualTo("monthly each tag team");
    assertThat(BudgetScope.eachConversation().isTemplate()).isTrue();
    assertThat(BudgetScope.conversation("c").isTemplate()).isFalse();
    assertThat(BudgetScope.eachTag("team").resolve(ChatRequest.of("x"))).isEmpty();
    assertThat(BudgetScope.eachTag("team").resolve(
        ChatRequest.builder().addUserMessage("x").tag("team", "a").build())).contains(BudgetScope.tag("team", "a"));
    assertThatThrownBy(() -> BudgetScope.tag("team", "")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> BudgetScope.conversation(" ")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> BudgetScope.eachTag(" ")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aConversationTemplateHoldsThroughThePipeline() {
    ScriptedProvider provider = new ScriptedProvider("test");
    try (Ralex ralex = Ralex.builder().provider(provider)
        .catalog(ModelCatalog.of(List.of(TestModels.SMALL, TestModels.LARGE)))
        .budget(Budget.perConversation(Budget.Period.DAILY, new BigDecimal("0.00006")))
        .clock(clock).sleeper(new RecordingSleeper(clock)).zone(ZoneOffset.UTC).build()) {
      Conversation a = ralex.conversation("a");
      // Each echo bills $0.00002; the worst case, the history's estimated input x $1/M + 5 x $2/M, grows with the
      // history, so the third send's reservation no longer fits in what is left of $0.00006.
      a.send(dev.ralex.api.Message.user("one"), b -> b.maxOutputTokens(5));
      a.send(dev.ralex.api.Message.user("two"), b -> b.maxOutputTokens(5));
      assertThatThrownBy(() -> a.send(dev.ralex.api.Message.user("three"), b -> b.maxOutputTokens(5)))
          .isInstanceOfSatisfying(BudgetExceededException.class,
              e -> assertThat(e.budget()).isEqualTo("daily conversation a"));
      ralex.conversation("b").send(dev.ralex.api.Message.user("one"), b -> b.maxOutputTokens(5));
      assertThat(ralex.usage().spentToday()).isEqualByComparingTo("0.00006");
    }
  }
}
