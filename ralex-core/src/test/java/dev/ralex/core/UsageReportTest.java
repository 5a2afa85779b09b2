package dev.ralex.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ralex.api.ChatRequest;
import dev.ralex.api.ModelInfo;
import dev.ralex.api.Usage;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class UsageReportTest {
  private static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");
  private final ManualClock clock = ManualClock.at("2026-03-28T12:00:00Z");

  /** Records one billed attempt at {@code at} through a reservation, as the pipeline does. */
  private void bill(UsageTracker tracker, String at, String model, Usage usage, String cost, String conversation,
      String... tags) {
    clock.set(Instant.parse(at));
    Map<String, String> tagMap = new HashMap<>();
    for (int i = 0; i < tags.length; i += 2) {
      tagMap.put(tags[i], tags[i + 1]);
    }
    ChatRequest request = ChatRequest.builder().addUserMessage("x").tags(tagMap).conversationId(conversation).build();
    tracker.reserve(request, TestModels.SMALL, new BigDecimal(cost)).commit(new UsageRecord("c-" + at, clock.instant(),
        model, model.substring(0, model.indexOf('/')), usage, new BigDecimal(cost), tagMap, conversation));
  }

  private UsageTracker tracker(ZoneId zone) {
    return UsageTracker.inMemory(List.of(), clock, zone, 1_000);
  }

  @Test
  void daysFollowTheTrackersZoneAcrossTheSpringDstChange() {
    UsageTracker tracker = tracker(BERLIN);
    // Berlin moves from CET (+01:00) to CEST (+02:00) at 01:00 UTC on 2026-03-29: that day has 23 hours.
    bill(tracker, "2026-03-28T22:59:59Z", "test/small", Usage.of(100, 10), "0.10", null); // 23:59:59 on the 28th
    bill(tracker, "2026-03-28T23:00:00Z", "test/small", Usage.of(200, 20), "0.20", null); // 00:00 on the 29th
    bill(tracker, "2026-03-29T21:59:59Z", "test/small", Usage.of(300, 30), "0.30", null); // 23:59:59 CEST, 29th
    bill(tracker, "2026-03-29T22:00:00Z", "test/small", Usage.of(400, 40), "0.40", null); // 00:00 on the 30th

    UsageReport byDay = tracker.report(UsageQuery.between(Instant.parse("2026-03-01T00:00:00Z"),
        Instant.parse("2026-04-01T00:00:00Z")).byDay());
    assertThat(byDay.zone()).isEqualTo(BERLIN);
    assertThat(byDay.rows()).extracting(UsageReport.Row::key).containsExactly("2026-03-28", "2026-03-29", "2026-03-30");
    assertThat(byDay.row("2026-03-29").orElseThrow()).satisfies(t -> {
      assertThat(t.calls()).isEqualTo(2);
      assertThat(t.inputTokens()).isEqualTo(500);
      assertThat(t.outputTokens()).isEqualTo(50);
      assertThat(t.cost()).isEqualByComparingTo("0.50");
    });
    assertThat(byDay.total().cost()).isEqualByComparingTo("1.00");
    assertThat(byDay.complete()).isTrue();

    // The same records in UTC days: the boundaries move.
    UsageReport utc = tracker.report(UsageQuery.between(Instant.parse("2026-03-01T00:00:00Z"),
        Instant.parse("2026-04-01T00:00:00Z")).byDay().inZone(ZoneOffset.UTC));
    assertThat(utc.row("2026-03-28").orElseThrow().cost()).isEqualByComparingTo("0.30");
    assertThat(utc.row("2026-03-29").orElseThrow().cost()).isEqualByComparingTo("0.70");
  }

  @Test
  void monthsFollowTheTrackersZone() {
    UsageTracker tracker = tracker(BERLIN);
    bill(tracker, "2026-03-31T21:59:59Z", "test/small", Usage.of(1, 1), "0.25", null); // 23:59:59 on 31 March
    bill(tracker, "2026-03-31T22:00:00Z", "test/small", Usage.of(1, 1), "0.50", null); // 00:00 on 1 April
    bill(tracker, "2026-04-30T21:59:59Z", "test/small", Usage.of(1, 1), "1.00", null); // still April

    UsageReport byMonth = tracker.report(UsageQuery.between(Instant.EPOCH, Instant.parse("2027-01-01T00:00:00Z"))
        .byMonth());
    assertThat(byMonth.rows()).extracting(UsageReport.Row::key).containsExactly("2026-03", "2026-04");
    assertThat(byMonth.row("2026-03").orElseThrow().cost()).isEqualByComparingTo("0.25");
    assertThat(byMonth.row("2026-04").orElseThrow().cost()).isEqualByComparingTo("1.50");
    // In UTC, all three fall in March and April differently.
    UsageReport utc = tracker.report(UsageQuery.between(Instant.EPOCH, Instant.parse("2027-01-01T00:00:00Z"))
        .byMonth().inZone(ZoneOffset.UTC));
    assertThat(utc.row("2026-03").orElseThrow().cost()).isEqualByComparingTo("0.75");
  }

  @Test
  void groupsByModelProviderConversationAndTagOverAHalfOpenRange() {
    UsageTracker tracker = tracker(ZoneOffset.UTC);
    bill(tracker, "2026-03-28T10:00:00Z", "anthropic/claude-haiku-4-5", new Usage(10, 5, 100, 20), "0.01", "c1",
        "team", "search", "user", "ann");
    bill(tracker, "2026-03-28T11:00:00Z", "anthropic/claude-sonnet-4-6", Usage.of(10, 5), "0.02", "c1",
        "team", "search", "user", "bob");
    bill(tracker, "2026-03-28T12:00:00Z", "openrouter/openai/gpt-6.1-sol", Usage.of(10, 5), "0.04", null,
        "team", "ads");
    bill(tracker, "2026-03-28T13:00:00Z", "openrouter/openai/gpt-6.1-sol", Usage.of(10, 5), "0.08", "c2");
    UsageQuery range = UsageQuery.between(Instant.parse("2026-03-28T10:00:00Z"),
        Instant.parse("2026-03-28T13:00:00Z")); // the 13:00 record is outside [from, to)

    assertThat(tracker.report(range.byModel()).rows()).extracting(UsageReport.Row::key)
        .containsExactly("anthropic/claude-haiku-4-5", "anthropic/claude-sonnet-4-6", "openrouter/openai/gpt-6.1-sol");
    UsageReport byProvider = tracker.report(range.byProvider());
    assertThat(byProvider.row("anthropic").orElseThrow().cost()).isEqualByComparingTo("0.03");
    assertThat(byProvider.row("anthropic").orElseThrow().cacheReadTokens()).isEqualTo(100);
    assertThat(byProvider.row("anthropic").orElseThrow().cacheWriteTokens()).isEqualTo(20);
    assertThat(byProvider.row("anthropic").orElseThrow().totalInputTokens()).isEqualTo(140);
    assertThat(byProvider.row("openrouter").orElseThrow().cost()).isEqualByComparingTo("0.04");

    UsageReport byConversation = tracker.report(range.byConversation());
    assertThat(byConversation.row("c1").orElseThrow().calls()).isEqualTo(2);
    assertThat(byConversation.row("").orElseThrow().cost()).isEqualByComparingTo("0.04"); // outside conversations
    assertThat(byConversation.row("c2")).isEmpty();

    UsageReport byTeam = tracker.report(range.byTag("team"));
    assertThat(byTeam.row("search").orElseThrow().cost()).isEqualByComparingTo("0.03");
    assertThat(byTeam.row("ads").orElseThrow().cost()).isEqualByComparingTo("0.04");
    UsageReport searchByUser = tracker.report(range.tagged("team", "search").byTag("user"));
    assertThat(searchByUser.rows()).extracting(UsageReport.Row::key).containsExactly("ann", "bob");
    assertThat(searchByUser.total().cost()).isEqualByComparingTo("0.03");
  }

  @Test
  void savingsPriceTheSameUsageOnTheReferenceModelBesideTheRealCost() {
    ModelCatalog catalog = ModelCatalog.bundled();
    ModelInfo reference = UsageQuery.strongest(catalog.models()).orElseThrow();
    // The bundled catalog's strongest tier tops out at $50 output and $10 input per million (Fable 5, 5.1).
    assertThat(reference.pricing().outputPerMTok()).isEqualByComparingTo("50");
    assertThat(reference.pricing().inputPerMTok()).isEqualByComparingTo("10");
    assertThat(reference.id()).isEqualTo("anthropic/claude-fable-5-1"); // the greatest id breaks the tie
    UsageTracker tracker = tracker(ZoneOffset.UTC);
    // Haiku 4.5 invoice (InvoiceExamplesTest): $0.0070. On Fable 5.1 ($10 in, $50 out, $0.25 cache read, $12.50
    // cache write): 1,000 x 10 + 2,000 x 12.5 + 10,000 x 0.25 + 500 x 50 = 62,500 / 1M = $0.0625.
    bill(tracker, "2026-03-28T10:00:00Z", "anthropic/claude-haiku-4-5", new Usage(1_000, 500, 10_000, 2_000),
        "0.0070", null);
    UsageReport report = tracker.report(UsageQuery.between(Instant.EPOCH, Instant.parse("2027-01-01T00:00:00Z"))
        .byModel().comparedTo(reference));
    assertThat(report.referenceModel()).contains("anthropic/claude-fable-5-1");
    assertThat(report.total().cost()).isEqualByComparingTo("0.0070");
    assertThat(report.total().referenceCost()).isEqualByComparingTo("0.0625");
    assertThat(report.total().savings()).isEqualByComparingTo("0.0555");
    assertThat(report.row("anthropic/claude-haiku-4-5").orElseThrow().savings()).isEqualByComparingTo("0.0555");
    // Without a reference model there is nothing to compare: the reference cost is the cost.
    UsageReport plain = tracker.report(UsageQuery.between(Instant.EPOCH, Instant.parse("2027-01-01T00:00:00Z")));
    assertThat(plain.total().savings()).isZero();
    assertThat(plain.referenceModel()).isEmpty();
  }

  @Test
  void theStrongestPrefersTheStrongestTierOverAPricierWeakerModel() {
    ModelInfo pricyCheap = TestModels.model("test/pricey", 1_000, 100, "100", "900", dev.ralex.api.ModelTier.CHEAP);
    assertThat(UsageQuery.strongest(List.of(pricyCheap, TestModels.LARGE, TestModels.SMALL))).contains(TestModels.LARGE);
    assertThat(UsageQuery.strongest(List.of())).isEmpty();
  }

  @Test
  void aReportSaysWhenTheInMemoryTrackerHasDroppedRecordsOfItsRange() {
    UsageTracker tracker = UsageTracker.inMemory(List.of(), clock, ZoneOffset.UTC, 2);
    bill(tracker, "2026-03-28T10:00:00Z", "test/small", Usage.of(1, 1), "1", null);
    bill(tracker, "2026-03-28T11:00:00Z", "test/small", Usage.of(1, 1), "1", null);
    bill(tracker, "2026-03-28T12:00:00Z", "test/small", Usage.of(1, 1), "1", null); // drops the 10:00 record
    assertThat(tracker.report(UsageQuery.between(Instant.EPOCH, clock.instant().plusSeconds(1))).complete()).isFalse();
    assertThat(tracker.report(UsageQuery.between(Instant.parse("2026-03-28T10:00:01Z"),
        clock.instant().plusSeconds(1))).complete()).isTrue();
  }

  @Test
  void aQueryRejectsAnInvertedRangeAndABlankTagKey() {
    assertThatThrownBy(() -> UsageQuery.between(Instant.parse("2026-03-28T10:00:00Z"), Instant.EPOCH))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("before");
    assertThatThrownBy(() -> UsageQuery.between(Instant.EPOCH, Instant.EPOCH).byTag(" "))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
