package dev.ralex.core;

import dev.ralex.api.ModelInfo;
import dev.ralex.api.ModelTier;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What to report on: the billed attempts and response-cache hits in [from, to), optionally only those with some
 * tags, grouped one way, with days and months in a time zone, and priced again on a reference model for the
 * savings. Immutable; each {@code with}-style method returns a changed copy. Thread-safe.
 *
 * <pre>{@code
 * UsageReport byTeam = ralex.usage().report(UsageQuery.between(monthStart, now).byTag("team")
 *     .comparedTo(UsageQuery.strongest(ralex.models()).orElseThrow()));
 * }</pre>
 */
public final class UsageQuery {
  /** How the attempts are grouped into the report's rows. */
  public enum GroupBy {
    /** One row for everything. */
    NONE,
    /** One row per calendar day in the query's zone, keyed {@code 2026-03-29}. */
    DAY,
    /** One row per calendar month in the query's zone, keyed {@code 2026-03}. */
    MONTH,
    /** One row per model id. */
    MODEL,
    /** One row per provider id. */
    PROVIDER,
    /** One row per conversation id; calls outside conversations under the key {@code ""}. */
    CONVERSATION,
    /** One row per value of the query's tag key; untagged calls under the key {@code ""}. */
    TAG
  }

  private final Instant from;
  private final Instant to;
  private final GroupBy groupBy;
  private final String tagKey;
  private final ZoneId zone;
  private final Map<String, String> tags;
  private final ModelInfo reference;

  private UsageQuery(Instant from, Instant to, GroupBy groupBy, String tagKey, ZoneId zone,
      Map<String, String> tags, ModelInfo reference) {
    this.from = from;
    this.to = to;
    this.groupBy = groupBy;
    this.tagKey = tagKey;
    this.zone = zone;
    this.tags = tags;
    this.reference = reference;
  }

  /**
   * The billed attempts recorded in [from, to), in one group, in the tracker's zone, without a reference model.
   *
   * @throws IllegalArgumentException if {@code to} is before {@code from}
   */
  public static UsageQuery between(Instant from, Instant to) {
    Objects.requireNonNull(from, "from");
    Objects.requireNonNull(to, "to");
    if (to.isBefore(from)) {
      throw new IllegalArgumentException("to (" + to + ") is before from (" + from + ")");
    }
    return new UsageQuery(from, to, GroupBy.NONE, "", null, Map.of(), null);
  }

  /** Grouped per calendar day in the query's zone. */
  public UsageQuery byDay() {
    return groupedBy(GroupBy.DAY, "");
  }

  /** Grouped per calendar month in the query's zone. */
  public UsageQuery byMonth() {
    return groupedBy(GroupBy.MONTH, "");
  }

  /** Grouped per model. */
  public UsageQuery byModel() {
    return groupedBy(GroupBy.MODEL, "");
  }

  /** Grouped per provider. */
  public UsageQuery byProvider() {
    return groupedBy(GroupBy.PROVIDER, "");
  }

  /** Grouped per conversation. */
  public UsageQuery byConversation() {
    return groupedBy(GroupBy.CONVERSATION, "");
  }

  /** Grouped per value of the tag {@code key}, such as each user, team or task phase. */
  public UsageQuery byTag(String key) {
    if (key == null || key.isBlank()) {
      throw new IllegalArgumentException("a tag key must not be blank");
    }
    return groupedBy(GroupBy.TAG, key);
  }

  private UsageQuery groupedBy(GroupBy g, String key) {
    return new UsageQuery(from, to, g, key, zone, tags, reference);
  }

  /** Days and months in {@code zone} rather than the tracker's. */
  public UsageQuery inZone(ZoneId zone) {
    return new UsageQuery(from, to, groupBy, tagKey, Objects.requireNonNull(zone, "zone"), tags, reference);
  }

  /** Only the attempts of calls tagged {@code key=value} (and any other tags already required). */
  public UsageQuery tagged(String key, String value) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(value, "value");
    Map<String, String> more = new LinkedHashMap<>(tags);
    more.put(key, value);
    return new UsageQuery(from, to, groupBy, tagKey, zone, Map.copyOf(more), reference);
  }

  /**
   * Prices every attempt's usage again at {@code model}'s catalog prices (each kind of token at its own rate),
   * reported beside the real cost as the cost of sending the same calls to that model.
   */
  public UsageQuery comparedTo(ModelInfo model) {
    return new UsageQuery(from, to, groupBy, tagKey, zone, tags, Objects.requireNonNull(model, "model"));
  }

  /**
   * The default reference model for savings: of {@code models}, those of the strongest tier present (normally
   * {@link ModelTier#STRONG}), the one with the highest output price, then input price; the greatest id breaks
   * ties. Empty if {@code models} is.
   */
  public static Optional<ModelInfo> strongest(Collection<ModelInfo> models) {
    return models.stream().max(Comparator.comparing(ModelInfo::tier)
        .thenComparing(m -> m.pricing().outputPerMTok())
        .thenComparing(m -> m.pricing().inputPerMTok())
        .thenComparing(ModelInfo::id));
  }

  /** The start of the range, inclusive. */
  public Instant from() {
    return from;
  }

  /** The end of the range, exclusive. */
  public Instant to() {
    return to;
  }

  /** How rows are grouped. */
  public GroupBy groupBy() {
    return groupBy;
  }

  /** The tag key rows are grouped by for {@link GroupBy#TAG}, else empty. */
  public String tagKey() {
    return tagKey;
  }

  /** The zone for days and months, if set; else the tracker's. */
  public Optional<ZoneId> zone() {
    return Optional.ofNullable(zone);
  }

  /** The tags an attempt's call must have to be counted. */
  public Map<String, String> tags() {
    return tags;
  }

  /** The model the usage is priced on for comparison, if set. */
  public Optional<ModelInfo> reference() {
    return Optional.ofNullable(reference);
  }

  /** Whether {@code record} is counted: in range and carrying every required tag. */
  boolean matches(UsageRecord record) {
    if (record.at().isBefore(from) || !record.at().isBefore(to)) {
      return false;
    }
    for (Map.Entry<String, String> e : tags.entrySet()) {
      if (!e.getValue().equals(record.tags().get(e.getKey()))) {
        return false;
      }
    }
    return true;
  }

  @Override
  public String toString() {
    return "UsageQuery[" + from + ", " + to + ") by " + groupBy + (tagKey.isEmpty() ? "" : " " + tagKey)
        + (zone == null ? "" : " in " + zone) + (tags.isEmpty() ? "" : " tagged " + tags)
        + (reference == null ? "" : " vs " + reference.id());
  }
}
