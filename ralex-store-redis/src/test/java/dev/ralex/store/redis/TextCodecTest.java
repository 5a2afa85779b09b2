package dev.ralex.store.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ralex.api.Usage;
import dev.ralex.core.UsageRecord;
import dev.ralex.core.UsageStore;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The text form of usage in Redis, without a server: members and aggregates written before cache hits read as
 * billed, and are still written that way.
 */
class TextCodecTest {
  private static final Instant T = Instant.parse("2026-03-10T12:00:00Z");

  @Test
  void aMemberWrittenBeforeCacheHitsReadsAsBilled() {
    String old = "1:1" + "3:s01" + "3:old" + "10:" + T.getEpochSecond() + "1:7" + "1:m" + "1:p"
        + "3:100" + "2:20" + "1:0" + "1:0" + "6:0.0450" + "1:1" + "4:team" + "6:search" + "1:1" + "6:conv-1";
    TextCodec.Member m = TextCodec.decodeMember(old);
    UsageRecord billed = new UsageRecord("old", T.plusNanos(7), "m", "p", Usage.of(100, 20),
        new BigDecimal("0.0450"), Map.of("team", "search"), "conv-1");
    assertThat(m.seq()).isEqualTo("s01");
    assertThat(m.record()).isEqualTo(billed);
    assertThat(m.record().kind()).isEqualTo(UsageRecord.Kind.BILLED);
    // Billed records are still written in the old form, so older readers and old members agree.
    assertThat(TextCodec.member("s01", billed)).isEqualTo(old);
  }

  @Test
  void anAggregateWrittenBeforeCacheHitsReadsAsBilledWithItsKeyUnchanged() {
    Instant day = Instant.parse("2026-03-10T00:00:00Z");
    String field = "1:1" + "1:m" + "1:p" + "1:0" + "1:0";
    String value = "1:1" + "10:" + day.getEpochSecond() + "1:0" + "1:3" + "1:1" + "1:2" + "1:3" + "1:4"
        + "4:1.25";
    UsageStore.Aggregate a = TextCodec.decodeAggregate(field, value);
    assertThat(a).isEqualTo(new UsageStore.Aggregate(day, "m", "p", Map.of(), null, 3, new Usage(1, 2, 3, 4),
        new BigDecimal("1.25")));
    assertThat(a.kind()).isEqualTo(UsageRecord.Kind.BILLED);
    // Compaction merges into the billed aggregate's existing hash field: its key text must not change.
    assertThat(TextCodec.aggField(new TextCodec.AggKey("m", "p", Map.of(), null, UsageRecord.Kind.BILLED)))
        .isEqualTo(field);
    assertThat(TextCodec.aggValue(a)).isEqualTo(value);
  }

  @Test
  void cacheHitsRoundTripApartFromBilledAttempts() {
    UsageRecord hit = UsageRecord.cacheHit("hit", T, "m", "p", new BigDecimal("1.5E+3"), Map.of("team", "a"), null);
    TextCodec.Member back = TextCodec.decodeMember(TextCodec.member("s02", hit));
    assertThat(back.record()).isEqualTo(hit);
    assertThat(back.record().saved().scale()).isEqualTo(-2);

    UsageStore.Aggregate hits = new UsageStore.Aggregate(T, "m", "p", Map.of("team", "a"), "c", 2, Usage.ZERO,
        BigDecimal.ZERO, UsageRecord.Kind.CACHE_HIT, new BigDecimal("0.0300"));
    TextCodec.AggKey hitKey = new TextCodec.AggKey("m", "p", Map.of("team", "a"), "c", UsageRecord.Kind.CACHE_HIT);
    TextCodec.AggKey billedKey = new TextCodec.AggKey("m", "p", Map.of("team", "a"), "c", UsageRecord.Kind.BILLED);
    assertThat(TextCodec.aggField(hitKey)).isNotEqualTo(TextCodec.aggField(billedKey));
    assertThat(TextCodec.decodeAggregate(TextCodec.aggField(hitKey), TextCodec.aggValue(hits))).isEqualTo(hits);
  }

  @Test
  void anUnknownVersionOrKindIsRefused() {
    String member = TextCodec.member("s", UsageRecord.cacheHit("h", T, "m", "p", BigDecimal.ONE, Map.of(), null));
    assertThatThrownBy(() -> TextCodec.decodeMember("1:3" + member.substring(3)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("version 3");
    assertThatThrownBy(() -> TextCodec.decodeMember(member.replace("9:CACHE_HIT", "9:CACHE_HOT")))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
